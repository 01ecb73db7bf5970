/**
 * Activation: the "Alembic" log channel, the language server, the graph store, the database
 * monitor, the runner, the views and the commands — wired once, disposed together. A failure
 * here is shown to the user with the log one click away, never swallowed.
 */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { createLanguageClient } from './languageClient';
import { GraphStore } from './graphStore';
import { DatabaseMonitor } from './databaseMonitor';
import { AlembicRunner } from './alembicRunner';
import { TargetProbe } from '../../server/src/shared/alembicCli/targetProbe';
import { RevisionCodeLensProvider, RevisionTreeProvider, StatusBar, ViewCache, type TreeNode } from './views';
import { OFFLINE_SQL_SCHEME, OfflineSqlDocuments } from './commands/sql';
import { BRANCH_SCHEME, BranchDocuments, offerBranchActions } from './commands/branch';
import { GitStore } from './gitStore';
import { registerCommands } from './commands';
import { registerSchemaHovers } from './schemaHovers';
import { Ctx, reportFailure } from './ctx';
import { graphPanelsOf } from './graphView/graphPanel';
import { WorkspaceTrustNotification } from '../../server/src/shared/protocol';

/** What `activate` returns: used by the end-to-end tests in the extension host. */
export interface AlembicExtensionApi {
  store: GraphStore;
  database: DatabaseMonitor;
  runner: AlembicRunner;
  tree: RevisionTreeProvider;
  git: GitStore;
  /** Resolves when the first project list and graphs are loaded. */
  ready: Promise<void>;
}

let client: LanguageClient | undefined;
let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): AlembicExtensionApi | undefined {
  const log = vscode.window.createOutputChannel('Alembic', { log: true });
  context.subscriptions.push(log);
  try {
    const t0 = Date.now();
    client = createLanguageClient(context, log);
    const store = new GraphStore(client);
    const views = new ViewCache(store);
    const database = new DatabaseMonitor(store, client, context.secrets, log);
    const runner = new AlembicRunner(log, database, new TargetProbe(context.asAbsolutePath('dist/alembic_target.py')));
    const git = new GitStore(client, store, database, log);
    const tree = new RevisionTreeProvider(store, views, database, git);
    const treeView = vscode.window.createTreeView<TreeNode>('alembic.revisions', { treeDataProvider: tree, showCollapseAll: true });
    const sqlDocs = new OfflineSqlDocuments();
    const branchDocs = new BranchDocuments();
    const c = new Ctx({ extension: context, log, client, store, views, database, runner, tree, treeView, sqlDocs, git, branchDocs });
    ctx = c;
    graphPanelsOf(c); // registers the graph panels' serializer: panels come back after a reload
    const status = new StatusBar(store, views, database, runner, () => c.currentProject(), git);
    const lenses = new RevisionCodeLensProvider(store, views, database);
    context.subscriptions.push(
      store,
      database,
      runner,
      tree,
      treeView,
      status,
      lenses,
      vscode.workspace.registerTextDocumentContentProvider(OFFLINE_SQL_SCHEME, sqlDocs),
      git,
      git.onDidLocate((e) => void offerBranchActions(c, e)),
      vscode.workspace.registerTextDocumentContentProvider(BRANCH_SCHEME, branchDocs),
      vscode.languages.registerCodeLensProvider({ scheme: 'file', language: 'python' }, lenses),
      ...registerCommands(c),
      ...registerSchemaHovers(c),
    );
    const updateTreeMessage = (): void => {
      const p = c.currentProject();
      const db = p && database.get(p.id);
      treeView.message = !vscode.workspace.isTrusted
        ? 'Restricted mode: the tree shows the migrations; no database is read and alembic does not run until the workspace is trusted.'
        : db && db.status.kind !== 'ok' && db.status.kind !== 'loading' && db.status.kind !== 'not-configured' && 'message' in db.status
          ? `Database: ${db.status.message}`
          : undefined;
    };
    // The server offers file writes from the project's templates only in a trusted workspace.
    const sendTrust = (): void => {
      if (client?.isRunning()) void client.sendNotification(WorkspaceTrustNotification, { trusted: vscode.workspace.isTrusted }).catch(() => undefined);
    };
    context.subscriptions.push(
      database.onDidChange(updateTreeMessage),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        updateTreeMessage();
        sendTrust();
      }),
    );
    void vscode.commands.executeCommand('setContext', 'alembic.databaseConfigured', false);
    updateTreeMessage();

    // After a crash the client restarts the server (languageClient.ts); the new server knows
    // nothing the old one was told, and its graph generations start again: reload both.
    let started = false;
    c.clientSubscriptions.push(
      client.onDidChangeState((e) => {
        if (e.newState !== State.Running) return;
        if (!started) {
          started = true;
          return;
        }
        log.info('[client] language server restarted: reloading projects, graphs and the database state');
        sendTrust();
        void store
          .refreshAll()
          .then(() => database.resendAll())
          .catch((err: unknown) => log.error(`[client] reload after restart failed: ${(err as Error).message}`));
      }),
    );

    const ready = (async () => {
      await client.start();
      await store.refreshAll();
      log.info(
        `[client] ready: ${store.projects().length} project(s), ${store.projects().reduce((n, p) => n + p.revisionCount, 0)} revisions in ${Date.now() - t0} ms`,
      );
      await database.refreshAll('start');
    })();
    ready.catch((e: unknown) => {
      log.error(`[client] start failed: ${(e as Error).stack ?? String(e)}`);
      void reportFailure(log, `Alembic Migrations could not start its language server: ${(e as Error).message}`);
    });
    return { store, database, runner, tree, git, ready };
  } catch (e) {
    log.error(`[client] activation failed: ${(e as Error).stack ?? String(e)}`);
    void reportFailure(log, `Alembic Migrations failed to activate: ${(e as Error).message}`);
    return undefined;
  }
}

export async function deactivate(): Promise<void> {
  await (ctx ? ctx.stopClient() : client?.stop())?.catch(() => undefined);
  ctx = undefined;
  client = undefined;
}
