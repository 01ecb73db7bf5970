/**
 * `alembic-migrations upgrade|downgrade|doctor` on real parts: the built CLI (dist/cli.js) as a
 * child process, Debian's alembic, the env.py probe, a real PostgreSQL. The run shows the
 * database and the revisions first, needs --yes without a terminal, stops at the lock timeout
 * naming its blocker with the database unchanged, and is refused while another run holds the
 * migration lock.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { writeProject, type GenRevision } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { onTerminal } from '../support/terminal';
import { lockName, tryMigrationLock } from '../../server/src/shared/db/migrationLock';
import { parseDatabaseUrl } from '../../server/src/shared/db/databaseUrl';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const cliJs = path.join(repoRoot, 'dist', 'cli.js');
let pg: TestPostgres;
before(async () => {
  pg = await startPostgres();
});
after(async () => {
  await pg?.stop();
});

interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

function cli(args: string[], env: Record<string, string> = {}, onErr?: (text: string) => void): Promise<CliResult> {
  assert.ok(fs.existsSync(cliJs), 'the CLI is built (npm run build)');
  const child = spawn(process.execPath, [cliJs, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ALEMBIC_COMMAND: '/usr/bin/alembic', ...env },
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    onErr?.(err);
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

async function versionRows(): Promise<string[]> {
  const c = new Client(pg.config);
  await c.connect();
  try {
    const exists = await c.query(`SELECT to_regclass('alembic_version') AS t`);
    if (!exists.rows[0].t) return [];
    return (await c.query<{ version_num: string }>('SELECT version_num FROM alembic_version')).rows.map((r) => r.version_num);
  } finally {
    await c.end();
  }
}

async function reset(): Promise<void> {
  const c = new Client(pg.config);
  await c.connect();
  try {
    await c.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  } finally {
    await c.end();
  }
}

const CHAIN: GenRevision[] = [
  {
    id: 'a1a100000001',
    down: [],
    message: 'create orders',
    upgrade: ["op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))"],
    downgrade: ["op.drop_table('orders')"],
  },
  {
    id: 'a1a100000002',
    down: ['a1a100000001'],
    message: 'add status',
    upgrade: ["op.add_column('orders', sa.Column('status', sa.Text))"],
    downgrade: ["op.drop_column('orders', 'status')"],
  },
];

test('upgrade shows the database and the revisions, needs --yes without a terminal, then runs; downgrade undoes', async () => {
  await reset();
  const dir = tempDir('cli-run-');
  writeProject(dir, CHAIN, { logging: true });
  const env = { DATABASE_URL: pg.url };
  const refused = await cli(['upgrade', 'head', dir], env);
  assert.equal(refused.code, 2, refused.err);
  assert.match(refused.err, new RegExp(`database: ${pg.database} on 127\\.0\\.0\\.1:${pg.port} as ${pg.user} \\(`));
  assert.match(refused.err, /runs 2 revisions:\n {2}a1a100000001 create orders\n {2}a1a100000002 add status\n/);
  assert.match(refused.err, /pass --yes to run without a terminal/);
  assert.deepEqual(await versionRows(), [], 'nothing ran without confirmation');

  const up = await cli(['upgrade', 'head', dir, '--yes'], env);
  assert.equal(up.code, 0, up.err);
  assert.match(up.err, /Running upgrade {2}-> a1a100000001, create orders/);
  assert.match(up.err, /upgrade head done in/);
  assert.deepEqual(await versionRows(), ['a1a100000002']);
  assert.ok(!(up.out + up.err).includes(pg.password), 'no password in the output');

  const again = await cli(['upgrade', 'head', dir, '--yes'], env);
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /nothing to upgrade: the database is already at head/);

  const down = await cli(['downgrade', '-1', dir, '--yes'], env);
  assert.equal(down.code, 0, down.err);
  assert.match(down.err, /undoes 1 revision:\n {2}a1a100000002 add status\n/);
  assert.deepEqual(await versionRows(), ['a1a100000001']);

  const bad = await cli(['upgrade', 'nosuchrev', dir, '--yes'], env);
  assert.equal(bad.code, 2, bad.err);
  assert.match(bad.err, /Can't locate revision identified by 'nosuchrev'/);
});

test('on a terminal, upgrade asks first: no, Ctrl-D and Enter run nothing; yes runs', async () => {
  await reset();
  const dir = tempDir('cli-tty-');
  writeProject(dir, CHAIN, { logging: true });
  const env = { ...process.env, ALEMBIC_COMMAND: '/usr/bin/alembic', DATABASE_URL: pg.url };
  const argv = [process.execPath, cliJs, 'upgrade', 'head', dir];
  const prompt = 'upgrade head? [y/N] ';
  for (const [answer, send] of [
    ['no', 'n\n'],
    ['Ctrl-D', '\x04'],
    ['Enter', '\n'],
  ] as const) {
    const r = await onTerminal(argv, [{ expect: prompt, send }], env);
    assert.equal(r.stuck, undefined, `${answer}: ${r.screen}`);
    assert.equal(r.code, 2, `${answer}: ${r.screen}`);
    // The plan is on the screen before the question, and nothing after it ran.
    assert.match(r.screen, /runs 2 revisions:\r\n {2}a1a100000001 create orders\r\n {2}a1a100000002 add status\r\n/, answer);
    assert.ok(r.screen.indexOf('runs 2 revisions') < r.screen.indexOf(prompt), answer);
    assert.match(r.screen, /alembic-migrations: nothing ran\r\n/, answer);
    assert.doesNotMatch(r.screen, /pass --yes/, `${answer}: a terminal is asked, not refused`);
    assert.deepEqual(await versionRows(), [], `${answer}: nothing applied`);
  }
  const yes = await onTerminal(argv, [{ expect: prompt, send: 'y\n' }], env);
  assert.equal(yes.stuck, undefined, yes.screen);
  assert.equal(yes.code, 0, yes.screen);
  assert.match(yes.screen, /Running upgrade {2}-> a1a100000001, create orders/);
  assert.match(yes.screen, /upgrade head done in/);
  assert.ok(!yes.screen.includes(pg.password), 'no password on the terminal');
  assert.deepEqual(await versionRows(), ['a1a100000002']);
});

/**
 * A project at its first revision, `orders` locked by a session that looks like psql: `fn` runs
 * while it holds the lock; afterwards the holder must be untouched and nothing applied.
 */
