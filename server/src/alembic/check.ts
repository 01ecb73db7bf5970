/**
 * `alembic-migrations check` for one project: graph problems for every file plus the lint
 * rules on every migration (full parse), with the project's rule configuration applied.
 * Large projects are linted on two worker threads (the parse dominates and is CPU-bound).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ProjectIndex } from './projectIndex';
import type { AlembicProject } from './project';
import { listMigrationFiles } from './discovery';
import type { Problem } from './types';
import { lintMigration, mayHaveFindings, prepareLinter } from './lint';
import { parseMigrationWith } from './migrationParser';
import { loadPythonParser } from './pythonParser';
import { resolveRuleConfig } from './ruleConfig';
import { decodeSource, looksBinary, MAX_MIGRATION_BYTES } from './migrationFile';

/** Below this many files a worker's start-up (~150 ms) costs more than it saves. */
const PARALLEL_THRESHOLD = 400;

/** Lints files in this thread: raw problems, configuration not applied. */
async function lintFiles(files: string[]): Promise<Problem[]> {
  const py = await loadPythonParser();
  await prepareLinter();
  const out: Problem[] = [];
  for (const file of files) {
    let text: string;
    try {
      const bytes = fs.readFileSync(file);
      if (bytes.length > MAX_MIGRATION_BYTES || looksBinary(bytes)) continue;
      text = decodeSource(bytes);
    } catch {
      continue;
    }
    if (!mayHaveFindings(text)) continue;
    out.push(...lintMigration(parseMigrationWith(py, text), file));
  }
  return out;
}

function lintInWorker(files: string[]): Promise<Problem[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(__filename, { workerData: { alembicCheckFiles: files } });
    w.once('message', (m: Problem[]) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => { if (code !== 0) reject(new Error(`lint worker exited with ${code}`)); });
  });
}

/**
 * Checks a project: lint workers start on the file list first, and the index (graph
 * problems) is built on this thread meanwhile.
 */
export async function checkProject(project: AlembicProject): Promise<{ index: ProjectIndex; problems: Problem[] }> {
  const config = resolveRuleConfig({ projectRules: project.lintRules, projectRulesFile: project.pyprojectFile });
  const files = listMigrationFiles(project).map((f) => f.file);
  const workers = Math.min(2, os.availableParallelism?.() ?? os.cpus().length);
  let pending: Promise<Problem[]> | undefined;
  if (files.length >= PARALLEL_THRESHOLD && workers > 1) {
    const half = Math.ceil(files.length / workers);
    const parts = Array.from({ length: workers }, (_, i) => files.slice(i * half, (i + 1) * half));
    pending = Promise.all(parts.map(lintInWorker)).then((r) => r.flat());
  }
  const index = ProjectIndex.load(project);
  const problems: Problem[] = [...config.problems, ...config.apply(index.problems())];
  const lint = pending ? await pending : await lintFiles(index.migrationFiles().filter((m) => !m.readProblem).map((m) => m.file));
  problems.push(...config.apply(lint));
  const order = (p: Problem): string => `${p.file}\u0000${String(p.range.start.line).padStart(8, '0')}${String(p.range.start.character).padStart(6, '0')}`;
  return { index, problems: problems.sort((a, b) => order(a).localeCompare(order(b))) };
}

// A lint worker started by checkProject (this same file, in a worker thread).
if (!isMainThread && workerData && Array.isArray((workerData as { alembicCheckFiles?: unknown }).alembicCheckFiles)) {
  lintFiles((workerData as { alembicCheckFiles: string[] }).alembicCheckFiles).then(
    (problems) => parentPort!.postMessage(problems),
    (e: unknown) => { throw e; },
  );
}
