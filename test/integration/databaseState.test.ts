/**
 * The database state read with pg against a real PostgreSQL, after real alembic runs on a copy
 * of migrations-sample; unreachable and silent servers end in a state within the timeout; TLS
 * as libpq negotiates it, the statement timeout set after connecting, the idle connection
 * closed in time for DROP DATABASE, and session termination limited to the cancelled run.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import { startPostgres, freePort, type TestPostgres } from '../support/postgres';
import { tempDir } from '../support/tempDir';
import { Client } from 'pg';
import { openConnection, readDatabaseState, terminateSessions, VersionTableReader } from '../../server/src/shared/db/versionTable';
import { parseDatabaseUrl } from '../../server/src/shared/db/databaseUrl';
import { buildAlembicInvocation, type AlembicAction } from '../../server/src/shared/alembicCli/alembicArgv';
import { classifyAlembicFailure } from '../../server/src/shared/alembicCli/classifyFailure';
import { newRevisionFile } from '../../server/src/alembic/newRevision';
import { readProject } from '../../server/src/alembic/project';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
let pg: TestPostgres;
let sample: string;

before(async () => {
  pg = await startPostgres();
  sample = fs.mkdtempSync(path.join(os.tmpdir(), 'sample-'));
  fs.cpSync(path.join(repoRoot, 'migrations-sample'), sample, { recursive: true });
});
after(async () => {
  await pg?.stop();
});

async function alembic(action: AlembicAction): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const inv = buildAlembicInvocation({
    command: ['/usr/bin/alembic'],
    iniFile: path.join(sample, 'alembic.ini'),
    cwd: sample,
    action,
    env: { DATABASE_URL: pg.url },
  });
  try {
    const r = await promisify(execFile)(inv.file, inv.args, { cwd: inv.cwd, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...inv.env } });
    return { exitCode: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { exitCode: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

async function state(): Promise<string[]> {
  const opts = parseDatabaseUrl(pg.url);
  assert.equal(opts.kind, 'ok');
  const s = await readDatabaseState(opts.kind === 'ok' ? opts.pg : {});
  assert.equal(s.kind, 'ok', JSON.stringify(s));
  return s.kind === 'ok' ? [...s.revisions].sort() : [];
}

test('an empty database reads as base; upgrades, stamps and downgrades by the real alembic read back through pg', async () => {
  assert.deepEqual(await state(), []);
  assert.equal((await alembic({ kind: 'upgrade', target: '4d2e9a7c5b18' })).exitCode, 0);
  assert.deepEqual(await state(), ['4d2e9a7c5b18']);
  assert.equal((await alembic({ kind: 'upgrade', target: 'b2e8f0c6d475' })).exitCode, 0);
  // b2e8f0c6d475 depends_on 4d2e9a7c5b18: a dependency is not stored as its own row.
  assert.deepEqual(await state(), ['b2e8f0c6d475']);
  assert.equal((await alembic({ kind: 'upgrade', target: '6f3a2c9e1d45' })).exitCode, 0);
  assert.deepEqual(await state(), ['6f3a2c9e1d45', 'b2e8f0c6d475'], 'two branches applied: two rows');
  assert.equal((await alembic({ kind: 'upgrade', target: 'heads' })).exitCode, 0);
  assert.deepEqual(await state(), ['c3f9a1d7e586']);
  assert.equal((await alembic({ kind: 'downgrade', target: '3c8b1f04a6e2' })).exitCode, 0);
  assert.deepEqual(await state(), ['3c8b1f04a6e2']);
  assert.equal((await alembic({ kind: 'stamp', targets: ['1f9a3c2b7d10'] })).exitCode, 0);
  assert.deepEqual(await state(), ['1f9a3c2b7d10']);
  const failed = await alembic({ kind: 'upgrade', target: 'head' });
  assert.notEqual(failed.exitCode, 0, 'stamped below existing tables: re-creating products fails');
  assert.equal(classifyAlembicFailure(failed).kind, 'sql-error');
  assert.deepEqual(await state(), ['1f9a3c2b7d10'], 'the failed run was rolled back');
});

test('a branch and a merge written natively (Create Revision, Merge Heads) are what the real alembic upgrades', async () => {
  const project = readProject(path.join(sample, 'alembic.ini'));
  const write = (id: string, message: string, parents: string[], upgrade = 'pass'): void => {
    const f = newRevisionFile(
      {
        scriptLocation: project.scriptLocation,
        versionLocation: project.versionLocations[0],
        fileTemplate: project.fileTemplate,
        truncateSlugLength: project.truncateSlugLength,
      },
      { id, message, parents, createDate: new Date() },
    );
    fs.writeFileSync(f.file, f.text.replace(/def upgrade\(\) -> None:\n {4}pass/, `def upgrade() -> None:\n    ${upgrade}`));
  };
  write('0b1e2c3d4f5a', 'audit log', ['3c8b1f04a6e2'], 'op.execute("CREATE TABLE audit_log (id bigint)")');
  const heads = await alembic({ kind: 'heads' });
  assert.equal(heads.exitCode, 0, heads.stderr);
  assert.equal(heads.stdout.trim().split('\n').length, 2, `a second head:\n${heads.stdout}`);
  write('5a6b7c8d9e0f', 'merge audit log', ['c3f9a1d7e586', '0b1e2c3d4f5a']);
  const merged = await alembic({ kind: 'heads' });
  assert.match(merged.stdout, /^5a6b7c8d9e0f (\(reviews\) )?\(head\)\n$/, `one head, the merge (it inherits the reviews label):\n${merged.stdout}`);
  // Whatever earlier tests left in the database, start this one from an empty schema.
  const c = new (await import('pg')).Client(pg.config);
  await c.connect();
  await c.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  await c.end();
  const up = await alembic({ kind: 'upgrade', target: 'heads' });
  assert.equal(up.exitCode, 0, up.stderr);
  assert.deepEqual(await state(), ['5a6b7c8d9e0f']);
  assert.equal((await alembic({ kind: 'downgrade', target: 'base' })).exitCode, 0);
  assert.deepEqual(await state(), []);
  for (const f of fs.readdirSync(project.versionLocations[0]).filter((n) => /0b1e2c3d4f5a|5a6b7c8d9e0f/.test(n)))
    fs.rmSync(path.join(project.versionLocations[0], f));
});

test('offline SQL for a range renders without touching the database', async () => {
  const r = await alembic({ kind: 'upgrade', from: '1f9a3c2b7d10', target: '4d2e9a7c5b18', sql: true });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.deepEqual(
    [...r.stdout.matchAll(/^-- Running upgrade (.*)$/gm)].map((m) => m[1]),
    ['1f9a3c2b7d10 -> 2a7e5d91c3b4', '2a7e5d91c3b4 -> 3c8b1f04a6e2', '3c8b1f04a6e2 -> 4d2e9a7c5b18'],
  );
});

test('nothing listening: unreachable at once; a server that never answers: timeout within the limit', async () => {
  const closed = await freePort();
  const t0 = Date.now();
  const s = await readDatabaseState({ host: '127.0.0.1', port: closed, user: 'x', password: 'secret-pw', database: 'd' }, { connectTimeoutMs: 1000 });
  assert.equal(s.kind, 'unreachable');
  assert.ok(!JSON.stringify(s).includes('secret-pw'));
  assert.ok(Date.now() - t0 < 1500);
  const silent = net.createServer(() => undefined).listen(0, '127.0.0.1');
  await new Promise((r) => silent.once('listening', r));
  const port = (silent.address() as net.AddressInfo).port;
  const t1 = Date.now();
  const h = await readDatabaseState({ host: '127.0.0.1', port, user: 'x', database: 'd' }, { connectTimeoutMs: 800, statementTimeoutMs: 500 });
  silent.close();
  assert.equal(h.kind, 'timeout', JSON.stringify(h));
  assert.ok(Date.now() - t1 < 3000, `took ${Date.now() - t1} ms`);
});

test('a missing database is its own state', async () => {
  const s = await readDatabaseState({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: 'no_such_db' });
  assert.equal(s.kind, 'database-missing');
});

/** Resolves when `check` is true; polls the server (a real signal), fails after `ms`. */
async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('no sslmode means prefer: TLS is asked first, and on refusal the startup packet goes out plain, without statement_timeout', async () => {
  // A listener that records what a client sends first on each connection: the 8-byte SSLRequest
  // (code 80877103), answered 'N' as a server without TLS does, or a startup packet.
  const seen: Array<{ kind: 'ssl-request' } | { kind: 'startup'; params: Record<string, string> }> = [];
  const fake = net
    .createServer((sock) => {
      sock.once('data', (buf) => {
        const code = buf.readInt32BE(4);
        if (code === 80877103) {
          seen.push({ kind: 'ssl-request' });
          sock.write('N');
          return;
        }
        const fields = buf.subarray(8, buf.readInt32BE(0)).toString('utf8').split('\0');
        const params: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length && fields[i]; i += 2) params[fields[i]] = fields[i + 1];
        seen.push({ kind: 'startup', params });
        sock.destroy();
      });
    })
    .listen(0, '127.0.0.1');
  await new Promise((r) => fake.once('listening', r));
  const port = (fake.address() as net.AddressInfo).port;
  try {
    const parsed = parseDatabaseUrl(`postgresql://u:pw@127.0.0.1:${port}/d`);
    assert.ok(parsed.kind === 'ok');
    const s = await readDatabaseState(parsed.pg, { connectTimeoutMs: 1000, statementTimeoutMs: 700 });
    assert.equal(s.kind, 'unreachable', JSON.stringify(s));
    assert.deepEqual(
      seen.map((x) => x.kind),
      ['ssl-request', 'startup'],
    );
    const startup = seen[1].kind === 'startup' ? seen[1].params : {};
    assert.equal(startup.user, 'u');
    assert.equal(startup.statement_timeout, undefined, JSON.stringify(startup));
    assert.ok(!/statement_timeout/.test(startup.options ?? ''), JSON.stringify(startup));
  } finally {
    fake.close();
  }
});

