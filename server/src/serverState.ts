/**
 * The server's state, constructed complete in `onInitialize` from parts with one job each: the
 * workspace model (projects → indexes, open buffers), the start-up indexing and its readiness,
 * the document cache, the settings, the diagnostics publisher, graph snapshots, the database
 * states the client reported, Workspace Trust and the error boundary. It turns LSP events into
 * changes of the model and hands handlers a read-only {@link HandlerContext}.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { Workspace } from './workspace';
import { pathToUri, uriToPath } from './uris';
import type { DatabaseState, InitializationOptions, RevisionGraphWire } from './shared/protocol';
import { loadPythonParser } from './alembic/pythonParser';
import type { ParsedMigration } from './alembic/migrationParser';
import { prepareLinter } from './alembic/lint';
import { ProjectIndex } from './alembic/projectIndex';
import { discoverProjects, listMigrationFiles } from './alembic/discovery';
import type { AlembicProject } from './alembic/project';
import type { Problem } from './alembic/types';
import type { SnapshotSource, SnapshotStore } from './cache/snapshotStore';
import type { HandlerContext } from './handlers/context';
import { ErrorBoundary } from './state/errorBoundary';
import { Readiness } from './state/readiness';
import { DocumentCache } from './state/documentCache';
import { SettingsStore } from './state/settingsStore';
import { DiagnosticsPublisher, type PublisherOutput } from './state/diagnosticsPublisher';
import { GitTracker, type GitStatus } from './state/gitTracker';

/** How long start-up work that no first graph needs (parsers, git) waits for a client to ask for one. */
const FIRST_GRAPH_GRACE_MS = 300;

export interface ServerStateOptions {
  /** The workspace folders of `initialize` (absolute paths). */
  folders: string[];
  initOptions: InitializationOptions;
  /** Asks the client for a folder's settings; undefined when the client cannot be asked. */
  pullSettings: ((folder: string) => Promise<unknown>) | undefined;
  /** Where diagnostics, graph changes, warnings and logs go. */
  output: Omit<PublisherOutput, 'flushed' | 'logError' | 'graphChanged'> & {
    graphChanged(projectId: string, generation: number): void;
    /** What git knows about a project changed (provenance, base branch). */
    gitChanged(projectId: string): void;
    log(message: string): void;
  };
  /** Resolves when the connection has no output waiting (start-up reading pauses for it). */
  outputIdle: () => Promise<void>;
  /** Graph snapshots, when the client gave a cache folder. */
  snapshots?: SnapshotStore;
}

export class ServerState implements HandlerContext {
  readonly workspace = new Workspace();
  readonly boundary: ErrorBoundary;
  readonly readiness = new Readiness();
  readonly documents: DocumentCache;
  readonly settings: SettingsStore;
  readonly publisher: DiagnosticsPublisher;
  readonly git: GitTracker;
  readonly snapshots: SnapshotStore | undefined;
  /** Workspace Trust as the client reports it (clients without it: trusted). */
  trusted: boolean;
  /** The projects found at start-up (answered from snapshots before they are indexed). */
  startupProjects: AlembicProject[] = [];
  private readonly dbStates = new Map<string, DatabaseState>();
  private pendingFolders: string[];

  constructor(private readonly opts: ServerStateOptions) {
    this.boundary = new ErrorBoundary((m) => opts.output.log(m));
    this.trusted = opts.initOptions.workspaceTrusted !== false;
    this.pendingFolders = opts.folders;
    this.snapshots = opts.snapshots;
    // Files read from disk record their signatures when snapshots are kept.
    this.workspace.signatures = !!opts.snapshots;
    this.documents = new DocumentCache((f) => this.workspace.openText(f));
    const docsBaseUri = typeof opts.initOptions.docsBaseUri === 'string' ? opts.initOptions.docsBaseUri : undefined;
    this.settings = new SettingsStore(opts.pullSettings, docsBaseUri, (w, e) => this.boundary.logError(w, e));
    this.git = new GitTracker({
      trusted: () => this.trusted,
      options: async (p) => {
        const s = await this.settings.settingsFor(this.folderOf(p));
        return { ...(s.git.baseBranch ? { baseBranch: s.git.baseBranch } : {}), releaseTags: s.git.releaseTags };
      },
      changed: (id) => {
        this.publisher.markDirty([id]);
        opts.output.gitChanged(pathToUri(id));
      },
      log: (line) => opts.output.log(line),
      ...(typeof opts.initOptions.cacheDir === 'string' && opts.initOptions.cacheDir ? { cacheDir: opts.initOptions.cacheDir } : {}),
    });
    this.publisher = new DiagnosticsPublisher(
      this.workspace,
      this.documents,
      this.settings,
      {
        diagnostics: opts.output.diagnostics,
        warn: opts.output.warn,
        graphChanged: (p) => opts.output.graphChanged(this.projectUri(p), p.generation),
        logError: (w, e) => this.boundary.logError(w, e),
        flushed: () => {
          if (this.snapshots && this.readiness.isReady) this.snapshots.schedule(this.snapshotSource());
        },
      },
      {
        gitFacts: (id) => this.git.factsOf(id),
        touchedSinceGitRead: (id) => this.git.touchedSinceRead(id),
        databaseRevisions: (id) => {
          const db = this.dbStates.get(pathToUri(id));
          return db?.kind === 'ok' ? db.revisions : undefined;
        },
        databaseTables: (id) => {
          const db = this.dbStates.get(pathToUri(id));
          return db?.kind === 'ok' && db.largeTables ? { database: db.database, tables: db.largeTables } : undefined;
        },
      },
    );
  }

