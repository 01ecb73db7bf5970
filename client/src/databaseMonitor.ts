/**
 * The database state of every project, read from the version table with `pg` (never with
 * `alembic current`): on start, on demand, on window focus, after every alembic run and every
 * `alembic.statusRefreshSeconds`. Each result goes to the views (onDidChange) and to the
 * server (`alembic/databaseState`). No connection at all in an untrusted workspace.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { DatabaseStateNotification, type DatabaseState, type ProjectInfo } from '../../server/src/shared/protocol';
import { parseIni } from '../../server/src/shared/iniFile';
import { MAX_CONFIG_BYTES, readRegularText } from '../../server/src/shared/regularFile';
import {
  describeDatabase,
  isLocalDatabase,
  parseDatabaseUrl,
  redactUrl,
  resolveConnection,
  urlWithoutPassword,
  type PgConnectionOptions,
} from '../../server/src/shared/db/databaseUrl';
import { keepAliveMs, readDatabaseState, VersionTableReader, type DatabaseReading } from '../../server/src/shared/db/versionTable';
import type { DbStatus } from './model/statusModel';
import { largeTables } from '../../server/src/shared/db/tableSizes';

/** How often the biggest tables are read again (they change slowly). */
const LARGE_TABLES_EVERY_MS = 5 * 60_000;
import type { GraphStore } from './graphStore';

/** What the extension knows about one project's database. */
export interface ProjectDatabase {
  status: DbStatus;
  /** Version-table rows when known. */
  rows?: string[];
  /** The connection used (password-free description) — for confirmations and tooltips. */
  target?: { database: string; host: string; local: boolean; source: string; notes: string[] };
  /** The resolved pg options (with the password, when one is known): never logged. */
  pg?: PgConnectionOptions;
  /** The URL as resolved (may hold a password): handed to alembic as DATABASE_URL when it came from the setting. */
  url?: string;
  urlSource?: 'setting' | 'env' | 'ini';
  /** The database alembic changes (from env.py), once a confirmation learned it; `differs` from the one read here. */
  alembicTarget?: { label: string; differs: boolean };
}

const secretKey = (pg: PgConnectionOptions): string => `alembic.password:${pg.user ?? ''}@${pg.host ?? 'localhost'}:${pg.port ?? 5432}/${pg.database ?? ''}`;

