/**
 * `alembic-migrations`: the language server's analysis as a headless CLI for CI and scripts.
 * Never runs Python: projects are read statically, like in the editor.
 *
 *   alembic-migrations check   [PATH] [--format text|json]
 *   alembic-migrations heads   [PATH] [--verbose] [--resolve-dependencies]
 *   alembic-migrations history [PATH] [-r A:B] [--verbose]
 *   alembic-migrations graph   [PATH] --json
 *
 * PATH is a folder (every Alembic project under it) or an alembic.ini / pyproject.toml;
 * `-c FILE` is accepted too, as with alembic. Exit codes: 0 ok, 1 errors found (check) or an
 * Alembic-style failure (bad revision range), 2 bad usage or unreadable input.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { discoverProjects } from '../alembic/discovery';
import { readProject, type AlembicProject } from '../alembic/project';
import { ProjectIndex } from '../alembic/projectIndex';
import { formatHeads, formatHistory } from '../alembic/alembicFormat';
import { checkProject } from './check';
import { loadLintCache, saveLintCache } from '../cache/lintCache';
import { graphJson } from '../alembic/graphJson';
import type { Problem } from '../alembic/types';
import { escapeCiCommands } from '../outputEscape';

const USAGE = `usage: alembic-migrations <command> [PATH] [options]

commands:
  check   [PATH] [--format text|json] [--cache] [--cache-location DIR]
                                          report every problem; exit 1 when there are errors;
                                          --cache reuses the results of unchanged files
                                          (kept in DIR, default .alembic-migrations-cache)
  heads   [PATH] [--verbose] [--resolve-dependencies]
                                          like \`alembic heads\`
  history [PATH] [-r A:B] [--verbose]     like \`alembic history\`
  graph   [PATH] --json                   nodes, edges, heads, bases, labels, problems

PATH is a folder (every Alembic project below it is used) or an alembic.ini /
pyproject.toml (also accepted as -c FILE). Defaults to the current folder.
`;

const DEFAULT_CACHE_DIR = '.alembic-migrations-cache';
/**
 * Cached lint results apply only to the build that computed them: the hash of this bundle's
 * text (the rules are inside it), the same for every install of one version, so a CI cache
 * survives a fresh `npm ci`.
 */
function buildId(): string {
  try {
    return `cli:${crypto.createHash('sha1').update(fs.readFileSync(__filename)).digest('hex')}`;
  } catch {
    return `cli:unknown:${Date.now()}`; // unreadable: a cache that never matches
  }
}

/** Thrown for bad usage: printed with the usage text, exit code 2. */
class UsageError extends Error {}

interface Options {
  command: string;
  target: string;
  format: 'text' | 'json';
  json: boolean;
  verbose: boolean;
  resolveDependencies: boolean;
  range?: string;
  /** check: the folder of the lint cache, when --cache is given. */
  cacheDir?: string;
}

