/**
 * The CLI commands that run the user's alembic against the project's own database, with the
 * protections of a run from the editor (for deploy scripts and `make migrate-up`):
 *
 *   upgrade|downgrade TARGET [PATH] [--lock-timeout 5s] [--statement-timeout T] [--yes]
 *   doctor [PATH]
 *
 * The database is the one env.py builds (learnt by the env.py probe, never guessed), shown
 * before anything runs; a terminal confirms unless `--yes`; the migration lock refuses a second
 * run; a lock wait names its blocker on stderr; Ctrl-C cancels alembic and ends its sessions.
 * Exit codes: 0 done, 1 alembic failed (the classified reason on stderr), the run was refused
 * (another run holds the lock) or cancelled, or the doctor found a ✖; 2 nothing ran (bad usage,
 * a blocked setup, no confirmation).
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { AlembicProject } from '../alembic/project';
import { ProjectIndex } from '../alembic/projectIndex';
import { resolveRevisionSpec, upgradeSteps } from '../alembic/revisionSpec';
import type { RevisionGraph } from '../alembic/revisionGraph';
import { checkProject } from './check';
import { buildAlembicInvocation, InvalidAlembicArgumentError, type AlembicInvocation } from '../shared/alembicCli/alembicArgv';
import { driverIgnoresPgoptions, parseEnvFile, runTimeoutOptions, type AlembicChoice } from '../shared/alembicCli/interpreter';
import { projectAlembic } from '../shared/alembicCli/localTools';
import { findProbeScript, TargetProbe, targetConnection, type ProbeRequest, type ProbeResult } from '../shared/alembicCli/targetProbe';
import { describeTarget } from '../shared/alembicCli/alembicTarget';
import { safeAlembicRun } from '../shared/alembicCli/safeRun';
import { describeDatabase, parseDatabaseUrl, redactText, type PgConnectionOptions } from '../shared/db/databaseUrl';
import { readDatabaseState } from '../shared/db/versionTable';
import { lockName } from '../shared/db/migrationLock';
import { backupDatabase } from '../shared/db/backup';
import { doctorExitCode, renderDoctor, runDoctor, type DoctorCheck } from '../shared/doctor';
import { shortId } from '../shared/revisionState';
import { MAX_CONFIG_BYTES, readRegularText } from '../shared/regularFile';
import { interruptible } from './interrupt';

export interface RunSetupOptions {
  /** --dotenv: variables for alembic (default: `.env` beside the config, when present). */
  envFile?: string;
  lockTimeout: string;
  statementTimeout: string;
  /** -x KEY=VALUE, passed to alembic (and to the env.py probe). */
  xArgs: string[];
  versionTable: string;
  versionTableSchema?: string;
}

interface RunSetup {
  choice: AlembicChoice;
  /** Additions to the environment: the env file, PGOPTIONS with the timeouts. */
  env: Record<string, string>;
  probeRequest: ProbeRequest;
  probe: (r: ProbeRequest) => Promise<ProbeResult>;
  /** Why nothing may run (a configured env file that cannot be read, a malformed timeout). */
  blocked: string[];
}

/** ALEMBIC_COMMAND: a JSON argument list (`["poetry", "run", "alembic"]`) or one program path. */
export function alembicCommandFromEnv(value: string | undefined): string[] | undefined {
  if (!value?.trim()) return undefined;
  if (value.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.length || !parsed.every((s) => typeof s === 'string'))
      throw new SetupError('ALEMBIC_COMMAND must be a JSON list of strings');
    return parsed;
  }
  return [value.trim()];
}

/** A setup that cannot run: printed as is, exit code 2. */
export class SetupError extends Error {}

