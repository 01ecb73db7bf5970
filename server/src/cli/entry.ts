/**
 * The CLI's entry point (bundled as dist/cli.js). `heads`, `history` and `graph [--json]` in
 * their plain forms run here, without loading the rest of the CLI (the rules, the parsers and
 * their WASM): start-up is most of their time. Everything else — other commands, any option
 * this entry does not know, any input it cannot read — goes to the full CLI (main.ts, bundled
 * as dist/cliFull.js), which prints the same answers (readCommands.ts) and every error.
 */
import * as path from 'node:path';
import { escapeCiCommands } from '../outputEscape';
import { bundleStampOf, runReadCommand, type AnswerModule, type ReadOptions } from './readCommands';
import { targetProjects } from './targetProjects';
import { runAsProcess } from './runMain';
import { stdoutWrite } from './syncOut';

/** Set by the bundler (esbuild.mjs): the full CLI's bundle next to this one. Unbundled: main.js. */
declare const ALEMBIC_MIGRATIONS_FULL_CLI: string | undefined;
/** Set by the bundler: the bundle that computes an answer the cache does not hold. Unbundled: readAnswers.js. */
declare const ALEMBIC_MIGRATIONS_ANSWERS: string | undefined;

type Main = (argv: string[], out?: (s: string) => void, err?: (s: string) => void) => Promise<number>;

function fullMain(): Main {
  const file = typeof ALEMBIC_MIGRATIONS_FULL_CLI === 'string' ? ALEMBIC_MIGRATIONS_FULL_CLI : 'main.js';
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when needed, by path (not bundled here)
  return (require(path.join(__dirname, file)) as { main: Main }).main;
}

/**
 * The scanner, the graph and the formatting (readAnswers.ts), required only when an answer is
 * not cached: a cached answer never loads them (~3 ms of its start, for a bundle half the size).
 */
let answerModule: AnswerModule | undefined;
function answers(): AnswerModule {
  const file = typeof ALEMBIC_MIGRATIONS_ANSWERS === 'string' ? ALEMBIC_MIGRATIONS_ANSWERS : 'readAnswers.js';
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when needed, by path (not bundled here)
  return (answerModule ??= require(path.join(__dirname, file)) as AnswerModule);
}

/** The plain forms this entry answers itself; undefined for anything else. */
export function lightCommand(argv: string[]): { opts: ReadOptions; target: string } | undefined {
  const [command, ...rest] = argv;
  if (command !== 'heads' && command !== 'history' && command !== 'graph') return undefined;
  const opts: ReadOptions = { command, verbose: false, resolveDependencies: false };
  let target: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '-v' || a === '--verbose') opts.verbose = true;
    else if (a === '--resolve-dependencies') opts.resolveDependencies = true;
    else if (a === '--no-cache') opts.noCache = true;
    else if (a === '--json' && command === 'graph') continue;
    else if ((a === '-r' || a === '--rev-range') && i + 1 < rest.length) opts.range = rest[++i];
    else if ((a === '-c' || a === '--config') && i + 1 < rest.length && target === undefined) target = rest[++i];
    else if (!a.startsWith('-') && target === undefined) target = a;
    else return undefined;
  }
  return { opts, target: target ?? '.' };
}

export async function main(
  argv: string[],
  rawOut: (s: string) => void = stdoutWrite,
  rawErr: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const light = lightCommand(argv);
  const found = light && targetProjects(light.target);
  // A missing target or a folder without a project: main.ts says what is wrong.
  const projects = Array.isArray(found) ? found : undefined;
  if (!light || !projects) return fullMain()(argv, rawOut, rawErr);
  const json = light.opts.command === 'graph';
  return runReadCommand(
    projects,
    light.opts,
    () => bundleStampOf(__filename),
    {
      out: (s) => rawOut(escapeCiCommands(s, { json })),
      err: (s) => rawErr(escapeCiCommands(s)),
    },
    answers,
  );
}

// Not `isMainThread` from worker_threads: loading that module is ~5 ms of a cached answer's time,
// and this bundle never runs in a worker (check's workers load dist/lintWorker.js).
if (require.main === module) {
  runAsProcess(main);
}
