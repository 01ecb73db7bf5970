/**
 * *Alembic: Show Revision Graph*: one webview panel per project (the adapter; what the page shows
 * is decided by the webview script and graphViewModel.ts). The panel sends the project's graph
 * when it changes (`alembic/graphChanged` through the graph store), the database state when the
 * monitor reads it, and the worst problem per migration when diagnostics change; the page keeps
 * its scroll position and selection. A strict CSP: the page loads one script, with a nonce, from
 * the extension, and nothing remote. A serializer brings the panels back after a reload.
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { renderGraphSvg } from '../../../server/src/shared/graphSvg';
import {
  GRAPH_VIEW_TYPE,
  parseGraphToHost,
  parseGraphViewState,
  type GraphUpdateMessage,
  type HostToGraphMessage,
} from '../../../server/src/shared/graphViewProtocol';
import { databaseLine } from './graphViewModel';
import { graphPageHtml } from './graphPage';
import { toRange } from '../views';
import type { Ctx } from '../ctx';

interface Panel {
  panel: vscode.WebviewPanel;
  projectId: string;
  /** The graph generation the page has (it gets the nodes again only when this changes). */
  sentGeneration?: number;
  ready: boolean;
  /** A revision to select once the page is ready (a new panel opened from a CodeLens or the tree). */
  pendingReveal?: string;
}

