import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseDatabaseUrl, redactUrl, resolveConnection, isLocalHost } from '../../client/src/db/databaseUrl';
import { buildAlembicInvocation, isRevisionSpec, InvalidSpecError } from '../../client/src/runner/alembicArgv';
import { classifyAlembicFailure } from '../../client/src/runner/classifyFailure';
import { statusView, type GraphInfo } from '../../client/src/model/statusModel';
import { writeProject } from '../support/generateProject';

test('SQLAlchemy URLs become pg options; passwords are decoded, redacted and never required for sockets', () => {
  const r = parseDatabaseUrl('postgresql+psycopg2://app:p%40ss%2Fw0rd@db.internal:6543/shop?sslmode=require&application_name=x');
  assert.equal(r.kind, 'ok');
  if (r.kind !== 'ok') return;
  assert.deepEqual(r.pg, { host: 'db.internal', port: 6543, user: 'app', password: 'p@ss/w0rd', database: 'shop', ssl: { rejectUnauthorized: false } });
  assert.equal(r.needsPassword, false);
  assert.deepEqual(r.notes, ["query option 'application_name' is not used to read the version table"]);
  const sock = parseDatabaseUrl('postgresql+asyncpg://app@/shop?host=/var/run/postgresql');
  assert.equal(sock.kind === 'ok' && sock.pg.host, '/var/run/postgresql');
  assert.equal(sock.kind === 'ok' && sock.needsPassword, false);
  const noPw = parseDatabaseUrl('postgres://app@localhost/shop');
  assert.equal(noPw.kind === 'ok' && noPw.needsPassword, true);
  assert.equal(parseDatabaseUrl('sqlite:///app.db').kind, 'error');
  assert.equal(redactUrl('postgresql://app:secret@h/db'), 'postgresql://app:***@h/db');
  assert.ok(isLocalHost({ host: '127.0.0.1' }) && !isLocalHost({ host: 'db.internal' }));
});

test('connection resolution: setting (with ${env:VAR}) > DATABASE_URL > sqlalchemy.url > prompt; placeholders are ignored', () => {
  const env = { DATABASE_URL: 'postgresql://e@h/e', PGURL: 'postgresql://s@h/s' };
  assert.deepEqual(resolveConnection({ settingUrl: '${env:PGURL}', env }), { kind: 'url', url: 'postgresql://s@h/s', source: 'setting' });
  assert.deepEqual(resolveConnection({ env, iniUrl: 'postgresql://i@h/i' }), { kind: 'url', url: 'postgresql://e@h/e', source: 'env' });
  assert.deepEqual(resolveConnection({ env: {}, iniUrl: 'postgresql://i@h/%(here)s', iniHere: 'x' }), { kind: 'url', url: 'postgresql://i@h/x', source: 'ini' });
  assert.deepEqual(resolveConnection({ env: {}, iniUrl: 'driver://user:pass@localhost/dbname' }), { kind: 'prompt' });
});

test('alembic argv: command, interpreter or PATH; -c and -x always; specs validated as data', () => {
  const inv = buildAlembicInvocation({ command: ['poetry', 'run', 'alembic'], iniFile: '/p/alembic.ini', cwd: '/p', xArgs: ['dev_data=true'], action: { kind: 'upgrade', target: 'abc123+1' } });
  assert.deepEqual([inv.file, ...inv.args], ['poetry', 'run', 'alembic', '-c', '/p/alembic.ini', '-x', 'dev_data=true', 'upgrade', 'abc123+1']);
  const py = buildAlembicInvocation({ pythonPath: '/venv/bin/python', iniFile: '/p/a.ini', cwd: '/p', action: { kind: 'downgrade', target: '-1' } });
  assert.deepEqual([py.file, ...py.args], ['/venv/bin/python', '-m', 'alembic', '-c', '/p/a.ini', 'downgrade', '-1']);
  const plain = buildAlembicInvocation({ iniFile: 'a.ini', cwd: '/p', action: { kind: 'upgrade', target: 'base:reviews@head', sql: true } });
  assert.deepEqual(plain.args.slice(-3), ['upgrade', 'base:reviews@head', '--sql']);
  for (const ok of ['head', 'heads', 'base', '+2', '-1', 'ae10+2', 'reviews@head', 'a:b', ':head', 'abc123']) assert.ok(isRevisionSpec(ok), ok);
  for (const bad of ['--sql', '-c', 'x; rm -rf /', '$(id)', '', 'a b']) {
    assert.throws(() => buildAlembicInvocation({ iniFile: 'a.ini', cwd: '/', action: { kind: 'upgrade', target: bad } }), InvalidSpecError, bad);
  }
});

test('failures are classified from real alembic stderr, with a next step and no password', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'client-fail-'));
  const ini = writeProject(dir, [{ id: 'aaaa00000001', down: [] }]);
  const run = async (args: string[], env: Record<string, string> = {}): Promise<{ exitCode: number; stderr: string; stdout: string }> => {
    try {
      const r = await promisify(execFile)('/usr/bin/alembic', ['-c', ini, ...args], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env } });
      return { exitCode: 0, stderr: r.stderr, stdout: r.stdout };
    } catch (e) {
      const x = e as { code: number; stderr: string; stdout: string };
      return { exitCode: x.code, stderr: x.stderr, stdout: x.stdout };
    }
  };
  const locate = classifyAlembicFailure(await run(['upgrade', 'nothere1234', '--sql']));
  assert.equal(locate.kind, 'cant-locate-revision');
  const refused = classifyAlembicFailure(await run(['upgrade', 'head'], { DATABASE_URL: 'postgresql://app:topsecret@127.0.0.1:1/db' }));
  assert.equal(refused.kind, 'connection-refused');
  assert.ok(!refused.message.includes('topsecret'));
  assert.match(refused.nextStep, /Start the database/);
  assert.equal(classifyAlembicFailure({ exitCode: null, stderr: '', spawnError: 'ENOENT' }).kind, 'wrong-interpreter');
  assert.equal(classifyAlembicFailure({ exitCode: 1, stderr: "ModuleNotFoundError: No module named 'alembic'" }).kind, 'wrong-interpreter');
  assert.equal(classifyAlembicFailure({ exitCode: null, stderr: '', cancelled: true }).kind, 'cancelled');
});

test('status text is a function of the database state and the graph', () => {
  const order = ['a1', 'b2', 'c3'];
  const graph: GraphInfo = {
    heads: ['c3'],
    messages: new Map([['a1', 'users'], ['b2', 'products'], ['c3', 'indexes']]),
    ancestors: (id) => new Set(order.slice(0, order.indexOf(id))),
  };
  const ok = (revisions: string[]) => statusView({ kind: 'ok', revisions, database: 'shop', readAt: new Date(0) }, graph);
  assert.equal(ok(['c3']).text, '$(database) c3 (head)');
  assert.equal(ok(['a1']).text, '$(database) a1 · 2 pending');
  assert.equal(ok([]).text, '$(database) base (empty)');
  assert.equal(ok(['a1', 'c3']).text, '$(database) 2 heads applied');
  assert.equal(ok(['zz9']).text, '$(warning) zz9 (unknown revision)');
  assert.match(ok(['b2']).tooltip, /\*\*shop\*\*[\s\S]*`b2` products/);
  assert.equal(statusView({ kind: 'unreachable', message: 'connect ECONNREFUSED' }, graph).text, '$(error) unreachable');
  assert.equal(statusView({ kind: 'not-configured' }, graph).command, 'alembic.configureDatabase');
});