async function whileOrdersLocked(prefix: string, fn: (dir: string, env: Record<string, string>, holderPid: number) => Promise<void>): Promise<void> {
  await reset();
  const dir = tempDir(prefix);
  writeProject(dir, CHAIN);
  const env = { DATABASE_URL: pg.url };
  const first = await cli(['upgrade', 'a1a100000001', dir, '--yes'], env);
  assert.equal(first.code, 0, first.err);
  const holder = new Client({ ...pg.config, application_name: 'psql' });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
    await fn(dir, env, (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    // The holder was never touched; no session of the run is left waiting on the lock.
    assert.equal((await holder.query<{ one: number }>('SELECT 1 AS one')).rows[0].one, 1);
    const left = await holder.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() AND wait_event_type = 'Lock'",
    );
    assert.equal(Number(left.rows[0].n), 0, 'no session of the run still waits on the lock');
  } finally {
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end();
  }
  assert.deepEqual(await versionRows(), ['a1a100000001'], 'the database is unchanged');
}

test('a session holding the table: the CLI run stops at the lock timeout, names the blocker, changes nothing', async () => {
  await whileOrdersLocked('cli-lock-', async (dir, env, holderPid) => {
    const r = await cli(['upgrade', 'head', dir, '--yes', '--lock-timeout', '3s'], env);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /lock timeout: 3s/);
    assert.match(r.err, new RegExp(`waiting \\d+ s for a lock on \`?orders\`? held by pid ${holderPid} \\(\`?${pg.user}\`?, \`?psql\`?`));
    assert.match(r.err, /upgrade failed — lock-timeout: /);
  });
});

test('Ctrl-C during a lock wait: the CLI stops alembic and its session, the holder untouched, nothing applied', async () => {
  await whileOrdersLocked('cli-sigint-', async (dir, env) => {
    const child = spawn(process.execPath, [cliJs, 'upgrade', 'head', dir, '--yes', '--lock-timeout', '60s'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ALEMBIC_COMMAND: '/usr/bin/alembic', ...env },
    });
    let err = '';
    const waiting = new Promise<void>((resolve) =>
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        if (/waiting \d+ s for a lock/.test(err)) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await Promise.race([waiting, exited]);
    const t0 = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 1, err);
    assert.ok(Date.now() - t0 < 15_000, `stopped in ${Date.now() - t0} ms`);
    assert.match(err, /cancelling: stopping alembic and its database sessions/);
    assert.match(err, /upgrade cancelled/);
  });
});

