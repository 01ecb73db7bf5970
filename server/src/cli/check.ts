/**
 * `alembic-migrations check` for one project: graph problems for every file plus the lint
 * rules on every migration (full parse), with the project's rule configuration applied.
 * Large projects are linted on two worker threads (the parse dominates and is CPU-bound).
 */
import * as crypto from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ProjectIndex } from '../alembic/projectIndex';
import type { AlembicProject } from '../alembic/project';
import { listMigrationFiles } from '../alembic/discovery';
import { ZERO_RANGE, type Problem } from '../alembic/types';
import { shippedFiles, WHOLE_GRAPH_RULES, type ShippedSet } from '../alembic/lintScope';
import { lintMigration, mayHaveFindings, prepareLinter } from '../alembic/lint';
import { parseFast, parseWithTreeSitter } from '../alembic/migrationParser';
import { loadPythonParser, type PythonParser } from '../alembic/pythonParser';
import { resolveRuleConfig } from '../alembic/ruleConfig';
import { compileCustomRules, type CustomRuleSpec } from '../alembic/customRules';
import { decodeSource, looksBinary, readSourceBytes } from '../alembic/migrationFile';

/** Below this many files a worker's start-up (~150 ms) costs more than it saves. */
const PARALLEL_THRESHOLD = 400;

/**
 * Raw lint problems of files already linted, by `lintKey` (a cache kept between runs). Paths
 * in them are relative to the project's folder, so a checkout elsewhere still finds them.
 */
export type LintCache = Map<string, Problem[]>;

/**
 * What lint results depend on: the file's path in the project (problems name it) and its
 * exact text. The rules look at nothing else, and configuration is applied after (so it is
 * not part of it).
 */
export function lintKey(relativePath: string, text: string, customRules = ''): string {
  const h = crypto.createHash('sha1').update(relativePath).update('\u0000').update(text);
  // The project's team-defined rules change what the lint finds: a different set, a different key.
  if (customRules) h.update('\u0000').update(customRules);
  return h.digest('base64');
}

/** Problems with their file paths made relative to `root` (to cache) or absolute again (from the cache). */
function rebase(problems: Problem[], to: (file: string) => string): Problem[] {
  return problems.map((p) => ({ ...p, file: to(p.file), ...(p.related ? { related: p.related.map((r) => ({ ...r, file: to(r.file) })) } : {}) }));
}

interface LintResult {
  problems: Problem[];
  /** Results computed in this run, to add to the cache. */
  fresh: Array<[string, Problem[]]>;
  /** Cache keys that were used (the rest can be dropped). */
  hits: string[];
}

/** Lints files in this thread: raw problems, configuration not applied. `custom`: the project's rules, with their configured severities. */
async function lintFiles(files: string[], root: string, custom: CustomRuleSpec[], cache?: LintCache): Promise<LintResult> {
  let py: PythonParser | undefined;
  let ready = false;
  const compiled = compileCustomRules(custom, (id) => custom.find((r) => r.id === id)?.severity ?? 'off');
  const salt = custom.length ? JSON.stringify(custom) : '';
  const out: LintResult = { problems: [], fresh: [], hits: [] };
  for (const file of files) {
    let text: string;
    try {
      const bytes = readSourceBytes(file);
      if (looksBinary(bytes)) continue;
      text = decodeSource(bytes);
    } catch {
      continue;
    }
    if (!mayHaveFindings(text)) continue;
    const key = cache ? lintKey(path.relative(root, file), text, salt) : '';
    const hit = cache?.get(key);
    if (hit) {
      out.problems.push(...rebase(hit, (f) => path.resolve(root, f)));
      out.hits.push(key);
      continue;
    }
    if (!ready) {
      await prepareLinter();
      ready = true;
    }
    // tree-sitter's wasm loads only for a file the JavaScript parse does not take.
    const parsed = parseFast(text) ?? parseWithTreeSitter((py ??= await loadPythonParser()), text);
    const problems = lintMigration(parsed, file, { custom: compiled });
    out.problems.push(...problems);
    if (cache) out.fresh.push([key, rebase(problems, (f) => path.relative(root, f))]);
  }
  return out;
}

function lintInWorker(files: string[], root: string, custom: CustomRuleSpec[], cache?: LintCache): Promise<LintResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(__filename, { workerData: { alembicCheckFiles: files, root, custom, cache } });
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
    : await lintFiles(
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

// A lint worker started by checkProject (this same file, in a worker thread).
if (!isMainThread && workerData && Array.isArray((workerData as { alembicCheckFiles?: unknown }).alembicCheckFiles)) {
  const data = workerData as { alembicCheckFiles: string[]; root: string; custom: CustomRuleSpec[]; cache?: LintCache };
  lintFiles(data.alembicCheckFiles, data.root, data.custom, data.cache).then(
    (problems) => parentPort!.postMessage(problems),
    (e: unknown) => {
      throw e;
    },
  );
}
