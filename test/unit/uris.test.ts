import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { pathToUri, uriToPath } from '../../server/src/uris';

test('pathToUri gives exactly what pathToFileURL gives, on plain and awkward paths', () => {
  const paths = [
    '/tmp/alembic/migrations/versions/0001_create_users.py',
    '/a+b@c,d=e:f/x_y-z.py',
    '/home/me/~backup/v.py',
    '/tmp/a b.py',
    '/tmp/é.py',
    '/tmp/a#b?.py',
    '/tmp/a%b.py',
    '/tmp/[x].py',
    "/tmp/a'b.py",
    '/tmp/a!b$c&d(e)*;.py',
    '/a//b.py',
    '/a/./b.py',
    '/a/../b.py',
    '/a/b/',
    '/',
    '/a/.hidden/b.py',
    '/a/..x/b.py',
    '/a/x../b.py',
  ];
  for (const p of paths) {
    assert.equal(pathToUri(p), pathToFileURL(p).href, p);
    assert.equal(pathToUri(p), pathToFileURL(p).href, `${p} (cached)`);
  }
  assert.equal(uriToPath(pathToUri('/tmp/a b/é.py')), '/tmp/a b/é.py');
});