export class GraphPanels implements vscode.Disposable {
  private readonly panels = new Map<string, Panel>();
  private readonly disposables: vscode.Disposable[] = [];
  private problemTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: Ctx) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(GRAPH_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => {
          const restored = parseGraphViewState(state);
          if (!restored) {
            panel.dispose();
            return;
          }
          this.adopt(panel, restored.projectId);
          await Promise.resolve();
        },
      }),
      ctx.store.onDidChange((projectId) => {
        for (const p of this.panels.values()) if (projectId === undefined || p.projectId === projectId) this.send(p);
      }),
      ctx.database.onDidChange((projectId) => {
        const p = this.panels.get(projectId);
        if (p) this.send(p);
      }),
      // Authors arrive from git after the graph: the nodes go out again with them.
      ctx.git.onDidChange((projectId) => {
        const p = this.panels.get(projectId);
        if (!p) return;
        p.sentGeneration = undefined;
        this.send(p);
      }),
      vscode.languages.onDidChangeDiagnostics(() => {
        if (this.panels.size === 0 || this.problemTimer) return;
        this.problemTimer = setTimeout(() => {
          this.problemTimer = undefined;
          for (const p of this.panels.values()) this.send(p);
        }, 300);
      }),
    );
  }

  /** Opens (or brings forward) the graph of a project. */
  show(projectId: string, revision?: string): void {
    const have = this.panels.get(projectId);
    if (have) {
      have.panel.reveal();
      if (revision && have.ready && have.panel.visible) this.post(have, { type: 'reveal', revision });
      else if (revision) have.pendingReveal = revision;
      return;
    }
    const project = this.ctx.store.project(projectId);
    const panel = vscode.window.createWebviewPanel(GRAPH_VIEW_TYPE, `Revisions: ${project?.name ?? 'Alembic'}`, vscode.ViewColumn.Active, {});
    const p = this.adopt(panel, projectId);
    if (revision) p.pendingReveal = revision;
  }

  /** Whether a project's graph is open (for tests and the reveal command). */
  isOpen(projectId: string): boolean {
    return this.panels.has(projectId);
  }

  private adopt(panel: vscode.WebviewPanel, projectId: string): Panel {
    const dist = vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'dist');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist] };
    const project = this.ctx.store.project(projectId);
    panel.title = `Revisions: ${project?.name ?? 'Alembic'}`;
    panel.iconPath = vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'media', 'alembic.svg');
    const p: Panel = { panel, projectId, ready: false };
    this.panels.set(projectId, p);
    panel.webview.html = this.html(panel.webview, projectId);
    const subs = [
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(p, raw)),
      // A hidden panel's page is discarded (no retainContextWhenHidden): it says `ready` again when shown.
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) p.ready = false;
      }),
      panel.onDidDispose(() => {
        if (this.panels.get(projectId) === p) this.panels.delete(projectId);
        for (const d of subs) d.dispose();
      }),
    ];
    return p;
  }

  private async onMessage(p: Panel, raw: unknown): Promise<void> {
    const m = parseGraphToHost(raw);
    if (!m) return;
    try {
      if (m.type === 'ready') {
        p.ready = true;
        p.sentGeneration = undefined;
        this.send(p);
        if (p.pendingReveal) this.post(p, { type: 'reveal', revision: p.pendingReveal });
        p.pendingReveal = undefined;
      } else if (m.type === 'open') {
        // Beside the graph, so the graph stays in view while migrations are read.
        const node = this.ctx.store.graph(p.projectId)?.nodes.find((n) => n.id === m.revision);
        if (node) await vscode.window.showTextDocument(vscode.Uri.parse(node.uri), { selection: toRange(node), viewColumn: vscode.ViewColumn.Beside });
      } else {
        await this.exportSvg(p.projectId);
      }
    } catch (e) {
      this.ctx.log.error(`[graph] ${m.type}: ${(e as Error).stack ?? String(e)}`);
    }
  }

  private post(p: Panel, m: HostToGraphMessage): void {
    void p.panel.webview.postMessage(m);
  }

  /** The state for the page; the nodes only when the page does not have this generation yet. */
  private send(p: Panel): void {
    if (!p.ready) return;
    const project = this.ctx.store.project(p.projectId);
    const graph = this.ctx.store.graph(p.projectId);
    if (!project || !graph) return;
    const view = this.ctx.views.view(p.projectId);
    const db = this.ctx.database.get(p.projectId);
    const states = view ? Object.fromEntries(view.states(db?.rows)) : {};
    const message: GraphUpdateMessage = {
      type: 'update',
      projectId: p.projectId,
      projectName: project.name,
      generation: graph.generation,
      states,
      problems: this.problems(graph.nodes),
      database: databaseLine(db?.status),
    };
    if (p.sentGeneration !== graph.generation) {
      const git = this.ctx.git.info(p.projectId);
      message.nodes = graph.nodes.map((n) => ({
        ...(git?.revisions[n.id]?.added?.author ? { author: git.revisions[n.id].added!.author } : {}),
        id: n.id,
        message: n.message,
        ...(n.createDate ? { createDate: n.createDate } : {}),
        parents: n.parents,
        dependencies: n.dependencies,
        labels: n.labels,
        flags: n.flags,
      }));
      p.sentGeneration = graph.generation;
    }
    this.post(p, message);
  }

  /** The worst diagnostic of each revision's file (the rule's own severity). */
  private problems(nodes: ReadonlyArray<{ id: string; uri: string }>): Record<string, 'error' | 'warning'> {
    const worst = new Map<string, 'error' | 'warning'>();
    for (const [uri, diags] of vscode.languages.getDiagnostics()) {
      let w: 'error' | 'warning' | undefined;
      for (const d of diags) {
        if (d.severity === vscode.DiagnosticSeverity.Error) w = 'error';
        else if (d.severity === vscode.DiagnosticSeverity.Warning && !w) w = 'warning';
      }
      if (w) worst.set(uri.toString(), w);
    }
    const out: Record<string, 'error' | 'warning'> = {};
    for (const n of nodes) {
      const w = worst.get(vscode.Uri.parse(n.uri).toString());
      if (w) out[n.id] = w;
    }
    return out;
  }

  /** *Export SVG*: the file `alembic-migrations graph --svg` writes, where the user says. */
  async exportSvg(projectId: string): Promise<vscode.Uri | undefined> {
    const project = this.ctx.store.project(projectId);
    const graph = this.ctx.store.graph(projectId);
    if (!project || !graph) return undefined;
    const target = await vscode.window.showSaveDialog({
      title: `Export the revision graph of ${project.name}`,
      defaultUri: vscode.Uri.joinPath(vscode.Uri.parse(project.rootUri), `${project.name.replace(/[^\w.-]+/g, '_') || 'alembic'}-revisions.svg`),
      filters: { SVG: ['svg'] },
    });
    if (!target) return undefined;
    const svg = renderGraphSvg([{ title: project.name, revisions: graph.nodes }]);
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(svg));
    vscode.window.setStatusBarMessage(`Saved ${vscode.workspace.asRelativePath(target)}`, 3000);
    return target;
  }

  private html(webview: vscode.Webview, projectId: string): string {
    return graphPageHtml({
      nonce: crypto.randomBytes(16).toString('base64'),
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'dist', 'graphView.js')).toString(),
      projectId,
    });
  }

  dispose(): void {
    if (this.problemTimer) clearTimeout(this.problemTimer);
    for (const p of [...this.panels.values()]) p.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

const perCtx = new WeakMap<Ctx, GraphPanels>();

/** The extension's graph panels (created on first use; activation creates them for the serializer). */
export function graphPanelsOf(ctx: Ctx): GraphPanels {
  let panels = perCtx.get(ctx);
  if (!panels) {
    panels = new GraphPanels(ctx);
    perCtx.set(ctx, panels);
    ctx.subscriptions.push(panels);
  }
  return panels;
}
