/**
 * The git side of `check --base` at 5,000 revisions: a ref's migrations read and scanned
 * (one `ls-tree` + one `cat-file --batch`) and its revision graph built, beside `git ls-tree`
 * alone; and `changedSince` / `locateRevision` on the same repository.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeProject, benchRevisions } from '../test/support/generateProject';
import { readProject } from '../server/src/alembic/project';
import { RevisionGraph } from '../server/src/alembic/revisionGraph';
import { changedSince, locateRevision, type GitRepo } from '../server/src/git/gitRepo';
import { migrationsAtRef } from '../server/src/git/gitProject';
import { fmt, median, table, wallTime } from './benchUtil';

async function timed(runs: number, f: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function main(): Promise<void> {
  const n = Number(process.env.BENCH_GIT_SIZE ?? 5000);
  const dir = path.join(os.tmpdir(), `alembic-bench-git-${n}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const revisions = benchRevisions(n, { mergeEvery: 50, finalHeads: 1, realistic: true });
  const ini = writeProject(dir, revisions);
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=b', '-c', 'user.email=b@e', ...args], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'all');
  // Packed, as a cloned repository is (5,000 loose objects cost seconds of file opens here).
  git('gc', '-q');
  const repo: GitRepo = { root: fs.realpathSync(dir) };
  const project = readProject(ini, { root: dir });
  let size = 0;
  const read = await timed(5, async () => {
    const files = await migrationsAtRef(repo, project, 'main');
    size = new RevisionGraph(files.map((f) => f.migration)).size;
  });
  const lsTree = wallTime('git', ['-C', dir, 'ls-tree', '-r', '-z', 'main', '--', 'migrations/versions'], 5);
  const changed = await timed(5, () => changedSince(repo, 'main', ['migrations/versions']));
  const located = await timed(3, () => locateRevision(repo, revisions[Math.floor(n / 2)].id));
  console.log(
    table(
      ['revisions', 'ref read + scan + graph (median of 5)', '`git ls-tree -r` alone', 'changedSince', 'locateRevision'],
      [[size, fmt(read), fmt(lsTree), fmt(changed), fmt(located)]],
    ),
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
