/**
 * The lint half of `alembic-migrations check`: reads and lints migration files, in this
 * thread or as a worker thread's entry. Built as its own small bundle (dist/lintWorker.js) so
 * a worker loads only the parsers and rules, not the whole CLI (that was ~150 ms a worker).
 */
import * as path from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Problem } from '../alembic/types';
import { lintMigration, mayHaveFindings, prepareLinter } from '../alembic/lint';
import { parseFast, parseWithTreeSitter } from '../alembic/migrationParser';
import { loadPythonParser, type PythonParser } from '../alembic/pythonParser';
import { compileCustomRules, type CustomRuleSpec } from '../alembic/customRules';
import { decodeSource, looksBinary, readSourceBytes } from '../alembic/migrationFile';
import { lintKey, type LintCache } from '../cache/lintCache';

/** Problems with their file paths made relative to `root` (to cache) or absolute again (from the cache). */
export function rebase(problems: Problem[], to: (file: string) => string): Problem[] {
  return problems.map((p) => ({ ...p, file: to(p.file), ...(p.related ? { related: p.related.map((r) => ({ ...r, file: to(r.file) })) } : {}) }));
}

export interface LintResult {
  problems: Problem[];
  /** Results computed in this run, to add to the cache. */
  fresh: Array<[string, Problem[]]>;
  /** Cache keys that were used (the rest can be dropped). */
  hits: string[];
}

/** Lints files in this thread: raw problems, configuration not applied. `custom`: the project's rules, with their configured severities. */
export async function lintFiles(files: string[], root: string, custom: CustomRuleSpec[], cache?: LintCache): Promise<LintResult> {
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

/** What a worker is started with (checkProject's `lintInWorker`). */
export interface LintWorkerData {
  alembicCheckFiles: string[];
  root: string;
  custom: CustomRuleSpec[];
  cache?: LintCache;
}

// A lint worker started by checkProject (this same file, in a worker thread).
if (!isMainThread && workerData && Array.isArray((workerData as { alembicCheckFiles?: unknown }).alembicCheckFiles)) {
  const data = workerData as LintWorkerData;
  lintFiles(data.alembicCheckFiles, data.root, data.custom, data.cache).then(
    (problems) => parentPort!.postMessage(problems),
    (e: unknown) => {
      throw e;
    },
  );
}