export class DatabaseMonitor implements vscode.Disposable {
  private readonly states = new Map<string, ProjectDatabase>();
  private readonly readers = new Map<string, { key: string; reader: VersionTableReader }>();
  /** The biggest tables per project, with when and where they were read. */
  private readonly liveTables = new Map<string, { key: string; at: number; tables: Array<{ name: string; rows: number; bytes: number }> }>();
  private readonly emitter = new vscode.EventEmitter<string>();
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  private timer: NodeJS.Timeout | undefined;
  /** `alembic.statusRefreshSeconds` as last scheduled. */
  private refreshSeconds = 30;
  private configuredContext: boolean | undefined;
  private readonly asked = new Set<string>();
  private readonly inFlight = new Map<string, Promise<ProjectDatabase>>();
  /** Fires with the project id whose database state changed. */
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly store: GraphStore,
    private readonly client: LanguageClient,
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      vscode.window.onDidChangeWindowState((s) => {
        if (s.focused) void this.refreshAll('focus');
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (
          e.affectsConfiguration('alembic.databaseUrl') ||
          e.affectsConfiguration('alembic.versionTable') ||
          e.affectsConfiguration('alembic.versionTableSchema')
        ) {
          void this.refreshAll('settings');
        }
        if (e.affectsConfiguration('alembic.statusRefreshSeconds')) this.schedule();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.refreshAll('trust granted')),
      store.onDidChange((projectId) => {
        if (projectId === undefined) void this.refreshAll('projects changed');
      }),
    );
    this.schedule();
  }

  get(projectId: string): ProjectDatabase | undefined {
    return this.states.get(projectId);
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.refreshSeconds = vscode.workspace.getConfiguration('alembic').get<number>('statusRefreshSeconds', 30);
    if (this.refreshSeconds > 0) this.timer = setInterval(() => void this.refreshAll('timer'), Math.max(5, this.refreshSeconds) * 1000);
  }

  async refreshAll(reason: string): Promise<void> {
    await Promise.all(this.store.projects().map((p) => this.refresh(p, reason)));
  }

  /** Reads the project's version table now (concurrent calls share one read). */
  refresh(project: ProjectInfo, reason: string): Promise<ProjectDatabase> {
    const running = this.inFlight.get(project.id);
    if (running) return running;
    const p = this.read(project, reason).finally(() => this.inFlight.delete(project.id));
    this.inFlight.set(project.id, p);
    return p;
  }

  /** The connection a project uses, or why there is none. Reads settings, environment and alembic.ini. */
  async connectionOf(
    project: ProjectInfo,
  ): Promise<
    | { kind: 'ok'; pg: PgConnectionOptions; url: string; source: 'setting' | 'env' | 'ini'; sourceLabel: string; notes: string[]; needsPassword: boolean }
    | { kind: 'none'; message: string }
  > {
    const scope = vscode.Uri.parse(project.rootUri);
    const settingUrl = vscode.workspace.getConfiguration('alembic', scope).get<string>('databaseUrl', '');
    let iniUrl: string | undefined;
    if (project.iniUri && project.hasSqlalchemyUrl) {
      try {
        // A regular file of bounded size only: a FIFO planted as alembic.ini must not stall the status bar.
        const text = readRegularText(vscode.Uri.parse(project.iniUri).fsPath, MAX_CONFIG_BYTES);
        iniUrl = parseIni(text).sections.get('alembic')?.values.get('sqlalchemy.url')?.raw;
      } catch {
        // An unreadable ini is reported by the server as a project problem.
      }
    }
    const resolved = resolveConnection({ settingUrl, env: process.env, iniUrl, iniHere: vscode.Uri.parse(project.rootUri).fsPath });
    if (resolved.kind === 'prompt') {
      return {
        kind: 'none',
        message: ['No database URL: set alembic.databaseUrl or DATABASE_URL, or sqlalchemy.url in alembic.ini.', ...resolved.skipped].join(' '),
      };
    }
    const parsed = parseDatabaseUrl(resolved.url);
    if (parsed.kind === 'error') return { kind: 'none', message: `${parsed.message} (from ${resolved.sourceLabel})` };
    const pg = { ...parsed.pg };
    if (pg.password === undefined) {
      const stored = await this.secrets.get(secretKey(pg));
      if (stored !== undefined) pg.password = stored;
    }
    return {
      kind: 'ok',
      pg,
      url: resolved.url,
      source: resolved.source,
      sourceLabel: resolved.sourceLabel,
      notes: [...resolved.skipped, ...parsed.notes],
      needsPassword: parsed.needsPassword && pg.password === undefined,
    };
  }

  private async read(project: ProjectInfo, reason: string): Promise<ProjectDatabase> {
    let next: ProjectDatabase;
    if (!vscode.workspace.isTrusted) {
      next = { status: { kind: 'untrusted' } };
    } else {
      const conn = await this.connectionOf(project);
      if (conn.kind === 'none') {
        next = { status: { kind: 'not-configured' } };
        this.log.debug(`[db] ${project.name}: ${conn.message}`);
      } else {
        const { database, host } = describeDatabase(conn.pg);
        const target = { database, host, local: isLocalDatabase(conn.pg), source: conn.sourceLabel, notes: conn.notes };
        if (!this.states.get(project.id)?.rows) this.set(project.id, { status: { kind: 'loading' }, target });
        const scope = vscode.Uri.parse(project.rootUri);
        const cfg = vscode.workspace.getConfiguration('alembic', scope);
        const versionTable = cfg.get<string>('versionTable', '') || 'alembic_version';
        const schema = cfg.get<string>('versionTableSchema', '') || undefined;
        // Keep the connection open across periodic refreshes (a fresh one costs TCP + SCRAM, ~30 ms),
        // and close it within a minute of the last read (an idle session blocks DROP DATABASE).
        const idleMs = keepAliveMs(this.refreshSeconds);
        const key = JSON.stringify([conn.pg, versionTable, schema, idleMs]);
        let entry = this.readers.get(project.id);
        if (!entry || entry.key !== key) {
          entry?.reader.dispose();
          entry = { key, reader: new VersionTableReader(conn.pg, { versionTable, schema, idleMs }) };
          this.readers.set(project.id, entry);
        }
        const t0 = Date.now();
        const reading: DatabaseReading = await entry.reader.read();
        this.log.debug(
          `[db] ${project.name}: ${reading.kind}${reading.kind === 'ok' ? ` ${reading.revisions.join(',') || 'base'}` : ` — ${reading.message}`} (${Date.now() - t0} ms, ${reason}, ${redactUrl(conn.url)})`,
        );
        next =
          reading.kind === 'ok'
            ? {
                status: { kind: 'ok', revisions: reading.revisions, database, readAt: new Date(reading.readAt) },
                rows: reading.revisions,
                target,
                pg: conn.pg,
                url: conn.url,
                urlSource: conn.source,
              }
            : { status: { kind: reading.kind, message: reading.message, database }, target, pg: conn.pg, url: conn.url, urlSource: conn.source };
        if (reading.kind === 'auth-failed' && reading.passwordMissing) void this.offerPassword(project, conn.pg);
        if (reading.kind === 'ok') void this.readLargeTables(project.id, conn.pg);
      }
    }
    this.set(project.id, next);
    return next;
  }

  /** Reads a project's version table once on a fresh connection to `pg` (confirmations: never a cached row). */
  async readOnce(project: ProjectInfo, pg: PgConnectionOptions): Promise<{ kind: 'ok'; rows: string[] } | { kind: 'error'; message: string }> {
    const cfg = vscode.workspace.getConfiguration('alembic', vscode.Uri.parse(project.rootUri));
    const r = await readDatabaseState(pg, {
      versionTable: cfg.get<string>('versionTable', '') || 'alembic_version',
      schema: cfg.get<string>('versionTableSchema', '') || undefined,
    });
    return r.kind === 'ok' ? { kind: 'ok', rows: r.revisions } : { kind: 'error', message: r.message };
  }

  /** Remembers which database alembic changes; when it is not the one read here, the views say so from now on. */
  setAlembicTarget(projectId: string, target: { label: string; differs: boolean } | undefined): void {
    const state = this.states.get(projectId);
    if (!state || JSON.stringify(state.alembicTarget) === JSON.stringify(target)) return;
    this.states.set(projectId, { ...state, alembicTarget: target });
    this.emitter.fire(projectId);
  }

  private set(projectId: string, next: ProjectDatabase): void {
    const before = this.states.get(projectId);
    if (before?.alembicTarget && next.alembicTarget === undefined && JSON.stringify(before.target) === JSON.stringify(next.target))
      next = { ...next, alembicTarget: before.alembicTarget };
    this.states.set(projectId, next);
    const configured = [...this.states.values()].some((s) => s.status.kind !== 'not-configured');
    if (configured !== this.configuredContext) {
      this.configuredContext = configured;
      void vscode.commands.executeCommand('setContext', 'alembic.databaseConfigured', configured);
    }
    if (before && JSON.stringify(before.status) === JSON.stringify(next.status)) return;
    this.emitter.fire(projectId);
    this.sendToServer(projectId);
  }

  /** Big tables change slowly: read at most every few minutes, then told to the server (alembic.lint.largeTableRows). */
  private async readLargeTables(projectId: string, pg: PgConnectionOptions): Promise<void> {
    const key = JSON.stringify({ ...pg, password: undefined });
    const have = this.liveTables.get(projectId);
    if (have && have.key === key && Date.now() - have.at < LARGE_TABLES_EVERY_MS) return;
    this.liveTables.set(projectId, { key, at: Date.now(), tables: have?.key === key ? have.tables : [] });
    const r = await largeTables(pg);
    if (r.kind !== 'ok') {
      this.log.debug(`[db] large tables: ${r.message}`);
      return;
    }
    this.liveTables.set(projectId, { key, at: Date.now(), tables: r.tables });
    this.sendToServer(projectId);
  }

  /** Tells the language server a project's database state (`alembic/databaseState`). */
  private sendToServer(projectId: string): void {
    const status = this.states.get(projectId)?.status;
    if (!status || !this.client.isRunning()) return;
    const state: DatabaseState =
      status.kind === 'ok'
        ? {
            kind: 'ok',
            revisions: status.revisions,
            database: status.database,
            readAt: status.readAt.toISOString(),
            ...(this.liveTables.get(projectId)?.tables.length ? { largeTables: this.liveTables.get(projectId)!.tables } : {}),
          }
        : status.kind === 'loading'
          ? { kind: 'unknown' }
          : { kind: 'error', reason: status.kind, message: 'message' in status ? status.message : status.kind };
    void this.client.sendNotification(DatabaseStateNotification, { projectId, state }).catch(() => undefined);
  }

  /** Sends every known state again: a restarted language server starts knowing nothing. */
  resendAll(): void {
    for (const id of this.states.keys()) this.sendToServer(id);
  }

  /** Once per session and database: the URL has no password and the server asked for one. */
  private async offerPassword(project: ProjectInfo, pg: PgConnectionOptions): Promise<void> {
    const key = secretKey(pg);
    if (this.asked.has(key)) return;
    this.asked.add(key);
    const { database, host } = describeDatabase(pg);
    const choice = await vscode.window.showWarningMessage(`Database ${database} on ${host} asks for a password and the URL has none.`, 'Enter Password');
    if (choice === 'Enter Password') await this.askPassword(project, pg);
  }

  /** Asks for the password and keeps it in SecretStorage (never in settings, never in logs). */
  async askPassword(project: ProjectInfo, pg: PgConnectionOptions): Promise<void> {
    const { database, host } = describeDatabase(pg);
    const password = await vscode.window.showInputBox({
      title: `Password for ${pg.user ?? 'the database user'} on ${database} (${host})`,
      password: true,
      ignoreFocusOut: true,
      prompt: 'Kept in VS Code’s secret storage.',
    });
    if (password === undefined) return;
    await this.secrets.store(secretKey(pg), password);
    this.log.info(`[db] password stored for ${pg.user ?? ''}@${host}/${database}`);
    await this.refresh(project, 'password entered');
  }

  /**
   * Stores a URL's password in SecretStorage and returns the URL rebuilt from its parsed parts
   * without it (never a text edit of the original, which could leave part of a password behind).
   * A password that is a `${env:VAR}` reference is no secret: such a URL is returned as given.
   */
  async storePasswordOf(url: string): Promise<string> {
    const parsed = parseDatabaseUrl(url);
    if (parsed.kind !== 'ok' || parsed.pg.password === undefined || /\$\{env:/.test(parsed.pg.password)) return url;
    const withoutPassword = urlWithoutPassword(parsed.parts);
    await this.secrets.store(secretKey(parsed.pg), parsed.pg.password);
    return withoutPassword;
  }

  /** Passwords that must never appear in output (every one this monitor knows). */
  secretsInUse(): string[] {
    const out: string[] = [];
    for (const s of this.states.values()) if (s.pg?.password) out.push(s.pg.password);
    return out;
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    for (const { reader } of this.readers.values()) reader.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
