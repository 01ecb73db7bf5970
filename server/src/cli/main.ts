/**
 * `alembic-migrations`: the language server's analysis as a headless CLI for CI and scripts.
 * Never runs Python: projects are read statically, like in the editor.
 *
 *   alembic-migrations check   [PATH] [--format text|json|sarif|github|markdown] [--fail-on warning|error]
 *                              [--base REF] [--since REF]
 *   alembic-migrations locate  REV [PATH]
 *   alembic-migrations heads   [PATH] [--verbose] [--resolve-dependencies]
 *   alembic-migrations history [PATH] [-r A:B] [--verbose]
 *   alembic-migrations graph   [PATH] --json             (these three: [--no-cache], readCommands.ts)
 *   alembic-migrations verify  [PATH] [--server-url URL] [--from REV] [--to REV] [--format text|json]
 *   alembic-migrations schema  [PATH] --revision REV [--server-url URL] [--format sql|json]
 *   alembic-migrations graph   [PATH] --svg [--out FILE]
 *   alembic-migrations upgrade|downgrade TARGET [PATH] [--lock-timeout 5s] [--yes]
 *   alembic-migrations doctor  [PATH]
 *   alembic-migrations backup  [PATH] [--database-url URL] [--out FILE]
 *   alembic-migrations drift   [PATH] [--database-url URL] [--server-url URL] [--format text|json]
 *   alembic-migrations squash  FROM TO [PATH] [--yes] [--delete] [--archive DIR] [--database-url URL]
 *                              [--server-url URL] [--no-verify]
 *
 * PATH is a folder (every Alembic project under it) or an alembic.ini / pyproject.toml;
 * `-c FILE` is accepted too, as with alembic. Exit codes: 0 ok, 1 errors found (check; with
 * `--fail-on warning`, warnings too) or an
 * Alembic-style failure (bad revision range) or a revision git has nowhere (locate), 2 bad
 * usage or unreadable input (also: --base/--since/locate without git or outside a repository).
 * `verify` and `schema` are the commands that run Python: the user's alembic, on a throwaway database
 * only (exit 0 clean, 1 findings, 2 could not run). `upgrade`, `downgrade` and `doctor` run the
 * user's alembic and env.py against the project's database (see migrate.ts). `squash` rewrites
 * migration files (exit 0 squashed, 1 refused or undone, 2 could not run or not confirmed).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { type AlembicProject } from '../alembic/project';
import { targetProjects } from './targetProjects';
import { ProjectIndex } from '../alembic/projectIndex';
import type { checkProject as CheckProject } from './check';
import { loadLintCache, saveLintCache } from '../cache/lintCache';
import { renderGraphSvg, type SvgRevision } from '../shared/graphSvg';
import type { Problem } from '../alembic/types';
import { escapeCiCommands } from '../outputEscape';
import { locateRevision, openRepo, resolveBaseRef, GitError, type GitRepo } from '../git/gitRepo';
import { gitRuleProblems, migrationsChangedSince } from '../git/gitChecks';
import { bundleStampOf, runReadCommand } from './readCommands';
import * as readAnswers from './readAnswers';
import { pathToFileURL } from 'node:url';
import { RULES, isRuleId } from '../alembic/rules';
import { fileRevisionId } from '../alembic/revisionGraph';
import { decodeSource, readSourceBytes } from '../alembic/migrationFile';
import type { PythonParser } from '../alembic/pythonParser';
import { sarifLog } from './sarif';
import { githubAnnotation } from './githubFormat';
import { createDateOf, messageOf } from '../alembic/migrationFacts';
import { runAsProcess } from './runMain';

const USAGE = `usage: alembic-migrations <command> [PATH] [options]

commands:
  check   [PATH] [--format text|json|sarif|github|markdown] [--fail-on warning|error]
          [--docs-url URL] [--cache] [--cache-location DIR] [--base REF] [--since REF]
          [--start-after REV]
                                          report every problem; exit 1 when there are errors
                                          (--fail-on warning: warnings too); sarif: SARIF 2.1.0
                                          for code scanning; github: workflow annotations;
                                          markdown: a pull-request comment; --docs-url: where
                                          rule links point (default: the installed docs);
                                          --cache reuses the results of unchanged files
                                          (kept in DIR, default .alembic-migrations-cache);
                                          --base also reports stale-down-revision and
                                          edited-shipped-migration against the branch REF;
                                          --since lints only migrations added or changed
                                          since REF (graph checks still cover every file);
                                          --start-after (default: start-after in
                                          [tool.alembic-migrations]) skips safety, SQL and
                                          header rules on REV and the revisions before it
  locate  REV [PATH]                      one line per place git has a file declaring REV
                                          (branches, remote branches, reflog):
                                          \`REV <path> <commit> <ref>\`; exit 1 when none
  heads   [PATH] [--verbose] [--resolve-dependencies]
                                          like \`alembic heads\`
  history [PATH] [-r A:B] [--verbose]     like \`alembic history\`
  graph   [PATH] --json                   nodes, edges, heads, bases, labels, problems
                                          (heads, history, graph --json: an unchanged
                                          project is answered from the user's cache folder;
                                          --no-cache reads it again)
  verify  [PATH] [--server-url URL] [--from REV] [--to REV] [--format text|json]
                                          round-trips every revision (upgrade, downgrade,
                                          upgrade) with your alembic on a throwaway database:
                                          CREATE DATABASE on URL's server (a role with
                                          CREATEDB), else an embedded PostgreSQL; dropped at
                                          the end. Exit 1 on findings, 2 when it cannot run
  schema  [PATH] --revision REV [--server-url URL] [--format sql|json]
                                          the schema the migrations produce at REV (a
                                          throwaway database upgraded to it, as verify);
                                          exit 1 when the upgrade fails
  graph   [PATH] --svg [--out FILE]       the lane graph as a standalone SVG (to FILE,
                                          else to standard output)
  upgrade TARGET [PATH] [--lock-timeout 5s] [--statement-timeout T] [--yes]
  downgrade TARGET [PATH] [same options]  your alembic, safely: shows the database env.py
                                          uses and the revisions it runs, asks on a terminal
                                          (--yes: don't), sets lock_timeout (default 5s; off:
                                          --lock-timeout 0), refuses while another run holds
                                          the migration lock, names who blocks a lock wait;
                                          exit 1 with the classified reason when alembic fails
  doctor  [PATH]                          checks the setup (interpreter, alembic, env.py, the
                                          database, heads, pending revisions, lock timeout,
                                          pg_dump); exit 1 when any check is ✖
  backup  [PATH] [--database-url URL] [--out FILE]
                                          pg_dump -Fc of the database (default: the one env.py
                                          uses) into .alembic-backups/ beside the config (or
                                          FILE), checked with pg_restore --list; prints the
                                          file and the restore command; PG_DUMP picks pg_dump
  drift   [PATH] [--database-url URL] [--server-url URL] [--format text|json]
                                          the live database's schema (read only; default: the
                                          one env.py uses) against what the migrations build
                                          at its revision on a throwaway database (as verify);
                                          one line per difference, exit 1 on drift
          run options: [--dotenv FILE] (default .env beside the config) [-x KEY=VALUE]
                       [--version-table NAME] [--version-table-schema SCHEMA]
                       ALEMBIC_COMMAND='["poetry","run","alembic"]' picks the alembic
  squash  FROM TO [PATH] [--yes] [--delete] [--archive DIR] [--database-url URL]
          [--server-url URL] [--no-verify]
                                          one migration for the linear range FROM..TO (FROM
                                          the older): it keeps TO's id and file name, runs the
                                          range's upgrades in order and downgrades in reverse;
                                          the old files move to DIR (default:
                                          squashed_migrations beside the script location) or
                                          are deleted. Refuses when the database
                                          (--database-url, DATABASE_URL or sqlalchemy.url) is
                                          inside the range. Asks on a terminal unless --yes;
                                          verifies the schema at TO before and after on a
                                          throwaway database (as verify) and undoes the squash
                                          when it differs

PATH is a folder (every Alembic project below it is used) or an alembic.ini /
pyproject.toml (also accepted as -c FILE). Defaults to the current folder.
`;

/**
 * Modules loaded on first use: they bring the parsers (WASM), which heads, history and graph
 * never need. (A bundler keeps a `require` of a bundled module lazy; an `import` is hoisted.)
 */
