/**
 * The layers, checked on the source: the client imports from the server's tree only through
 * server/src/shared/ (the protocol, the revision-state logic, ini parsing), and the shared folder
 * imports nothing from either side — so the two bundles cannot drift apart on what they share.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { revisionState, appliedRevisions, shortId } from '../../server/src/shared/revisionState';
import { GraphView } from '../../client/src/model/graphModel';
import { pendingCount } from '../../client/src/model/statusModel';

const root = path.resolve(__dirname, '..', '..', '..');

function imports(dir: string): Array<{ file: string; spec: string }> {
  const out: Array<{ file: string; spec: string }> = [];
  for (const f of fs.readdirSync(path.join(root, dir), { recursive: true }) as string[]) {
    if (!f.endsWith('.ts')) continue;
    const text = fs.readFileSync(path.join(root, dir, f), 'utf8');
    for (const m of text.matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm))
      out.push({ file: path.join(dir, f), spec: path.normalize(path.join(dir, path.dirname(f), m[1])) });
  }
  return out;
}

test('the client reaches into the server only through server/src/shared/', () => {
  const crossing = imports('client/src').filter((i) => i.spec.startsWith('server/') && !i.spec.startsWith('server/src/shared/'));
  assert.deepEqual(crossing, []);
  assert.ok(
    imports('client/src').some((i) => i.spec.startsWith('server/src/shared/')),
    'the client does use the shared folder',
  );
});

test('server/src/shared/ depends on nothing of the client or the server', () => {
  const out = imports('server/src/shared').filter(
    (i) => !i.spec.startsWith('server/src/shared/') && (i.spec.startsWith('server/') || i.spec.startsWith('client/')),
  );
  assert.deepEqual(out, []);
});

test('one rule for applied, current, pending and unknown, whoever asks', () => {
  const node = (id: string, parents: string[]) => ({
    id,
    message: id,
    uri: 'file:///x',
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    parents,
    children: [],
    labels: [],
    dependencies: [],
    flags: [],
  });
  const view = new GraphView({ projectId: 'p', generation: 1, nodes: [node('c', ['b']), node('b', ['a']), node('a', [])], heads: ['c'], bases: ['a'] });
  assert.deepEqual(
    [...view.states(['b'])],
    [
      ['c', 'pending'],
      ['b', 'current'],
      ['a', 'applied'],
    ],
  );
  assert.deepEqual(
    [...view.states(['b', 'elsewhere'])],
    [
      ['c', 'unknown'],
      ['b', 'current'],
      ['a', 'applied'],
    ],
    'a row of another history: nothing is pending',
  );
  assert.deepEqual(
    [...view.states(undefined)].map(([, s]) => s),
    ['unknown', 'unknown', 'unknown'],
  );
  assert.equal(revisionState(view, ['b'], 'c'), 'pending');
  assert.deepEqual([...appliedRevisions(view, ['c'])].sort(), ['a', 'b', 'c']);
  assert.equal(
    pendingCount(
      {
        heads: ['c'],
        messages: new Map([
          ['a', ''],
          ['b', ''],
          ['c', ''],
        ]),
        ancestors: (id) => view.ancestors(id),
      },
      ['a'],
    ),
    2,
  );
  assert.equal(shortId('3c8b1f04a6e2aaaa'), '3c8b1f04a6e2');
});

test('every alembic/* message of the protocol module is documented in docs/protocol.md, and every initialization option', () => {
  const protocol = fs.readFileSync(path.join(root, 'server', 'src', 'shared', 'protocol.ts'), 'utf8');
  const docs = fs.readFileSync(path.join(root, 'docs', 'protocol.md'), 'utf8');
  const methods = [...protocol.matchAll(/new (?:RequestType0?|NotificationType)<[^>]*>\('(alembic\/\w+)'\)/g)].map((m) => m[1]);
  assert.ok(methods.length >= 5, methods.join());
  for (const m of methods) assert.ok(docs.includes(`## \`${m}\``), `${m} has a section in docs/protocol.md`);
  const init = protocol.slice(
    protocol.indexOf('export interface InitializationOptions'),
    protocol.indexOf('}', protocol.indexOf('export interface InitializationOptions')),
  );
  for (const m of init.matchAll(/^\s+(\w+)\?:/gm)) assert.ok(docs.includes(`${m[1]}?:`), `initialization option ${m[1]} is documented`);
});