test('prefer uses TLS when the server accepts it, and an authentication failure over TLS is not retried in plain TCP', async () => {
  const dir = tempDir('faketls-');
  const [keyFile, certFile] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
    ],
    { stdio: 'ignore' },
  );
  const credentials = { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) };
  // A listener that accepts TLS, reads the startup packet inside it and answers as a server
  // rejecting the password does (ErrorResponse, SQLSTATE 28P01).
  const seen: string[] = [];
  const fake = net
    .createServer((sock) => {
      sock.once('data', (buf) => {
        if (buf.readInt32BE(4) !== 80877103) {
          seen.push('plain startup');
          sock.destroy();
          return;
        }
        sock.write('S');
        const secure = new tls.TLSSocket(sock, { isServer: true, ...credentials });
        secure.once('data', () => {
          seen.push('startup over TLS');
          const fields = Buffer.from('SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "u"\0\0', 'utf8');
          const head = Buffer.alloc(5);
          head.write('E', 0);
          head.writeInt32BE(fields.length + 4, 1);
          secure.end(Buffer.concat([head, fields]));
        });
        secure.on('error', () => undefined);
      });
      sock.on('error', () => undefined);
    })
    .listen(0, '127.0.0.1');
  await new Promise((r) => fake.once('listening', r));
  const port = (fake.address() as net.AddressInfo).port;
  try {
    const parsed = parseDatabaseUrl(`postgresql://u:wrong-secret@127.0.0.1:${port}/d`);
    assert.ok(parsed.kind === 'ok');
    const s = await readDatabaseState(parsed.pg, { connectTimeoutMs: 2000 });
    assert.equal(s.kind, 'auth-failed', JSON.stringify(s));
    assert.deepEqual(seen, ['startup over TLS'], 'one connection, over TLS; no plain retry after the password was refused');
    assert.ok(!JSON.stringify(s).includes('wrong-secret'));
  } finally {
    fake.close();
  }
});

