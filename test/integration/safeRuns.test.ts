/**
 * Runs on real parts: the alembic of a real virtualenv found in the project (Debian's alembic
 * through --system-site-packages), and a migration stopped by the lock timeout while another
 * session holds the table — classified, with nothing applied.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { writeProject } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { chooseAlembic, runTimeoutOptions } from '../../server/src/shared/alembicCli/interpreter';
import { interpreterFacts } from '../../server/src/shared/alembicCli/localTools';
import { buildAlembicInvocation, type AlembicAction } from '../../server/src/shared/alembicCli/alembicArgv';
import { runProcess } from '../../server/src/shared/alembicCli/processRunner';
import { classifyAlembicFailure } from '../../server/src/shared/alembicCli/classifyFailure';
import { busyMessage, lockName, tryMigrationLock } from '../../server/src/shared/db/migrationLock';
import { BlockerWatch } from '../../server/src/shared/db/blockerWatch';
import { tableSizes } from '../../server/src/shared/db/tableSizes';
import { upgradeConfirmation } from '../../client/src/model/confirmation';
import { RISK_EFFECTS } from '../../server/src/shared/riskEffects';
import { revisionRisks } from '../../server/src/handlers/info';
import type { HandlerContext } from '../../server/src/handlers/context';
import { discoverProjects } from '../../server/src/alembic/discovery';
import { ProjectIndex } from '../../server/src/alembic/projectIndex';
import { lintMigration, prepareLinter } from '../../server/src/alembic/lint';
import { parseMigration } from '../../server/src/alembic/migrationParser';
import { parseDatabaseUrl } from '../../server/src/shared/db/databaseUrl';

let pg: TestPostgres;
before(async () => {
  pg = await startPostgres();
});
after(async () => {
  await pg?.stop();
});

async function alembic(command: string[], dir: string, ini: string, action: AlembicAction, env: Record<string, string>) {
  const inv = buildAlembicInvocation({ command, iniFile: ini, cwd: dir, action, env });
  return runProcess({ file: inv.file, args: inv.args, cwd: inv.cwd, env: { ...process.env, ...inv.env } });
}

test('a virtualenv in the project is found and its alembic runs', async () => {
  const dir = tempDir('venv-project-');
  const ini = writeProject(dir, [{ id: 'cccc00000001', down: [] }]);
  execFileSync('/usr/bin/python3', ['-m', 'venv', '--without-pip', '--system-site-packages', path.join(dir, '.venv')]);
  const choice = chooseAlembic(interpreterFacts({ command: [], dirs: [dir], pathVar: '/nonexistent' }));
  assert.equal(choice.source, 'virtualenv');
  assert.deepEqual(choice.argv, [path.join(dir, '.venv', 'bin', 'python'), '-m', 'alembic']);
  const r = await alembic(choice.argv, dir, ini, { kind: 'heads' }, {});
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /cccc00000001 \(head\)/);
  // A `.tox` environment is never taken for the project's.
  const tox = tempDir('tox-project-');
  execFileSync('/usr/bin/python3', ['-m', 'venv', '--without-pip', path.join(tox, '.tox')]);
  assert.notEqual(chooseAlembic(interpreterFacts({ command: [], dirs: [tox], pathVar: '/nonexistent' })).source, 'virtualenv');
});

test('a session holding the table: the upgrade stops at the lock timeout, classified, nothing applied', async () => {
  const dir = tempDir('lock-project-');
  const ini = writeProject(dir, [
    { id: 'dddd00000001', down: [], upgrade: ["op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))"], downgrade: ["op.drop_table('t')"] },
    { id: 'dddd00000002', down: ['dddd00000001'], upgrade: ["op.add_column('t', sa.Column('x', sa.Integer))"], downgrade: ["op.drop_column('t', 'x')"] },
  ]);
  const env = { DATABASE_URL: pg.url };
  const first = await alembic(['/usr/bin/alembic'], dir, ini, { kind: 'upgrade', target: 'dddd00000001' }, env);
  assert.equal(first.exitCode, 0, first.stderr);
  const holder = new Client({ connectionString: pg.url, application_name: 'psql' });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
    const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const { pgoptions } = runTimeoutOptions(undefined, '3s', '');
    // While it waits, the watch names who it waits for (never touching that session).
    const seen: string[] = [];
    const p = parseDatabaseUrl(pg.url);
    const watch = new BlockerWatch(
      p.kind === 'ok' ? p.pg : {},
      'safe-runs-upgrade',
      (text) => {
        if (text) seen.push(text);
      },
      300,
    );
    watch.start();
    const t0 = Date.now();
    const r = await alembic(
      ['/usr/bin/alembic'],
      dir,
      ini,
      { kind: 'upgrade', target: 'head' },
      { ...env, PGOPTIONS: pgoptions!, PGAPPNAME: 'safe-runs-upgrade' },
    );
    const took = Date.now() - t0;
    await watch.stop();
    assert.ok(
      seen.some((t) => t.includes('for a lock on `t`') && t.includes(`held by pid ${holderPid} (`) && t.includes('psql, idle in transaction')),
      `the blocker is named: ${JSON.stringify(seen)}`,
    );
    assert.equal((await holder.query('SELECT 1 AS ok')).rows[0].ok, 1, 'the blocking session is still there, untouched');
    assert.notEqual(r.exitCode, 0);
    assert.ok(took < 20_000, `stopped by the timeout, not by the lock's end (${took} ms)`);
    const f = classifyAlembicFailure({ exitCode: r.exitCode, stderr: r.stderr });
    assert.equal(f.kind, 'lock-timeout', f.message);
  } finally {
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end();
  }
  const check = new Client({ connectionString: pg.url });
  await check.connect();
  try {
    assert.deepEqual(
      (await check.query('SELECT version_num FROM alembic_version')).rows.map((r: { version_num: string }) => r.version_num),
      ['dddd00000001'],
    );
    assert.equal((await check.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 't' AND column_name = 'x'")).rows[0].n, 0);
  } finally {
    await check.end();
  }
});

test('two runs on one database: the second is refused and told who holds the migration lock; released, it goes', async () => {
  const p = parseDatabaseUrl(pg.url);
  assert.equal(p.kind, 'ok');
  const conn = p.kind === 'ok' ? p.pg : {};
  const name = lockName('alembic_version');
  const first = await tryMigrationLock(conn, name, { applicationName: 'vscode-alembic-first-lock' });
  assert.equal(first.kind, 'held');
  const second = await tryMigrationLock(conn, name, { applicationName: 'vscode-alembic-second-lock' });
  assert.equal(second.kind, 'busy');
  assert.equal(second.kind === 'busy' && second.holder?.application, 'vscode-alembic-first-lock');
  assert.match(
    busyMessage(name, second.kind === 'busy' ? second.holder : undefined),
    /^another alembic run \(pid \d+, vscode-alembic-first-lock, \w+\) holds the migration lock of alembic_version$/,
  );
  const otherTable = await tryMigrationLock(conn, lockName('alembic_version_fab'));
  assert.equal(otherTable.kind, 'held', 'another version table is another lock');
  if (otherTable.kind === 'held') await otherTable.release();
  if (first.kind === 'held') await first.release();
  const third = await tryMigrationLock(conn, name);
  assert.equal(third.kind, 'held');
  if (third.kind === 'held') await third.release();
});

test('before an upgrade: the flagged operation, its table’s live size (100,000 rows) and what PostgreSQL will do', async () => {
  const dir = tempDir('risk-project-');
  writeProject(dir, [
    { id: 'gggg00000001', down: [], message: 'create orders' },
    { id: 'gggg00000002', down: ['gggg00000001'], message: 'orders.status required', upgrade: ["op.alter_column('orders', 'status', nullable=False)"] },
  ]);
  const index = ProjectIndex.load(discoverProjects(dir)[0]);
  await prepareLinter();
  const file = index.migrationFiles().find((m) => m.file.includes('gggg00000002'))!.file;
  const problems = lintMigration(await parseMigration(fs.readFileSync(file, 'utf8')), file);
  const ctx = { projectByUri: () => index, lintProblemsOf: (f: string) => (f === file ? problems : []) } as unknown as HandlerContext;
  const risks = revisionRisks(ctx, { projectId: 'p', revisions: ['gggg00000002'] });
  assert.deepEqual(
    risks.map((r) => [r.ruleId, r.table]),
    [['adding-not-nullable-field', 'orders']],
  );

  const admin = new Client({ connectionString: pg.url });
  await admin.connect();
  try {
    await admin.query('CREATE TABLE orders (id bigint PRIMARY KEY, status int)');
    await admin.query('INSERT INTO orders SELECT g, 1 FROM generate_series(1, 100000) AS g');
    await admin.query('ANALYZE orders');
  } finally {
    await admin.end();
  }
  const p = parseDatabaseUrl(pg.url);
  const sizes = await tableSizes(p.kind === 'ok' ? p.pg : {}, ['orders', 'no_such_table']);
  assert.equal(sizes.kind, 'ok');
  assert.equal(sizes.kind === 'ok' && sizes.sizes.get('orders')?.rows, 100000);
  const c = upgradeConfirmation({
    projectName: 'proj',
    spec: 'head',
    target: {
      kind: 'ok',
      driver: 'postgresql+psycopg2',
      hosts: [{ host: '127.0.0.1', port: pg.port }],
      database: pg.database,
      user: pg.user,
      hasPassword: true,
      via: 'engine_from_config',
    },
    revisions: [{ id: 'gggg00000002', message: 'orders.status required', risks }],
    sizes: sizes.kind === 'ok' ? sizes.sizes : undefined,
    effects: RISK_EFFECTS,
  });
  assert.ok(c);
  assert.match(c.detail, /adding-not-nullable-field: `orders` — 100,000 rows, \d+\.\d (kB|MB): scans the whole table under ACCESS EXCLUSIVE/);
  assert.equal(
    upgradeConfirmation({
      projectName: 'proj',
      spec: 'head',
      target: { kind: 'unknown', reason: 'x' },
      revisions: [{ id: 'a', message: 'm', risks: [] }],
      sizes: undefined,
      effects: RISK_EFFECTS,
    }),
    undefined,
    'nothing flagged: no question',
  );
});

test('stopping the blocker watch while it is connecting leaves no session and no open socket', async () => {
  // Found by CI: a run that ended while the watch's tick was still connecting left that
  // connection open, and the CLI process never exited.
  const p = parseDatabaseUrl(pg.url);
  const target = p.kind === 'ok' ? p.pg : {};
  const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
  const before = sockets();
  for (let i = 0; i < 30; i++) {
    const watch = new BlockerWatch(target, `stop-race-${i}`, () => undefined, 0);
    watch.start();
    // Stop at a different point of the first tick each time: before, while and after connecting.
    await new Promise((r) => setTimeout(r, i % 10));
    await watch.stop();
  }
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(sockets(), before, 'every connection the watches opened is closed');
  const c = new Client(pg.config);
  await c.connect();
  try {
    const left = await c.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE 'stop-race-%'");
    assert.equal(Number(left.rows[0].n), 0, 'no session of a stopped watch is left');
  } finally {
    await c.end();
  }
});
