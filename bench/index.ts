/**
 * Index and CLI speed at 100 / 1,000 / 5,000 revisions (mostly linear, a merge every ~50, two
 * heads at the end), with the real `alembic heads` / `alembic history` timed in the same run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeProject, benchRevisions } from '../test/support/generateProject';
import { fmt, table, wallTime } from './benchUtil';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const sizes = (process.env.BENCH_SIZES ?? '100,1000,5000').split(',').map(Number);
const rows: Array<Array<string | number>> = [];
const cliRows: Array<Array<string | number>> = [];
// Alembic at its best: bytecode cache allowed and warmed once.
const alembicEnv = { ...process.env };
delete alembicEnv.PYTHONDONTWRITEBYTECODE;

for (const n of sizes) {
  const dir = path.join(os.tmpdir(), `alembic-bench-${n}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const ini = writeProject(dir, benchRevisions(n, { mergeEvery: 50, finalHeads: 2, realistic: true }));
  const child = spawnSync(process.execPath, [path.join(__dirname, 'indexChild.js'), ini], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(child.stderr);
  const r = JSON.parse(child.stdout) as { revisions: number; coldMs: number; updateMs: number; maxRssMb: number };
  rows.push([n, r.revisions, fmt(r.coldMs), fmt(r.updateMs), `${Math.round(r.maxRssMb)} MB`]);

  spawnSync('/usr/bin/alembic', ['-c', ini, 'heads'], { env: alembicEnv });
  const runs = n >= 5000 ? 3 : 5;
  const oursHeads = wallTime(process.execPath, [cli, 'heads', ini], runs);
  const oursHistory = wallTime(process.execPath, [cli, 'history', ini], runs);
  const alHeads = wallTime('/usr/bin/alembic', ['-c', ini, 'heads'], runs, { env: alembicEnv });
  const alHistory = wallTime('/usr/bin/alembic', ['-c', ini, 'history'], runs, { env: alembicEnv });
  cliRows.push([
    n,
    fmt(oursHeads),
    fmt(alHeads),
    `${(alHeads / oursHeads).toFixed(1)}×`,
    fmt(oursHistory),
    fmt(alHistory),
    `${(alHistory / oursHistory).toFixed(1)}×`,
  ]);
}

console.log('In-process index (fresh Node process; files in the OS cache):\n');
console.log(table(['revisions', 'indexed', 'cold index + graph + problems', 'one-file update', 'peak RSS'], rows));
console.log("\nCLI wall time, ours (`node dist/cli.js`) vs Debian's alembic 1.8.1 (bytecode cache warm), median:\n");
console.log(table(['revisions', 'ours heads', 'alembic heads', 'speed-up', 'ours history', 'alembic history', 'speed-up'], cliRows));
console.log('\nTargets at 5,000: cold index ≤ 100 ms, one-file update ≤ 5 ms, CLI heads ≥ 5× faster than alembic (goal 10×), RSS ≤ 150 MB.');
