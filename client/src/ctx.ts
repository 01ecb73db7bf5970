/**
 * The extension's context (rust-analyzer's `ctx.ts`): what lives as long as the extension (the
 * log, the language client, the graph store, the database monitor, the runner, the views) apart
 * from what lives as long as the language client, one project resolver, and one way to report a
 * failure with the log one click away. Commands receive it and nothing else.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ProjectInfo } from '../../server/src/shared/protocol';
import type { GraphStore } from './graphStore';
import type { DatabaseMonitor } from './databaseMonitor';
import type { AlembicRunner } from './alembicRunner';
import type { RevisionTreeProvider, TreeNode, ViewCache } from './views';
import type { OfflineSqlDocuments } from './commands/sql';
import type { BranchDocuments } from './commands/branch';
import type { GitStore } from './gitStore';

/** What tree rows, CodeLenses and the status bar pass to commands. */
export type Target = TreeNode | { projectId: string; revision?: string } | undefined;

export interface CtxParts {
  extension: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  client: LanguageClient;
  store: GraphStore;
  views: ViewCache;
  database: DatabaseMonitor;
  runner: AlembicRunner;
  tree: RevisionTreeProvider;
  treeView: vscode.TreeView<TreeNode>;
  sqlDocs: OfflineSqlDocuments;
  git: GitStore;
  branchDocs: BranchDocuments;
}

const SELECTED_KEY = 'alembic.selectedProject';

/**
 * Shows a failure once, with *Show Output* (and any other actions); returns the action chosen.
 * Every "something went wrong" message of the client goes through here.
 */
export async function reportFailure(
  log: vscode.LogOutputChannel,
  message: string,
  opts: { level?: 'error' | 'warning'; actions?: string[] } = {},
): Promise<string | undefined> {
  const show = opts.level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
  const choice = await show(message, ...(opts.actions ?? []), 'Show Output');
  if (choice === 'Show Output') log.show(true);
  return choice;
}

export class Ctx implements CtxParts {
  readonly extension!: vscode.ExtensionContext;
  readonly log!: vscode.LogOutputChannel;
  readonly client!: LanguageClient;
  readonly store!: GraphStore;
  readonly views!: ViewCache;
  readonly database!: DatabaseMonitor;
  readonly runner!: AlembicRunner;
  readonly tree!: RevisionTreeProvider;
  readonly treeView!: vscode.TreeView<TreeNode>;
  readonly sqlDocs!: OfflineSqlDocuments;
  readonly git!: GitStore;
  readonly branchDocs!: BranchDocuments;
  /**
   * Lives as long as the language client (its state listeners): disposed before the client stops,
   * so nothing reacts to a client that is going away. The client keeps its own message handlers
   * across server restarts.
   */
  readonly clientSubscriptions: vscode.Disposable[] = [];

  constructor(parts: CtxParts) {
    Object.assign(this, parts);
  }

  /** Stops the language client after what lives as long as it. */
  async stopClient(): Promise<void> {
    for (const d of this.clientSubscriptions.splice(0)) d.dispose();
    await this.client.stop();
  }

  /** Lives as long as the extension. */
  get subscriptions(): vscode.Disposable[] {
    return this.extension.subscriptions;
  }

  private get selectedProjectId(): string | undefined {
    return this.extension.workspaceState.get<string>(SELECTED_KEY);
  }

  /**
   * The project a command acts on, in one order everywhere: the one the target names, the active
   * editor's, the only one, the one selected last; then (`ask`) a picker, else the first.
   */
  async resolveProject(target: Target, opts: { ask: boolean } = { ask: true }): Promise<ProjectInfo | undefined> {
    const id = target && ('projectId' in target ? target.projectId : target.kind === 'project' ? target.project.id : target.row.projectId);
    if (id) return this.store.project(id);
    const projects = this.store.projects();
    if (projects.length === 0) {
      if (opts.ask) void vscode.window.showWarningMessage('No Alembic project in this workspace: open a folder with an alembic.ini.');
      return undefined;
    }
    const editor = vscode.window.activeTextEditor;
    const fromEditor = editor && this.store.projectOfUri(editor.document.uri);
    if (fromEditor) return fromEditor;
    if (projects.length === 1) return projects[0];
    const selected = projects.find((p) => p.id === this.selectedProjectId);
    if (selected) return selected;
    return opts.ask ? this.pickProject() : projects[0];
  }

  /** The project the status bar and the tree message follow (never asks). */
  currentProject(): ProjectInfo | undefined {
    const projects = this.store.projects();
    const editor = vscode.window.activeTextEditor;
    const fromEditor = editor && this.store.projectOfUri(editor.document.uri);
    return fromEditor ?? (projects.length === 1 ? projects[0] : (projects.find((p) => p.id === this.selectedProjectId) ?? projects[0]));
  }

  async pickProject(): Promise<ProjectInfo | undefined> {
    const projects = this.store.projects();
    const pick = await vscode.window.showQuickPick(
      projects.map((p) => ({ label: p.name, description: `${p.revisionCount} revisions`, detail: vscode.Uri.parse(p.configUri).fsPath, project: p })),
      { title: 'Alembic: Select Project', placeHolder: 'Which Alembic project?' },
    );
    if (!pick) return undefined;
    await this.extension.workspaceState.update(SELECTED_KEY, pick.project.id);
    return pick.project;
  }
}
