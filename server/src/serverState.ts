/**
 * Everything with a lifetime inside the server: the workspace model, parsed-file caches, the
 * database states the client reported, settings, and the debounced publishing of diagnostics
 * and `alembic/graphChanged`. Handlers read from it; only it talks to the connection.
 */
import * as crypto from 'node:crypto';
import type {
  ClientCapabilities,
  Connection,
  Diagnostic,
  DiagnosticSeverity,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { Workspace } from './workspace';
import { pathToUri, uriToPath } from './uris';
import { GraphChangedNotification, type DatabaseState, type InitializationOptions } from './shared/protocol';
import { loadPythonParser, type PythonParser } from './alembic/pythonParser';
import { parseMigrationWith, type ParsedMigration } from './alembic/migrationParser';
import { decodeSource, looksBinary, readSourceBytes } from './alembic/migrationFile';
import { lintMigration, mayHaveFindings, prepareLinter } from './alembic/lint';
import { resolveRuleConfig, type RuleConfig } from './alembic/ruleConfig';
import { ProjectIndex } from './alembic/projectIndex';
import { discoverProjects, listMigrationFiles } from './alembic/discovery';
import type { AlembicProject } from './alembic/project';
import type { SnapshotSource, SnapshotStore } from './snapshots';
import type { Problem, Severity } from './alembic/types';

/** The `alembic.*` settings the server reads (per workspace folder). */
export interface ServerSettings {
  lint: { rules: Record<string, string>; workspace: boolean };
  docsBaseUri?: string;
}

const DEFAULT_SETTINGS: ServerSettings = { lint: { rules: {}, workspace: true } };
const PUBLISH_DELAY_MS = 10;
/** Above this many files, closed files get graph diagnostics only (lint stays on for open files). */
const WORKSPACE_LINT_LIMIT = 3000;

const SEVERITY: Record<Severity, DiagnosticSeverity> = { error: 1, warning: 2, information: 3, hint: 4 };

interface LintCacheEntry {
  /** A hash of the rule configuration and the text linted (not the text: thousands of files stay small). */
  key: string;
  problems: Problem[];
}

/** Time one publishing slice may take before requests that arrived meanwhile are answered. */
const PUBLISH_SLICE_MS = 15;

const yieldToRequests = (): Promise<void> => new Promise((r) => setImmediate(r));

export class ServerState {
  clientCapabilities: ClientCapabilities | undefined;
  pendingFolders: string[] = [];
  initOptions: InitializationOptions = {};
  /** Workspace Trust as the client reports it (clients without it: trusted). */
  trusted = true;
  python: PythonParser | undefined;

  private readonly dbStates = new Map<string, DatabaseState>();
  private readonly dirty = new Set<string>();
  private readonly published = new Map<string, string>();
  /** URIs published per project, so a project's files that no longer have problems get cleared. */
  private readonly projectUris = new Map<string, Set<string>>();
  private readonly lintCache = new Map<string, LintCacheEntry>();
  private readonly parseCache = new Map<string, { text: string; parsed: ParsedMigration }>();
  private readonly settings = new Map<string, ServerSettings>();
  private readonly lintProblems = new Map<string, Problem[]>();
  private readonly shownSettingsProblems = new Set<string>();
  /** The latest publish started per project: an older one still running stops at its next slice. */
  private readonly publishSeq = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readyResolve!: () => void;
  /** Resolves once the workspace folders are indexed. */
  readonly ready = new Promise<void>((r) => { this.readyResolve = r; });
  isReady = false;
  private discoveredResolve!: () => void;
  /** Resolves once the start-up projects are found and their snapshots checked (before they are read). */
  readonly discovered = new Promise<void>((r) => { this.discoveredResolve = r; });
  /** The projects found at start-up (for answers from snapshots before they are indexed). */
  startupProjects: AlembicProject[] = [];
  /** Resolves when the connection has no output waiting (start-up reading pauses for it). */
  outputIdle: () => Promise<void> = () => Promise.resolve();
  /** Graph snapshots, when the client gave a cache folder (`useSnapshots`). */
  snapshots: SnapshotStore | undefined;

  constructor(readonly connection: Connection, readonly workspace: Workspace) {}

  async start(): Promise<void> {
    // The parsers are only needed for lint: they load after the index, so their start-up
    // (wasm instantiation, ~0.1 s of this thread) does not delay the first graph answers.
    const loadParsers = (): Promise<void> => (async () => {
      this.python = await loadPythonParser();
      await prepareLinter();
    })().catch((e: unknown) => this.logError('loading the Python and SQL parsers (diagnostics limited to the revision graph)', e));
    try {
      await this.indexStartupFolders();
    } catch (e) {
      this.logError('indexing the workspace', e);
    } finally {
      this.discoveredResolve();
      this.isReady = true;
      this.snapshots?.loaded(this.workspace.allProjects());
      this.readyResolve();
    }
    await loadParsers();
    this.lintCache.clear();
    this.markDirty(this.workspace.allProjects().map((p) => p.project.id));
  }

  private async indexStartupFolders(): Promise<void> {
    const folders = this.pendingFolders;
    this.pendingFolders = [];
    const found = folders.map((folder) => ({ folder, projects: discoverProjects(folder) }));
    const listings = new Map<string, ReturnType<typeof listMigrationFiles>>();
    for (const p of found.flatMap((f) => f.projects)) {
      const listing = listMigrationFiles(p);
      listings.set(p.id, listing);
      this.snapshots?.load(p, listing.map((f) => f.file));
    }
    this.startupProjects = found.flatMap((f) => f.projects);
    this.discoveredResolve();
    // Read in slices: requests answered from snapshots go out in between.
    for (const { folder, projects } of found) {
      const indexes: ProjectIndex[] = [];
      for (const p of projects) indexes.push(await ProjectIndex.loadInSlices(p, { signatures: this.workspace.signatures, listing: listings.get(p.id), pause: this.outputIdle }));
      this.markDirty(this.workspace.addIndexedFolder(folder, indexes));
    }
  }

  /** Saves and uses graph snapshots: files read from disk from now on record their signatures. */
  useSnapshots(store: SnapshotStore): void {
    this.snapshots = store;
    this.workspace.signatures = true;
  }

  /** Runs an event after start-up indexing when it arrives before (it may touch projects still being read). */
  private whenReady(what: string, fn: () => void): void {
    if (this.isReady) fn();
    else void this.ready.then(() => this.guard(what, fn));
  }

  addFolder(folder: string): void {
    this.whenReady('adding a workspace folder', () => this.markDirty(this.workspace.addFolder(folder)));
  }

  removeFolder(folder: string): void {
    if (!this.isReady) return this.whenReady('removing a workspace folder', () => this.removeFolder(folder));
    const gone = this.workspace.removeFolder(folder);
    for (const id of gone) this.clearProject(id);
    this.settings.delete(folder);
  }

  // ---- events -------------------------------------------------------------------------

  documentChanged(doc: TextDocument): void {
    if (!doc.uri.startsWith('file:')) return;
    this.markDirty(this.workspace.setDocument(uriToPath(doc.uri), doc.getText()));
  }

  documentClosed(doc: TextDocument): void {
    if (!doc.uri.startsWith('file:')) return;
    this.markDirty(this.workspace.closeDocument(uriToPath(doc.uri)));
  }

  filesChanged(changes: Array<{ file: string; kind: 'created' | 'changed' | 'deleted' }>): void {
    if (!this.isReady) return this.whenReady('watched files', () => this.filesChanged(changes));
    const before = new Set(this.workspace.allProjects().map((p) => p.project.id));
    const ids = this.workspace.fileEvents(changes);
    for (const c of changes) if (c.kind !== 'changed') this.lintCache.delete(c.file);
    for (const id of before) if (!this.workspace.project(id)) this.clearProject(id);
    this.markDirty(ids);
  }

  settingsChanged(): void {
    if (!this.isReady) return this.whenReady('configuration', () => this.settingsChanged());
    this.settings.clear();
    this.lintCache.clear();
    this.markDirty(this.workspace.allProjects().map((p) => p.project.id));
  }

  setDatabaseState(projectId: string, state: DatabaseState): void {
    this.dbStates.set(projectId, state);
  }

  databaseState(projectId: string): DatabaseState {
    return this.dbStates.get(projectId) ?? { kind: 'unknown' };
  }

  // ---- reading files -------------------------------------------------------------------

  /** The current text of a file: the open buffer, else the disk (undefined if unreadable). */
  textOf(file: string): string | undefined {
    const open = this.workspace.openText(file);
    if (open !== undefined) return open;
    try {
      const bytes = readSourceBytes(file);
      if (looksBinary(bytes)) return undefined;
      return decodeSource(bytes);
    } catch {
      return undefined;
    }
  }

  /** The full parse of a file's current text (cached until the text changes). */
  parsed(file: string): ParsedMigration | undefined {
    const text = this.textOf(file);
    if (text === undefined || !this.python) return undefined;
    const hit = this.parseCache.get(file);
    if (hit && hit.text === text) return hit.parsed;
    const parsed = parseMigrationWith(this.python, text);
    this.parseCache.set(file, { text, parsed });
    if (this.parseCache.size > 200) this.parseCache.delete(this.parseCache.keys().next().value!);
    return parsed;
  }

  // ---- settings ------------------------------------------------------------------------

  async settingsFor(project: ProjectIndex): Promise<ServerSettings> {
    const folder = this.workspace.folderOfProject(project.project.id) ?? project.project.rootDir;
    const hit = this.settings.get(folder);
    if (hit) return hit;
    let s = DEFAULT_SETTINGS;
    if (this.clientCapabilities?.workspace?.configuration) {
      try {
        const raw = (await this.connection.workspace.getConfiguration({ scopeUri: pathToUri(folder), section: 'alembic' })) as Partial<{ lint: Partial<ServerSettings['lint']> }> | null;
        s = { lint: { rules: { ...(raw?.lint?.rules ?? {}) }, workspace: raw?.lint?.workspace ?? true } };
      } catch (e) {
        this.logError('reading settings', e);
      }
    }
    s = { ...s, docsBaseUri: typeof this.initOptions.docsBaseUri === 'string' ? this.initOptions.docsBaseUri : undefined };
    this.settings.set(folder, s);
    return s;
  }

  ruleConfig(project: ProjectIndex, settings: ServerSettings): RuleConfig {
    return resolveRuleConfig({
      projectRules: project.project.lintRules,
      projectRulesFile: project.project.pyprojectFile,
      settingsRules: settings.lint.rules,
    });
  }

  // ---- publishing ----------------------------------------------------------------------

  markDirty(ids: Iterable<string>): void {
    for (const id of ids) this.dirty.add(id);
    // setImmediate: requests that arrived meanwhile (a revisionGraph after start-up, a hover) are
    // answered before the publishing work, which can take tens of milliseconds on big projects.
    if (this.dirty.size && !this.timer) this.timer = setTimeout(() => setImmediate(() => { this.timer = undefined; void this.flushAsync(); }), PUBLISH_DELAY_MS);
  }

  private async flushAsync(): Promise<void> {
    const ids = [...this.dirty];
    this.dirty.clear();
    for (const id of ids) {
      const project = this.workspace.project(id);
      if (!project) continue;
      try {
        await this.publishProject(project);
      } catch (e) {
        this.logError(`publishing diagnostics of ${project.project.name}`, e);
      }
      void this.connection.sendNotification(GraphChangedNotification, { projectId: this.projectUri(project), generation: project.generation });
    }
    if (this.snapshots && this.isReady) this.snapshots.schedule(this.snapshotSource());
  }

  private snapshotSource(): SnapshotSource {
    return { projects: () => this.workspace.allProjects(), openText: (f) => this.workspace.openText(f) };
  }

  /** Saves the graph snapshots that changed (the server is shutting down). */
  saveSnapshots(): void {
    if (this.snapshots && this.isReady) this.snapshots.saveChanged(this.snapshotSource());
  }

  /** The protocol id of a project: its config file's URI. */
  projectUri(project: ProjectIndex): string {
    return pathToUri(project.project.id);
  }

  projectByUri(uri: string): ProjectIndex | undefined {
    return this.workspace.project(uriToPath(uri));
  }

  private async publishProject(project: ProjectIndex): Promise<void> {
    const settings = await this.settingsFor(project);
    const config = this.ruleConfig(project, settings);
    const byFile = new Map<string, Problem[]>();
    const add = (p: Problem): void => {
      const list = byFile.get(p.file);
      if (list) list.push(p); else byFile.set(p.file, [p]);
    };
    for (const p of config.apply(project.problems())) add(p);
    for (const p of config.problems) add(p);
    for (const p of config.settingsProblems) {
      // Problems of the alembic.lint.rules setting have no file: say each once.
      if (this.shownSettingsProblems.has(p.message)) continue;
      this.shownSettingsProblems.add(p.message);
      void this.connection.window.showWarningMessage(`Alembic: ${p.message}`);
    }
    const files = project.migrationFiles();
    const lintAll = settings.lint.workspace && files.length <= WORKSPACE_LINT_LIMIT;
    // Thousands of files: work in slices, answering requests that arrived meanwhile in between.
    // A publish of the same project started meanwhile (an edit) replaces this one.
    const id = project.project.id;
    const seq = (this.publishSeq.get(id) ?? 0) + 1;
    this.publishSeq.set(id, seq);
    let slice = performance.now();
    const superseded = async (): Promise<boolean> => {
      if (performance.now() - slice < PUBLISH_SLICE_MS) return false;
      await yieldToRequests();
      slice = performance.now();
      return this.publishSeq.get(id) !== seq || this.workspace.project(id) !== project;
    };
    for (const m of files) {
      if (!lintAll && this.workspace.openText(m.file) === undefined) continue;
      for (const p of this.lint(m.file, project, config)) add(p);
      if (await superseded()) return;
    }
    const uris = new Set<string>();
    for (const [file, problems] of byFile) {
      if (await superseded()) return;
      const uri = pathToUri(file);
      uris.add(uri);
      this.publish(uri, problems.map((p) => this.toDiagnostic(p, settings)));
    }
    for (const uri of this.projectUris.get(project.project.id) ?? []) if (!uris.has(uri)) this.publish(uri, []);
    this.projectUris.set(project.project.id, uris);
  }

  /** Lint problems of one file (cached by text and configuration). */
  private lint(file: string, project: ProjectIndex, config: RuleConfig): Problem[] {
    const text = this.textOf(file);
    if (text === undefined || !this.python || !mayHaveFindings(text)) return [];
    const key = crypto.createHash('sha1').update(config.key).update('\u0000').update(text).digest('base64');
    const hit = this.lintCache.get(file);
    if (hit && hit.key === key) return hit.problems;
    let problems: Problem[] = [];
    try {
      const parsed = this.parsed(file);
      if (parsed) problems = config.apply(lintMigration(parsed, file, { config }));
    } catch (e) {
      this.logError(`linting ${file}`, e);
    }
    this.lintCache.set(file, { key, problems });
    this.lintProblems.set(file, problems);
    return problems;
  }

  /** The lint problems last computed for a file (code actions use their fix hints). */
  lintProblemsOf(file: string): Problem[] {
    return this.lintProblems.get(file) ?? [];
  }

  private publish(uri: string, diagnostics: Diagnostic[]): void {
    const key = JSON.stringify(diagnostics);
    if (this.published.get(uri) === key) return;
    if (diagnostics.length === 0 && !this.published.has(uri)) return;
    if (diagnostics.length === 0) this.published.delete(uri); else this.published.set(uri, key);
    void this.connection.sendDiagnostics({ uri, diagnostics });
  }

  private clearProject(id: string): void {
    for (const uri of this.projectUris.get(id) ?? []) this.publish(uri, []);
    this.projectUris.delete(id);
    this.dbStates.delete(id);
  }

  toDiagnostic(p: Problem, settings: ServerSettings): Diagnostic {
    const href = this.docsHref(p.ruleId, settings);
    return {
      range: p.range,
      severity: SEVERITY[p.severity],
      code: p.ruleId,
      ...(href ? { codeDescription: { href } } : {}),
      source: 'alembic',
      message: p.message,
      ...(p.related?.length
        ? { relatedInformation: p.related.map((r) => ({ location: { uri: pathToUri(r.file), range: r.range }, message: r.message })) }
        : {}),
    };
  }

  private docsHref(ruleId: string, settings: ServerSettings): string | undefined {
    const base = settings.docsBaseUri;
    return base ? `${base.replace(/\/$/, '')}/${ruleId}.md` : undefined;
  }

  // ---- failure handling ----------------------------------------------------------------

  logError(what: string, e: unknown): void {
    this.connection.console.error(`[alembic] ${what} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  }

  /** Runs an event handler; a failure is logged with its stack and never kills the server. */
  guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.logError(what, e);
    }
  }

  /**
   * Runs a request that can be answered before the projects are indexed: `early` answers
   * from snapshots during start-up (undefined when it cannot), `fn` from the index.
   */
  async handleEarly<T>(what: string, fallback: T, early: () => T | undefined, fn: () => T | Promise<T>): Promise<T> {
    try {
      await this.discovered;
      if (!this.isReady) {
        const answer = early();
        if (answer !== undefined) return answer;
      }
    } catch (e) {
      this.logError(what, e);
    }
    return this.handle(what, fallback, fn);
  }

  /** Runs a request handler; a failure is logged and answered with `fallback`. */
  async handle<T>(what: string, fallback: T, fn: () => T | Promise<T>): Promise<T> {
    try {
      await this.ready;
      return await fn();
    } catch (e) {
      this.logError(what, e);
      return fallback;
    }
  }
}
