// The one test command (`npm test`): builds, type-checks, runs every suite with node's test
// runner and ends with one line `N passed, N failed` summing them all.
//   node test/run.mjs                 all suites
//   node test/run.mjs unit protocol   only these suites
// A suite whose required component (PostgreSQL, alembic, code-server, Chromium) is missing
// fails; it never skips silently.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const ALL_SUITES = ['unit', 'conformance', 'protocol', 'grammar', 'integration', 'e2e'];
const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const suites = requested.length ? requested : ALL_SUITES;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

function testFiles(dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...testFiles(p));
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

let passed = 0;
let failed = 0;
const summary = [];

// The integration and e2e suites need Debian's alembic, PostgreSQL, Chromium and code-server:
// installed here when missing, so this command alone passes on a fresh machine.
if (suites.some((s) => s === 'integration' || s === 'e2e')) {
  if (run('bash', [path.join(root, 'scripts', 'test-prerequisites.sh')]) !== 0) {
    failed++;
    summary.push('FAIL  prerequisites (see the message above)');
  }
}

const steps = [
  ['build', ['esbuild.mjs']],
  ['transpile tests', ['esbuild.mjs', '--tests']],
  ['typecheck', [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit']],
  // typescript-eslint (type-checked) and Prettier: `npm run lint`, `npm run format` to fix.
  ['lint', [path.join(root, 'node_modules/eslint/bin/eslint.js'), '.']],
  ['format', [path.join(root, 'node_modules/prettier/bin/prettier.cjs'), '--check', '--log-level', 'warn', '.']],
];
for (const [name, args] of steps) {
  const t0 = Date.now();
  const status = run(process.execPath, args);
  if (status === 0) {
    summary.push(`ok    ${name} (${Date.now() - t0} ms)`);
  } else {
    failed++;
    summary.push(`FAIL  ${name}`);
  }
}

for (const suite of suites) {
  const runner = path.join(root, 'test', suite, 'run-suite.mjs');
  const t0 = Date.now();
  let counts;
  if (fs.existsSync(runner)) {
    // Suites with their own set-up (a database, code-server…) report counts through a file.
    const countsFile = path.join(root, 'out', `${suite}.counts.json`);
    fs.rmSync(countsFile, { force: true });
    const status = run(process.execPath, [runner], { env: { ...process.env, SUITE_COUNTS_FILE: countsFile } });
    counts = fs.existsSync(countsFile) ? JSON.parse(fs.readFileSync(countsFile, 'utf8')) : { passed: 0, failed: 1 };
    if (status !== 0 && counts.failed === 0) counts.failed = 1;
  } else {
    const files = testFiles(path.join(root, 'out', 'test', suite));
    if (files.length === 0) {
      summary.push(`--    ${suite}: no tests yet`);
      continue;
    }
    counts = runNodeTests(files, suite);
  }
  passed += counts.passed;
  failed += counts.failed;
  summary.push(`${counts.failed ? 'FAIL' : 'ok  '}  ${suite}: ${counts.passed} passed, ${counts.failed} failed (${Date.now() - t0} ms)`);
}

/** Runs files with node's test runner: spec output to the terminal, TAP to a file for counting. */
function runNodeTests(files, suite) {
  const tap = path.join(root, 'out', `${suite}.tap`);
  const status = run(process.execPath, [
    '--enable-source-maps',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  const text = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
  const num = (k) => Number((text.match(new RegExp(`^# ${k} (\\d+)$`, 'm')) || [])[1] || 0);
  const counts = { passed: num('pass'), failed: num('fail') + num('cancelled') };
  if (status !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
}

console.log('\n' + summary.join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
