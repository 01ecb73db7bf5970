import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseDatabaseUrl, redactUrl, redactText, resolveConnection, isLocalDatabase } from '../../server/src/shared/db/databaseUrl';
import { buildAlembicInvocation, isRevisionSpec, InvalidAlembicArgumentError } from '../../server/src/shared/alembicCli/alembicArgv';
import { parseRevisionLines, parseMigrationStep, parseOfflineSql } from '../../server/src/shared/alembicCli/parseOutput';
import { classifyAlembicFailure } from '../../server/src/shared/alembicCli/classifyFailure';
import { statusView, type GraphInfo } from '../../client/src/model/statusModel';
import { writeProject } from '../support/generateProject';
import { tempDir } from '../support/tempDir';

test('SQLAlchemy URLs become pg options; passwords are decoded, redacted and never required for sockets', () => {
  const r = parseDatabaseUrl('postgresql+psycopg2://app:p%40ss%2Fw0rd@db.internal:6543/shop?sslmode=require&application_name=x');
  assert.equal(r.kind, 'ok');
  if (r.kind !== 'ok') return;
  assert.deepEqual(r.pg, {
    host: 'db.internal',
    port: 6543,
    user: 'app',
    password: 'p@ss/w0rd',
    database: 'shop',
    ssl: { rejectUnauthorized: false, checkHostname: false },
    applicationName: 'x',
  });
  assert.equal(r.needsPassword, false);
  assert.equal(r.driver, 'psycopg2');
  const odd = parseDatabaseUrl('postgresql://app:pa@ss@h1:5432,h2:5433/shop?sslrootcert=/ca.pem&sslmode=verify-full&foo=1');
  assert.equal(odd.kind, 'ok');
  if (odd.kind !== 'ok') return;
  assert.equal(odd.pg.password, 'pa@ss');
  assert.equal(odd.pg.host, 'h1');
  assert.deepEqual(odd.pg.ssl, { rejectUnauthorized: true, checkHostname: true, caFile: '/ca.pem' });
  assert.ok(odd.notes.some((n) => /several hosts/.test(n)) && odd.notes.some((n) => /'foo' is ignored/.test(n)));
  const sock = parseDatabaseUrl('postgresql+asyncpg://app@/shop?host=/var/run/postgresql');
  assert.equal(sock.kind === 'ok' && sock.pg.host, '/var/run/postgresql');
  assert.equal(sock.kind === 'ok' && sock.needsPassword, false);
  const noPw = parseDatabaseUrl('postgres://app@localhost/shop');
  assert.equal(noPw.kind === 'ok' && noPw.needsPassword, true);
  assert.equal(parseDatabaseUrl('sqlite:///app.db').kind, 'error');
  assert.equal(redactUrl('postgresql://app:secret@h/db'), 'postgresql://app:***@h/db');
  assert.equal(redactUrl('postgresql://app:se@c/ret@h/db?password=x2'), 'postgresql://app:***@h/db?password=***');
  assert.equal(
    redactText('connect postgresql://u:hunter22@h/d failed; password=hunter22 retry hunter22', ['hunter22']),
    'connect postgresql://u:***@h/d failed; password=*** retry ***',
  );
  assert.ok(isLocalDatabase({ host: '127.0.0.1' }) && isLocalDatabase({ host: '/run/pg' }) && !isLocalDatabase({ host: 'db.internal' }));
});

test('connection resolution: setting (with ${env:VAR}) > DATABASE_URL > sqlalchemy.url > prompt; placeholders are ignored', () => {
  const env = { DATABASE_URL: 'postgresql://e@h/e', PGURL: 'postgresql://s@h/s' };
  const pick = (r: ReturnType<typeof resolveConnection>) => (r.kind === 'url' ? { url: r.url, source: r.source } : r);
  assert.deepEqual(pick(resolveConnection({ settingUrl: '${env:PGURL}', env })), { url: 'postgresql://s@h/s', source: 'setting' });
  assert.deepEqual(pick(resolveConnection({ env, iniUrl: 'postgresql://i@h/i' })), { url: 'postgresql://e@h/e', source: 'env' });
  assert.deepEqual(pick(resolveConnection({ env: {}, iniUrl: 'postgresql://i@h/%(here)s', iniHere: 'x' })), { url: 'postgresql://i@h/x', source: 'ini' });
  const unset = resolveConnection({ settingUrl: '${env:NOPE}', env: {}, iniUrl: 'driver://user:pass@localhost/dbname' });
  assert.equal(unset.kind, 'prompt');
  assert.equal(unset.skipped.length, 2);
});

