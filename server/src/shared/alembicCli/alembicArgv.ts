/**
 * The argv of every alembic run: the user's command (`alembic.command`), else the selected
 * Python interpreter with `-m alembic`, else `alembic` on PATH; then `-c <ini>`, the `-x`
 * arguments, and the action. Always an array — revision ids, messages and paths are data,
 * never shell text — and every revision spec is checked against Alembic's grammar so nothing
 * the user picks can be read by argparse as an option. Pure.
 */

/** What to run. Mirrors alembic's subcommands (1.8 – 1.18). */
export type AlembicAction =
  | {
      kind: 'upgrade' | 'downgrade';
      target: string;
      /** Render SQL instead of running it (`--sql`). */
      sql?: boolean;
      /** Start of an offline range: `<from>:<target>` (requires `sql`). */
      from?: string;
      tag?: string;
    }
  | { kind: 'stamp'; targets: string[]; purge?: boolean; sql?: boolean }
  | { kind: 'current'; verbose?: boolean }
  | { kind: 'heads'; verbose?: boolean; resolveDependencies?: boolean }
  | {
      kind: 'history';
      /** `start:end`, `start:` or `:end`. */
      range?: string;
      verbose?: boolean;
      indicateCurrent?: boolean;
    }
  | { kind: 'merge'; revisions: string[]; message: string; branchLabel?: string; revId?: string }
  | {
      kind: 'revision';
      message: string;
      autogenerate?: boolean;
      /** `--head`: the revision or `<label>@head` to base the new one on. */
      head?: string;
      /** Allow `head` to be a non-head revision (`--splice`). */
      splice?: boolean;
      branchLabel?: string;
      dependsOn?: string[];
      revId?: string;
      versionPath?: string;
    }
  | { kind: 'show'; revision: string };

