/**
 * The three views over the graph store and the database monitor: the revision tree, the
 * CodeLenses above each `revision =` line, and the status bar item. Each reads snapshots and
 * re-renders on change; the row/lens/status content comes from the pure models.
 */
import * as vscode from 'vscode';
import type { LocateRevisionResult, ProjectInfo, RevisionNode } from '../../server/src/shared/protocol';
import { GraphView, parentRows, topRows, type RevisionState, type TreeRow } from './model/graphModel';
import { statusView, type GraphInfo } from './model/statusModel';
import type { GraphStore } from './graphStore';
import type { DatabaseMonitor } from './databaseMonitor';
import type { AlembicRunner } from './alembicRunner';
import type { GitStore } from './gitStore';

/** Graph views cached per project generation (ancestor walks are reused across views). */
export class ViewCache {
  private readonly cache = new Map<string, GraphView>();
  constructor(private readonly store: GraphStore) {}

  view(projectId: string): GraphView | undefined {
    const g = this.store.graph(projectId);
    if (!g) return undefined;
    const have = this.cache.get(projectId);
    if (have && have.graph === g) return have;
    const v = new GraphView(g);
    this.cache.set(projectId, v);
    return v;
  }
}

export type TreeNode = { kind: 'project'; project: ProjectInfo } | { kind: 'revision'; row: TreeRow; parent?: TreeNode };

const ICONS: Record<TreeRow['icon'], vscode.ThemeIcon> = {
  current: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  applied: new vscode.ThemeIcon('check', new vscode.ThemeColor('testing.iconPassed')),
  pending: new vscode.ThemeIcon('circle-large-outline', new vscode.ThemeColor('testing.iconQueued')),
  unknown: new vscode.ThemeIcon('git-commit'),
  broken: new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')),
  duplicate: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
  'from-branch': new vscode.ThemeIcon('git-branch', new vscode.ThemeColor('disabledForeground')),
};

