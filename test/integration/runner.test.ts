/**
 * The process runner with the real alembic against a real PostgreSQL: streamed lines, a
 * successful upgrade read back through pg, and a cancel in the middle of a long migration that
 * leaves no process and no server session behind and nothing applied.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { writeProject } from '../support/generateProject';
import { buildAlembicInvocation, type AlembicAction } from '../../server/src/shared/alembicCli/alembicArgv';
import { groupAlive, runProcess } from '../../server/src/shared/alembicCli/processRunner';
import { classifyAlembicFailure } from '../../server/src/shared/alembicCli/classifyFailure';
import { parseMigrationStep } from '../../server/src/shared/alembicCli/parseOutput';
import { readDatabaseState, terminateSessions, VersionTableReader } from '../../server/src/shared/db/versionTable';
import { parseDatabaseUrl } from '../../server/src/shared/db/databaseUrl';

let pg: TestPostgres;
let ini: string;
let dir: string;

before(async () => {
  pg = await startPostgres();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'));
  ini = writeProject(
    dir,
    [
      {
        id: 'aaaa00000001',
        down: [],
        message: 'create t',
        upgrade: ["op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))"],
        downgrade: ["op.drop_table('t')"],
      },
      // A long statement: the cancel lands while the server is still running it.
      {
        id: 'aaaa00000002',
        down: ['aaaa00000001'],
        message: 'slow step',
        upgrade: ["op.execute('SELECT pg_sleep(60)')", "op.add_column('t', sa.Column('x', sa.Integer))"],
        downgrade: ["op.drop_column('t', 'x')"],
      },
    ],
    { logging: true },
  );
});
after(async () => {
  await pg?.stop();
});

function pgOptions() {
  const p = parseDatabaseUrl(pg.url);
  assert.equal(p.kind, 'ok');
  return p.kind === 'ok' ? p.pg : {};
}

function invocation(action: AlembicAction, appName: string) {
  return buildAlembicInvocation({ command: ['/usr/bin/alembic'], iniFile: ini, cwd: dir, action, env: { DATABASE_URL: pg.url, PGAPPNAME: appName } });
}

test('an upgrade streams alembic log lines as they come and the version table follows', async () => {
  const inv = invocation({ kind: 'upgrade', target: 'aaaa00000001' }, 'runner-test-up');
  const lines: string[] = [];
  const r = await runProcess({ file: inv.file, args: inv.args, cwd: inv.cwd, env: { ...process.env, ...inv.env }, onLine: (_s, l) => lines.push(l) });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.cancelled, false);
  const step = lines.map(parseMigrationStep).find((s) => s);
  assert.deepEqual(step, { direction: 'upgrade', from: [], to: ['aaaa00000001'], message: 'create t' });
  const s = await readDatabaseState(pgOptions());
  assert.equal(s.kind === 'ok' && s.revisions.join(), 'aaaa00000001');
});

test('cancel mid-migration kills the process group, stops the server session, and applies nothing', async () => {
  const appName = 'runner-test-cancel';
  const inv = invocation({ kind: 'upgrade', target: 'head' }, appName);
  const abort = new AbortController();
  const startedAt = new Date();
  let pid: number | undefined;
  const done = runProcess({
    file: inv.file,
    args: inv.args,
    cwd: inv.cwd,
    env: { ...process.env, ...inv.env },
    signal: abort.signal,
    killGraceMs: 1500,
    onLine: (_s, line) => {
      // "Running upgrade aaaa00000001 -> aaaa00000002": the slow statement is about to run.
      if (/Running upgrade aaaa00000001 -> aaaa00000002/.test(line)) setTimeout(() => abort.abort(), 700);
    },
  });
  const watcher = new Client({ connectionString: pg.url });
  await watcher.connect();
  try {
    // The run's own session is visible to the server while the statement sleeps.
    let seen = false;
    for (let i = 0; i < 100 && !seen; i++) {
      const q = await watcher.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE '%pg_sleep%'", [appName]);
      seen = q.rows[0].n > 0;
      if (!seen) await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(seen, 'the slow statement ran in the server');
    const r = await done;
    pid = r.pid;
    assert.equal(r.cancelled, true);
    assert.equal(classifyAlembicFailure({ exitCode: r.exitCode, stderr: r.stderr, cancelled: r.cancelled }).kind, 'cancelled');
    assert.ok(pid !== undefined && !groupAlive(pid), 'no process of the run is left');
    const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
    assert.ok(!ps.split('\n').some((l) => l.includes(ini)), `no alembic process for this project:\n${ps}`);
    // The backend may outlive the client by a moment; terminateSessions is what the extension calls.
    const t = await terminateSessions(pgOptions(), appName, startedAt);
    assert.equal(t.kind, 'ok');
    const left = await watcher.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [appName]);
    for (let i = 0; i < 50 && left.rows[0].n > 0; i++) {
      await new Promise((res) => setTimeout(res, 100));
      left.rows[0].n = (await watcher.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [appName])).rows[0].n;
    }
    assert.equal(left.rows[0].n, 0, 'no server session of the cancelled run is left');
    // The migration's transaction was rolled back: still at the first revision, no column x.
    const s = await readDatabaseState(pgOptions());
    assert.equal(s.kind === 'ok' && s.revisions.join(), 'aaaa00000001');
    const col = await watcher.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 't' AND column_name = 'x'");
    assert.equal(col.rows[0].n, 0);
  } finally {
    await watcher.end();
  }
});

test('a missing program is a classified failure, not a throw', async () => {
  const r = await runProcess({ file: '/nonexistent/alembic', args: ['current'], cwd: dir, env: process.env });
  assert.equal(r.spawnErrorCode, 'ENOENT');
  assert.equal(classifyAlembicFailure({ exitCode: r.exitCode, stderr: r.stderr, spawnErrorCode: r.spawnErrorCode }).kind, 'wrong-interpreter');
});

test('the reusing reader answers from one connection and recovers when the server drops it', async () => {
  const startedAt = new Date();
  const reader = new VersionTableReader({ ...pgOptions(), applicationName: 'runner-test-reader' }, { idleMs: 60_000 });
  try {
    const a = await reader.read();
    assert.equal(a.kind === 'ok' && a.revisions.join(), 'aaaa00000001');
    const admin = new Client({ connectionString: pg.url });
    await admin.connect();
    const sessions = async (): Promise<number> =>
      (await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'runner-test-reader'")).rows[0].n;
    await reader.read();
    await reader.read();
    assert.equal(await sessions(), 1, 'three reads, one session');
    await terminateSessions(pgOptions(), 'runner-test-reader', startedAt);
    const b = await reader.read();
    assert.equal(b.kind === 'ok' && b.revisions.join(), 'aaaa00000001', 'reconnects after the session was killed');
    await admin.end();
  } finally {
    reader.dispose();
  }
});