function parseArgs(argv: string[]): Options {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help') throw new UsageError('');
  if (!['check', 'heads', 'history', 'graph'].includes(command)) throw new UsageError(`unknown command '${command}'`);
  const opts: Options = { command, target: '.', format: 'text', json: false, verbose: false, resolveDependencies: false };
  let target: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--format') {
      const f = value();
      if (f !== 'text' && f !== 'json') throw new UsageError(`--format must be text or json, not '${f}'`);
      opts.format = f;
    } else if (a.startsWith('--format=')) {
      const f = a.slice('--format='.length);
      if (f !== 'text' && f !== 'json') throw new UsageError(`--format must be text or json, not '${f}'`);
      opts.format = f;
    } else if (a === '--cache') opts.cacheDir ??= DEFAULT_CACHE_DIR;
    else if (a === '--cache-location') opts.cacheDir = value();
    else if (a.startsWith('--cache-location=')) opts.cacheDir = a.slice('--cache-location='.length);
    else if (a === '--json') opts.json = true;
    else if (a === '-v' || a === '--verbose') opts.verbose = true;
    else if (a === '--resolve-dependencies') opts.resolveDependencies = true;
    else if (a === '-r' || a === '--rev-range') opts.range = value();
    else if (a === '-c' || a === '--config') target = value();
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option '${a}'`);
    else if (target === undefined) target = a;
    else throw new UsageError(`unexpected argument '${a}'`);
  }
  if (opts.cacheDir !== undefined && command !== 'check') throw new UsageError('--cache and --cache-location apply to check only');
  if (opts.cacheDir === '') throw new UsageError('--cache-location needs a folder');
  if (command === 'graph' && !opts.json) opts.json = true;
  opts.target = target ?? '.';
  return opts;
}

/** The projects PATH names: the config file itself, or every project found under a folder. */
function loadProjects(target: string): AlembicProject[] {
  const abs = path.resolve(target);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new InputError(`${target}: no such file or folder`);
  }
  if (stat.isDirectory()) {
    const projects = discoverProjects(abs);
    if (projects.length === 0) throw new InputError(`no Alembic project (alembic.ini or pyproject.toml with [tool.alembic]) found under ${target}`);
    return projects;
  }
  return [readProject(abs, { root: path.dirname(abs) })];
}

/** Unreadable input: printed without usage, exit code 2. */
class InputError extends Error {}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** One problem, one line: a message that spans lines (quoted source) is folded onto it. */
function formatProblem(p: Problem): string {
  const message = p.message.replace(/[ \t]*[\r\n]+[ \t]*/g, ' ');
  return `${displayPath(p.file)}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.severity} ${p.ruleId} ${message}`;
}

/**
 * Runs the CLI; returns the exit code. Output goes through the two writers so tests can
 * capture it; everything printed is escaped so that no data makes a CI workflow command.
 */
export async function main(
  argv: string[],
  rawOut: (s: string) => void = (s) => process.stdout.write(s),
  rawErr: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const json = (): boolean => opts?.format === 'json' || opts?.json === true;
  const out = (s: string): void => rawOut(escapeCiCommands(s, { json: json() }));
  const err = (s: string): void => rawErr(escapeCiCommands(s));
  let opts: Options | undefined;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) err(`alembic-migrations: ${e.message}\n\n`);
      (e.message ? err : out)(USAGE);
      return e.message ? 2 : 0;
    }
    throw e;
  }
  let projects: AlembicProject[];
  try {
    projects = loadProjects(opts.target);
  } catch (e) {
    if (e instanceof InputError) {
      err(`alembic-migrations: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const several = projects.length > 1;
  if (opts.command === 'check') {
    const results: Array<{ index: ProjectIndex; problems: Problem[] }> = [];
    const cacheDir = opts.cacheDir === undefined ? undefined : path.resolve(opts.cacheDir);
    const build = cacheDir ? buildId() : '';
    for (const p of projects) {
      // Named by the config's path from here: a checkout at another place finds the same cache.
      const projectKey = path.relative(process.cwd(), p.id);
      let distrusted = false;
      const cache = cacheDir
        ? loadLintCache(cacheDir, build, projectKey, (note) => {
            distrusted = true;
            err(`alembic-migrations: note: ${note}\n`);
          })
        : undefined;
      const r = await checkProject(p, { cache });
      results.push(r);
      // A distrusted cache file is left as it is: rewriting a committed file would only dirty the checkout.
      if (cacheDir && cache && !distrusted) {
        try {
          saveLintCache(cacheDir, build, projectKey, cache, r.usedKeys);
        } catch (e) {
          err(`alembic-migrations: could not save the cache in ${cacheDir}: ${(e as Error).message} (the results above are complete)\n`);
        }
      }
    }
    const indexes = results.map((r) => r.index);
    const all = results.flatMap((r) => r.problems);
    const errors = all.filter((p) => p.severity === 'error').length;
    const warnings = all.filter((p) => p.severity === 'warning').length;
    if (opts.format === 'json') {
      out(
        JSON.stringify(
          {
            projects: results.map((r) => ({
              name: r.index.project.name,
              config: r.index.project.configFile,
              revisions: r.index.graph.size,
              problems: r.problems,
            })),
            summary: { errors, warnings, total: all.length },
          },
          null,
          2,
        ) + '\n',
      );
    } else {
      for (const p of all) out(formatProblem(p) + '\n');
      const revisions = indexes.reduce((n, i) => n + i.graph.size, 0);
      err(
        `${all.length} problem${all.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}) in ${indexes.length} project${several ? 's' : ''}, ${revisions} revisions\n`,
      );
    }
    return errors > 0 ? 1 : 0;
  }
  const indexes = projects.map((p) => ProjectIndex.load(p));
  switch (opts.command) {
    case 'heads':
    case 'history': {
      let code = 0;
      for (const index of indexes) {
        if (several) out(`# ${index.project.name} (${displayPath(index.project.configFile)})\n`);
        const result =
          opts.command === 'heads'
            ? formatHeads(index.graph, { verbose: opts.verbose, resolveDependencies: opts.resolveDependencies })
            : formatHistory(index.graph, { range: opts.range, verbose: opts.verbose });
        if (typeof result === 'string') out(result);
        else {
          err(`FAILED: ${result.error}\n`);
          code = 1;
        }
      }
      return code;
    }
    case 'graph': {
      const graphs = indexes.map((index) => graphJson(index));
      out(JSON.stringify(several ? { projects: graphs } : graphs[0], null, 2) + '\n');
      return 0;
    }
  }
  return 2;
}

if (require.main === module && isMainThread) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`alembic-migrations: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
