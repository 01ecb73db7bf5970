/**
 * `heads`, `history` and `graph --json`: what they print for a list of projects, answered from
 * the user's answer cache when a project is unchanged (answerCache.ts). Shared by the full CLI
 * (main.ts) and its light entry (entry.ts), which runs these commands without loading the
 * rest of the CLI (the parsers and their WASM): both print the same bytes by construction.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AlembicProject } from '../alembic/project';
import { cachedAnswer, userCacheDir } from './answerCache';
import type { AnswerOptions } from './readAnswers';

/** What computes an answer the cache does not hold (readAnswers.ts: its module, loaded when first needed). */
export type AnswerModule = typeof import('./readAnswers');

export interface ReadOptions extends AnswerOptions {
  /** Neither read nor write the answer cache. */
  noCache?: boolean;
}

/**
 * The build of the running code for the answer cache: the stat of the file it runs from (a
 * bundle holds the scanner and the formatting; a rebuild or reinstall gives it another
 * change time and inode), so answers cached by another build are never used. A stat, not a
 * hash of the bundle: reading and hashing it, and loading node:crypto, was ~9 ms of a cached
 * answer.
 */
export function bundleStampOf(file: string): string {
  try {
    const st = fs.statSync(file);
    return `cli:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
  } catch {
    return `cli:unknown:${Date.now()}`; // unreadable: a cache that never matches
  }
}

const isText = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is object => !!v && typeof v === 'object';

/** A path relative to the working folder when it is below it, else absolute (as main.ts shows paths). */
function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/**
 * What is wrong with a project's configuration, said on stderr before its answer, and whether
 * the project can be answered at all. Like alembic, which fails only when it cannot find the
 * migrations (a key it never reads, such as a `%` in sqlalchemy.url, fails only the commands that
 * read it): with no version location to read and an error (no script_location, a folder that
 * does not exist — e.g. an `alembic.ini` shipped as a template), each error is a `FAILED: …`
 * line and the project has no answer. Anything else is said as a warning and answered: without
 * it an empty answer (a versions folder not created yet) would look like a project without
 * revisions.
 */
function sayConfigProblems(project: AlembicProject, err: (s: string) => void): boolean {
  const problems = project.problems.filter((p) => p.ruleId === 'invalid-project-config');
  const fatal = project.versionLocations.length === 0 && problems.some((p) => p.severity === 'error');
  for (const p of problems) {
    const where = `${displayPath(p.file)}:${p.range.start.line + 1}`;
    err(fatal && p.severity === 'error' ? `FAILED: ${where}: ${p.message}\n` : `alembic-migrations: warning: ${where}: ${p.message}\n`);
  }
  return !fatal;
}

/**
 * Runs heads, history or graph --json over the projects (several: each answer after a
 * `# name (config)` line). Returns the exit code (1 when a history range fails or a project's
 * configuration cannot be used). `answers` gives the module that computes an answer, asked
 * only when the cache does not hold one.
 */
export function runReadCommand(
  projects: AlembicProject[],
  opts: ReadOptions,
  build: () => string,
  io: { out: (s: string) => void; err: (s: string) => void },
  answers: () => AnswerModule,
): number {
  const load = (p: AlembicProject, signatures: boolean): ReturnType<AnswerModule['loadIndex']> => answers().loadIndex(p, signatures);
  const cacheDir = opts.noCache ? undefined : userCacheDir();
  const id = cacheDir ? build() : '';
  const several = projects.length > 1;
  const key = (p: AlembicProject): string => JSON.stringify([opts.command, p.name, opts.verbose, opts.resolveDependencies, opts.range ?? null]);
  if (opts.command === 'graph') {
    // A project whose configuration cannot be used has no graph: said on stderr, left out.
    const usable = projects.filter((p) => sayConfigProblems(p, io.err));
    const graphs = usable.map((p) => cachedAnswer(cacheDir, id, p, key(p), isObject, load, (index) => answers().graphAnswer(index)).value);
    if (graphs.length) io.out(JSON.stringify(several ? { projects: graphs } : graphs[0], null, 2) + '\n');
    return usable.length === projects.length ? 0 : 1;
  }
  let code = 0;
  for (const project of projects) {
    if (several) io.out(`# ${project.name} (${displayPath(project.configFile)})\n`);
    if (!sayConfigProblems(project, io.err)) {
      code = 1;
      continue;
    }
    const answer = cachedAnswer(cacheDir, id, project, key(project), isText, load, (index) => answers().textAnswer(index, opts));
    (answer.code === 0 ? io.out : io.err)(answer.value);
    code = Math.max(code, answer.code);
  }
  return code;
}