test('against a server without TLS: no sslmode connects (prefer fell back), sslmode=require is a clear error state', async () => {
  const prefer = parseDatabaseUrl(pg.url);
  assert.ok(prefer.kind === 'ok');
  assert.equal(prefer.pg.ssl, 'prefer');
  assert.equal((await readDatabaseState(prefer.pg)).kind, 'ok');
  const require = parseDatabaseUrl(`${pg.url}?sslmode=require`);
  assert.ok(require.kind === 'ok');
  const s = await readDatabaseState(require.pg);
  assert.equal(s.kind, 'error', JSON.stringify(s));
  assert.match(s.kind === 'error' ? s.message : '', /does not accept TLS connections/);
  assert.ok(!JSON.stringify(s).includes(pg.password));
  const wrong = parseDatabaseUrl(pg.url.replace(`:${encodeURIComponent(pg.password)}@`, ':wrong-pw@'));
  assert.ok(wrong.kind === 'ok');
  assert.equal((await readDatabaseState(wrong.pg)).kind, 'auth-failed');
});

test('the statement timeout is set by SET after connecting: in force, with source session (not a startup parameter)', async () => {
  const parsed = parseDatabaseUrl(pg.url);
  assert.ok(parsed.kind === 'ok');
  const client = await openConnection(parsed.pg, { connectTimeoutMs: 3000, statementTimeoutMs: 1500 });
  try {
    const r = await client.query<{ setting: string; source: string }>("SELECT setting, source FROM pg_settings WHERE name = 'statement_timeout'");
    assert.deepEqual(r.rows[0], { setting: '1500', source: 'session' });
    await assert.rejects(client.query('SELECT pg_sleep(5)'), (e: { code?: string }) => e.code === '57014');
  } finally {
    await client.end();
  }
});

