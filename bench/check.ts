/**
 * `alembic-migrations check` over a generated 5,000-revision project with realistic op calls
 * and SQL (wall time, whole CLI), and the lint latency of one 2 KB and one 100 KB migration.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeProject, benchRevisions, migrationSource } from '../test/support/generateProject';
import { parseMigration } from '../server/src/alembic/migrationParser';
import { lintMigration, prepareLinter } from '../server/src/alembic/lint';
import { fmt, median, table, wallTime } from './benchUtil';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  const n = Number(process.env.BENCH_CHECK_SIZE ?? 5000);
  const dir = path.join(os.tmpdir(), `alembic-bench-check-${n}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const ini = writeProject(dir, benchRevisions(n, { mergeEvery: 50, finalHeads: 1, realistic: true }));
  const wall = wallTime(process.execPath, [path.join(root, 'dist', 'cli.js'), 'check', ini], 3);
  // With --cache: the first run fills it; the measured runs find every file unchanged.
  const cacheDir = path.join(os.tmpdir(), `alembic-bench-check-cache-${n}`);
  fs.rmSync(cacheDir, { recursive: true, force: true });
  wallTime(process.execPath, [path.join(root, 'dist', 'cli.js'), 'check', ini, '--cache-location', cacheDir], 1);
  const warm = wallTime(process.execPath, [path.join(root, 'dist', 'cli.js'), 'check', ini, '--cache-location', cacheDir], 3);
  fs.rmSync(cacheDir, { recursive: true, force: true });

  await prepareLinter();
  const body = (k: number): string[] =>
    Array.from({ length: k }, (_, i) => [
      `op.add_column('t${i}', sa.Column('c${i}', sa.Text(), nullable=True))`,
      `op.execute("UPDATE t${i} SET c${i} = lower(name) WHERE id BETWEEN ${i * 1000} AND ${i * 1000 + 999}")`,
    ]).flat();
  const sizes: Array<[string, string]> = [];
  for (const [label, k] of [
    ['2 KB', 16],
    ['100 KB', 660],
  ] as const) {
    sizes.push([label, migrationSource({ id: 'abc123abc123', down: ['def456def456'], upgrade: body(k), downgrade: ['pass'] })]);
  }
  const rows: Array<Array<string | number>> = [
    [`check, ${n} revisions (CLI wall, median of 3)`, fmt(wall)],
    [`check --cache, ${n} revisions, every file unchanged since the last run (median of 3)`, fmt(warm)],
  ];
  for (const [label, src] of sizes) {
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      lintMigration(await parseMigration(src), '/x.py');
      times.push(performance.now() - t0);
    }
    rows.push([`lint one ${label} migration (${(src.length / 1024).toFixed(0)} KB: parse + all rules), median`, fmt(median(times.slice(3)))]);
  }
  console.log(table(['what', 'time'], rows));
  console.log('\nTarget: check over 5,000 revisions < 3 s on 2 cores.');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
