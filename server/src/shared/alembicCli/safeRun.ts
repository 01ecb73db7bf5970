/**
 * One alembic run with the protections every run from the editor or the CLI gets: the migration
 * lock (one run per database and version table), a watch on who blocks the run's session, the
 * output with passwords removed and the migration steps parsed, and after a cancel the run's own
 * database sessions ended (only those: found by the run's application name and start time).
 * The caller builds the invocation (timeouts in PGOPTIONS, the application name in PGAPPNAME) and
 * shows what happens: a progress notification in the editor, stderr lines in the CLI.
 */
import { classifyAlembicFailure, type AlembicFailure } from './classifyFailure';
import { parseMigrationStep } from './parseOutput';
import { runProcess, type RunResult } from './processRunner';
import type { AlembicInvocation } from './alembicArgv';
import { redactText, type PgConnectionOptions } from '../db/databaseUrl';
import { busyMessage, tryMigrationLock } from '../db/migrationLock';
import { BlockerWatch } from '../db/blockerWatch';
import { terminateSessions } from '../db/versionTable';

export interface SafeRunInput {
  invocation: AlembicInvocation;
  /** The run's application name (also in `invocation.env.PGAPPNAME`): how its sessions are found. */
  appName: string;
  /** alembic's target database, when known: the lock, the blocker watch and the cleanup after a cancel use it. */
  target?: PgConnectionOptions;
  /** The run changes a database (upgrade, downgrade, stamp without --sql). */
  changesDatabase: boolean;
  /** The migration lock's name (see `lockName`); no lock without a target. */
  lockName?: string;
  /** Passwords to remove from everything reported. */
  secrets: readonly string[];
  signal: AbortSignal;
  /** Each output line, passwords removed. */
  onLine(stream: 'stdout' | 'stderr', text: string): void;
  /** "upgrade a1 → b2: add orders" when alembic starts a migration. */
  onStep?(text: string): void;
  /** What the run waits for ("waiting 4 s for a lock on …"), or undefined when it stopped waiting. */
  onWait?(text: string | undefined): void;
  /** Things worth a log line: the lock could not be taken, sessions ended after a cancel. */
  onNote?(text: string): void;
}

export type SafeRunOutcome =
  | { kind: 'busy'; message: string }
  | { kind: 'ok'; result: RunResult }
  | { kind: 'failed'; result: RunResult; failure: AlembicFailure; lastWait?: string }
  | { kind: 'cancelled'; result: RunResult; failure: AlembicFailure; lastWait?: string };

/** "upgrade a1 → b2: add orders": a step line in progress text. */
export function stepText(line: string): string | undefined {
  const step = parseMigrationStep(line);
  if (!step || line.startsWith('--')) return undefined;
  return `${step.direction} ${step.from.join(', ') || 'base'} → ${step.to.join(', ') || 'base'}${step.message ? `: ${step.message}` : ''}`;
}

export async function safeAlembicRun(input: SafeRunInput): Promise<SafeRunOutcome> {
  const { invocation, target } = input;
  const clean = (s: string): string => redactText(s, input.secrets);
  const lock = target && input.lockName ? await tryMigrationLock(target, input.lockName, { applicationName: `${input.appName}-lock` }) : undefined;
  if (lock?.kind === 'busy') return { kind: 'busy', message: busyMessage(input.lockName!, lock.holder) };
  if (lock?.kind === 'error') input.onNote?.(`the migration lock could not be taken (${lock.message}); running without it`);
  const startedAt = new Date();
  let lastWait: string | undefined;
  const watch = target
    ? new BlockerWatch(target, input.appName, (text) => {
        if (text) lastWait = clean(text);
        input.onWait?.(text ? lastWait : undefined);
      })
    : undefined;
  let result: RunResult;
  try {
    watch?.start();
    result = await runProcess({
      file: invocation.file,
      args: invocation.args,
      cwd: invocation.cwd,
      env: { ...process.env, ...invocation.env },
      signal: input.signal,
      onLine: (stream, line) => {
        input.onLine(stream, clean(line));
        const step = stepText(line);
        if (step) input.onStep?.(clean(step));
      },
    });
  } finally {
    await watch?.stop();
    if (lock?.kind === 'held') await lock.release();
  }
  if (result.cancelled) {
    // The process is gone; a statement it started may still run (and hold locks) in the server:
    // end this run's sessions there, and only those.
    if (target) {
      const t = await terminateSessions(target, input.appName, startedAt);
      if (t.kind === 'ok' && t.terminated > 0) input.onNote?.(`stopped ${t.terminated} database session(s) the cancelled run left behind`);
    } else if (input.changesDatabase) input.onNote?.('the database alembic connected to is unknown: sessions the cancelled run may have left are not stopped');
    const failure = classifyAlembicFailure({ exitCode: result.exitCode, stderr: result.stderr, cancelled: true });
    return { kind: 'cancelled', result, failure, ...(lastWait ? { lastWait } : {}) };
  }
  if (result.exitCode === 0 && !result.spawnErrorCode) return { kind: 'ok', result };
  const failure = classifyAlembicFailure({
    exitCode: result.exitCode,
    stderr: result.stderr,
    stdout: result.stdout,
    signal: result.signal,
    ...(result.spawnErrorCode ? { spawnErrorCode: result.spawnErrorCode } : {}),
    secrets: [...input.secrets],
  });
  return { kind: 'failed', result, failure, ...(lastWait ? { lastWait } : {}) };
}
