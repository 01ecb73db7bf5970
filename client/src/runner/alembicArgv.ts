/**
 * The argv of every alembic run: the user's command (`alembic.command`, the selected Python
 * interpreter, or `alembic`), `-c <ini>`, `-x` arguments, then the action. Always an array:
 * revision ids and paths are data, never shell text.
 */

export type AlembicAction =
  | { kind: 'upgrade'; target: string; sql?: boolean }
  | { kind: 'downgrade'; target: string; sql?: boolean }
  | { kind: 'stamp'; targets: string[]; purge?: boolean }
  | { kind: 'current' | 'heads' }
  | { kind: 'history'; range?: string; verbose?: boolean }
  | { kind: 'merge'; revisions: string[]; message: string }
  | { kind: 'revision'; message: string; autogenerate?: boolean; head?: string }
  | { kind: 'show'; revision: string };

export interface Invocation {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** A revision spec as alembic accepts it (`head`, ids, `+1`, `-2`, `label@head`, `a:b`). */
const SPEC = /^(?:[\w.]+@)?(?:[\w.]+|[\w.]*[+-]\d+)(?::(?:[\w.]+@)?(?:[\w.]+|[\w.]*[+-]\d+)?)?$|^:(?:[\w.]+@)?[\w.]+$/;

export function isRevisionSpec(s: string): boolean {
  return SPEC.test(s);
}

export class InvalidSpecError extends Error {}

function spec(s: string): string {
  // Anything else could be read as an option by argparse, or is not a revision at all.
  if (!isRevisionSpec(s)) throw new InvalidSpecError(`'${s}' is not a revision spec alembic accepts`);
  return s;
}

export function buildAlembicInvocation(input: {
  command?: string[];
  pythonPath?: string;
  iniFile: string;
  cwd: string;
  xArgs?: string[];
  env?: Record<string, string>;
  action: AlembicAction;
}): Invocation {
  const base = input.command?.length ? input.command : input.pythonPath ? [input.pythonPath, '-m', 'alembic'] : ['alembic'];
  const args = [...base.slice(1), '-c', input.iniFile];
  for (const x of input.xArgs ?? []) args.push('-x', x);
  const a = input.action;
  switch (a.kind) {
    case 'upgrade':
    case 'downgrade':
      args.push(a.kind, spec(a.target));
      if (a.sql) args.push('--sql');
      break;
    case 'stamp':
      args.push('stamp', ...(a.purge ? ['--purge'] : []), ...a.targets.map(spec));
      break;
    case 'current':
    case 'heads':
      args.push(a.kind, '--verbose');
      break;
    case 'history':
      args.push('history', ...(a.range ? ['-r', spec(a.range)] : []), ...(a.verbose ? ['--verbose'] : []));
      break;
    case 'merge':
      args.push('merge', '-m', a.message, ...a.revisions.map(spec));
      break;
    case 'revision':
      args.push('revision', '-m', a.message, ...(a.autogenerate ? ['--autogenerate'] : []), ...(a.head ? ['--head', spec(a.head)] : []));
      break;
    case 'show':
      args.push('show', spec(a.revision));
      break;
  }
  return { file: base[0], args, cwd: input.cwd, env: { ...(input.env ?? {}) } };
}
