/**
 * Runs the user's own alembic for a project: the argv from settings (or the Python extension's
 * interpreter, or `alembic` on PATH), one run per project at a time, a cancellable progress
 * notification, output streamed to the "Alembic" channel with passwords removed, failures
 * classified with a next step, and the database state re-read afterwards.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ProjectInfo } from '../../server/src/shared/protocol';
import { buildAlembicInvocation, InvalidAlembicArgumentError, type AlembicAction } from '../../server/src/shared/alembicCli/alembicArgv';
import type { AlembicFailure } from '../../server/src/shared/alembicCli/classifyFailure';
import type { RunResult } from '../../server/src/shared/alembicCli/processRunner';
import { safeAlembicRun, type SafeRunOutcome } from '../../server/src/shared/alembicCli/safeRun';
import { parseDatabaseUrl, redactText, type PgConnectionOptions } from '../../server/src/shared/db/databaseUrl';
import { lockName } from '../../server/src/shared/db/migrationLock';
import type { DatabaseMonitor } from './databaseMonitor';
import { reportFailure } from './ctx';
import { targetConnection, type ProbeRequest, type ProbeResult, type TargetProbe } from '../../server/src/shared/alembicCli/targetProbe';
import { chooseAlembic, driverIgnoresPgoptions, parseEnvFile, runTimeoutOptions, type AlembicChoice } from '../../server/src/shared/alembicCli/interpreter';
import { interpreterFacts, mainCheckoutOf } from '../../server/src/shared/alembicCli/localTools';
import { MAX_CONFIG_BYTES, readRegularText } from '../../server/src/shared/regularFile';
import { describeTarget } from '../../server/src/shared/alembicCli/alembicTarget';

export interface RunOptions {
  /** Shown in the progress notification and the log: "Upgrading to head". */
  title: string;
  /** Show the output channel when the run starts (Show History, Show Current…). */
  revealOutput?: boolean;
  /** Re-read the database afterwards (default true). */
  refreshDatabase?: boolean;
  /** A temporary config to pass as `-c` instead of the project's alembic.ini (another branch's migrations). */
  iniFile?: string;
}

export type RunOutcome =
  | { kind: 'ok'; result: RunResult }
  | { kind: 'failed'; result: RunResult; failure: AlembicFailure }
  | { kind: 'cancelled'; result: RunResult }
  | { kind: 'not-run'; message: string };

interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment(env: { path: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
}

interface RunContext {
  scope: vscode.Uri;
  cfg: vscode.WorkspaceConfiguration;
  /** The alembic to run, and why. */
  choice: AlembicChoice;
  db: Awaited<ReturnType<DatabaseMonitor['connectionOf']>>;
  extraEnv: Record<string, string>;
  /** Why nothing may run, when something must be fixed first. */
  blocked?: string;
}

export class AlembicRunner implements vscode.Disposable {
  private readonly running = new Map<string, { title: string; abort: AbortController }>();
  /** The last alembic chosen per project, as its one-sentence reason. */
  private readonly lastChoice = new Map<string, string>();
  /** Projects already told that their driver ignores the lock timeout. */
  private readonly toldDriver = new Set<string>();
  private readonly emitter = new vscode.EventEmitter<{ projectId: string; running: boolean }>();
  readonly onDidChangeRunning = this.emitter.event;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly database: DatabaseMonitor,
    private readonly probe: TargetProbe,
  ) {}

  isRunning(projectId: string): boolean {
    return this.running.has(projectId);
  }

  /** The interpreter the Python extension selected for the project, if that extension is installed. */
  private async pythonPath(scope: vscode.Uri): Promise<string | undefined> {
    const ext = vscode.extensions.getExtension<PythonApi>('ms-python.python');
    if (!ext) return undefined;
    try {
      const api = ext.isActive ? ext.exports : await ext.activate();
      const env = api.environments?.getActiveEnvironmentPath(scope);
      if (!env) return undefined;
      const resolved = await api.environments?.resolveEnvironment(env);
      return resolved?.executable?.uri?.fsPath ?? env.path;
    } catch (e) {
      this.log.warn(`[run] the Python extension did not report an interpreter: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** Runs one alembic action. Never throws; every outcome is reported to the user once. */
  async run(project: ProjectInfo, action: AlembicAction, opts: RunOptions): Promise<RunOutcome> {
    if (!vscode.workspace.isTrusted) {
      const message = 'Alembic does not run in an untrusted workspace (env.py and migrations are code). Trust the workspace to run it.';
      void vscode.window.showWarningMessage(message, 'Manage Workspace Trust').then((c) => c && vscode.commands.executeCommand('workbench.trust.manage'));
      return { kind: 'not-run', message };
    }
    if (!project.iniUri) {
      const message = `${project.name} is configured in pyproject.toml only; alembic 1.16+ reads it without -c, but this extension needs an alembic.ini to run alembic.`;
      void vscode.window.showWarningMessage(message);
      return { kind: 'not-run', message };
    }
    const busy = this.running.get(project.id);
    if (busy) {
      const message = `Alembic is already running for ${project.name} (${busy.title}). Wait for it or cancel it first.`;
      void vscode.window.showWarningMessage(message);
      return { kind: 'not-run', message };
    }
    const ctx = await this.prepare(project);
    const { scope, cfg, db, extraEnv } = ctx;
    if (ctx.blocked) {
      const message = `Alembic does not run: ${ctx.blocked}.`;
      void reportFailure(this.log, `Alembic: ${message}`, { level: 'warning', actions: [] });
      return { kind: 'not-run', message };
    }
    // A name for the run's database sessions, so a cancel can stop the statement the server is still running.
    const appName = `vscode-alembic-${crypto.randomBytes(4).toString('hex')}`;
    extraEnv.PGAPPNAME ??= appName;
    // The database this run changes, as env.py decides (cached): a cancel stops sessions there.
    const touchesDatabase = (action.kind === 'upgrade' || action.kind === 'downgrade' || action.kind === 'stamp') && !action.sql;
    const target = touchesDatabase ? await this.targetOf(project, ctx) : undefined;
    // asyncpg and pg8000 do not read PGOPTIONS: say so once rather than claim a lock timeout.
    const driver =
      target?.target.kind === 'ok' ? target.target.driver : db.kind === 'ok' ? (parseDatabaseUrl(db.url) as { driver?: string }).driver : undefined;
    if (touchesDatabase && extraEnv.PGOPTIONS && driverIgnoresPgoptions(driver) && !this.toldDriver.has(project.id)) {
      this.toldDriver.add(project.id);
      this.log.warn(
        `[run] ${project.name}: the ${driver} driver ignores PGOPTIONS, so alembic.run.lockTimeout is not in force here (set it in env.py, e.g. connect_args={"server_settings": {"lock_timeout": "5s"}})`,
      );
    }
    let invocation;
    try {
      invocation = buildAlembicInvocation({
        command: ctx.choice.argv,
        iniFile: opts.iniFile ?? vscode.Uri.parse(project.iniUri).fsPath,
        cwd: scope.fsPath,
        xArgs: cfg.get<string[]>('xArgs', []),
        env: extraEnv,
        action,
      });
    } catch (e) {
      const message = e instanceof InvalidAlembicArgumentError ? e.message : String(e);
      void vscode.window.showErrorMessage(`Alembic: ${message}`);
      return { kind: 'not-run', message };
    }
    const secrets = [
      ...this.database.secretsInUse(),
      ...(db.kind === 'ok' && db.pg.password ? [db.pg.password] : []),
      ...(target?.password ? [target.password] : []),
    ];
    const clean = (s: string): string => redactText(s, secrets);
    const shown = [invocation.file, ...invocation.args].map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(' ');
    this.log.info(`[run] ${project.name}: ${clean(shown)} (cwd ${invocation.cwd})`);
    if (opts.revealOutput) this.log.show(true);

    // One run at a time per database and version table, whichever window or colleague starts it;
    // who blocks the run, in the notification and the log; a cancel ends this run's sessions.
    const lockPg = touchesDatabase ? this.targetConnection(target) : undefined;
    const abort = new AbortController();
    this.running.set(project.id, { title: opts.title, abort });
    this.emitter.fire({ projectId: project.id, running: true });
    let run: SafeRunOutcome;
    try {
      run = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Alembic: ${opts.title}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          let step = '';
          return safeAlembicRun({
            invocation,
            appName: invocation.env.PGAPPNAME ?? appName,
            changesDatabase: touchesDatabase,
            ...(lockPg
              ? {
                  target: lockPg,
                  lockName: lockName(cfg.get<string>('versionTable', '') || 'alembic_version', cfg.get<string>('versionTableSchema', '') || undefined),
                }
              : {}),
            secrets,
            signal: abort.signal,
            onLine: (stream, text) => this.log.info(stream === 'stdout' ? text : `  ${text}`),
            onStep: (text) => {
              step = text;
              progress.report({ message: step });
            },
            onWait: (text) => {
              progress.report({ message: text ? `${step ? `${step} — ` : ''}${text}` : step });
              if (text) this.log.warn(`[run] ${project.name}: ${text}`);
            },
            onNote: (text) => this.log.warn(`[run] ${project.name}: ${text}`),
          });
        },
      );
    } finally {
      this.running.delete(project.id);
      this.emitter.fire({ projectId: project.id, running: false });
    }

    let outcome: RunOutcome;
    if (run.kind === 'busy') {
      const message = `Alembic: ${opts.title} was not started — ${run.message}. Wait for it to finish.`;
      this.log.warn(`[run] ${project.name}: ${message}`);
      void reportFailure(this.log, message, { level: 'warning' });
      return { kind: 'not-run', message };
    } else if (run.kind === 'cancelled') {
      this.log.warn(`[run] ${project.name}: cancelled after ${run.result.durationMs} ms`);
      void reportFailure(this.log, `Alembic: ${opts.title} was cancelled. ${run.failure.nextStep}`, { level: 'warning' });
      outcome = { kind: 'cancelled', result: run.result };
    } else if (run.kind === 'ok') {
      this.log.info(`[run] ${project.name}: done in ${run.result.durationMs} ms`);
      outcome = { kind: 'ok', result: run.result };
    } else {
      const failure = run.failure;
      this.log.error(`[run] ${project.name}: ${failure.kind} — ${failure.message}`);
      void this.reportFailure(failure, opts.title, () => void this.run(project, action, opts), run.lastWait);
      outcome = { kind: 'failed', result: run.result, failure };
    }
    if (
      opts.refreshDatabase !== false &&
      (action.kind === 'upgrade' || action.kind === 'downgrade' || action.kind === 'stamp') &&
      !('sql' in action && action.sql)
    ) {
      await this.database.refresh(project, 'after run');
    }
    return outcome;
  }

  /**
   * What every run and probe of a project shares: settings, the environment (the env file, then
   * alembic.env, the database handed over, the lock and statement timeouts) and the alembic to
   * run. `blocked` says why nothing may run (a configured env file that is missing, a malformed
   * timeout): never a run against a default database by accident, never a timeout claimed but
   * not in force.
   */
  private async prepare(project: ProjectInfo): Promise<RunContext> {
    const scope = vscode.Uri.parse(project.rootUri);
    const cfg = vscode.workspace.getConfiguration('alembic', scope);
    const db = await this.database.connectionOf(project);
    const extraEnv: Record<string, string> = {};
    const blocked: string[] = [];
    // The env file first (alembic.envFile, else a .env beside alembic.ini), alembic.env over it.
    const envFileSetting = cfg.get<string>('envFile', '').trim();
    const envFile = envFileSetting ? path.resolve(scope.fsPath, envFileSetting) : path.join(scope.fsPath, '.env');
    try {
      Object.assign(extraEnv, parseEnvFile(readRegularText(envFile, MAX_CONFIG_BYTES)));
    } catch (e) {
      if (envFileSetting)
        blocked.push(
          `alembic.envFile names ${envFile}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): alembic would run without its variables`,
        );
    }
    for (const [k, v] of Object.entries(cfg.get<Record<string, unknown>>('env', {}))) if (typeof v === 'string') extraEnv[k] = v;
    // The database the status bar reads is the one alembic should change: a URL from the setting
    // is handed over as DATABASE_URL (env.py reads it in the usual template), a stored password as PGPASSWORD.
    if (db.kind === 'ok') {
      if (db.source === 'setting' && extraEnv.DATABASE_URL === undefined) extraEnv.DATABASE_URL = db.url;
      // Only a password the URL itself does not carry (one from secret storage) needs handing over.
      const inUrl = parseDatabaseUrl(db.url);
      const urlHasPassword = inUrl.kind === 'ok' && (inUrl.parts.password !== undefined || inUrl.parts.params.some((q) => q.key.toLowerCase() === 'password'));
      if (db.pg.password !== undefined && !urlHasPassword && extraEnv.PGPASSWORD === undefined) extraEnv.PGPASSWORD = db.pg.password;
    }
    const timeouts = runTimeoutOptions(
      extraEnv.PGOPTIONS ?? process.env.PGOPTIONS,
      cfg.get<string>('run.lockTimeout', '5s'),
      cfg.get<string>('run.statementTimeout', ''),
    );
    blocked.push(...timeouts.problems);
    if (timeouts.pgoptions) extraEnv.PGOPTIONS = timeouts.pgoptions;
    const command = cfg.get<string[]>('command', []);
    const folder = vscode.workspace.getWorkspaceFolder(scope)?.uri.fsPath;
    const choice = chooseAlembic(
      interpreterFacts({
        command,
        ...(command.length ? {} : { pythonExtension: await this.pythonPath(scope) }),
        // A linked worktree shares the main checkout's virtualenv: look there last.
        dirs: [
          scope.fsPath,
          ...(folder && folder !== scope.fsPath ? [folder] : []),
          ...[mainCheckoutOf(scope.fsPath), folder && mainCheckoutOf(folder)].filter((d): d is string => !!d),
        ],
        pathVar: extraEnv.PATH ?? process.env.PATH,
      }),
    );
    if (this.lastChoice.get(project.id) !== choice.why) {
      this.lastChoice.set(project.id, choice.why);
      this.log.info(`[run] ${project.name}: alembic is ${choice.why}`);
    }
    return { scope, cfg, choice, db, extraEnv, ...(blocked.length ? { blocked: blocked.join('; ') } : {}) };
  }

  /** Which alembic the project runs and why (the status tooltip), once a run or probe chose it. */
  interpreterOf(projectId: string): string | undefined {
    return this.lastChoice.get(projectId);
  }

  private probeRequest(project: ProjectInfo, ctx: RunContext): ProbeRequest {
    const env = { ...ctx.extraEnv };
    delete env.PGAPPNAME;
    const scriptDir = project.scriptLocationUri ? vscode.Uri.parse(project.scriptLocationUri).fsPath : undefined;
    return {
      projectId: project.id,
      alembicArgv: ctx.choice.argv,
      iniFile: vscode.Uri.parse(project.iniUri!).fsPath,
      cwd: ctx.scope.fsPath,
      xArgs: ctx.cfg.get<string[]>('xArgs', []),
      env,
      inputs: [...(scriptDir ? [`${scriptDir}/env.py`] : []), `${ctx.scope.fsPath}/.env`],
    };
  }

  /** What the project doctor needs of a run: the alembic chosen, the run's environment, the probe. */
  async setupOf(
    project: ProjectInfo,
  ): Promise<
    | { choice: AlembicChoice; env: Record<string, string>; probeRequest: ProbeRequest; probe: (r: ProbeRequest) => Promise<ProbeResult>; blocked?: string }
    | undefined
  > {
    if (!vscode.workspace.isTrusted || !project.iniUri) return undefined;
    const ctx = await this.prepare(project);
    return {
      choice: ctx.choice,
      env: ctx.extraEnv,
      probeRequest: this.probeRequest(project, ctx),
      probe: (r) => this.probe.probe(r),
      ...(ctx.blocked ? { blocked: ctx.blocked } : {}),
    };
  }

  private async targetOf(project: ProjectInfo, ctx: RunContext): Promise<ProbeResult> {
    const result = await this.probe.probe(this.probeRequest(project, ctx));
    if (result.durationMs > 0) {
      const t = result.target;
      this.log.info(
        `[target] ${project.name}: ${t.kind === 'ok' ? `alembic changes ${describeTarget(t, (s) => s)} (${t.via} in env.py)` : `unknown — ${redactText(t.reason, result.password ? [result.password] : [])}`} (${result.durationMs} ms)`,
      );
    }
    return result;
  }

  /**
   * The database alembic will change for this project, as its env.py builds it (run in the
   * user's interpreter without connecting; cached until its inputs change). Trusted workspaces only.
   */
  async alembicTarget(project: ProjectInfo): Promise<ProbeResult | { target: { kind: 'unknown'; reason: string }; password?: undefined }> {
    if (!vscode.workspace.isTrusted) return { target: { kind: 'unknown', reason: 'the workspace is not trusted, so env.py is not run' } };
    if (!project.iniUri) return { target: { kind: 'unknown', reason: `${project.name} has no alembic.ini` } };
    return this.targetOf(project, await this.prepare(project));
  }

  /** `pg` options for alembic's target database (with the password env.py would use), if known. */
  targetConnection(result: ProbeResult | undefined): PgConnectionOptions | undefined {
    return targetConnection(result);
  }

  private async reportFailure(f: AlembicFailure, title: string, retry: () => void, lastWait?: string): Promise<void> {
    const actions: string[] = [];
    if (f.kind === 'lock-timeout') actions.push('Retry', 'Show Blockers');
    if (f.kind === 'wrong-interpreter') actions.push('Select Interpreter', 'Open Settings');
    if (f.kind === 'multiple-heads') actions.push('Merge Heads');
    if (f.kind === 'auth-failed' || f.kind === 'connection-refused' || f.kind === 'database-missing') actions.push('Configure Database');
    const choice = await reportFailure(this.log, `Alembic: ${title} failed — ${f.message} ${f.nextStep}`, { actions });
    if (choice === 'Retry') retry();
    else if (choice === 'Show Blockers')
      void vscode.window.showInformationMessage(lastWait ? 'Alembic: what the run waited for' : 'Alembic: no blocker was seen during the run', {
        modal: true,
        detail: lastWait
          ? `${lastWait}\n\nThe extension never ends other sessions: finish or end that transaction, then retry.`
          : 'The lock wait ended before the watch (every second) saw who held the lock. Sessions idle in a transaction are the usual blockers: see pg_stat_activity, then retry.',
      });
    else if (choice === 'Select Interpreter')
      void vscode.commands
        .executeCommand('python.setInterpreter')
        .then(undefined, () => vscode.commands.executeCommand('workbench.action.openSettings', 'alembic.command'));
    else if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'alembic.command');
    else if (choice === 'Merge Heads') void vscode.commands.executeCommand('alembic.mergeHeads');
    else if (choice === 'Configure Database') void vscode.commands.executeCommand('alembic.configureDatabase');
  }

  /** Cancels every run (on deactivate). */
  dispose(): void {
    for (const r of this.running.values()) r.abort.abort();
    this.emitter.dispose();
  }
}