/** What a run needs, resolved as the editor does (minus the VS Code settings): the alembic, its environment, the probe. */
export function runSetup(project: AlembicProject, opts: RunSetupOptions): RunSetup {
  if (!project.iniFile) throw new SetupError(`${project.configFile}: alembic-migrations runs alembic with an alembic.ini, and this project has none`);
  const env: Record<string, string> = {};
  const blocked: string[] = [];
  const envFile = opts.envFile !== undefined ? path.resolve(opts.envFile) : path.join(project.rootDir, '.env');
  try {
    Object.assign(env, parseEnvFile(readRegularText(envFile, MAX_CONFIG_BYTES)));
  } catch (e) {
    if (opts.envFile !== undefined)
      blocked.push(
        `--dotenv ${opts.envFile} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): alembic would run without its variables`,
      );
  }
  const timeouts = runTimeoutOptions(env.PGOPTIONS ?? process.env.PGOPTIONS, opts.lockTimeout, opts.statementTimeout);
  blocked.push(...timeouts.problems);
  if (timeouts.pgoptions) env.PGOPTIONS = timeouts.pgoptions;
  const command = alembicCommandFromEnv(process.env.ALEMBIC_COMMAND);
  const choice = projectAlembic(project.rootDir, env.PATH ?? process.env.PATH, command);
  const script = findProbeScript(__dirname);
  const probe = script ? new TargetProbe(script) : undefined;
  return {
    choice,
    env,
    probeRequest: {
      projectId: project.id,
      alembicArgv: choice.argv,
      iniFile: project.iniFile,
      cwd: project.rootDir,
      xArgs: opts.xArgs,
      env,
      inputs: [...(project.scriptLocation ? [path.join(project.scriptLocation, 'env.py')] : []), envFile],
    },
    probe: async (r) =>
      probe ? probe.probe(r) : { target: { kind: 'unknown', reason: 'the env.py probe (alembic_target.py) is missing from this installation' }, durationMs: 0 },
    blocked,
  };
}

/**
 * The project's own database for `drift` and `backup`: `--database-url`, else the one env.py
 * builds (the env.py probe), with where it is in words.
 */
export async function liveDatabase(
  project: AlembicProject,
  opts: RunSetupOptions & { databaseUrl?: string },
): Promise<{ pg: PgConnectionOptions; where: string }> {
  if (opts.databaseUrl !== undefined) {
    const parsed = parseDatabaseUrl(opts.databaseUrl);
    if (parsed.kind !== 'ok') throw new SetupError(`--database-url: ${parsed.message}`);
    const d = describeDatabase(parsed.pg);
    return { pg: parsed.pg, where: `${d.database} on ${d.host}${parsed.pg.user ? ` as ${parsed.pg.user}` : ''}` };
  }
  const setup = runSetup(project, opts);
  const probed = await setup.probe(setup.probeRequest);
  if (probed.target.kind !== 'ok')
    throw new SetupError(`the database env.py uses is unknown (${redactText(probed.target.reason)}): name it with --database-url`);
  const pg = targetConnection(probed);
  if (!pg) throw new SetupError('the URL env.py builds cannot be read: name the database with --database-url');
  return { pg, where: describeTarget(probed.target, (s) => s) };
}

type Writer = (s: string) => void;

/** `doctor [PATH]`: the editor's *Check Setup* report; exit 1 when any ✖. */
export async function runDoctorCli(project: AlembicProject, opts: RunSetupOptions, out: Writer): Promise<number> {
  const setup = runSetup(project, opts);
  const index = ProjectIndex.load(project);
  // Errors of pending revisions: the same rules as `check`, counted per file.
  const checked = await checkProject(project, {});
  const errors = new Map<string, number>();
  for (const p of checked.problems) if (p.severity === 'error') errors.set(p.file, (errors.get(p.file) ?? 0) + 1);
  const graph = index.graph;
  const checks: DoctorCheck[] = await runDoctor({
    projectName: project.name,
    choice: setup.choice,
    env: setup.env,
    probeRequest: setup.probeRequest,
    probe: setup.probe,
    problems: project.problems,
    ...(project.scriptLocation ? { envPy: path.join(project.scriptLocation, 'env.py') } : {}),
    graph: {
      heads: graph.heads,
      pending: (rows) => {
        const applied = new Set<string>();
        for (const r of rows) if (graph.has(r)) for (const a of [r, ...graph.ancestors(r)]) applied.add(a);
        return graph
          .nodes()
          .filter((n) => !applied.has(n.id))
          .map((n) => ({ id: n.id, uri: n.migration.file }));
      },
    },
    versionTable: opts.versionTable,
    ...(opts.versionTableSchema ? { versionTableSchema: opts.versionTableSchema } : {}),
    lockTimeout: opts.lockTimeout,
    statementTimeout: opts.statementTimeout,
    errorsIn: (file) => errors.get(file) ?? 0,
  });
  if (setup.blocked.length) checks.push({ status: 'fail', title: 'runs', detail: `blocked: ${setup.blocked.join('; ')}`, fix: 'Fix the option named' });
  out(renderDoctor(project.name, checks) + '\n');
  return doctorExitCode(checks);
}