  private folderOf(p: ProjectIndex): string {
    return this.workspace.folderOfProject(p.project.id) ?? p.project.rootDir;
  }

  /** Projects read at start-up whose files are signed after the first graph (signStartupFiles). */
  private toSign: Array<{ index: ProjectIndex; readSince: number }> = [];

  async start(): Promise<void> {
    // The parsers are only needed for lint: they load after the index, so their start-up
    // (wasm instantiation, ~0.1 s of this thread) does not delay the first graph answers.
    const loadParsers = (): Promise<void> =>
      (async () => {
        this.documents.python = await loadPythonParser();
        await prepareLinter();
      })().catch((e: unknown) => this.boundary.logError('loading the Python and SQL parsers (diagnostics limited to the revision graph)', e));
    try {
      await this.indexStartupFolders();
    } catch (e) {
      this.boundary.logError('indexing the workspace', e);
    } finally {
      this.readiness.markReady();
      this.snapshots?.loaded(this.workspace.allProjects());
    }
    // The client asks for the projects and their graphs now: answer those first.
    await Promise.race([this.readiness.firstGraph, new Promise((r) => setTimeout(r, FIRST_GRAPH_GRACE_MS))]);
    // …and written out: the parsers' start-up would hold the answer in the output queue.
    await this.opts.outputIdle();
    this.signStartupFiles();
    await loadParsers();
    this.publisher.forgetLint();
    this.publisher.markDirty(this.workspace.allProjects().map((p) => p.project.id));
    this.git.refresh(this.workspace.allProjects());
  }

  private async indexStartupFolders(): Promise<void> {
    const folders = this.pendingFolders;
    this.pendingFolders = [];
    const found = folders.map((folder) => ({ folder, projects: discoverProjects(folder) }));
    const listings = new Map<string, ReturnType<typeof listMigrationFiles>>();
    for (const p of found.flatMap((f) => f.projects)) {
      const listing = listMigrationFiles(p);
      listings.set(p.id, listing);
      this.snapshots?.load(
        p,
        listing.map((f) => f.file),
      );
    }
    this.startupProjects = found.flatMap((f) => f.projects);
    this.readiness.markDiscovered();
    // Read in slices: requests answered from snapshots go out in between.
    for (const { folder, projects } of found) {
      const indexes: ProjectIndex[] = [];
      for (const p of projects) {
        // Without a snapshot served for it, the project's first graph comes from this reading:
        // its files are signed (for the next snapshot) after that graph is out.
        const signLater = this.workspace.signatures && !this.snapshots?.graph(p.id);
        const readSince = Date.now();
        const index = await ProjectIndex.loadInSlices(p, {
          signatures: this.workspace.signatures,
          signLater,
          listing: listings.get(p.id),
          pause: this.opts.outputIdle,
        });
        indexes.push(index);
        if (signLater) this.toSign.push({ index, readSince });
      }
      this.publisher.markDirty(this.workspace.addIndexedFolder(folder, indexes));
    }
  }

  /** Runs an event after start-up indexing when it arrives before (it may touch projects still being read). */
  private whenReady(what: string, fn: () => void): void {
    this.readiness.whenReady(fn, (f) => this.boundary.guard(what, f));
  }

  // ---- events -------------------------------------------------------------------------

  addFolder(folder: string): void {
    this.whenReady('adding a workspace folder', () => {
      const ids = this.workspace.addFolder(folder);
      this.publisher.markDirty(ids);
      this.git.refresh(ids.flatMap((id) => this.workspace.project(id) ?? []));
    });
  }

  removeFolder(folder: string): void {
    this.whenReady('removing a workspace folder', () => {
      for (const id of this.workspace.removeFolder(folder)) this.clearProject(id);
      this.settings.forget(folder);
    });
  }

  documentChanged(doc: TextDocument): void {
    if (!doc.uri.startsWith('file:')) return;
    this.publisher.markDirty(this.workspace.setDocument(uriToPath(doc.uri), doc.getText()));
  }

  documentClosed(doc: TextDocument): void {
    if (!doc.uri.startsWith('file:')) return;
    this.publisher.markDirty(this.workspace.closeDocument(uriToPath(doc.uri)));
  }

