/**
 * What went wrong in an alembic run, from its exit code, signal and stderr, with the one next
 * step to offer the user. Patterns come from real alembic 1.8.1 / SQLAlchemy 1.4 / psycopg2
 * output (test/integration/runner.test.ts produces and checks them). Pure; messages and next
 * steps are password-free: the output is redacted before any piece is taken from it.
 */
import { redactText } from '../db/databaseUrl';

export type FailureKind =
  | 'cancelled'
  | 'wrong-interpreter'
  | 'cant-locate-revision'
  | 'multiple-heads'
  | 'not-up-to-date'
  | 'auth-failed'
  | 'database-missing'
  | 'connection-refused'
  | 'lock-timeout'
  | 'sql-error'
  | 'alembic-error'
  | 'unknown';

/** A classified failure. */
export interface AlembicFailure {
  kind: FailureKind;
  /** The first meaningful line (the `FAILED:` text or the final exception), password-free. */
  message: string;
  /** One sentence telling the user what to do. */
  nextStep: string;
  /** The statement that failed, from SQLAlchemy's `[SQL: …]` block (sql-error only). */
  sql?: string;
  /** The migration step that was running (`3c8b1f04a6e2` of "Running upgrade 2a7e… -> 3c8b…"). */
  failedStep?: { direction: 'upgrade' | 'downgrade'; from: string[]; to: string[]; message?: string };
  /** The revision alembic could not find (cant-locate-revision). */
  revision?: string;
}

export interface FailureInput {
  exitCode: number | null;
  stderr: string;
  stdout?: string;
  signal?: string | null;
  cancelled?: boolean;
  /** `error.code` when the process could not be started (ENOENT, EACCES). */
  spawnErrorCode?: string;
  /** Passwords to keep out of the message. */
  secrets?: readonly string[];
}

const CORE_MODULES = /^(alembic|sqlalchemy|psycopg2|psycopg|asyncpg|mako)\b/;
const NEXT_INTERPRETER =
  'Select the Python interpreter that has alembic installed (Python: Select Interpreter), or set alembic.command, e.g. ["poetry", "run", "alembic"].';
const NEXT_OUTPUT = 'See the Alembic output channel for the full output.';

/** `Running upgrade a, b -> c, message` (log line) → the step. */
function lastStep(text: string): AlembicFailure['failedStep'] {
  let step: AlembicFailure['failedStep'];
  for (const m of text.matchAll(/Running (upgrade|downgrade) ([^\n]*?) -> ([^\n,]+(?:, [0-9a-zA-Z_]+)*?)(?:, (.*))?$/gm)) {
    const split = (s: string): string[] =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    step = { direction: m[1] as 'upgrade' | 'downgrade', from: split(m[2]), to: split(m[3]), ...(m[4] ? { message: m[4].trim() } : {}) };
  }
  return step;
}

/** The final exception of the last traceback: `module.Error: message` at column 0. */
function finalException(text: string): { type: string; message: string; index: number } | undefined {
  let found: { type: string; message: string; index: number } | undefined;
  for (const m of text.matchAll(/^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Failure)): ?(.*)$/gm)) {
    found = { type: m[1], message: m[2].trim(), index: m.index ?? 0 };
  }
  return found;
}

function firstMatch(text: string, re: RegExp): string | undefined {
  return re.exec(text)?.[1];
}