/* eslint-disable @typescript-eslint/no-require-imports -- lazy loading, typed through typeof import */
const lazy = {
  check: (): typeof import('./check') => require('./check') as typeof import('./check'),
  markdownSummary: (): typeof import('./markdownSummary') => require('./markdownSummary') as typeof import('./markdownSummary'),
  pythonParser: (): typeof import('../alembic/pythonParser') => require('../alembic/pythonParser') as typeof import('../alembic/pythonParser'),
  migrationParser: (): typeof import('../alembic/migrationParser') => require('../alembic/migrationParser') as typeof import('../alembic/migrationParser'),
  // The commands that talk to a database: they load pg (~50 ms of start-up `check` never needs).
  verify: (): typeof import('./verify') => require('./verify') as typeof import('./verify'),
  migrate: (): typeof import('./migrate') => require('./migrate') as typeof import('./migrate'),
  squash: (): typeof import('./squash') => require('./squash') as typeof import('./squash'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

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

type Format = 'text' | 'json' | 'sarif' | 'github' | 'markdown' | 'sql';
/** The formats each command prints (the others print text only). */
const FORMATS_OF: Record<string, readonly Format[]> = {
  check: ['text', 'json', 'sarif', 'github', 'markdown'],
  verify: ['text', 'json'],
  drift: ['text', 'json'],
  schema: ['sql', 'json'],
};

function parseFormat(f: string, command: string): Format {
  const allowed = FORMATS_OF[command] ?? ['text'];
  const found = allowed.find((x) => x === f);
  if (!found) throw new UsageError(`--format must be one of ${allowed.join(', ')} for ${command}, not '${f}'`);
  return found;
}

/** Thrown for bad usage: printed with the usage text, exit code 2. */
class UsageError extends Error {}

interface Options {
  command: string;
  target: string;
  format: Format;
  /** check: the lowest severity that makes the exit code 1. */
  failOn: 'warning' | 'error';
  /** check: the base of rule documentation links (sarif helpUri, markdown). */
  docsUrl?: string;
  json: boolean;
  verbose: boolean;
  resolveDependencies: boolean;
  range?: string;
  /** check: the folder of the lint cache, when --cache is given. */
  cacheDir?: string;
  /** check --base: the branch the git rules compare with. */
  base?: string;
  /** check --since: lint only migrations changed since this ref. */
  since?: string;
  /** check --start-after: this revision and its ancestors count as shipped (overrides pyproject's `start-after`). */
  startAfter?: string;
  /** locate: the revision id to find. */
  revision?: string;
  /** verify: the server to create the throwaway database on. */
  serverUrl?: string;
  /** verify: first revision to round-trip / last one. */
  from?: string;
  to?: string;
  /** drift: the live database (default: env.py's). */
  databaseUrl?: string;
  /** schema: the revision to build. */
  schemaRevision?: string;
  /** heads, history, graph --json: neither read nor write the user's answer cache. */
  noCache?: boolean;
  /** graph --svg, and the file it goes to (--out). */
  svg: boolean;
  outFile?: string;
  /** upgrade/downgrade: the revision spec to go to. */
  migrateTarget?: string;
  /** upgrade/downgrade/doctor: run options. */
  yes: boolean;
  lockTimeout?: string;
  statementTimeout?: string;
  envFile?: string;
  xArgs: string[];
  versionTable?: string;
  versionTableSchema?: string;
  /** squash: FROM and TO, and its switches. */
  squashFrom?: string;
  squashTo?: string;
  delete: boolean;
  archive?: string;
  noVerify: boolean;
}

/** The commands that run the user's alembic against the project's database. */
const RUN_COMMANDS = ['upgrade', 'downgrade', 'doctor', 'drift', 'backup'];

function parseArgs(argv: string[]): Options {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help') throw new UsageError('');
  if (!['check', 'heads', 'history', 'graph', 'locate', 'verify', 'schema', 'squash', ...RUN_COMMANDS].includes(command))
    throw new UsageError(`unknown command '${command}'`);
  const opts: Options = {
    command,
    target: '.',
    format: 'text',
    failOn: 'error',
    json: false,
    verbose: false,
    resolveDependencies: false,
    svg: false,
    yes: false,
    xArgs: [],
    delete: false,
    noVerify: false,
  };
  let target: string | undefined;
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--format') opts.format = parseFormat(value(), command);
    else if (a.startsWith('--format=')) opts.format = parseFormat(a.slice('--format='.length), command);
    else if (a === '--fail-on' || a.startsWith('--fail-on=')) {
      const f = a === '--fail-on' ? value() : a.slice('--fail-on='.length);
      if (f !== 'warning' && f !== 'error') throw new UsageError(`--fail-on must be warning or error, not '${f}'`);
      opts.failOn = f;
    } else if (a === '--docs-url') opts.docsUrl = value();
    else if (a.startsWith('--docs-url=')) opts.docsUrl = a.slice('--docs-url='.length);
    else if (a === '--cache') opts.cacheDir ??= DEFAULT_CACHE_DIR;
    else if (a === '--cache-location') opts.cacheDir = value();
    else if (a.startsWith('--cache-location=')) opts.cacheDir = a.slice('--cache-location='.length);
    else if (a === '--json') opts.json = true;
    else if (a === '--no-cache') opts.noCache = true;
    else if (a === '--svg') opts.svg = true;
    else if (a === '--out' || a === '-o') opts.outFile = value();
    else if (a.startsWith('--out=')) opts.outFile = a.slice('--out='.length);
    else if (a === '-v' || a === '--verbose') opts.verbose = true;
    else if (a === '--resolve-dependencies') opts.resolveDependencies = true;
    else if (a === '-r' || a === '--rev-range') opts.range = value();
    else if (a === '--base') opts.base = value();
    else if (a.startsWith('--base=')) opts.base = a.slice('--base='.length);
    else if (a === '--since') opts.since = value();
    else if (a.startsWith('--since=')) opts.since = a.slice('--since='.length);
    else if (a === '--server-url') opts.serverUrl = value();
    else if (a.startsWith('--server-url=')) opts.serverUrl = a.slice('--server-url='.length);
    else if (a === '--database-url') opts.databaseUrl = value();
    else if (a.startsWith('--database-url=')) opts.databaseUrl = a.slice('--database-url='.length);
    else if (a === '--revision') opts.schemaRevision = value();
    else if (a.startsWith('--revision=')) opts.schemaRevision = a.slice('--revision='.length);
    else if (a === '--from') opts.from = value();
    else if (a.startsWith('--from=')) opts.from = a.slice('--from='.length);
    else if (a === '--to') opts.to = value();
    else if (a.startsWith('--to=')) opts.to = a.slice('--to='.length);
    else if (a === '--start-after') opts.startAfter = value();
    else if (a.startsWith('--start-after=')) opts.startAfter = a.slice('--start-after='.length);
    else if (a === '-y' || a === '--yes') opts.yes = true;
    else if (a === '--lock-timeout') opts.lockTimeout = value();
    else if (a.startsWith('--lock-timeout=')) opts.lockTimeout = a.slice('--lock-timeout='.length);
    else if (a === '--statement-timeout') opts.statementTimeout = value();
    else if (a.startsWith('--statement-timeout=')) opts.statementTimeout = a.slice('--statement-timeout='.length);
    else if (a === '--dotenv') opts.envFile = value();
    else if (a.startsWith('--dotenv=')) opts.envFile = a.slice('--dotenv='.length);
    else if (a === '-x') opts.xArgs.push(value());
    else if (a === '--version-table') opts.versionTable = value();
    else if (a.startsWith('--version-table=')) opts.versionTable = a.slice('--version-table='.length);
    else if (a === '--version-table-schema') opts.versionTableSchema = value();
    else if (a.startsWith('--version-table-schema=')) opts.versionTableSchema = a.slice('--version-table-schema='.length);
    else if (a === '--delete') opts.delete = true;
    else if (a === '--no-verify') opts.noVerify = true;
    else if (a === '--archive') opts.archive = value();
    else if (a.startsWith('--archive=')) opts.archive = a.slice('--archive='.length);
    else if (a === '-c' || a === '--config') target = value();
    // `downgrade -1`: a relative revision, not an option.
    else if ((command === 'upgrade' || command === 'downgrade') && positionals.length === 0 && /^-\d+$/.test(a)) positionals.push(a);
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option '${a}'`);
    else positionals.push(a);
  }
  if (command === 'locate') {
    opts.revision = positionals.shift();
    if (!opts.revision) throw new UsageError('locate needs a revision id');
    if (/[@+:\s-]/.test(opts.revision)) throw new UsageError(`'${opts.revision}' is not a revision id`);
  }
  if (command === 'upgrade' || command === 'downgrade') {
    opts.migrateTarget = positionals.shift();
    if (!opts.migrateTarget) throw new UsageError(`${command} needs a target revision (${command === 'upgrade' ? 'head' : '-1'}, an id, a label@head…)`);
  }
  if (command === 'squash') {
    opts.squashFrom = positionals.shift();
    opts.squashTo = positionals.shift();
    if (!opts.squashFrom || !opts.squashTo) throw new UsageError('squash needs FROM and TO (the oldest and the newest revision of the range)');
  }
  const runOption =
    opts.lockTimeout !== undefined ||
    opts.statementTimeout !== undefined ||
    opts.envFile !== undefined ||
    opts.xArgs.length > 0 ||
    opts.versionTable !== undefined ||
    opts.versionTableSchema !== undefined;
  if (runOption && !RUN_COMMANDS.includes(command))
    throw new UsageError('--lock-timeout, --statement-timeout, --dotenv, -x and --version-table apply to upgrade, downgrade, doctor, drift and backup only');
  if (opts.yes && command !== 'upgrade' && command !== 'downgrade' && command !== 'squash')
    throw new UsageError(`--yes applies to upgrade, downgrade and squash only (${command} changes nothing to confirm)`);
  if ((opts.delete || opts.noVerify || opts.archive !== undefined) && command !== 'squash')
    throw new UsageError('--delete, --archive and --no-verify apply to squash only');
  if (opts.delete && opts.archive !== undefined) throw new UsageError('squash takes --delete or --archive, not both');
  if (opts.archive === '') throw new UsageError('--archive needs a value');
  if (opts.envFile === '' || opts.versionTable === '' || opts.versionTableSchema === '') throw new UsageError('--dotenv and --version-table need a value');
  if (opts.xArgs.some((x) => !/^[^=\s]+=/.test(x))) throw new UsageError('-x takes KEY=VALUE');
  if (target === undefined) target = positionals.shift();
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if ((opts.base !== undefined || opts.since !== undefined) && command !== 'check') throw new UsageError('--base and --since apply to check only');
  if (opts.base === '' || opts.since === '') throw new UsageError('--base and --since need a git ref');
  if (opts.cacheDir !== undefined && command !== 'check') throw new UsageError('--cache and --cache-location apply to check only');
  if (opts.cacheDir === '') throw new UsageError('--cache-location needs a folder');
  if (opts.serverUrl !== undefined && !['verify', 'schema', 'drift', 'squash'].includes(command))
    throw new UsageError('--server-url applies to verify, schema, drift and squash only');
  if (opts.serverUrl !== undefined && opts.noVerify) throw new UsageError('squash takes --server-url or --no-verify, not both');
  if (opts.databaseUrl !== undefined && !['drift', 'backup', 'squash'].includes(command))
    throw new UsageError('--database-url applies to drift, backup and squash only');
  if (opts.databaseUrl === '') throw new UsageError('--database-url needs a URL');
  if ((opts.from !== undefined || opts.to !== undefined) && command !== 'verify') throw new UsageError('--from and --to apply to verify only');
  if (opts.schemaRevision !== undefined && command !== 'schema') throw new UsageError('--revision applies to schema only');
  if (command === 'schema' && !opts.schemaRevision) throw new UsageError('schema needs --revision REV');
  if (command === 'schema' && opts.format === 'text') opts.format = 'sql';
  if (opts.serverUrl === '' || opts.from === '' || opts.to === '' || opts.schemaRevision === '')
    throw new UsageError('--server-url, --from, --to and --revision need a value');
  if (command !== 'check' && (opts.failOn !== 'error' || opts.docsUrl !== undefined)) throw new UsageError('--fail-on and --docs-url apply to check only');
  if (opts.docsUrl !== undefined && !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(opts.docsUrl))
    throw new UsageError(`--docs-url needs an absolute URL, not '${opts.docsUrl}'`);
  if (opts.svg && command !== 'graph') throw new UsageError('--svg applies to graph only');
  if (opts.outFile !== undefined && command !== 'graph' && command !== 'backup') throw new UsageError('--out applies to graph --svg and backup only');
  if (opts.svg && opts.json) throw new UsageError('graph takes --json or --svg, not both');
  if (opts.outFile !== undefined && command === 'graph' && !opts.svg) throw new UsageError('--out goes with --svg');
  if (opts.outFile === '') throw new UsageError('--out needs a file name');
  if (command === 'graph' && !opts.svg) opts.json = true;
  if (opts.noCache && !['heads', 'history', 'graph'].includes(command)) throw new UsageError('--no-cache applies to heads, history and graph only');
  opts.target = target ?? '.';
  return opts;
}

/** The projects PATH names: the config file itself, or every project found under a folder. */
function loadProjects(target: string): AlembicProject[] {
  const found = targetProjects(target);
  if (found === 'missing') throw new InputError(`${target}: no such file or folder`);
  if (found === 'none') throw new InputError(`no Alembic project (alembic.ini or pyproject.toml with [tool.alembic]) found under ${target}`);
  return found;
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

function summaryLine(total: number, errors: number, warnings: number, projects: number, several: boolean, revisions: number): string {
  return `${total} problem${total === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}) in ${projects} project${several ? 's' : ''}, ${revisions} revisions\n`;
}

function readTextOrUndefined(file: string): string | undefined {
  try {
    return decodeSource(readSourceBytes(file));
  } catch {
    return undefined;
  }
}

/** The folder of this package (the one with its package.json): dist/ in the bundle, out/… in tests. */
function packageRoot(): string | undefined {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'docs', 'rules'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function packageVersion(): string | undefined {
  const root = packageRoot();
  try {
    return root ? (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version : undefined;
  } catch {
    return undefined;
  }
}

/** Where rule pages are: --docs-url, else the docs the package ships (the links diagnostics use in the editor). */
function docsBase(docsUrl: string | undefined): string | undefined {
  if (docsUrl) return docsUrl.replace(/\/+$/, '');
  const root = packageRoot();
  return root ? pathToFileURL(path.join(root, 'docs', 'rules')).href : undefined;
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
  const json = (): boolean => opts?.format === 'json' || opts?.format === 'sarif' || opts?.json === true;
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
  if (opts.command === 'locate') return locate(opts.revision!, opts.target, out, err);
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
  if (opts.command === 'verify') {
    if (several) {
      err(`alembic-migrations: verify runs one project at a time; ${opts.target} holds ${projects.length}: name its alembic.ini\n`);
      return 2;
    }
    return lazy
      .verify()
      .runVerify(
        projects[0],
        { format: opts.format === 'json' ? 'json' : 'text', serverUrl: opts.serverUrl, from: opts.from, to: opts.to },
        out,
        err,
        formatProblem,
      );
  }
  if (opts.command === 'squash') {
    if (several) {
      err(`alembic-migrations: squash changes one project; ${opts.target} holds ${projects.length}: name its alembic.ini\n`);
      return 2;
    }
    return lazy.squash().runSquash(
      projects[0],
      {
        from: opts.squashFrom!,
        to: opts.squashTo!,
        yes: opts.yes,
        delete: opts.delete,
        verify: !opts.noVerify,
        ...(opts.archive !== undefined ? { archive: path.resolve(opts.archive) } : {}),
        ...(opts.databaseUrl !== undefined ? { databaseUrl: opts.databaseUrl } : {}),
        ...(opts.serverUrl !== undefined ? { serverUrl: opts.serverUrl } : {}),
      },
      out,
      err,
    );
  }
  if (opts.command === 'schema') {
    if (several) {
      err(`alembic-migrations: schema reads one project; ${opts.target} holds ${projects.length}: name its alembic.ini\n`);
      return 2;
    }
    return lazy
      .verify()
      .runSchema(projects[0], { revision: opts.schemaRevision!, format: opts.format === 'json' ? 'json' : 'sql', serverUrl: opts.serverUrl }, out, err);
  }
  if (RUN_COMMANDS.includes(opts.command)) {
    if (several) {
      err(`alembic-migrations: ${opts.command} runs one project; ${opts.target} holds ${projects.length}: name its alembic.ini\n`);
      return 2;
    }
    const run = {
      ...(opts.envFile !== undefined ? { envFile: opts.envFile } : {}),
      lockTimeout: opts.lockTimeout ?? '5s',
      statementTimeout: opts.statementTimeout ?? '',
      xArgs: opts.xArgs,
      versionTable: opts.versionTable ?? 'alembic_version',
      ...(opts.versionTableSchema !== undefined ? { versionTableSchema: opts.versionTableSchema } : {}),
    };
    try {
      if (opts.command === 'doctor') return await lazy.migrate().runDoctorCli(projects[0], run, out);
      if (opts.command === 'backup')
        return await lazy.migrate().runBackupCli(
          projects[0],
          {
            ...run,
            ...(opts.databaseUrl !== undefined ? { databaseUrl: opts.databaseUrl } : {}),
            ...(opts.outFile !== undefined ? { outFile: opts.outFile } : {}),
          },
          out,
          err,
        );
      if (opts.command === 'drift')
        return await lazy.verify().runDrift(
          projects[0],
          {
            run,
            format: opts.format === 'json' ? 'json' : 'text',
            ...(opts.databaseUrl !== undefined ? { databaseUrl: opts.databaseUrl } : {}),
            ...(opts.serverUrl !== undefined ? { serverUrl: opts.serverUrl } : {}),
          },
          out,
          err,
        );
      return await lazy
        .migrate()
        .runMigrateCli(
          projects[0],
          { ...run, direction: opts.command === 'upgrade' ? 'upgrade' : 'downgrade', target: opts.migrateTarget!, yes: opts.yes },
          out,
          err,
        );
    } catch (e) {
      if (!(e instanceof lazy.migrate().SetupError)) throw e;
      err(`alembic-migrations: ${e.message}\n`);
      return 2;
    }
  }
  if (opts.command === 'check') {
    // --base / --since: every project's repository and refs checked before any work starts.
    const repos = new Map<AlembicProject, GitRepo>();
    if (opts.base !== undefined || opts.since !== undefined) {
      const flag = opts.base !== undefined ? `--base ${opts.base}` : `--since ${opts.since}`;
      for (const p of projects) {
        const found = await openRepo(p.rootDir);
        if (found.kind !== 'repo') {
          err(`alembic-migrations: ${flag} needs git: ${found.message}\n`);
          return 2;
        }
        for (const ref of [opts.base, opts.since]) {
          if (ref !== undefined && !(await resolveBaseRef(found.repo, ref))) {
            err(`alembic-migrations: git knows no commit '${ref}' in ${found.repo.root}\n`);
            return 2;
          }
        }
        repos.set(p, found.repo);
      }
    }
    const results: Array<{ index: ProjectIndex; problems: Problem[]; changed?: ReadonlySet<string> }> = [];
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
      const repo = repos.get(p);
      let r: Awaited<ReturnType<typeof CheckProject>>;
      let only: Set<string> | undefined;
      try {
        only = repo && opts.since !== undefined ? await migrationsChangedSince(repo, p, opts.since) : undefined;
        const base = opts.base;
        const startAfter = opts.startAfter ?? p.lintStartAfter;
        r = await lazy.check().checkProject(p, {
          cache,
          ...(startAfter ? { startAfter } : {}),
          ...(only ? { only } : {}),
          ...(repo && base !== undefined ? { extra: (index: ProjectIndex) => gitRuleProblems(repo, p, index, base) } : {}),
        });
      } catch (e) {
        if (!(e instanceof GitError)) throw e;
        err(`alembic-migrations: ${e.message}\n`);
        return 2;
      }
      results.push({ ...r, ...(only ? { changed: only } : {}) });
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
    } else if (opts.format === 'sarif') {
      const docs = docsBase(opts.docsUrl);
      const texts = new Map<string, string | undefined>();
      const log = sarifLog({
        problems: all,
        rules: [
          ...RULES.map((r) => ({ id: r.id, summary: r.summary, defaultSeverity: r.defaultSeverity, ...(docs ? { helpUri: `${docs}/${r.id}.md` } : {}) })),
          // Team-defined rules (the first project that defines an id describes it).
          ...projects
            .flatMap((p) => p.customRules)
            .filter((r, i, all) => all.findIndex((x) => x.id === r.id) === i)
            .map((r) => ({ id: r.id, summary: r.message, defaultSeverity: r.severity })),
        ],
        cwd: process.cwd(),
        toolVersion: packageVersion(),
        source: {
          revisionOf: (file) => {
            const m = indexes.map((i) => i.migrationFile(file)).find((x) => x);
            return m ? fileRevisionId(m) : undefined;
          },
          textOf: (file) => {
            if (!texts.has(file)) texts.set(file, readTextOrUndefined(file));
            return texts.get(file);
          },
        },
      });
      out(JSON.stringify(log, null, 2) + '\n');
    } else if (opts.format === 'github') {
      // Raw: the commands are the point, and githubAnnotation escapes every value in them.
      for (const p of all) rawOut(githubAnnotation(p, displayPath(p.file).split(path.sep).join('/')));
    } else if (opts.format === 'markdown') {
      const docs = docsBase(opts.docsUrl);
      let py: PythonParser | undefined;
      // The parsers (WASM) load only for the commands that use them: heads and history never do.
      const { markdownSummary } = lazy.markdownSummary();
      const { loadPythonParser } = lazy.pythonParser();
      const { parseMigrationWith } = lazy.migrationParser();
      out(
        await markdownSummary({
          results,
          ...(opts.since !== undefined ? { since: opts.since } : {}),
          display: (f) => displayPath(f).split(path.sep).join('/'),
          helpUri: (id) => (docs && isRuleId(id) ? `${docs}/${id}.md` : undefined),
          parse: async (file) => {
            const text = readTextOrUndefined(file);
            if (text === undefined) return undefined;
            py ??= await loadPythonParser();
            return parseMigrationWith(py, text);
          },
        }),
      );
    } else {
      for (const p of all) out(formatProblem(p) + '\n');
    }
    // JSON has its summary inside; every other format keeps stdout for its document.
    if (opts.format !== 'json')
      err(
        summaryLine(
          all.length,
          errors,
          warnings,
          indexes.length,
          several,
          indexes.reduce((n, i) => n + i.graph.size, 0),
        ),
      );
    return errors > 0 || (opts.failOn === 'warning' && warnings > 0) ? 1 : 0;
  }
  if (opts.command === 'heads' || opts.command === 'history' || (opts.command === 'graph' && !opts.svg)) {
    // Answered from the user's cache when the project is unchanged (readCommands.ts).
    return runReadCommand(
      projects,
      { ...opts, command: opts.command },
      () => bundleStampOf(__filename),
      { out, err },
      () => readAnswers,
    );
  }
  const indexes = projects.map((p) => ProjectIndex.load(p));
  switch (opts.command) {
    case 'graph': {
      if (opts.svg) {
        const svg = renderGraphSvg(indexes.map((index) => ({ title: index.project.name, revisions: svgRevisions(index) })));
        if (opts.outFile === undefined) {
          out(svg);
          return 0;
        }
        try {
          fs.writeFileSync(opts.outFile, svg);
        } catch (e) {
          err(`alembic-migrations: could not write ${opts.outFile}: ${(e as Error).message}\n`);
          return 2;
        }
        return 0;
      }
    }
  }
  return 2;
}

/** What the SVG shows of each revision: what the language server sends the graph view, in the same order. */
function svgRevisions(index: ProjectIndex): SvgRevision[] {
  const g = index.graph;
  return g.nodesChildrenFirst().map((n) => ({
    id: n.id,
    parents: n.parents,
    dependencies: n.dependencies,
    labels: g.labelsOf(n.id),
    message: messageOf(n.migration),
    ...(createDateOf(n.migration) ? { createDate: createDateOf(n.migration) } : {}),
  }));
}

/** `locate REV [PATH]`: where git has a file declaring REV, one line each; exit 1 when nowhere. */
async function locate(revision: string, target: string, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const abs = path.resolve(target);
  let dir: string;
  try {
    dir = fs.statSync(abs).isDirectory() ? abs : path.dirname(abs);
  } catch {
    err(`alembic-migrations: ${target}: no such file or folder\n`);
    return 2;
  }
  const found = await openRepo(dir);
  if (found.kind !== 'repo') {
    err(`alembic-migrations: locate needs git: ${found.message}\n`);
    return 2;
  }
  let rows;
  try {
    rows = await locateRevision(found.repo, revision);
  } catch (e) {
    if (!(e instanceof GitError)) throw e;
    err(`alembic-migrations: ${e.message}\n`);
    return 2;
  }
  for (const r of rows) out(`${revision} ${r.path} ${r.commit} ${r.ref}\n`);
  if (rows.length === 0) {
    err(`alembic-migrations: no branch, remote branch or reflog entry of ${found.repo.root} has a file declaring revision '${revision}'\n`);
    return 1;
  }
  return 0;
}

// check's lint workers run this very file (bundled: dist/cliFull.js), where check.ts, imported
// lazily above, must load to pick up its work.
if (!isMainThread) lazy.check();

if (require.main === module && isMainThread) {
  runAsProcess(main);
}
