// Grammar suite: runs vscode-tmgrammar-test on test/grammar/*.py with our injection grammars
// (from package.json contributes.grammars) over the Python and SQL grammars of tm-grammars,
// and reports one test per fixture file to the runner (SUITE_COUNTS_FILE).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const files = fs
  .readdirSync(path.join(root, 'test', 'grammar'))
  .filter((f) => f.endsWith('.py'))
  .map((f) => path.join('test', 'grammar', f));
let passed = 0;
let failed = 0;
for (const file of files) {
  const r = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'vscode-tmgrammar-test', 'dist', 'unit.js'),
      '-g',
      'node_modules/tm-grammars/grammars/python.json',
      '-g',
      'node_modules/tm-grammars/grammars/sql.json',
      file,
    ],
    { cwd: root, encoding: 'utf8' },
  );
  process.stdout.write(r.stdout + r.stderr);
  if (r.status === 0) passed++;
  else failed++;
}
if (files.length === 0) failed++;
console.log(`grammar: ${passed} passed, ${failed} failed`);
if (process.env.SUITE_COUNTS_FILE) fs.writeFileSync(process.env.SUITE_COUNTS_FILE, JSON.stringify({ passed, failed }));
process.exit(failed ? 1 : 0);