  filesChanged(all: Array<{ file: string; kind: 'created' | 'changed' | 'deleted' }>): void {
    // HEAD, a ref or packed-refs moved: git's facts are read again where the refs' key changed.
    const isGit = (f: string): boolean => f.split(/[\\/]/).includes('.git');
    if (all.some((c) => isGit(c.file))) this.git.refsChanged(() => this.workspace.allProjects());
    const changes = all.filter((c) => !isGit(c.file));
    if (!changes.length) return;
    this.whenReady('watched files', () => {
      for (const p of this.workspace.allProjects()) {
        const mine = changes.filter((c) => p.project.versionLocations.some((l) => c.file.startsWith(l)));
        if (mine.length) this.git.filesChanged(p, mine);
      }
      const before = new Set(this.workspace.allProjects().map((p) => p.project.id));
      const ids = this.workspace.fileEvents(changes);
      for (const c of changes) if (c.kind !== 'changed') this.publisher.forgetLint(c.file);
      for (const id of before) if (!this.workspace.project(id)) this.clearProject(id);
      this.publisher.markDirty(ids);
    });
  }

  settingsChanged(): void {
    this.whenReady('configuration', () => {
      this.settings.clear();
      this.publisher.forgetLint();
      this.publisher.markDirty(this.workspace.allProjects().map((p) => p.project.id));
      this.git.refresh(this.workspace.allProjects());
    });
  }

  /** The user trusted the workspace: git may run now. */
  trustGranted(): void {
    this.trusted = true;
    this.whenReady('workspace trust', () => this.git.refresh(this.workspace.allProjects(), true));
  }

  setDatabaseState(projectId: string, state: DatabaseState): void {
    const before = this.dbStates.get(projectId);
    this.dbStates.set(projectId, state);
    // The database decides which migrations shipped only when git and start-after cannot.
    const revisions = (s: DatabaseState | undefined): string => (s?.kind === 'ok' ? JSON.stringify([s.revisions, s.largeTables ?? []]) : '');
    const project = this.workspace.project(uriToPath(projectId));
    if (project && revisions(before) !== revisions(state)) this.publisher.markDirty([project.project.id]);
  }

  private clearProject(id: string): void {
    this.publisher.clearProject(id);
    this.git.forget(id);
    this.dbStates.delete(pathToUri(id));
  }

  // ---- HandlerContext -----------------------------------------------------------------

  gitStatus(projectId: string): GitStatus | undefined {
    return this.git.statusOf(projectId);
  }

  databaseState(projectId: string): DatabaseState {
    return this.dbStates.get(projectId) ?? { kind: 'unknown' };
  }

  parsed(file: string): ParsedMigration | undefined {
    return this.documents.parsed(file);
  }

  lintProblemsOf(file: string): Problem[] {
    return this.publisher.lintProblemsOf(file);
  }

  projectUri(project: ProjectIndex): string {
    return pathToUri(project.project.id);
  }

  projectByUri(uri: string): ProjectIndex | undefined {
    return this.workspace.project(uriToPath(uri));
  }

  snapshotGraph(projectPath: string): RevisionGraphWire | undefined {
    return this.snapshots?.graph(projectPath);
  }

  // ---- snapshots and requests -----------------------------------------------------------

  private snapshotSource(): SnapshotSource {
    return {
      projects: () => {
        // A save before the start-up files are signed would save none of their signatures.
        this.signStartupFiles();
        return this.workspace.allProjects();
      },
      openText: (f) => this.workspace.openText(f),
    };
  }

  /** A revision graph was answered (start-up work waiting for the first one may go on). */
  graphAnswered(): void {
    this.readiness.graphAnswered();
  }

  /** Signs what start-up read without signatures (ProjectIndex.signUnsigned), once. */
  private signStartupFiles(): void {
    const all = this.toSign;
    this.toSign = [];
    for (const { index, readSince } of all) this.boundary.guard('signing the migrations read at start-up', () => index.signUnsigned(readSince));
  }

  /** Saves the graph snapshots that changed (the server is shutting down). */
  saveSnapshots(): void {
    if (this.snapshots && this.readiness.isReady) this.snapshots.saveChanged(this.snapshotSource());
  }

  /**
   * Runs a request that can be answered before the projects are indexed: `early` answers
   * from snapshots during start-up (undefined when it cannot), `fn` from the index.
   */
  async handleEarly<T>(what: string, fallback: T, early: () => T | undefined, fn: () => T | Promise<T>): Promise<T> {
    try {
      await this.readiness.discovered;
      if (!this.readiness.isReady) {
        const answer = early();
        if (answer !== undefined) return answer;
      }
    } catch (e) {
      this.boundary.logError(what, e);
    }
    return this.handle(what, fallback, fn);
  }

  /** Runs a request handler once the projects are indexed; a failure is logged and answered with `fallback`. */
  handle<T>(what: string, fallback: T, fn: () => T | Promise<T>): Promise<T> {
    return this.boundary.request(what, fallback, async () => {
      await this.readiness.ready;
      return fn();
    });
  }

  guard(what: string, fn: () => void): void {
    this.boundary.guard(what, fn);
  }
}
