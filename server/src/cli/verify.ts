/**
 * The `verify` command's output: findings in `check`'s formats (a line per finding, or JSON
 * with per-revision times), a progress line per revision on stderr, and the exit code — 0 every
 * round trip clean, 1 findings, 2 could not run (no database, env.py elsewhere, cancelled).
 * Ctrl-C (SIGINT/SIGTERM) cancels the running alembic and still drops the throwaway database.
 * Also `schema --revision REV`, on the same machinery.
 */
import type { AlembicProject } from '../alembic/project';
import { ProjectIndex } from '../alembic/projectIndex';
import type { Problem } from '../alembic/types';
import { RevisionNotFoundError } from '../verify/roundTrip';
import { schemaAtRevision, verifyProject, VerifyError, type VerifyResult } from '../verify/verifyProject';
import { snapshotToSql } from '../shared/schemaSql';
import { alembicCommandFromEnv, liveDatabase, SetupError, type RunSetupOptions } from './migrate';
import { describeDrift, driftOf } from '../verify/drift';
import { redactText } from '../shared/db/databaseUrl';
import { interruptible } from './interrupt';

export interface VerifyCliOptions {
  serverUrl?: string;
  from?: string;
  to?: string;
  format: 'text' | 'json';
}

const ms = (n: number): number => Math.round(n);