test('another run holds the migration lock: refused with who holds it, nothing applied', async () => {
  await reset();
  const dir = tempDir('cli-busy-');
  writeProject(dir, CHAIN);
  const parsed = parseDatabaseUrl(pg.url);
  if (parsed.kind !== 'ok') throw new Error(`the test URL does not parse: ${parsed.kind}`);
  const held = await tryMigrationLock(parsed.pg, lockName('alembic_version'), { applicationName: 'deploy-job' });
  assert.equal(held.kind, 'held');
  try {
    const r = await cli(['upgrade', 'head', dir, '--yes'], { DATABASE_URL: pg.url });
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /nothing ran: another alembic run \(pid \d+, deploy-job, \w+\) holds the migration lock of alembic_version/);
  } finally {
    if (held.kind === 'held') await held.release();
  }
  assert.deepEqual(await versionRows(), []);
});

test('doctor: clean at head (exit 0); two heads, a stopped database, a wrong interpreter: ✖ (exit 1)', async () => {
  await reset();
  const dir = tempDir('cli-doctor-');
  writeProject(dir, CHAIN);
  const env = { DATABASE_URL: pg.url };
  assert.equal((await cli(['upgrade', 'head', dir, '--yes'], env)).code, 0);
  const ok = await cli(['doctor', dir], env);
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.match(ok.out, /^Alembic setup of \S+: ready/);
  assert.match(ok.out, /\n✔ alembic: 1\.\d+[\w.]*, from ALEMBIC_COMMAND/);
  assert.match(ok.out, /\n✔ pending: the database is at head/);
  assert.match(ok.out, /\n✔ lock timeout: 5s for every run/);

  const gone = await cli(['doctor', dir], { DATABASE_URL: `postgresql://${pg.user}@127.0.0.1:1/${pg.database}` });
  assert.equal(gone.code, 1, gone.out);
  assert.match(gone.out, /\n✖ connection: unreachable/);

  const wrong = await cli(['doctor', dir], { ...env, ALEMBIC_COMMAND: '["/nonexistent/python", "-m", "alembic"]' });
  assert.equal(wrong.code, 1, wrong.out);
  assert.match(wrong.out, /\n✖ alembic: ALEMBIC_COMMAND \(\/nonexistent\/python -m alembic\) does not run alembic \(ENOENT\)/);

  const forked = tempDir('cli-doctor-heads-');
  writeProject(forked, [...CHAIN, { id: 'a1a100000003', down: ['a1a100000001'], message: 'fork' }]);
  const heads = await cli(['doctor', forked], env);
  assert.equal(heads.code, 1, heads.out);
  assert.match(heads.out, /\n✖ heads: 2 heads/);
});

test('bad usage and a missing env file: exit 2, nothing runs', async () => {
  await reset();
  const dir = tempDir('cli-usage-');
  writeProject(dir, CHAIN);
  const noTarget = await cli(['upgrade']);
  assert.equal(noTarget.code, 2);
  assert.match(noTarget.err, /upgrade needs a target revision/);
  const yesOnCheck = await cli(['check', dir, '--yes']);
  assert.equal(yesOnCheck.code, 2);
  const badTimeout = await cli(['upgrade', 'head', dir, '--yes', '--lock-timeout', 'soon'], { DATABASE_URL: pg.url });
  assert.equal(badTimeout.code, 2, badTimeout.err);
  assert.match(badTimeout.err, /nothing ran: .*soon/);
  const missing = await cli(['upgrade', 'head', dir, '--yes', '--dotenv', path.join(dir, 'nope.env')], { DATABASE_URL: pg.url });
  assert.equal(missing.code, 2, missing.err);
  assert.match(missing.err, /--dotenv .*nope\.env cannot be read \(ENOENT\)/);
  assert.deepEqual(await versionRows(), [], 'nothing ran');
});