test('the kept connection closes when idle, so DROP DATABASE of the database it reads succeeds', async () => {
  const other = await startPostgres({ database: 'idle_drop' });
  const owner = new Client(other.config);
  await owner.connect();
  await owner.query("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('abc123')");
  await owner.end();
  const admin = new Client({ ...other.config, database: 'postgres' });
  await admin.connect();
  const reader = new VersionTableReader(
    { host: other.host, port: other.port, user: other.user, password: other.password, database: other.database, applicationName: 'idle-reader' },
    { idleMs: 400 },
  );
  try {
    const sessions = async (): Promise<number> =>
      (await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'idle-reader'")).rows[0].n;
    const r = await reader.read();
    assert.equal(r.kind === 'ok' && r.revisions.join(), 'abc123');
    assert.equal(await sessions(), 1, 'the reader keeps its connection after a read');
    await until(async () => (await sessions()) === 0, 10_000, 'the idle connection to close');
    await admin.query('DROP DATABASE idle_drop');
  } finally {
    reader.dispose();
    await admin.end();
    await other.stop();
  }
});

test('terminateSessions stops only sessions with that application_name that started at or after the run', async () => {
  const opts = parseDatabaseUrl(pg.url);
  assert.ok(opts.kind === 'ok');
  const connect = async (name: string): Promise<Client> => {
    const c = new Client({ ...pg.config, application_name: name });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  const earlier = await connect('run-x');
  await new Promise((r) => setTimeout(r, 20)); // backend_start has microseconds; the Date has milliseconds
  const startedAt = new Date();
  const otherName = await connect('run-y');
  const run = await connect('run-x');
  const pidOf = async (c: Client): Promise<number> => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const [earlierPid, otherPid, runPid] = [await pidOf(earlier), await pidOf(otherName), await pidOf(run)];
  try {
    const t = await terminateSessions(opts.pg, 'run-x', startedAt);
    assert.deepEqual(t, { kind: 'ok', terminated: 1 });
    const alive = async (pid: number): Promise<boolean> =>
      (await earlier.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0].n === 1;
    await until(async () => !(await alive(runPid)), 5000, 'the run session to end');
    assert.ok(await alive(earlierPid), 'the same name, started before the run: left alone');
    assert.ok(await alive(otherPid), 'another name: left alone');
  } finally {
    for (const c of [earlier, otherName, run]) await c.end().catch(() => undefined);
  }
});
