/**
 * The database a confirmation names is the database alembic changes: a project whose env.py
 * connects to another database than `alembic.databaseUrl` (it reads its own variable), probed
 * with the shipped helper under Debian's real alembic, read with pg, and then really
 * downgraded — the database named in the question is the one that moved.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { writeProject } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { TargetProbe } from '../../server/src/shared/alembicCli/targetProbe';
import { describeTarget, targetUrl } from '../../server/src/shared/alembicCli/alembicTarget';
import { confirmation } from '../../client/src/model/confirmation';
import { GraphView } from '../../client/src/model/graphModel';
import { buildAlembicInvocation } from '../../server/src/shared/alembicCli/alembicArgv';
import { runProcess } from '../../server/src/shared/alembicCli/processRunner';
import { parseDatabaseUrl } from '../../server/src/shared/db/databaseUrl';
import { readDatabaseState } from '../../server/src/shared/db/versionTable';
import type { RevisionGraphResult } from '../../server/src/shared/protocol';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const script = path.join(repoRoot, 'client', 'python', 'alembic_target.py');
let pg: TestPostgres;
let other: TestPostgres;
let dir: string;
let ini: string;
let statusUrl: string;
let realUrl: string;

const REVS = ['bbbb00000001', 'bbbb00000002', 'bbbb00000003'];

async function alembic(env: Record<string, string>, ...args: string[]): Promise<void> {
  const inv = buildAlembicInvocation({
    command: ['/usr/bin/alembic'],
    iniFile: ini,
    cwd: dir,
    env,
    action: args[0] === 'upgrade' ? { kind: 'upgrade', target: args[1] } : { kind: 'downgrade', target: args[1] },
  });
  const r = await runProcess({ file: inv.file, args: inv.args, cwd: inv.cwd, env: { ...process.env, ...inv.env } });
  assert.equal(r.exitCode, 0, r.stderr);
}

async function rows(url: string): Promise<string> {
  const p = parseDatabaseUrl(url);
  assert.equal(p.kind, 'ok');
  const r = await readDatabaseState(p.kind === 'ok' ? p.pg : {});
  return r.kind === 'ok' ? r.revisions.join() || 'base' : `error: ${r.message}`;
}

before(async () => {
  // Two servers: the one the status bar reads, and the one env.py really connects to.
  [pg, other] = await Promise.all([startPostgres({ database: 'app_real' }), startPostgres({ database: 'app_status' })]);
  statusUrl = other.url;
  realUrl = pg.url;
  dir = tempDir('alembic-target-');
  ini = writeProject(
    dir,
    REVS.map((id, i) => ({
      id,
      down: i ? [REVS[i - 1]] : [],
      message: `step ${i + 1}`,
      upgrade: [`op.create_table('t${i}', sa.Column('id', sa.Integer, primary_key=True))`],
      downgrade: [`op.drop_table('t${i}')`],
    })),
  );
  // This project's env.py ignores DATABASE_URL (which the extension hands over from its setting).
  const envPy = path.join(dir, 'migrations', 'env.py');
  fs.writeFileSync(envPy, fs.readFileSync(envPy, 'utf8').replace('url = os.environ.get("DATABASE_URL") or', 'url = os.environ.get("APP_DB_URL") or'));
  await alembic({ APP_DB_URL: realUrl }, 'upgrade', 'head');
  await alembic({ APP_DB_URL: statusUrl }, 'upgrade', REVS[0]);
});
after(async () => {
  await Promise.all([pg?.stop(), other?.stop()]);
});

function graph(): GraphView {
  const nodes = [...REVS].reverse().map((id, i, all) => ({
    id,
    message: `step ${REVS.indexOf(id) + 1}`,
    uri: `file://${dir}/${id}.py`,
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    parents: all[i + 1] ? [all[i + 1]] : [],
    children: i > 0 ? [all[i - 1]] : [],
    labels: [],
    dependencies: [],
    flags: [],
  }));
  const g: RevisionGraphResult = { projectId: 'p', generation: 1, nodes, heads: [REVS[2]], bases: [REVS[0]] };
  return new GraphView(g);
}

function request(env: Record<string, string>) {
  return { projectId: 'p', alembicArgv: ['/usr/bin/alembic'], iniFile: ini, cwd: dir, xArgs: [], env, inputs: [path.join(dir, 'migrations', 'env.py')] };
}

test('env.py that connects elsewhere: the confirmation names alembic’s database and its rows, and that database is the one that moves', async () => {
  const probe = new TargetProbe(script);
  const runEnv = { DATABASE_URL: statusUrl, APP_DB_URL: realUrl };
  const r = await probe.probe(request(runEnv));
  assert.equal(r.target.kind, 'ok', JSON.stringify(r.target));
  const t = r.target;
  assert.equal(t.database, 'app_real');
  assert.equal(t.user, pg.user);
  assert.deepEqual(t.hosts, [{ host: '127.0.0.1', port: pg.port }]);
  assert.equal(r.password, pg.password, 'the password came over the private pipe');
  assert.ok(!JSON.stringify(t).includes(pg.password), 'the target itself holds no password');

  // Read the target's version table as the confirmation does: a fresh connection, no cache.
  const parsed = parseDatabaseUrl(targetUrl(t));
  assert.equal(parsed.kind, 'ok');
  const read = await readDatabaseState({ ...(parsed.kind === 'ok' ? parsed.pg : {}), password: r.password });
  assert.equal(read.kind === 'ok' && read.revisions.join(), REVS[2]);

  const shownPg = parseDatabaseUrl(statusUrl);
  assert.equal(shownPg.kind, 'ok');
  const c = confirmation({
    verb: 'Downgrade',
    projectName: 'proj',
    spec: REVS[0],
    target: t,
    targetRows: read.kind === 'ok' ? { kind: 'ok', rows: read.revisions } : { kind: 'error', message: 'x' },
    shown: { label: `\`app_status\` on \`127.0.0.1:${other.port}\``, read: shownPg.kind === 'ok' ? shownPg.pg : {} },
    view: graph(),
    setting: 'remoteOnly',
  });
  assert.equal(c.kind, 'ask', 'a different database is never skipped, even remoteOnly on a local server');
  if (c.kind !== 'ask') return;
  assert.ok(c.message.startsWith(`alembic will change \`app_real\` on \`127.0.0.1:${pg.port}\` as \`${pg.user}\`, not \`app_status\``), c.message);
  assert.match(c.detail, /Will revert 2 revisions in `app_real`/);
  assert.match(c.detail, /bbbb00000003 step 3/);
  assert.match(c.detail, /bbbb00000002 step 2/);
  assert.ok(!c.detail.includes('bbbb00000001 step 1'), 'the target revision stays applied');

  // What the confirmation named is what alembic changes.
  await alembic(runEnv, 'downgrade', REVS[0]);
  assert.equal(await rows(realUrl), REVS[0]);
  assert.equal(await rows(statusUrl), REVS[0], 'the status database was at the first revision and stays there');
});

test('the answer is cached until env.py or the environment changes', async () => {
  const probe = new TargetProbe(script);
  const a = await probe.probe(request({ APP_DB_URL: realUrl }));
  const b = await probe.probe(request({ APP_DB_URL: realUrl }));
  assert.equal(b, a, 'unchanged inputs: the cached answer');
  const c = await probe.probe(request({ APP_DB_URL: statusUrl }));
  assert.notEqual(c, a);
  assert.equal(c.target.kind === 'ok' && c.target.database, 'app_status');
  const envPy = path.join(dir, 'migrations', 'env.py');
  const text = fs.readFileSync(envPy, 'utf8');
  try {
    fs.writeFileSync(
      envPy,
      text.replace('config = context.config\n', 'config = context.config\nraise RuntimeError("no settings module: postgresql://u:hunter2@db/x")\n'),
    );
    const d = await probe.probe(request({ APP_DB_URL: statusUrl }));
    assert.equal(d.target.kind, 'unknown', 'env.py changed: asked again');
    assert.match(d.target.kind === 'unknown' ? d.target.reason : '', /env\.py raised RuntimeError/);
    assert.ok(!JSON.stringify(d).includes('hunter2'), 'the reason never carries a password');
    const q = confirmation({
      verb: 'Downgrade',
      projectName: 'proj',
      spec: 'base',
      target: d.target,
      targetRows: undefined,
      view: graph(),
      setting: 'remoteOnly',
    });
    assert.equal(q.kind, 'ask');
    assert.match(q.kind === 'ask' ? q.message : '', /^Could not determine which database alembic will change/);
    assert.equal(q.kind === 'ask' && q.button, 'Downgrade Anyway');
  } finally {
    fs.writeFileSync(envPy, text);
  }
});

test('a hostless URL takes PGHOST and PGPORT from the environment env.py sees; a local socket target is local', async () => {
  const probe = new TargetProbe(script);
  const r = await probe.probe(request({ APP_DB_URL: `postgresql://${pg.user}@/app_real`, PGHOST: '/var/run/postgresql', PGPORT: '6543' }));
  assert.equal(r.target.kind, 'ok', JSON.stringify(r.target));
  const t = r.target;
  assert.deepEqual(t.hosts, [{ host: '/var/run/postgresql', port: 6543 }]);
  assert.equal(describeTarget(t), `\`app_real\` on \`socket /var/run/postgresql\` as \`${pg.user}\``);
  assert.equal(r.password, undefined);
});

test('an interpreter that cannot run the probe is "unknown", never a guess', async () => {
  const probe = new TargetProbe(script);
  const r = await probe.probe({ ...request({ APP_DB_URL: realUrl }), alembicArgv: ['/nonexistent/python', '-m', 'alembic'] });
  assert.equal(r.target.kind, 'unknown');
  const s = await probe.probe({ ...request({ APP_DB_URL: realUrl }), alembicArgv: ['some-wrapper', '--flag'] });
  assert.equal(s.target.kind, 'unknown');
  assert.match(s.target.kind === 'unknown' ? s.target.reason : '', /cannot tell which Python runs/);
});