test('alembic argv: command, interpreter or PATH; -c and -x always; specs validated as data', () => {
  const inv = buildAlembicInvocation({
    command: ['poetry', 'run', 'alembic'],
    iniFile: '/p/alembic.ini',
    cwd: '/p',
    xArgs: ['dev_data=true'],
    action: { kind: 'upgrade', target: 'abc123+1' },
  });
  assert.deepEqual([inv.file, ...inv.args], ['poetry', 'run', 'alembic', '-c', '/p/alembic.ini', '-x', 'dev_data=true', 'upgrade', 'abc123+1']);
  const py = buildAlembicInvocation({ pythonPath: '/venv/bin/python', iniFile: '/p/a.ini', cwd: '/p', action: { kind: 'downgrade', target: '-1' } });
  assert.deepEqual([py.file, ...py.args], ['/venv/bin/python', '-m', 'alembic', '-c', '/p/a.ini', 'downgrade', '-1']);
  const offline = buildAlembicInvocation({ iniFile: 'a.ini', cwd: '/p', action: { kind: 'upgrade', from: 'base', target: 'reviews@head', sql: true } });
  assert.deepEqual(offline.args.slice(-3), ['upgrade', '--sql', 'base:reviews@head']);
  const msg = buildAlembicInvocation({ iniFile: 'a.ini', cwd: '/p', action: { kind: 'revision', message: '-drop; $(id)', autogenerate: true } });
  assert.deepEqual(msg.args.slice(-3), ['revision', '--message=-drop; $(id)', '--autogenerate']);
  for (const ok of ['head', 'heads', 'base', '+2', '-1', 'ae10+2', 'reviews@head', 'abc123']) assert.ok(isRevisionSpec(ok), ok);
  // Shell text is inert in an argv array: it reaches alembic as one word (which cannot locate it).
  assert.deepEqual(buildAlembicInvocation({ iniFile: 'a.ini', cwd: '/', action: { kind: 'upgrade', target: '$(id)' } }).args.slice(-2), ['upgrade', '$(id)']);
  for (const bad of ['--sql', '-c', 'x; rm -rf /', '', 'a b', 'a:b']) {
    assert.throws(() => buildAlembicInvocation({ iniFile: 'a.ini', cwd: '/', action: { kind: 'upgrade', target: bad } }), InvalidAlembicArgumentError, bad);
  }
});

test('failures are classified from real alembic stderr, with a next step and no password', async () => {
  const dir = tempDir('client-fail-');
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
  assert.equal(classifyAlembicFailure({ exitCode: null, stderr: '', spawnErrorCode: 'ENOENT' }).kind, 'wrong-interpreter');
  assert.equal(classifyAlembicFailure({ exitCode: 1, stderr: "ModuleNotFoundError: No module named 'alembic'" }).kind, 'wrong-interpreter');
  assert.equal(classifyAlembicFailure({ exitCode: null, stderr: '', cancelled: true }).kind, 'cancelled');
});

test('status text is a function of the database state and the graph', () => {
  const order = ['a1', 'b2', 'c3'];
  const graph: GraphInfo = {
    heads: ['c3'],
    messages: new Map([
      ['a1', 'users'],
      ['b2', 'products'],
      ['c3', 'indexes'],
    ]),
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

test('alembic output readers: current/heads/history lines, Running steps, offline SQL split per step', () => {
  const lines = parseRevisionLines(
    [
      'INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.',
      'c3f9a1d7e586 (head) (mergepoint)',
      '5b2e8d41c0f3, 9e4f6a2b8c1d -> c3f9a1d7e586 (head) (mergepoint), merge reviews',
      'a1 (dep1) -> b2 (reviews), add reviews, with a comma',
      '<base> -> a1, create users',
    ].join('\n'),
  );
  assert.deepEqual(
    lines.map((l) => [l.revision, l.parents, l.markers, l.labels, l.message]),
    [
      ['c3f9a1d7e586', undefined, ['head', 'mergepoint'], [], undefined],
      ['c3f9a1d7e586', ['5b2e8d41c0f3', '9e4f6a2b8c1d'], ['head', 'mergepoint'], [], 'merge reviews'],
      ['b2', ['a1'], [], ['reviews'], 'add reviews, with a comma'],
      ['a1', [], [], [], 'create users'],
    ],
  );
  assert.deepEqual(parseMigrationStep('INFO  [alembic.runtime.migration] Running downgrade c3 -> a1, b2, merge heads'), {
    direction: 'downgrade',
    from: ['c3'],
    to: ['a1', 'b2'],
    message: 'merge heads',
  });
  const sql = parseOfflineSql(
    'BEGIN;\n\nCREATE TABLE alembic_version (x);\n\n-- Running upgrade  -> a1\n\nCREATE TABLE users (id int);\n\n-- Running upgrade a1 -> b2\n\nALTER TABLE users ADD c int;\n\nCOMMIT;\n',
  );
  assert.equal(sql.preamble, 'BEGIN;\n\nCREATE TABLE alembic_version (x);');
  assert.deepEqual(
    sql.steps.map((s) => [s.from, s.to, s.sql]),
    [
      [[], ['a1'], 'CREATE TABLE users (id int);'],
      [['a1'], ['b2'], 'ALTER TABLE users ADD c int;'],
    ],
  );
  assert.equal(sql.epilogue, 'COMMIT;');
});