export async function runVerify(
  project: AlembicProject,
  opts: VerifyCliOptions,
  out: (s: string) => void,
  err: (s: string) => void,
  formatProblem: (p: Problem) => string,
): Promise<number> {
  let result: VerifyResult;
  let interrupted = false;
  try {
    const index = ProjectIndex.load(project);
    const alembicCommand = alembicCommandFromEnv(process.env.ALEMBIC_COMMAND);
    result = await interruptible(
      (signal) =>
        verifyProject({
          project,
          graph: index.graph,
          ...(opts.serverUrl !== undefined ? { serverUrl: opts.serverUrl } : {}),
          ...(opts.from !== undefined ? { from: opts.from } : {}),
          ...(opts.to !== undefined ? { to: opts.to } : {}),
          ...(alembicCommand ? { alembicCommand } : {}),
          signal,
          onProgress: (line) => err(`verify: ${line}\n`),
        }),
      () => {
        interrupted = true;
        err('alembic-migrations: cancelling: stopping alembic and removing the throwaway database\n');
      },
    );
  } catch (e) {
    if (e instanceof VerifyError || e instanceof RevisionNotFoundError || e instanceof SetupError) {
      err(`alembic-migrations: ${e.message}\n`);
      return 2;
    }
    throw e;
  }

  const findings = result.revisions.flatMap((r) => r.findings);
  const cancelled = result.cancelled || interrupted;
  if (opts.format === 'json') {
    out(
      JSON.stringify(
        {
          project: project.name,
          config: project.configFile,
          database: result.database,
          alembic: result.alembic.argv,
          cancelled,
          revisions: result.revisions.map((r) => ({
            revision: r.revision,
            file: r.file,
            status: r.status,
            ...(r.note ? { note: r.note } : {}),
            timeMs: {
              total: ms(r.timings.totalMs),
              upgrade: ms(r.timings.upgradeMs),
              snapshot: ms(r.timings.snapshotMs),
              downgrade: ms(r.timings.downgradeMs),
              upgradeAgain: ms(r.timings.reupgradeMs),
            },
            findings: r.findings,
          })),
          summary: {
            revisions: result.revisions.length,
            verified: result.revisions.filter((r) => r.status === 'verified').length,
            failed: result.revisions.filter((r) => r.status === 'failed').length,
            notRun: result.revisions.filter((r) => r.status === 'not-run').length,
            errors: findings.length,
            setupMs: ms(result.setupMs),
            prefixMs: ms(result.prefixMs),
            totalMs: ms(result.totalMs),
          },
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    for (const p of findings) out(formatProblem(p) + '\n');
    const notRun = result.revisions.filter((r) => r.status === 'not-run');
    for (const r of notRun) err(`verify: ${r.revision} not verified: ${r.note ?? ''}\n`);
    err(
      `${findings.length} problem${findings.length === 1 ? '' : 's'} in ${result.revisions.length} revision${result.revisions.length === 1 ? '' : 's'} round-tripped on ${result.database} in ${(result.totalMs / 1000).toFixed(1)} s${cancelled ? ' (cancelled)' : ''}\n`,
    );
  }
  if (cancelled) return 2;
  return findings.length ? 1 : 0;
}

/** `schema --revision REV`: exit 0 printed, 1 the upgrade to REV failed, 2 could not run. */
export async function runSchema(
  project: AlembicProject,
  opts: { revision: string; format: 'sql' | 'json'; serverUrl?: string },
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  return interruptible(async (signal) => {
    try {
      const alembicCommand = alembicCommandFromEnv(process.env.ALEMBIC_COMMAND);
      const r = await schemaAtRevision({
        project,
        graph: ProjectIndex.load(project).graph,
        revision: opts.revision,
        ...(opts.serverUrl !== undefined ? { serverUrl: opts.serverUrl } : {}),
        ...(alembicCommand ? { alembicCommand } : {}),
        signal,
        onProgress: (line) => err(`schema: ${line}\n`),
      });
      if ('failed' in r) {
        err(`alembic-migrations: the upgrade to ${r.revision} failed: ${r.failed}\n`);
        return 1;
      }
      if (opts.format === 'json') out(JSON.stringify({ project: project.name, revision: r.revision, schema: r.snapshot }, null, 2) + '\n');
      else out(snapshotToSql(r.snapshot, `${project.name} at revision ${r.revision} (alembic-migrations schema; for reading, not for restoring)`));
      return 0;
    } catch (e) {
      if (e instanceof VerifyError || e instanceof SetupError) {
        err(`alembic-migrations: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
  });
}

export interface DriftCliOptions {
  /** The live database; default: the one env.py builds (the env.py probe). */
  databaseUrl?: string;
  serverUrl?: string;
  format: 'text' | 'json';
  run: RunSetupOptions;
}

/** `drift`: exit 0 no drift, 1 drift, 2 could not compare. */
export async function runDrift(project: AlembicProject, opts: DriftCliOptions, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  return interruptible(async (signal) => {
    let secrets: string[] = [];
    try {
      const { pg: live, where } = await liveDatabase(project, { ...opts.run, ...(opts.databaseUrl !== undefined ? { databaseUrl: opts.databaseUrl } : {}) });
      secrets = live.password ? [live.password] : [];
      const alembicCommand = alembicCommandFromEnv(process.env.ALEMBIC_COMMAND);
      const r = await driftOf({
        project,
        graph: ProjectIndex.load(project).graph,
        live,
        versionTable: opts.run.versionTable,
        ...(opts.run.versionTableSchema ? { versionTableSchema: opts.run.versionTableSchema } : {}),
        ...(opts.serverUrl !== undefined ? { serverUrl: opts.serverUrl } : {}),
        ...(alembicCommand ? { alembicCommand } : {}),
        signal,
        onProgress: (line) => err(`drift: ${line}\n`),
      });
      const at = r.current.length ? r.current.join(', ') : 'base';
      if (opts.format === 'json')
        out(
          JSON.stringify(
            { project: project.name, database: where, revisions: r.current, differences: r.differences.map((d) => ({ ...d, message: describeDrift(d) })) },
            null,
            2,
          ) + '\n',
        );
      else for (const d of r.differences) out(`${describeDrift(d)}\n`);
      err(
        r.differences.length
          ? `${r.differences.length} difference${r.differences.length === 1 ? '' : 's'} between ${where} and the migrations at ${at}\n`
          : `no drift: ${where} matches the migrations at ${at}\n`,
      );
      return r.differences.length ? 1 : 0;
    } catch (e) {
      if (e instanceof VerifyError || e instanceof SetupError) {
        err(`alembic-migrations: ${redactText(e.message, secrets)}\n`);
        return 2;
      }
      throw e;
    }
  });
}