export interface MigrateOptions extends RunSetupOptions {
  direction: 'upgrade' | 'downgrade';
  target: string;
  yes: boolean;
}

/** What the run will do, for the confirmation: the revisions, oldest first for an upgrade, newest first for a downgrade. */
function plannedSteps(graph: RevisionGraph, current: string[], direction: 'upgrade' | 'downgrade', target: string): string[] | { error: string } {
  if (direction === 'upgrade') {
    const r = upgradeSteps(graph, current, target);
    return r.kind === 'revisions' ? r.ids : { error: r.message };
  }
  const to = resolveRevisionSpec(graph, target, { current });
  if (to.kind === 'error') return { error: to.message };
  const keep = new Set<string>();
  for (const id of to.ids) for (const a of [id, ...graph.ancestors(id)]) keep.add(a);
  const applied = new Set<string>();
  for (const r of current) if (graph.has(r)) for (const a of [r, ...graph.ancestors(r)]) applied.add(a);
  return graph
    .nodesNewestFirst()
    .map((n) => n.id)
    .filter((id) => applied.has(id) && !keep.has(id));
}

/** Asks on the terminal; anything but y/yes is no. */
async function confirmOnTerminal(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(question, resolve);
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** `upgrade|downgrade TARGET [PATH]`: the user's alembic with the lock timeout, the migration lock and the blocker watch. */
export async function runMigrateCli(project: AlembicProject, opts: MigrateOptions, out: Writer, err: Writer): Promise<number> {
  const setup = runSetup(project, opts);
  if (setup.blocked.length) {
    err(`alembic-migrations: nothing ran: ${setup.blocked.join('; ')}\n`);
    return 2;
  }
  const appName = `alembic-migrations-${crypto.randomBytes(4).toString('hex')}`;
  let invocation: AlembicInvocation;
  try {
    invocation = buildAlembicInvocation({
      command: setup.choice.argv,
      iniFile: project.iniFile!,
      cwd: project.rootDir,
      xArgs: opts.xArgs,
      env: { ...setup.env, PGAPPNAME: setup.env.PGAPPNAME ?? appName },
      action: { kind: opts.direction, target: opts.target },
    });
  } catch (e) {
    if (e instanceof InvalidAlembicArgumentError) {
      err(`alembic-migrations: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const probed = await setup.probe(setup.probeRequest);
  const secrets = probed.password ? [probed.password] : [];
  const clean = (s: string): string => redactText(s, secrets);
  const pg = targetConnection(probed);
  const t = probed.target;
  // Where the run goes and what it does, before anything runs.
  const lines: string[] = [];
  lines.push(`alembic: ${setup.choice.why}`);
  if (t.kind === 'ok') {
    lines.push(`database: ${describeTarget(t, (s) => s)} (${t.via} in env.py)`);
    if (opts.lockTimeout && driverIgnoresPgoptions(t.driver))
      lines.push(`note: the ${t.driver} driver ignores PGOPTIONS, so the lock timeout ${opts.lockTimeout} is not in force (set it in env.py)`);
  } else lines.push(`database: unknown — ${clean(t.reason)}; the run has no migration lock and no blocker watch`);
  const index = ProjectIndex.load(project);
  const state = pg
    ? await readDatabaseState(pg, { versionTable: opts.versionTable, ...(opts.versionTableSchema ? { schema: opts.versionTableSchema } : {}) })
    : undefined;
  if (state?.kind === 'ok') {
    const current = state.revisions;
    lines.push(`current: ${current.length ? current.map(shortId).join(', ') : 'base (nothing applied)'}`);
    const steps = plannedSteps(index.graph, current, opts.direction, opts.target);
    if ('error' in steps) {
      err(lines.map((l) => `${l}\n`).join('') + `alembic-migrations: ${opts.direction} ${opts.target}: ${steps.error}\n`);
      return 2;
    }
    if (!steps.length) {
      err(lines.map((l) => `${l}\n`).join('') + `nothing to ${opts.direction}: the database is already at ${opts.target}\n`);
      return 0;
    }
    lines.push(`${opts.direction === 'upgrade' ? 'runs' : 'undoes'} ${steps.length} revision${steps.length === 1 ? '' : 's'}:`);
    for (const id of steps) lines.push(`  ${shortId(id)} ${index.graph.get(id)?.migration.decls.message ?? ''}`.trimEnd());
  } else if (state) lines.push(`current: unknown (${state.kind}: ${clean(state.message)})`);
  lines.push(`lock timeout: ${opts.lockTimeout || 'off'}${opts.statementTimeout ? `, statement timeout: ${opts.statementTimeout}` : ''}`);
  err(lines.map((l) => `${l}\n`).join(''));
  if (!opts.yes) {
    if (!process.stdin.isTTY) {
      err(`alembic-migrations: nothing ran: ${opts.direction} changes the database; pass --yes to run without a terminal to confirm on\n`);
      return 2;
    }
    if (!(await confirmOnTerminal(`${opts.direction} ${opts.target}? [y/N] `))) {
      err('alembic-migrations: nothing ran\n');
      return 2;
    }
  }
  return interruptible(
    async (signal) => {
      const run = await safeAlembicRun({
        invocation,
        appName: invocation.env.PGAPPNAME ?? appName,
        changesDatabase: true,
        ...(pg ? { target: pg, lockName: lockName(opts.versionTable, opts.versionTableSchema) } : {}),
        secrets,
        signal,
        onLine: (stream, text) => (stream === 'stdout' ? out : err)(`${text}\n`),
        onWait: (text) => text && err(`alembic-migrations: ${text}\n`),
        onNote: (text) => err(`alembic-migrations: ${text}\n`),
      });
      switch (run.kind) {
        case 'ok':
          err(`alembic-migrations: ${opts.direction} ${opts.target} done in ${(run.result.durationMs / 1000).toFixed(1)} s\n`);
          return 0;
        case 'busy':
          err(`alembic-migrations: nothing ran: ${run.message}; wait for it to finish\n`);
          return 1;
        case 'cancelled':
          err(`alembic-migrations: ${opts.direction} cancelled. ${run.failure.nextStep}\n`);
          return 1;
        case 'failed':
          err(
            `alembic-migrations: ${opts.direction} failed — ${run.failure.kind}: ${run.failure.message} ${run.failure.nextStep}\n` +
              (run.lastWait ? `alembic-migrations: the run waited on: ${run.lastWait}\n` : ''),
          );
          return 1;
      }
    },
    () => err('alembic-migrations: cancelling: stopping alembic and its database sessions\n'),
  );
}

export interface BackupCliOptions extends RunSetupOptions {
  /** The database to dump; default: the one env.py builds. */
  databaseUrl?: string;
  /** The dump's path; default: `.alembic-backups/<db>-<revision>-<time>.dump` beside the config. */
  outFile?: string;
}

/** `backup`: pg_dump -Fc of the project's database, checked with pg_restore --list; exit 0 kept, 1 failed, 2 could not start. */
export async function runBackupCli(project: AlembicProject, opts: BackupCliOptions, out: Writer, err: Writer): Promise<number> {
  const { pg } = await liveDatabase(project, opts);
  const secrets = pg.password ? [pg.password] : [];
  const state = await readDatabaseState(pg, { versionTable: opts.versionTable, ...(opts.versionTableSchema ? { schema: opts.versionTableSchema } : {}) });
  const label = state.kind === 'ok' ? (state.revisions.length ? state.revisions.map(shortId).join('+') : 'base') : undefined;
  return interruptible(async (signal) => {
    err(`backup: dumping ${pg.database ?? '(default)'} on ${pg.host ?? 'localhost'}${pg.port ? `:${pg.port}` : ''}${label ? ` at ${label}` : ''}\n`);
    const r = await backupDatabase({
      pg,
      folder: path.join(project.rootDir, '.alembic-backups'),
      ...(opts.outFile !== undefined ? { file: path.resolve(opts.outFile) } : {}),
      ...(label ? { label } : {}),
      ...(process.env.PG_DUMP ? { pgDump: process.env.PG_DUMP } : {}),
      signal,
    });
    if (r.kind === 'cancelled') {
      err('alembic-migrations: backup cancelled; no file was kept\n');
      return 1;
    }
    if (r.kind === 'error') {
      err(`alembic-migrations: ${redactText(r.message, secrets)}\n`);
      return 1;
    }
    out(`${r.file}\n`);
    err(`backup: ${(r.bytes / 1024).toFixed(0)} KiB, ${r.entries} entries, in ${(r.durationMs / 1000).toFixed(1)} s; restore with:\n  ${r.restoreCommand}\n`);
    return 0;
  });
}
