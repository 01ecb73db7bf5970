/**
 * Which database alembic changes, from the probe's JSON: libpq's precedence for hosts and ports,
 * what `remoteOnly` may call local, how the target is named, and which interpreter runs the probe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeTarget,
  isLocalTarget,
  parseProbeOutput,
  probeInterpreter,
  sameDatabase,
  targetUrl,
  type AlembicTarget,
} from '../../server/src/shared/alembicCli/alembicTarget';
import { confirmation } from '../../client/src/model/confirmation';

const probe = (o: Record<string, unknown>): AlembicTarget =>
  parseProbeOutput(
    `some env.py noise\n${JSON.stringify({ kind: 'ok', via: 'engine_from_config', drivername: 'postgresql+psycopg2', host: null, port: null, database: null, username: null, query: {}, connectArgs: {}, env: {}, hasPassword: false, ...o })}\n`,
  );
const ok = (t: AlembicTarget): AlembicTarget & { kind: 'ok' } => {
  assert.equal(t.kind, 'ok');
  return t;
};

test('hosts and ports follow libpq: URL, then ?host=/?port= lists, then connect_args, then PGHOST/PGPORT, then the socket and 5432', () => {
  assert.deepEqual(ok(probe({ host: 'db.prod.internal', port: 5433 })).hosts, [{ host: 'db.prod.internal', port: 5433 }]);
  assert.deepEqual(ok(probe({ query: { host: 'a,b', port: '5432,5433' } })).hosts, [
    { host: 'a', port: 5432 },
    { host: 'b', port: 5433 },
  ]);
  assert.deepEqual(ok(probe({ connectArgs: { host: 'ca-host', port: '6000' } })).hosts, [{ host: 'ca-host', port: 6000 }]);
  assert.deepEqual(ok(probe({ env: { PGHOST: '/tmp', PGPORT: '5999' } })).hosts, [{ host: '/tmp', port: 5999 }]);
  assert.deepEqual(ok(probe({})).hosts, [{ port: 5432 }]);
  const t = ok(probe({ username: 'deploy', env: { PGDATABASE: 'fromenv' } }));
  assert.equal(t.database, 'fromenv');
  assert.equal(ok(probe({ username: 'deploy' })).database, 'deploy', 'libpq: the database defaults to the user name');
  assert.deepEqual(parseProbeOutput('{"kind": "unknown", "reason": "env.py raised KeyError: \'DB\'"}'), {
    kind: 'unknown',
    reason: "env.py raised KeyError: 'DB'",
  });
  assert.equal(parseProbeOutput('').kind, 'unknown');
  assert.equal(parseProbeOutput('{not json').kind, 'unknown');
});

test('remoteOnly calls local only one loopback host, localhost or a default socket, with no hostaddr or service', () => {
  for (const host of ['localhost', '127.0.0.1', '127.0.1.1', '::1', '/var/run/postgresql', '/run/postgresql', '/tmp', null]) {
    assert.equal(isLocalTarget(probe({ host })), true, String(host));
  }
  assert.equal(isLocalTarget(probe({ host: 'db.internal' })), false);
  assert.equal(isLocalTarget(probe({ host: '10.0.0.5' })), false);
  assert.equal(isLocalTarget(probe({ host: 'localhost.evil.example' })), false);
  assert.equal(isLocalTarget(probe({ host: '/home/me/ssh-forwarded' })), false, 'a socket elsewhere may be a tunnel');
  assert.equal(isLocalTarget(probe({ host: 'localhost', query: { hostaddr: '203.0.113.9' } })), false);
  assert.equal(isLocalTarget(probe({ host: 'localhost', query: { service: 'prod' } })), false);
  assert.equal(isLocalTarget(probe({ query: { host: 'localhost,db.prod' } })), false, 'several hosts');
  assert.equal(isLocalTarget(probe({ env: { PGHOST: 'db.prod' } })), false, 'a hostless URL with PGHOST');
  assert.equal(isLocalTarget({ kind: 'unknown', reason: 'x' }), false);
});

test('the target is named with database, host and user; the status bar database compares by host, port, database and user', () => {
  const t = ok(probe({ host: 'db.prod.internal', port: 5432, database: 'app', username: 'deploy' }));
  assert.equal(describeTarget(t), '`app` on `db.prod.internal:5432` as `deploy`');
  assert.equal(
    describeTarget(ok(probe({ host: 'x', query: { service: 'prod' } })), (s) => s),
    '(default) on service prod',
  );
  assert.equal(sameDatabase(t, { host: 'db.prod.internal', port: 5432, database: 'app', user: 'deploy' }), true);
  assert.equal(sameDatabase(t, { host: 'db.prod.internal', database: 'app' }), true);
  assert.equal(sameDatabase(t, { host: 'db.prod.internal', database: 'app_test' }), false);
  assert.equal(sameDatabase(t, { host: 'localhost', database: 'app' }), false);
  const local = ok(probe({ host: 'localhost', database: 'app' }));
  assert.equal(sameDatabase(local, { host: '127.0.0.1', database: 'app' }), true, 'loopback names are one host');
  assert.equal(targetUrl(t), 'postgresql://deploy@db.prod.internal:5432/app');
  assert.equal(
    targetUrl(ok(probe({ database: 'app', env: { PGHOST: '/tmp', PGPORT: '5433' }, query: { sslmode: 'require' } }))),
    'postgresql:///app?host=%2Ftmp&sslmode=require&port=5433',
  );
});

test('the probe runs under the interpreter alembic runs under', () => {
  const io = {
    which: (n: string) => (n === 'alembic' ? '/opt/venv/bin/alembic' : undefined),
    shebang: (f: string) =>
      f === '/opt/venv/bin/alembic' ? '#!/opt/venv/bin/python3.12' : f === '/usr/local/bin/alembic' ? '#!/usr/bin/env python3' : undefined,
  };
  assert.deepEqual(probeInterpreter(['/usr/bin/python3', '-m', 'alembic'], io), ['/usr/bin/python3']);
  assert.deepEqual(probeInterpreter(['poetry', 'run', 'alembic'], io), ['poetry', 'run', 'python']);
  assert.deepEqual(probeInterpreter(['uv', 'run', '--frozen', 'run', 'alembic'], io), ['uv', 'run', '--frozen', 'run', 'python']);
  assert.deepEqual(probeInterpreter(['alembic'], io), ['/opt/venv/bin/python3.12']);
  assert.deepEqual(probeInterpreter(['/usr/local/bin/alembic'], io), ['python3']);
  assert.equal(probeInterpreter(['docker', 'compose', 'exec', 'app', 'alembic'], io), undefined);
  assert.equal(probeInterpreter(['/no/such/alembic'], io), undefined);
  assert.equal(probeInterpreter([], io), undefined);
});

test('the confirmation never skips an unknown or unreadable target, and skips a readable local one only under remoteOnly', () => {
  const local = ok(probe({ host: 'localhost', database: 'app', username: 'me' }));
  const base = { verb: 'Stamp' as const, projectName: 'p', spec: 'head', view: undefined };
  assert.equal(confirmation({ ...base, target: local, targetRows: { kind: 'ok', rows: [] }, setting: 'remoteOnly' }).kind, 'skip');
  assert.equal(confirmation({ ...base, target: local, targetRows: { kind: 'ok', rows: [] }, setting: 'always' }).kind, 'ask');
  const unreadable = confirmation({ ...base, target: local, targetRows: { kind: 'error', message: 'password authentication failed' }, setting: 'remoteOnly' });
  assert.equal(unreadable.kind, 'ask');
  assert.equal(unreadable.kind === 'ask' && unreadable.button, 'Stamp Anyway');
  const remote = confirmation({
    ...base,
    target: ok(probe({ host: 'db.prod', database: 'app' })),
    targetRows: { kind: 'ok', rows: ['abc'] },
    setting: 'remoteOnly',
  });
  assert.equal(remote.kind, 'ask');
  assert.match(remote.kind === 'ask' ? remote.detail : '', /The version table of `app` on `db\.prod:5432` \(now abc\) will say head/);
});
