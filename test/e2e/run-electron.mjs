// The same extension-host mocha suite as the e2e suite's phase A, under desktop VS Code (Electron)
// downloaded by @vscode/test-electron — for developer machines with internet access. CI machines
// here cannot download VS Code; they run the suite in code-server instead (test/e2e/run-suite.mjs).
//   npm run test:electron            (Linux without a display: xvfb-run -a npm run test:electron)
// Uses the checkout as the development extension, a copy of migrations-sample as the workspace,
// a throwaway PostgreSQL (test/support/postgres) and the alembic named by ALEMBIC_BIN
// (default /usr/bin/alembic).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const alembicBin = process.env.ALEMBIC_BIN ?? '/usr/bin/alembic';

for (const args of [['esbuild.mjs'], ['esbuild.mjs', '--tests']]) {
  if (spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
}
if (spawnSync(alembicBin, ['--version']).status !== 0) {
  console.error(`alembic not found at ${alembicBin}: install it (Debian: apt-get install alembic python3-psycopg2) or set ALEMBIC_BIN`);
  process.exit(1);
}

const { runTests } = require('@vscode/test-electron');
const { startPostgres } = require(path.join(root, 'out/test/support/postgres.js'));
const run = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-electron-'));
const pg = await startPostgres();
let code = 1;
try {
  const workspace = path.join(run, 'workspace');
  fs.cpSync(path.join(root, 'migrations-sample'), workspace, { recursive: true, filter: (s) => !s.includes('__pycache__') });
  const userData = path.join(run, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify({ 'alembic.command': [alembicBin], 'security.workspace.trust.enabled': false }),
  );
  const results = path.join(run, 'results.json');
  await runTests({
    version: process.env.VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out/test/e2e/suite/index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${userData}`],
    extensionTestsEnv: { DATABASE_URL: pg.url.replace(/^postgresql:/, 'postgresql+psycopg2:'), ALEMBIC_E2E_RESULTS: results },
  });
  const r = JSON.parse(fs.readFileSync(results, 'utf8'));
  console.log(`${r.passed} passed, ${r.failed} failed`);
  code = r.failed ? 1 : 0;
} catch (e) {
  console.error(`test-electron failed: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  await pg.stop();
  fs.rmSync(run, { recursive: true, force: true });
}
process.exit(code);
