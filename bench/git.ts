/**
 * The git side of `check --base` at 5,000 revisions: a ref's migrations read and scanned
 * (one `ls-tree` + one `cat-file --batch`) and its revision graph built, beside `git ls-tree`
 * alone; `changedSince` / `locateRevision` on the same repository; and the language server's
 * history read (which commit added each of 5,000 migrations, one commit per migration) beside
 * `git log` alone, plus every git fact the server keeps per project.
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
import { readProjectGitFacts, readProvenance, updateProvenance } from '../server/src/git/projectHistory';
import { ProjectIndex } from '../server/src/alembic/projectIndex';
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
  await historyBench(n);
}

/**
 * One commit per migration, as a real project's history is (written with `git fast-import`,
 * seconds instead of minutes), then the server's provenance read beside `git log` alone.
 */
async function historyBench(n: number): Promise<void> {
  const dir = path.join(os.tmpdir(), `alembic-bench-history-${n}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const revisions = benchRevisions(n, { mergeEvery: 50, finalHeads: 1, realistic: true });
  const ini = writeProject(dir, revisions);
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  const git = (args: string[], input?: string): string =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=b', '-c', 'user.email=b@e', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env, input });
  git(['init', '-q', '-b', 'main']);
  const versions = path.join(dir, 'migrations', 'versions');
  const files = fs.readdirSync(versions).sort();
  const chunks: string[] = [];
  const t = 1_700_000_000;
  files.forEach((f, i) => {
    const body = fs.readFileSync(path.join(versions, f));
    const msg = `add ${f}`;
    chunks.push(
      `commit refs/heads/main\nmark :${i + 1}\ncommitter b <b@e> ${t + i * 60} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}\n${i ? `from :${i}\n` : ''}M 100644 inline migrations/versions/${f}\ndata ${body.length}\n${body.toString('utf8')}\n`,
    );
  });
  git(['fast-import', '--quiet'], chunks.join(''));
  git(['reset', '-q', 'main']);
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'config']);
  git(['gc', '-q']);
  const repo: GitRepo = { root: fs.realpathSync(dir) };
  const project = readProject(ini, { root: dir });
  const index = ProjectIndex.load(project);
  let found = 0;
  const history = await timed(5, async () => {
    found = (await readProvenance(repo, project)).size;
  });
  const logAlone = wallTime(
    'git',
    ['-C', dir, 'log', '-z', '--no-renames', '--diff-filter=A', '--name-only', '--format=%H', 'HEAD', '--', 'migrations/versions'],
    5,
  );
  const facts = await timed(3, () => readProjectGitFacts(repo, project, index.migrationFiles(), { provenance: false }));
  // The server's cached case: one more commit, then only the commits since the last read.
  const kept = await readProjectGitFacts(repo, project, index.migrationFiles(), {});
  fs.writeFileSync(path.join(versions, 'zzzz_new.py'), "revision = 'zzzz00000001'\ndown_revision = None\n");
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'one more']);
  kept.head = git(['rev-parse', 'HEAD']).trim();
  const t0 = performance.now();
  const { incremental } = await updateProvenance(kept, project);
  const after = performance.now() - t0;
  console.log(
    table(
      [
        'commits',
        'files with provenance',
        'history read, whole (median of 5)',
        '`git log --diff-filter=A --name-only` alone',
        'after one more commit (incremental)',
        'branch facts without history (median of 3)',
      ],
      [[files.length + 1, found, fmt(history), fmt(logAlone), `${fmt(after)}${incremental ? '' : ' (not incremental!)'}`, fmt(facts)]],
    ),
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
