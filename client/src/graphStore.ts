/**
 * The client's copy of what the server knows: the projects and each project's revision
 * graph, refreshed on `alembic/graphChanged`. Views (tree, CodeLens, status bar, pickers)
 * subscribe to `onDidChange` and read snapshots; none of them talks to the server directly.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  GraphChangedNotification,
  ProjectsRequest,
  RevisionGraphRequest,
  unpackRevisionGraph,
  type ProjectInfo,
  type RevisionGraphResult,
} from '../../server/src/shared/protocol';

export class GraphStore implements vscode.Disposable {
  private projectList: ProjectInfo[] = [];
  private readonly graphs = new Map<string, RevisionGraphResult>();
  private readonly emitter = new vscode.EventEmitter<string | undefined>();
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  /** Fires with a project id (one graph changed) or undefined (the project list changed). */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly client: LanguageClient) {
    this.disposables.push(client.onNotification(GraphChangedNotification, (p) => void this.refreshProject(p.projectId, p.generation)));
  }

  /** Loads the project list and every graph (after the server started, or on Refresh). */
  async refreshAll(): Promise<void> {
    this.projectList = await this.client.sendRequest(ProjectsRequest);
    const ids = new Set(this.projectList.map((p) => p.id));
    for (const id of [...this.graphs.keys()]) if (!ids.has(id)) this.graphs.delete(id);
    await Promise.all(this.projectList.map((p) => this.loadGraph(p.id)));
    void vscode.commands.executeCommand('setContext', 'alembic.projectCount', this.projectList.length);
    this.emitter.fire(undefined);
  }

  private async refreshProject(projectId: string, generation: number): Promise<void> {
    if (!this.projectList.some((p) => p.id === projectId)) {
      await this.refreshAll();
      return;
    }
    const have = this.graphs.get(projectId);
    if (have && have.generation >= generation) return;
    this.projectList = await this.client.sendRequest(ProjectsRequest);
    await this.loadGraph(projectId);
    this.emitter.fire(projectId);
  }

  private async loadGraph(projectId: string): Promise<void> {
    const g = unpackRevisionGraph(await this.client.sendRequest(RevisionGraphRequest, { projectId }));
    if (g) this.graphs.set(projectId, g);
    else this.graphs.delete(projectId);
  }

  projects(): ProjectInfo[] {
    return this.projectList;
  }

  project(id: string): ProjectInfo | undefined {
    return this.projectList.find((p) => p.id === id);
  }

  graph(projectId: string): RevisionGraphResult | undefined {
    return this.graphs.get(projectId);
  }

  /** The project a file belongs to: the one whose version locations contain it, else the one whose root does. */
  projectOfUri(uri: vscode.Uri): ProjectInfo | undefined {
    const s = uri.toString();
    const inside = (base: string): boolean => s.startsWith(base.endsWith('/') ? base : base + '/');
    return this.projectList.find((p) => p.versionLocationUris.some(inside)) ?? this.projectList.find((p) => inside(p.rootUri));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
