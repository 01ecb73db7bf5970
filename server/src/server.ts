/**
 * The language server: wiring only. State lives in Workspace (projects, indexes, open
 * buffers); each request is a short handler over it (handlers/); diagnostics are computed by
 * the domain core and published here, debounced, for every file whose problems changed.
 */
import {
  TextDocuments,
  TextDocumentSyncKind,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  CodeActionKind,
  type ClientCapabilities,
  type InitializeParams,
  type InitializeResult,
  type WorkspaceFolder,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { pathToUri, uriToPath } from './uris';
import { ServerState } from './serverState';
import * as handlers from './handlers';
import { SnapshotStore } from './cache/snapshotStore';
import { createServerConnection } from './transport';
import { statSignature } from './cache/fileSignature';
import {
  type InitializationOptions,
  DatabaseStateNotification,
  GitChangedNotification,
  GitInfoRequest,
  LocateRevisionRequest,
  GraphChangedNotification,
  NewRevisionRequest,
  WorkspaceTrustNotification,
  ProjectsRequest,
  RevisionGraphRequest,
  RevisionRisksRequest,
  SquashPlanRequest,
} from './shared/protocol';

const SERVER_VERSION = '0.1.0';
const { connection, outputIdle } = createServerConnection();
const documents = new TextDocuments(TextDocument);
/** Created complete by `initialize`, which the protocol guarantees comes before anything else. */
let state!: ServerState;
let capabilities: ClientCapabilities = {};

connection.onInitialize((params: InitializeParams): InitializeResult => {
  capabilities = params.capabilities;
  const folders: WorkspaceFolder[] = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
  const initOptions = (params.initializationOptions ?? {}) as InitializationOptions;
  const cacheDir = initOptions.cacheDir;
  // A snapshot applies only to the build that wrote it (the scanner may have changed).
  const snapshots =
    typeof cacheDir === 'string' && cacheDir
      ? new SnapshotStore(
          cacheDir,
          `${SERVER_VERSION}:${statSignature(__filename) ?? ''}`,
          (p) => handlers.graphResult(state, p),
          (what, e) => state.boundary.logError(what, e),
          (m) => connection.console.info(m),
        )
      : undefined;
  state = new ServerState({
    folders: folders.map((f) => uriToPath(f.uri)),
    initOptions,
    pullSettings: capabilities.workspace?.configuration
      ? (folder) => connection.workspace.getConfiguration({ scopeUri: pathToUri(folder), section: 'alembic' })
      : undefined,
    output: {
      diagnostics: (uri, diagnostics) => void connection.sendDiagnostics({ uri, diagnostics }),
      graphChanged: (projectId, generation) => void connection.sendNotification(GraphChangedNotification, { projectId, generation }),
      gitChanged: (projectId) => void connection.sendNotification(GitChangedNotification, { projectId }),
      warn: (message) => void connection.window.showWarningMessage(message),
      log: (message) => connection.console.error(message),
    },
    outputIdle,
    ...(snapshots ? { snapshots } : {}),
  });
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      definitionProvider: true,
      referencesProvider: true,
      hoverProvider: true,
      completionProvider: { triggerCharacters: ["'", '"', '@'] },
      renameProvider: { prepareProvider: true },
      documentSymbolProvider: true,
      workspaceSymbolProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.Refactor] },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'alembic-migrations', version: SERVER_VERSION },
  };
});

connection.onInitialized(async () => {
  // The registration request goes out first; indexing starts without waiting for its answer.
  const watching = capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration
    ? connection.client
        .register(DidChangeWatchedFilesNotification.type, {
          watchers: [
            { globPattern: '**/alembic.ini' },
            { globPattern: '**/pyproject.toml' },
            { globPattern: '**/migration-rules.toml' },
            { globPattern: '**/*.py' },
            // HEAD, branches and tags: git's facts (base branch, provenance) are read again when they move.
            { globPattern: '**/.git/{HEAD,packed-refs}' },
            { globPattern: '**/.git/refs/**' },
          ],
        })
        .catch((e: unknown) => state.boundary.logError('registering file watchers', e))
    : undefined;
  if (capabilities.workspace?.workspaceFolders) {
    connection.workspace.onDidChangeWorkspaceFolders((e) =>
      state.guard('workspace folders', () => {
        for (const f of e.removed) state.removeFolder(uriToPath(f.uri));
        for (const f of e.added) state.addFolder(uriToPath(f.uri));
      }),
    );
  }
  await Promise.all([watching, state.start()]);
});