export class RevisionTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  /** Top-level revision rows per project, for reveal(). */
  private readonly rowsByProject = new Map<string, TreeNode[]>();

  /** The tree's filter: only revisions added on this branch (git). */
  private onlyThisBranch = false;

  constructor(
    private readonly store: GraphStore,
    private readonly views: ViewCache,
    private readonly database: DatabaseMonitor,
    private readonly git?: GitStore,
  ) {
    this.disposables.push(
      store.onDidChange(() => this.emitter.fire(undefined)),
      database.onDidChange(() => this.emitter.fire(undefined)),
      ...(git ? [git.onDidChange(() => this.emitter.fire(undefined))] : []),
    );
  }

  /** Shows only the revisions added on this branch, or every revision again. */
  setOnlyThisBranch(on: boolean): void {
    this.onlyThisBranch = on;
    void vscode.commands.executeCommand('setContext', 'alembic.tree.onlyThisBranch', on);
    this.emitter.fire(undefined);
  }

  states(projectId: string): Map<string, RevisionState> {
    return this.views.view(projectId)?.states(this.database.get(projectId)?.rows) ?? new Map<string, RevisionState>();
  }

  getChildren(element?: TreeNode): TreeNode[] {
    if (!element) {
      const projects = this.store.projects();
      if (projects.length === 1) return this.projectRows(projects[0]);
      return projects.map((project) => ({ kind: 'project', project }));
    }
    if (element.kind === 'project') return this.projectRows(element.project);
    const view = this.views.view(element.row.projectId);
    if (!view) return [];
    return parentRows(view, this.states(element.row.projectId), element.row).map((row) => ({ kind: 'revision', row, parent: element }));
  }

  private projectRows(project: ProjectInfo): TreeNode[] {
    const view = this.views.view(project.id);
    if (!view) return [];
    const parent: TreeNode | undefined = this.store.projects().length > 1 ? { kind: 'project', project } : undefined;
    const git = this.git?.info(project.id);
    const rows = topRows(view, this.states(project.id), project.id, {
      ...(git && !git.unavailable ? { git } : {}),
      onlyThisBranch: this.onlyThisBranch,
      ...(this.git ? { fromBranches: this.git.fromBranches(project.id) } : {}),
    }).map((row): TreeNode => ({ kind: 'revision', row, ...(parent ? { parent } : {}) }));
    this.rowsByProject.set(project.id, rows);
    return rows;
  }

  getParent(element: TreeNode): TreeNode | undefined {
    return element.kind === 'revision' ? element.parent : undefined;
  }

  getTreeItem(element: TreeNode): vscode.TreeItem {
    if (element.kind === 'project') {
      const item = new vscode.TreeItem(element.project.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `project:${element.project.id}`;
      const db = this.database.get(element.project.id);
      item.description = `${element.project.revisionCount} revisions${db?.target ? ` · ${db.target.database}` : ''}`;
      item.iconPath = new vscode.ThemeIcon('database');
      item.contextValue = 'project';
      item.tooltip = vscode.Uri.parse(element.project.configUri).fsPath;
      return item;
    }
    const r = element.row;
    const item = new vscode.TreeItem(r.label, r.collapsible ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = r.key;
    item.description = r.description;
    item.tooltip = new vscode.MarkdownString(r.tooltip);
    item.iconPath = ICONS[r.icon];
    item.contextValue = r.contextValue;
    const node = this.views.view(r.projectId)?.byId.get(r.revision);
    if (r.icon === 'from-branch' && r.contextValue === 'fromBranch') {
      item.command = { command: 'alembic.branch.showMigration', title: 'Show the Migration', arguments: [element] };
    } else if (node) {
      item.command = {
        command: 'vscode.open',
        title: 'Open Migration',
        arguments: [vscode.Uri.parse(node.uri), { selection: toRange(node), preview: true } satisfies vscode.TextDocumentShowOptions],
      };
    }
    return item;
  }

  /** The top-level node of a revision (for reveal). */
  nodeOf(projectId: string, revision: string): TreeNode | undefined {
    if (!this.rowsByProject.has(projectId)) {
      const project = this.store.project(projectId);
      if (project) this.projectRows(project);
    }
    return this.rowsByProject.get(projectId)?.find((n) => n.kind === 'revision' && n.row.revision === revision);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** Where git has the database's revisions that this checkout lacks (status bar tooltip). */
function fromBranchTooltip(located: ReadonlyMap<string, LocateRevisionResult> | undefined): string {
  if (!located?.size) return '';
  const lines = [...located].map(([rev, r]) =>
    r.kind === 'found' && r.chain
      ? `- \`${rev}\` is on branch \`${r.chain.ref}\` (${r.locations[0]?.path ?? ''}); ${r.chain.migrations.length} migration(s) missing here. Click for actions.`
      : `- \`${rev}\`: ${r.message ?? 'git has it nowhere'}`,
  );
  return `\n\n**Not in this checkout:**\n${lines.join('\n')}`;
}

export function toRange(node: RevisionNode): vscode.Range {
  return new vscode.Range(node.range.start.line, node.range.start.character, node.range.end.line, node.range.end.character);
}

const LENS_STATE: Record<RevisionState, string> = { current: '● current', applied: '✓ applied', pending: '○ pending', unknown: '' };

export class RevisionCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [this.emitter];

  constructor(
    private readonly store: GraphStore,
    private readonly views: ViewCache,
    private readonly database: DatabaseMonitor,
  ) {
    this.disposables.push(
      store.onDidChange(() => this.emitter.fire()),
      database.onDidChange(() => this.emitter.fire()),
    );
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const project = this.store.projectOfUri(document.uri);
    if (!project) return [];
    const view = this.views.view(project.id);
    if (!view) return [];
    const uri = document.uri.toString();
    const lenses: vscode.CodeLens[] = [];
    const rows = this.database.get(project.id)?.rows;
    const states = rows ? view.states(rows) : undefined;
    for (const node of view.nodes) {
      if (node.uri !== uri) continue;
      const range = new vscode.Range(node.range.start.line, 0, node.range.start.line, 0);
      const state = states?.get(node.id) ?? 'unknown';
      const target = { projectId: project.id, revision: node.id };
      if (state !== 'unknown')
        lenses.push(
          new vscode.CodeLens(range, {
            title: LENS_STATE[state],
            command: 'alembic.revealInTree',
            arguments: [target],
            tooltip: `${node.id} is ${state} in ${this.database.get(project.id)?.target?.database ?? 'the database'}`,
          }),
        );
      if (state !== 'applied' && state !== 'current') {
        lenses.push(
          new vscode.CodeLens(range, {
            title: 'Upgrade to here',
            command: 'alembic.tree.upgradeHere',
            arguments: [target],
            tooltip: `alembic upgrade ${node.id}`,
          }),
        );
      }
      if (state !== 'pending') {
        const parents = node.parents.length === 1 ? node.parents[0] : node.parents.length === 0 ? 'base' : `${node.id}-1`;
        lenses.push(
          new vscode.CodeLens(range, {
            title: 'Downgrade to before this',
            command: 'alembic.downgradeBefore',
            arguments: [target],
            tooltip: `alembic downgrade ${parents}`,
          }),
        );
      }
      lenses.push(
        new vscode.CodeLens(range, {
          title: 'Show SQL',
          command: 'alembic.tree.showSql',
          arguments: [target],
          tooltip: `alembic upgrade ${node.parents[0] ?? 'base'}:${node.id} --sql`,
        }),
        ...(vscode.workspace.isTrusted && view.graph.heads.includes(node.id)
          ? [
              new vscode.CodeLens(range, {
                title: 'Verify',
                command: 'alembic.tree.verifyFromHere',
                arguments: [target],
                tooltip: `round-trip ${node.id} (upgrade, downgrade, upgrade) on a throwaway database`,
              }),
            ]
          : []),
        new vscode.CodeLens(range, {
          title: 'Show in graph',
          command: 'alembic.showGraph',
          arguments: [target],
          tooltip: `${node.id} in the revision graph of ${project.name}`,
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** One status item: the active editor's project, else the selected one, else the only one. */
export class StatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('alembic.status', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [this.item];
  private spinning = false;

  constructor(
    private readonly store: GraphStore,
    private readonly views: ViewCache,
    private readonly database: DatabaseMonitor,
    private readonly runner: AlembicRunner,
    private readonly currentProject: () => ProjectInfo | undefined,
    private readonly git?: GitStore,
  ) {
    this.item.name = 'Alembic Database';
    this.disposables.push(
      ...(git ? [git.onDidChange(() => this.render())] : []),
      store.onDidChange(() => this.render()),
      database.onDidChange(() => this.render()),
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
      runner.onDidChangeRunning((e) => {
        this.spinning = e.running;
        this.render();
      }),
    );
    this.render();
  }

  render(): void {
    const project = this.currentProject();
    if (!project) {
      this.item.hide();
      return;
    }
    const view = this.views.view(project.id);
    const db = this.database.get(project.id);
    const graph: GraphInfo | undefined = view;
    const v = statusView(db?.status ?? { kind: 'loading' }, graph);
    const prefix = this.store.projects().length > 1 ? `${project.name}: ` : '';
    const elsewhere = db?.alembicTarget?.differs ? db.alembicTarget.label : undefined;
    const text = elsewhere ? v.text.replace(/^\$\([^)]*\)/, '$(warning)') : v.text;
    this.item.text = this.spinning ? `$(sync~spin) ${prefix}${text.replace(/^\$\([^)]*\)\s*/, '')}` : text.replace(/^(\$\([^)]*\)\s*)/, `$1${prefix}`);
    const runsWith = this.runner.interpreterOf(project.id);
    const tooltip = new vscode.MarkdownString(
      `${elsewhere ? `**alembic changes ${elsewhere}** (as env.py builds it), not the database shown here.\n\n` : ''}${v.tooltip}${db?.target ? `\n\n${db.target.database} on ${db.target.host} — from ${db.target.source}` : ''}${db?.target?.notes.length ? `\n\n${db.target.notes.map((n) => `- ${n}`).join('\n')}` : ''}` +
        (runsWith ? `\n\nRuns alembic with ${runsWith}.` : '') +
        fromBranchTooltip(this.git?.fromBranches(project.id)),
    );
    this.item.tooltip = tooltip;
    this.item.command = { command: v.command, title: 'Alembic', arguments: [{ projectId: project.id }] };
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