/** A process to start: no shell involved. `env` holds only the additions to the inherited environment. */
export interface AlembicInvocation {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** Thrown for input that is not a valid revision spec, id, label or option value. */
export class InvalidAlembicArgumentError extends Error {
  override name = 'InvalidAlembicArgumentError';
}

// A revision id or branch label: anything without whitespace, quotes or Alembic's operators
// (@ - + :). Ids are usually 12 hex digits, but FACTS.md lists what is legal.
const ID = String.raw`[^\s@+:\-'"\\]+`;
const REL = String.raw`[+-]\d+`;
// One side of a spec: `head`, `abc123`, `abc123+2`, `+1`, `-1`, `label@head`, `label@+2`, `label@head-1`.
const TERM = String.raw`(?:${ID}@)?(?:${ID}(?:${REL})?|${REL})`;
const SPEC_RE = new RegExp(`^${TERM}$`);
const RANGE_RE = new RegExp(`^(?:${TERM})?:(?:${TERM})?$`);
const ID_RE = new RegExp(`^${ID}$`);

/** True for a single revision spec alembic accepts (`head`, `heads`, `base`, ids, prefixes, `+N`, `-N`, `label@head`…). */
export function isRevisionSpec(s: string): boolean {
  return SPEC_RE.test(s);
}

/** True for a range `start:end`, `start:` or `:end` (offline SQL, `history -r`). */
export function isRevisionRange(s: string): boolean {
  return s !== ':' && RANGE_RE.test(s);
}

function spec(s: string): string {
  if (!isRevisionSpec(s)) throw new InvalidAlembicArgumentError(`'${s}' is not a revision spec alembic accepts`);
  // argparse reads any leading '-' as an option unless the word is a negative number (-1, -2).
  if (s.startsWith('-') && !/^-\d+$/.test(s)) throw new InvalidAlembicArgumentError(`'${s}' would be read as an option`);
  return s;
}

function identifier(what: string, s: string): string {
  if (!ID_RE.test(s)) throw new InvalidAlembicArgumentError(`'${s}' is not a valid ${what} (no spaces or @ - + :)`);
  return s;
}

/**
 * An option with a free-text value. `--name=value` binds the value even when it starts with
 * '-', where `-m value` would make argparse stop with "expected one argument".
 */
function valueOption(longName: string, value: string): string[] {
  if (value.includes('\0')) throw new InvalidAlembicArgumentError(`${longName} cannot contain a NUL character`);
  return [`${longName}=${value}`];
}

/** Chooses the program: explicit command, else `<python> -m alembic`, else `alembic` on PATH. */
export function alembicCommand(input: { command?: string[]; pythonPath?: string }): string[] {
  const command = (input.command ?? []).filter((s) => s !== '');
  if (command.length) return command;
  if (input.pythonPath) return [input.pythonPath, '-m', 'alembic'];
  return ['alembic'];
}

/**
 * Builds the invocation. Throws {@link InvalidAlembicArgumentError} for invalid specs (callers
 * validate user input with {@link isRevisionSpec} first to show a message instead).
 */
export function buildAlembicInvocation(input: {
  /** The `alembic.command` setting. */
  command?: string[];
  /** The interpreter selected in the Python extension. */
  pythonPath?: string;
  iniFile: string;
  cwd: string;
  xArgs?: string[];
  env?: Record<string, string>;
  action: AlembicAction;
}): AlembicInvocation {
  const [file, ...prefix] = alembicCommand(input);
  // A relative ini path starting with '-' would be an option: anchor it.
  const ini = input.iniFile.startsWith('-') ? `./${input.iniFile}` : input.iniFile;
  const args = [...prefix, '-c', ini];
  for (const x of input.xArgs ?? []) {
    if (x.includes('\0')) throw new InvalidAlembicArgumentError('-x values cannot contain a NUL character');
    // A short option takes an attached value verbatim: `-x-flag` keeps '-flag' from being an option.
    args.push(...(x.startsWith('-') ? [`-x${x}`] : ['-x', x]));
  }
  args.push(...actionArgs(input.action));
  return {
    file,
    args,
    cwd: input.cwd,
    // Unbuffered so stdout lines (offline SQL, history) stream as they are printed and keep their
    // order relative to stderr's log lines; UTF-8 so messages decode the same on every platform.
    env: { PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8', ...(input.env ?? {}) },
  };
}

function actionArgs(a: AlembicAction): string[] {
  switch (a.kind) {
    case 'upgrade':
    case 'downgrade': {
      if (a.from !== undefined && !a.sql) throw new InvalidAlembicArgumentError('a <from>:<to> range needs offline mode (--sql)');
      const target = a.from !== undefined ? `${spec(a.from)}:${spec(a.target)}` : spec(a.target);
      return [a.kind, ...(a.sql ? ['--sql'] : []), ...(a.tag ? valueOption('--tag', a.tag) : []), target];
    }
    case 'stamp':
      if (a.targets.length === 0) throw new InvalidAlembicArgumentError('stamp needs at least one revision');
      return ['stamp', ...(a.purge ? ['--purge'] : []), ...(a.sql ? ['--sql'] : []), ...a.targets.map(spec)];
    case 'current':
      return ['current', ...(a.verbose ? ['--verbose'] : [])];
    case 'heads':
      return ['heads', ...(a.verbose ? ['--verbose'] : []), ...(a.resolveDependencies ? ['--resolve-dependencies'] : [])];
    case 'history': {
      if (a.range !== undefined && !isRevisionRange(a.range)) throw new InvalidAlembicArgumentError(`'${a.range}' is not a range (start:end, start: or :end)`);
      return [
        'history',
        ...(a.range !== undefined ? valueOption('--rev-range', a.range) : []),
        ...(a.verbose ? ['--verbose'] : []),
        ...(a.indicateCurrent ? ['--indicate-current'] : []),
      ];
    }
    case 'merge':
      if (a.revisions.length < 2) throw new InvalidAlembicArgumentError('a merge needs at least two revisions');
      return [
        'merge',
        ...valueOption('--message', a.message),
        ...(a.branchLabel ? valueOption('--branch-label', identifier('branch label', a.branchLabel)) : []),
        ...(a.revId ? valueOption('--rev-id', identifier('revision id', a.revId)) : []),
        ...a.revisions.map(spec),
      ];
    case 'revision':
      return [
        'revision',
        ...valueOption('--message', a.message),
        ...(a.autogenerate ? ['--autogenerate'] : []),
        ...(a.head ? valueOption('--head', spec(a.head)) : []),
        ...(a.splice ? ['--splice'] : []),
        ...(a.branchLabel ? valueOption('--branch-label', identifier('branch label', a.branchLabel)) : []),
        ...(a.dependsOn ?? []).flatMap((d) => valueOption('--depends-on', spec(d))),
        ...(a.revId ? valueOption('--rev-id', identifier('revision id', a.revId)) : []),
        ...(a.versionPath ? valueOption('--version-path', a.versionPath) : []),
      ];
    case 'show':
      return ['show', spec(a.revision)];
  }
}