connection.onShutdown(() => state.guard('saving graph snapshots', () => state.saveSnapshots()));

documents.onDidOpen((e) => state.guard('didOpen', () => state.documentChanged(e.document)));
documents.onDidChangeContent((e) => state.guard('didChange', () => state.documentChanged(e.document)));
documents.onDidClose((e) => state.guard('didClose', () => state.documentClosed(e.document)));

connection.onDidChangeWatchedFiles((params) =>
  state.guard('watched files', () => {
    state.filesChanged(
      params.changes.map((c) => ({
        file: uriToPath(c.uri),
        kind: c.type === FileChangeType.Created ? 'created' : c.type === FileChangeType.Deleted ? 'deleted' : 'changed',
      })),
    );
  }),
);
connection.onDidChangeConfiguration(() => state.guard('configuration', () => state.settingsChanged()));

connection.onDefinition((p, token) => state.handle('definition', null, () => handlers.definition(state, p, token)));
connection.onReferences((p, token) => state.handle('references', null, () => handlers.references(state, p, token)));
connection.onHover((p, token) => state.handle('hover', null, () => handlers.hover(state, p, token)));
connection.onCompletion((p, token) => state.handle('completion', null, () => handlers.completion(state, p, token)));
connection.onPrepareRename((p) => state.handle('prepareRename', null, () => handlers.prepareRename(state, p)));
connection.onRenameRequest((p) => state.handle('rename', null, () => handlers.rename(state, p)));
connection.onDocumentSymbol((p) => state.handle('documentSymbol', null, () => handlers.documentSymbols(state, p)));
connection.onWorkspaceSymbol((p, token) => state.handle('workspaceSymbol', null, () => handlers.workspaceSymbols(state, p, token)));
connection.onCodeAction((p, token) => state.handle('codeAction', null, () => handlers.codeActions(state, p, token)));
connection.onRequest(ProjectsRequest, () =>
  state.handleEarly(
    'alembic/projects',
    [],
    () => handlers.projectsFromSnapshots(state),
    () => handlers.projects(state),
  ),
);
connection.onRequest(NewRevisionRequest, (p) =>
  state.handle('alembic/newRevision', { kind: 'error', message: 'The language server failed to render the revision: see the Alembic output.' }, () =>
    handlers.newRevision(state, p),
  ),
);
connection.onRequest(RevisionGraphRequest, (p, token) =>
  state
    .handleEarly(
      'alembic/revisionGraph',
      null,
      () => handlers.revisionGraphFromSnapshot(state, p),
      () => handlers.revisionGraph(state, p, token),
    )
    .finally(() => state.graphAnswered()),
);
connection.onRequest(GitInfoRequest, (p) => state.handle('alembic/gitInfo', null, () => handlers.gitInfo(state, p)));
connection.onRequest(LocateRevisionRequest, (p) =>
  state.handle(
    'alembic/locateRevision',
    { kind: 'unavailable', message: 'The language server failed to ask git: see the Alembic output.', locations: [] },
    () => handlers.locate(state, p),
  ),
);
connection.onRequest(RevisionRisksRequest, (p) => state.handle('alembic/revisionRisks', [], () => handlers.revisionRisks(state, p)));
connection.onRequest(SquashPlanRequest, (p) =>
  state.handle('alembic/squashPlan', { kind: 'refused', message: 'The language server failed to plan the squash: see the Alembic output.' }, () =>
    handlers.squashPlan(state, p),
  ),
);
connection.onNotification(WorkspaceTrustNotification, (p) =>
  state.guard('alembic/workspaceTrust', () => {
    if (p.trusted === true) state.trustGranted();
  }),
);
connection.onNotification(DatabaseStateNotification, (p) => state.guard('alembic/databaseState', () => state.setDatabaseState(p.projectId, p.state)));

documents.listen(connection);
connection.listen();
