/**
 * Which alembic a project runs, and why: the `alembic.command` setting; else the interpreter the
 * Python extension selected for the folder; else a virtualenv in the project or the workspace
 * (`.venv`, `venv`; never `.tox`); else `poetry run` / `uv run` / `pipenv run` when the project's
 * lock file is there and the tool is on PATH; else `alembic` on PATH. Pure: the caller looks at
 * the disk and PATH and passes what it found.
 */

export type InterpreterSource = 'setting' | 'python-extension' | 'virtualenv' | 'poetry' | 'uv' | 'pipenv' | 'path';

export interface AlembicChoice {
  /** The argv prefix that runs alembic (the action's arguments follow). */
  argv: string[];
  source: InterpreterSource;
  /** One sentence for the status tooltip, the log and the doctor: what was chosen and why. */
  why: string;
}

export interface InterpreterFacts {
  /** The `alembic.command` setting. */
  command: string[];
  /** The interpreter the Python extension selected for this folder. */
  pythonExtension?: string;
  /** Python executables of virtualenvs found in the project, then the workspace folder, in that order. */
  virtualenvs: string[];
  /** Lock files beside the project (or in the workspace folder) and the tools on PATH. */
  lockFiles: { poetry?: boolean; uv?: boolean; pipenv?: boolean };
  tools: { poetry?: string; uv?: string; pipenv?: string };
  /** `alembic` found on PATH. */
  alembicOnPath?: string;
}

/** The folders a virtualenv may sit in, by name, in the order they are tried. */
export const VIRTUALENV_NAMES = ['.venv', 'venv', 'env', '.env-venv'];

export function chooseAlembic(f: InterpreterFacts): AlembicChoice {
  const command = f.command.filter((s) => s !== '');
  if (command.length) return { argv: command, source: 'setting', why: `the alembic.command setting (${command.join(' ')})` };
  if (f.pythonExtension)
    return {
      argv: [f.pythonExtension, '-m', 'alembic'],
      source: 'python-extension',
      why: `the interpreter selected in the Python extension (${f.pythonExtension})`,
    };
  const venv = f.virtualenvs[0];
  if (venv) return { argv: [venv, '-m', 'alembic'], source: 'virtualenv', why: `the virtualenv ${venv.replace(/\/bin\/python3?$/, '')}` };
  for (const tool of ['poetry', 'uv', 'pipenv'] as const) {
    const exe = f.tools[tool];
    if (f.lockFiles[tool] && exe)
      return {
        argv: [exe, 'run', 'alembic'],
        source: tool,
        why: `${tool} run (the project has ${tool === 'poetry' ? 'poetry.lock' : tool === 'uv' ? 'uv.lock' : 'Pipfile.lock'})`,
      };
  }
  return {
    argv: ['alembic'],
    source: 'path',
    why: f.alembicOnPath ? `alembic on PATH (${f.alembicOnPath})` : 'alembic on PATH (not found there: install alembic or set alembic.command)',
  };
}

/** A duration setting such as `5s`, `500ms`, `2min` or `0` as PostgreSQL reads it; undefined when malformed. */
export function pgDuration(value: string): string | undefined {
  const v = value.trim();
  if (v === '' || v === '0') return v === '0' ? '0' : undefined;
  return /^\d+(?:\.\d+)?\s*(?:ms|s|min|h|d)?$/.test(v) ? v.replace(/\s+/g, '') : undefined;
}

/**
 * PGOPTIONS for a run: `-c lock_timeout=…` (and `statement_timeout`) added to what the
 * environment already has. libpq-based drivers (psycopg2, psycopg 3) read it; asyncpg does not,
 * which the caller says once instead of claiming a timeout that is not in force.
 */
export function runTimeoutOptions(existing: string | undefined, lockTimeout: string, statementTimeout: string): { pgoptions?: string; problems: string[] } {
  const problems: string[] = [];
  const parts: string[] = [];
  const lock = pgDuration(lockTimeout);
  if (lockTimeout.trim() && lock === undefined) problems.push(`alembic.run.lockTimeout '${lockTimeout}' is not a duration (e.g. 5s, 500ms)`);
  else if (lock && lock !== '0') parts.push(`-c lock_timeout=${lock}`);
  const stmt = pgDuration(statementTimeout);
  if (statementTimeout.trim() && stmt === undefined) problems.push(`alembic.run.statementTimeout '${statementTimeout}' is not a duration (e.g. 10min)`);
  else if (stmt && stmt !== '0') parts.push(`-c statement_timeout=${stmt}`);
  const all = [existing?.trim(), ...parts].filter(Boolean).join(' ');
  return { ...(all ? { pgoptions: all } : {}), problems };
}

/** Drivers that ignore PGOPTIONS (the lock timeout is then not in force). */
export function driverIgnoresPgoptions(driver: string | undefined): boolean {
  return !!driver && /asyncpg|pg8000/i.test(driver);
}

/**
 * A `.env` file's variables (KEY=VALUE, `export` prefixes, quotes, `#` comments). Values are
 * taken literally: no command substitution, no expansion.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    const q = value[0];
    if ((q === '"' || q === "'") && value.lastIndexOf(q) > 0) {
      value = value.slice(1, value.lastIndexOf(q));
      if (q === '"') value = value.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    } else {
      value = value.replace(/\s+#.*$/, '').trim();
    }
    out[m[1]] = value;
  }
  return out;
}
