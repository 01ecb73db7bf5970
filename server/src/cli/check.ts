/**
 * `alembic-migrations check` for one project: graph problems for every file plus the lint
 * rules on every migration (full parse), with the project's rule configuration applied.
 * Large projects are linted on two worker threads (the parse dominates and is CPU-bound).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ProjectIndex } from '../alembic/projectIndex';
import type { AlembicProject } from '../alembic/project';
import { listMigrationFiles } from '../alembic/discovery';
import { ZERO_RANGE, type Problem } from '../alembic/types';
import { shippedFiles, WHOLE_GRAPH_RULES, type ShippedSet } from '../alembic/lintScope';
import { resolveRuleConfig } from '../alembic/ruleConfig';
import type { CustomRuleSpec } from '../alembic/customRules';
import type { LintCache } from '../cache/lintCache';
import type { LintResult, LintWorkerData } from './lintWorker';

export { lintKey, type LintCache } from '../cache/lintCache';

/** The lint itself, loaded only when this thread lints: it instantiates libpg-query's wasm on load. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lintHere = (): typeof import('./lintWorker') => require('./lintWorker') as typeof import('./lintWorker');

/** Below this many files a worker's start-up (~70 ms with its own bundle) costs more than it saves. */
const PARALLEL_THRESHOLD = 400;

function lintInWorker(files: string[], root: string, custom: CustomRuleSpec[], cache?: LintCache): Promise<LintResult> {
  return new Promise((resolve, reject) => {
    // The lint's own small bundle beside this one (dist/lintWorker.js; out/…/lintWorker.js in tests).
    const data: LintWorkerData = { alembicCheckFiles: files, root, custom, cache };
    const w = new Worker(path.join(__dirname, 'lintWorker.js'), { workerData: data });
    w.once('message', (m: LintResult) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`lint worker exited with ${code}`));
    });
  });
}

/**
 * Checks a project: lint workers start on the file list first, and the index (graph
 * problems) is built on this thread meanwhile. With `cache`, files whose path and text are
 * in it are not parsed again, and what was linted is added to it. With `only`, just those
 * files are linted (graph problems still cover the whole project); `extra` adds problems
 * computed from the index (the git rules), configured like the rest.
 */
export async function checkProject(
  project: AlembicProject,
  opts: { cache?: LintCache; only?: ReadonlySet<string>; extra?: (index: ProjectIndex) => Promise<Problem[]>; startAfter?: string } = {},
): Promise<{ index: ProjectIndex; problems: Problem[]; usedKeys: Set<string> }> {
  const config = resolveRuleConfig({ projectRules: project.lintRules, projectRulesFile: project.pyprojectFile, customRules: project.customRules });
  const custom = project.customRules.map((r) => ({ ...r, severity: config.severityOf(r.id) }));
  let only = opts.only;
  // start-after: the graph decides which files shipped, so the index is read before the lint starts.
  let preIndex: ProjectIndex | undefined;
  let shipped: ShippedSet | undefined;
  if (opts.startAfter) {
    preIndex = ProjectIndex.load(project);
    shipped = shippedFiles({ graph: preIndex.graph, files: preIndex.migrationFiles(), startAfter: opts.startAfter });
    const skip = shipped.files;
    const before = only;
    only = new Set(preIndex.migrationFiles().flatMap((m) => (!skip.has(m.file) && (!before || before.has(m.file)) ? [m.file] : [])));
  }
  const files = listMigrationFiles(project)
    .map((f) => f.file)
    .filter((f) => !only || only.has(f));
  const workers = Math.min(2, os.availableParallelism?.() ?? os.cpus().length);
  let pending: Promise<LintResult> | undefined;
  if (files.length >= PARALLEL_THRESHOLD && workers > 1) {
    const half = Math.ceil(files.length / workers);
    const parts = Array.from({ length: workers }, (_, i) => files.slice(i * half, (i + 1) * half));
    pending = Promise.all(parts.map((part) => lintInWorker(part, project.rootDir, custom, opts.cache))).then((r) => ({
      problems: r.flatMap((x) => x.problems),
      fresh: r.flatMap((x) => x.fresh),
      hits: r.flatMap((x) => x.hits),
    }));
  }
  const index = preIndex ?? ProjectIndex.load(project);
  const graphProblems = config.apply(index.problems());
  const problems: Problem[] = [
    ...config.problems,
    ...(shipped ? graphProblems.filter((p) => !shipped.files.has(p.file) || WHOLE_GRAPH_RULES.has(p.ruleId)) : graphProblems),
  ];
  if (shipped?.unknownStartAfter)
    problems.push({
      ruleId: 'invalid-project-config',
      severity: 'warning',
      message: `start-after names '${shipped.unknownStartAfter}', which no migration declares: every migration is checked.`,
      file: project.pyprojectFile ?? project.configFile,
      range: ZERO_RANGE,
    });
  // Started before the lint is awaited: git's processes run while the lint workers parse.
  const extra = opts.extra?.(index);
  extra?.catch(() => undefined); // handled: its failure is rethrown where it is awaited below
  const lint = pending
    ? await pending
    : await lintHere().lintFiles(
        index
          .migrationFiles()
          .filter((m) => !m.readProblem && (!only || only.has(m.file)))
          .map((m) => m.file),
        project.rootDir,
        custom,
        opts.cache,
      );
  problems.push(...config.apply(lint.problems));
  if (extra) problems.push(...config.apply(await extra));
  for (const [key, found] of lint.fresh) opts.cache?.set(key, found);
  const usedKeys = new Set([...lint.hits, ...lint.fresh.map(([k]) => k)]);
  const order = (p: Problem): string => `${p.file}\u0000${String(p.range.start.line).padStart(8, '0')}${String(p.range.start.character).padStart(6, '0')}`;
  return { index, problems: problems.sort((a, b) => order(a).localeCompare(order(b))), usedKeys };
}
