// `npm run bench`: builds, then runs every benchmark and prints its tables. Benchmarks that
// compare with Alembic run the real CLI (/usr/bin/alembic) side by side in the same run.
//   node bench/run.mjs                   all
//   node bench/run.mjs index sql-parsers only these (bench/<name>.ts)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const all = ['index', 'server', 'check', 'git', 'database', 'verify', 'sql-parsers', 'graph'].filter((n) => fs.existsSync(path.join(root, 'bench', `${n}.ts`)));
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : all;
for (const args of [['esbuild.mjs'], ['esbuild.mjs', '--tests']]) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
let failed = 0;
for (const name of wanted) {
  const file = path.join(root, 'out', 'bench', `${name}.js`);
  if (!fs.existsSync(file)) {
    console.error(`bench ${name}: ${file} missing`);
    failed++;
    continue;
  }
  console.log(`\n## ${name}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', file], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench ${name} exited with ${r.status}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