/** Classifies a finished run that did not succeed. */
export function classifyAlembicFailure(r: FailureInput): AlembicFailure {
  // Redact the whole output before taking pieces out of it: a piece cut at a quote or a line end
  // could hold part of a URL whose password redaction no longer recognises.
  const secrets = r.secrets ?? [];
  const tidy = (s: string): string => s.trim();
  const stderr = redactText(r.stderr ?? '', secrets);
  const all = `${stderr}\n${redactText(r.stdout ?? '', secrets)}`;

  if (r.cancelled) {
    return {
      kind: 'cancelled',
      message: 'Cancelled.',
      nextStep: 'Refresh the status: steps committed before the cancel stay applied (each migration runs in its own transaction only if env.py says so).',
    };
  }

  const failed = firstMatch(all, /^FAILED: (.*)$/m);
  const exc = finalException(stderr);
  const lastLine = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(INFO|WARNI|WARN|DEBUG|ERROR) +\[/.test(l))
    .pop();
  const step = lastStep(stderr);
  const withStep = <T extends AlembicFailure>(f: T): T => (step ? { ...f, failedStep: step } : f);

  // --- the interpreter or command is wrong -------------------------------------------------
  if (r.spawnErrorCode === 'ENOENT' || r.spawnErrorCode === 'EACCES') {
    return {
      kind: 'wrong-interpreter',
      message:
        r.spawnErrorCode === 'ENOENT'
          ? 'The alembic command or Python interpreter was not found.'
          : 'The alembic command or Python interpreter is not executable.',
      nextStep: NEXT_INTERPRETER,
    };
  }
  const missingModule = firstMatch(stderr, /No module named '?([\w.]+)'?/);
  if (missingModule && (CORE_MODULES.test(missingModule) || !exc || exc.type.endsWith('ModuleNotFoundError'))) {
    const core = CORE_MODULES.test(missingModule);
    return {
      kind: 'wrong-interpreter',
      message: tidy(exc?.type.endsWith('ModuleNotFoundError') ? `${exc.type}: ${exc.message}` : (lastLine ?? `No module named ${missingModule}`)),
      nextStep: core
        ? NEXT_INTERPRETER
        : `The interpreter cannot import '${missingModule}' (imported by env.py or a migration): select the project's virtual environment, or set prepend_sys_path in alembic.ini.`,
    };
  }
  if (r.exitCode === 127 || /command not found|Command not found/i.test(stderr)) {
    return { kind: 'wrong-interpreter', message: tidy(lastLine ?? 'command not found'), nextStep: NEXT_INTERPRETER };
  }

  // --- alembic's own errors (FAILED: …, exit 255) ------------------------------------------
  const locate = firstMatch(all, /Can't locate revision identified by '([^']*)'/) ?? firstMatch(all, /No such revision or branch '([^']*)'/);
  if (locate !== undefined) {
    return {
      kind: 'cant-locate-revision',
      message: tidy(failed ?? `Can't locate revision identified by '${locate}'`),
      revision: locate,
      nextStep: `No migration file declares '${locate}': if the database names it, check out the branch that has it (or restore the deleted file), or stamp the database to a revision this project knows.`,
    };
  }
  if (/Multiple head revisions are present|Multiple heads are present/.test(all)) {
    return {
      kind: 'multiple-heads',
      message: tidy(failed ?? 'Multiple head revisions are present.'),
      nextStep: "Run 'Alembic: Merge Heads' to join the heads, or upgrade to 'heads' (all branches) or '<label>@head'.",
    };
  }
  if (/Target database is not up to date/.test(all)) {
    return {
      kind: 'not-up-to-date',
      message: tidy(failed ?? 'Target database is not up to date.'),
      nextStep: "Upgrade the database to head ('Alembic: Upgrade to Head') before creating a revision with autogenerate.",
    };
  }

  // --- connecting to the database ----------------------------------------------------------
  const dbText = exc ? `${exc.message}\n${stderr.slice(exc.index)}` : all;
  const connMessage = (): string =>
    tidy(
      (exc?.message ?? lastLine ?? '')
        .replace(/^\([\w.]+\)\s*/, '')
        .replace(/FATAL:\s+/, '')
        .split('\n')[0],
    );
  if (/password authentication failed|authentication failed for user|no password supplied|fe_sendauth/i.test(dbText)) {
    return withStep({
      kind: 'auth-failed',
      message: connMessage(),
      nextStep: 'Check the user and password in the URL alembic uses (DATABASE_URL, sqlalchemy.url or the -x arguments env.py reads).',
    });
  }
  if (/database "[^"]+" does not exist/.test(dbText)) {
    return withStep({ kind: 'database-missing', message: connMessage(), nextStep: 'Create the database (createdb), or point the URL at an existing one.' });
  }
  if (
    /Connection refused|could not connect to server|could not translate host name|Is the server running|timeout expired|Name or service not known|No route to host|Connection timed out/i.test(
      dbText,
    )
  ) {
    return withStep({
      kind: 'connection-refused',
      message: connMessage(),
      nextStep: 'Start the database server, or check the host and port in the URL alembic uses.',
    });
  }

  // --- a statement failed inside a migration ----------------------------------------------
  if (exc && /^(sqlalchemy\.exc\.|psycopg2\.|psycopg\.|asyncpg\.)/.test(exc.type)) {
    const dbError = firstMatch(exc.message, /^\(([\w.]+)\)/);
    const text = exc.message.replace(/^\([\w.]+\)\s*/, '');
    const sql = firstMatch(stderr.slice(exc.index), /\[SQL: ([\s\S]*?)\]\n(?:\[parameters|\(Background|$)/);
    const name = (dbError ?? exc.type).split('.').pop();
    if (/LockNotAvailable|lock timeout|55P03/.test(exc.message)) {
      return withStep({
        kind: 'lock-timeout',
        message: tidy(`${text}${name ? ` (${name})` : ''}`),
        ...(sql ? { sql: tidy(sql) } : {}),
        nextStep:
          'Another session holds a lock on the table (a long transaction, a dump, an idle-in-transaction client): nothing was applied. Retry when it has finished, or find it in pg_stat_activity.',
      });
    }
    return withStep({
      kind: 'sql-error',
      message: tidy(`${text}${name ? ` (${name})` : ''}`),
      ...(sql ? { sql: tidy(sql) } : {}),
      nextStep: step
        ? `The migration ${step.to.join(', ')} failed in the database and its transaction was rolled back: fix it and run the command again.`
        : 'The database rejected a statement and the transaction was rolled back: fix the migration and run the command again.',
    });
  }

  if (failed !== undefined) {
    let nextStep = NEXT_OUTPUT;
    if (/Ambiguous walk/.test(failed))
      nextStep = 'The database is at a merge point, so a relative step (-1) is ambiguous: downgrade to a specific revision instead.';
    else if (/requires <fromrev>:<torev>|requires .*range/i.test(failed))
      nextStep = 'Offline SQL for a downgrade needs a range: pick the start and end revisions.';
    else if (/is not a valid downgrade target|is not a valid upgrade target/.test(failed))
      nextStep = 'Pick a target on the other side of the current revision (below it for downgrade, above it for upgrade).';
    else if (/Path doesn't exist|No 'script_location' key/.test(failed))
      nextStep = 'Check script_location in alembic.ini: it must point at the folder that holds env.py.';
    else if (/Ambiguous revision/.test(failed)) nextStep = 'The id prefix matches several revisions: type more characters.';
    return withStep({ kind: 'alembic-error', message: tidy(failed), nextStep });
  }

  if (r.signal) {
    return withStep({
      kind: 'unknown',
      message: `alembic was stopped by ${r.signal}.`,
      nextStep: 'Refresh the status and check the database before running again.',
    });
  }
  const message = exc ? `${exc.type}: ${exc.message}` : (lastLine ?? `alembic exited with code ${r.exitCode}`);
  return withStep({ kind: 'unknown', message: tidy(message), nextStep: NEXT_OUTPUT });
}
