/**
 * Every `alembic.*` command: project resolution, revision pickers, the confirmation before
 * anything that reverts migrations, and the native Create Revision / Merge Heads. Alembic runs
 * go through AlembicRunner; nothing here spawns a process or opens a connection itself.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { NewRevisionRequest, type ProjectInfo, type RevisionNode } from '../../server/src/protocol';
import { pickerOrder, shortId, type RevisionState } from './model/graphModel';
import { confirmation } from './model/confirmation';
import { describeTarget } from './runner/alembicTarget';
import { isRevisionSpec, type AlembicAction } from './runner/alembicArgv';
import { parseDatabaseUrl } from './db/databaseUrl';
import type { GraphStore } from './graphStore';
import type { DatabaseMonitor } from './database';
import type { AlembicRunner } from './alembicRunner';
import type { RevisionTreeProvider, TreeNode, ViewCache } from './views';
import { toRange } from './views';

/** What tree rows, CodeLenses and the status bar pass to commands. */
type Target = TreeNode | { projectId: string; revision?: string } | undefined;

export const OFFLINE_SQL_SCHEME = 'alembic-sql';

/** Read-only documents holding rendered offline SQL. */
export class OfflineSqlDocuments implements vscode.TextDocumentContentProvider {
  private readonly docs = new Map<string, string>();
  private n = 0;
  add(title: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: OFFLINE_SQL_SCHEME, path: `/${++this.n}/${title.replace(/[\\/:*?"<>|]/g, '_')}.sql` });
    this.docs.set(uri.toString(), text);
    return uri;
  }
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? '-- This offline SQL is no longer available: run Show Offline SQL again.';
  }
}

const STATE_ICON: Record<RevisionState, string> = { current: '$(pass-filled)', applied: '$(check)', pending: '$(circle-large-outline)', unknown: '$(git-commit)' };

export class Commands {
  private selectedProjectId: string | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: LanguageClient,
    private readonly store: GraphStore,
    private readonly views: ViewCache,
    private readonly database: DatabaseMonitor,
    private readonly runner: AlembicRunner,
    private readonly tree: RevisionTreeProvider,
    private readonly treeView: vscode.TreeView<TreeNode>,
    private readonly sqlDocs: OfflineSqlDocuments,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.selectedProjectId = context.workspaceState.get<string>('alembic.selectedProject');
  }

  /** The project of the active editor, else the selected one, else the only one. */
  currentProject(): ProjectInfo | undefined {
    const projects = this.store.projects();
    const editor = vscode.window.activeTextEditor;
    const fromEditor = editor && this.store.projectOfUri(editor.document.uri);
    return fromEditor ?? projects.find((p) => p.id === this.selectedProjectId) ?? projects[0];
  }

  private async project(target: Target): Promise<ProjectInfo | undefined> {
    const id = target && ('projectId' in target ? target.projectId : target.kind === 'project' ? target.project.id : target.row.projectId);
    if (id) return this.store.project(id);
    const projects = this.store.projects();
    if (projects.length === 0) {
      void vscode.window.showWarningMessage('No Alembic project in this workspace: open a folder with an alembic.ini.');
      return undefined;
    }
    const editor = vscode.window.activeTextEditor;
    const fromEditor = editor && this.store.projectOfUri(editor.document.uri);
    if (fromEditor) return fromEditor;
    if (projects.length === 1) return projects[0];
    const selected = projects.find((p) => p.id === this.selectedProjectId);
    return selected ?? this.pickProject();
  }

  private revisionOf(target: Target): string | undefined {
    if (!target) return undefined;
    if ('projectId' in target) return target.revision;
    return target.kind === 'revision' ? target.row.revision : undefined;
  }

  async pickProject(): Promise<ProjectInfo | undefined> {
    const projects = this.store.projects();
    const pick = await vscode.window.showQuickPick(
      projects.map((p) => ({ label: p.name, description: `${p.revisionCount} revisions`, detail: vscode.Uri.parse(p.configUri).fsPath, project: p })),
      { title: 'Alembic: Select Project', placeHolder: 'Which Alembic project?' },
    );
    if (!pick) return undefined;
    this.selectedProjectId = pick.project.id;
    await this.context.workspaceState.update('alembic.selectedProject', pick.project.id);
    return pick.project;
  }

  /** A searchable revision picker (id prefix or message words), heads first, with state and date. */
  private async pickRevision(project: ProjectInfo, title: string, filter: (n: RevisionNode, s: RevisionState) => boolean, extra: Array<{ label: string; spec: string; description?: string }> = []): Promise<string | undefined> {
    const view = this.views.view(project.id);
    if (!view) {
      void vscode.window.showWarningMessage(`The revision graph of ${project.name} is not loaded yet.`);
      return undefined;
    }
    const states = view.states(this.database.get(project.id)?.rows);
    type Item = vscode.QuickPickItem & { spec: string };
    const items: Item[] = [
      ...extra.map((e) => ({ label: e.label, description: e.description, spec: e.spec, alwaysShow: true })),
      ...pickerOrder(view, states)
        .filter((x) => filter(x.node, x.state))
        .map((x) => ({
          label: `${STATE_ICON[x.state]} ${x.node.id}`,
          description: x.node.message,
          detail: [x.state !== 'unknown' ? x.state : '', x.isHead ? 'head' : '', x.node.labels.length ? `(${x.node.labels.join(', ')})` : '', x.node.createDate ?? ''].filter(Boolean).join(' · '),
          spec: x.node.id,
        })),
    ];
    if (items.length === 0) {
      void vscode.window.showInformationMessage(`${title}: no revision qualifies.`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(items, { title, placeHolder: 'Type an id prefix or words of the message', matchOnDescription: true, matchOnDetail: true });
    return pick?.spec;
  }

  /**
   * Asks before reverting anything. Names the database alembic will change (as env.py builds
   * it), lists what will be reverted as read from that database just now, and says first when
   * that is not the database the status bar shows. Returns true to go on.
   */
  private async confirm(project: ProjectInfo, verb: 'Downgrade' | 'Stamp', spec: string): Promise<boolean> {
    const probe = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Alembic: finding the database env.py connects to' },
      () => this.runner.alembicTarget(project),
    );
    const pg = 'durationMs' in probe ? this.runner.targetConnection(probe) : undefined;
    const targetRows = pg ? await this.database.readOnce(project, pg) : undefined;
    const db = this.database.get(project.id);
    const shown = db?.pg && db.target ? { label: `\`${db.target.database}\` on \`${db.target.host}\``, read: { host: db.pg.host, port: db.pg.port, database: db.pg.database, user: db.pg.user } } : undefined;
    const setting = vscode.workspace.getConfiguration('alembic', vscode.Uri.parse(project.rootUri)).get<string>('confirmDowngrade', 'always');
    const c = confirmation({
      verb, projectName: project.name, spec, target: probe.target, targetRows, shown, view: this.views.view(project.id),
      setting: setting === 'remoteOnly' ? 'remoteOnly' : 'always',
    });
    if (probe.target.kind === 'ok') this.database.setAlembicTarget(project.id, { label: describeTarget(probe.target), differs: c.kind === 'ask' && c.differs });
    if (c.kind === 'skip') return true;
    if (c.kind === 'refuse') {
      void vscode.window.showWarningMessage(`Alembic: ${c.message}`);
      return false;
    }
    this.log.info(`[confirm] ${project.name}: ${c.message.replace(/\n/g, ' ')}`);
    return (await vscode.window.showWarningMessage(c.message, { modal: true, detail: c.detail }, c.button)) === c.button;
  }

  private async runAction(target: Target, action: (p: ProjectInfo) => Promise<AlembicAction | undefined> | AlembicAction | undefined, title: (a: AlembicAction) => string): Promise<void> {
    const project = await this.project(target);
    if (!project) return;
    const a = await action(project);
    if (!a) return;
    await this.runner.run(project, a, { title: title(a) });
  }

  private async upgrade(target: Target, spec: string | ((p: ProjectInfo) => Promise<string | undefined>)): Promise<void> {
    await this.runAction(target, async (p) => {
      const s = typeof spec === 'string' ? spec : await spec(p);
      return s ? { kind: 'upgrade', target: s } : undefined;
    }, (a) => `Upgrading to ${'target' in a ? a.target : ''}`);
  }

  private async downgrade(target: Target, spec: string | ((p: ProjectInfo) => Promise<string | undefined>)): Promise<void> {
    await this.runAction(target, async (p) => {
      const s = typeof spec === 'string' ? spec : await spec(p);
      if (!s || !(await this.confirm(p, 'Downgrade', s))) return undefined;
      return { kind: 'downgrade', target: s };
    }, (a) => `Downgrading to ${'target' in a ? a.target : ''}`);
  }

  private async stamp(target: Target, spec: string | ((p: ProjectInfo) => Promise<string | undefined>)): Promise<void> {
    await this.runAction(target, async (p) => {
      const s = typeof spec === 'string' ? spec : await spec(p);
      if (!s || !(await this.confirm(p, 'Stamp', s))) return undefined;
      return { kind: 'stamp', targets: [s] };
    }, (a) => `Stamping ${'targets' in a ? a.targets.join(', ') : ''}`);
  }

  private async headTarget(p: ProjectInfo): Promise<string | undefined> {
    const view = this.views.view(p.id);
    if (!view || view.graph.heads.length <= 1) return 'head';
    return this.pickRevision(p, `${p.name} has ${view.graph.heads.length} heads: upgrade to which?`, (n) => view.graph.heads.includes(n.id), [{ label: '$(git-merge) heads', description: 'every branch', spec: 'heads' }]);
  }

  private async showOfflineSql(project: ProjectInfo, from: string | undefined, to: string, title: string): Promise<void> {
    const outcome = await this.runner.run(project, { kind: 'upgrade', target: to, sql: true, ...(from ? { from } : {}) }, { title: `Rendering SQL for ${from ? `${from}:` : ''}${to}`, refreshDatabase: false });
    if (outcome.kind !== 'ok') return;
    const header = `-- ${title}\n-- alembic upgrade ${from ? `${from}:` : ''}${to} --sql (offline mode: nothing ran in the database)\n\n`;
    const uri = this.sqlDocs.add(title, header + outcome.result.stdout);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'sql');
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  private async createFile(project: ProjectInfo, message: string, parents: string[], branchLabel?: string): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Alembic: new revisions are written from the project’s own templates, so only in a trusted workspace.', 'Manage Workspace Trust').then((c) => c && vscode.commands.executeCommand('workbench.trust.manage'));
      return;
    }
    const r = await this.client.sendRequest(NewRevisionRequest, { projectId: project.id, message, parents, ...(branchLabel ? { branchLabel } : {}) });
    if (r.kind === 'error') {
      void vscode.window.showErrorMessage(`Alembic: cannot create the revision — ${r.message}`);
      return;
    }
    const uri = vscode.Uri.parse(r.uri);
    const edit = new vscode.WorkspaceEdit();
    edit.createFile(uri, { ignoreIfExists: false, overwrite: false, contents: new TextEncoder().encode(r.text) });
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage(`Alembic: could not create ${uri.fsPath} (does it exist already?).`);
      return;
    }
    this.log.info(`[create] ${project.name}: ${r.revision} → ${uri.fsPath}`);
    const doc = await vscode.workspace.openTextDocument(uri);
    await doc.save();
    const editor = await vscode.window.showTextDocument(doc);
    const up = doc.getText().indexOf('def upgrade');
    if (up >= 0) {
      const pos = doc.positionAt(up);
      editor.selection = new vscode.Selection(pos.line + 1, 4, pos.line + 1, doc.lineAt(Math.min(pos.line + 1, doc.lineCount - 1)).text.length);
    }
  }

  private async reveal(projectId: string, revision: string): Promise<void> {
    const node = this.tree.nodeOf(projectId, revision);
    if (node) await this.treeView.reveal(node, { select: true, focus: false, expand: false });
  }

  register(): vscode.Disposable[] {
    const reg = (id: string, fn: (arg?: Target) => unknown): vscode.Disposable =>
      vscode.commands.registerCommand(id, async (arg?: Target) => {
        try {
          await fn(arg);
        } catch (e) {
          this.log.error(`[command] ${id}: ${(e as Error).stack ?? e}`);
          void vscode.window.showErrorMessage(`Alembic: ${id} failed — ${(e as Error).message}`, 'Show Output').then((c) => c && this.log.show(true));
        }
      });
    const applied = (_n: RevisionNode, s: RevisionState): boolean => s === 'applied' || s === 'current' || s === 'unknown';
    return [
      reg('alembic.upgradeHead', (t) => this.upgrade(t, (p) => this.headTarget(p))),
      reg('alembic.upgradeHeads', (t) => this.upgrade(t, 'heads')),
      reg('alembic.upgradeOne', (t) => this.upgrade(t, '+1')),
      reg('alembic.upgradeTo', (t) => this.upgrade(t, (p) => this.pickRevision(p, 'Upgrade to revision', (_n, s) => s !== 'applied' && s !== 'current'))),
      reg('alembic.downgradeOne', (t) => this.downgrade(t, '-1')),
      reg('alembic.downgradeBase', (t) => this.downgrade(t, 'base')),
      reg('alembic.downgradeTo', (t) => this.downgrade(t, (p) => this.pickRevision(p, 'Downgrade to revision (it stays applied)', applied, [{ label: '$(debug-step-back) base', description: 'revert everything', spec: 'base' }]))),
      reg('alembic.stamp', (t) => this.stamp(t, (p) => this.pickRevision(p, 'Stamp the version table (no migration runs)', () => true, [{ label: '$(debug-step-back) base', description: 'empty the version table', spec: 'base' }, { label: '$(arrow-up) heads', description: 'every head', spec: 'heads' }]))),
      reg('alembic.showCurrent', async (t) => { const p = await this.project(t); if (p) await this.runner.run(p, { kind: 'current', verbose: true }, { title: 'alembic current', revealOutput: true, refreshDatabase: false }); }),
      reg('alembic.showHistory', async (t) => { const p = await this.project(t); if (p) await this.runner.run(p, { kind: 'history', verbose: false }, { title: 'alembic history', revealOutput: true, refreshDatabase: false }); }),
      reg('alembic.showHeads', async (t) => { const p = await this.project(t); if (p) await this.runner.run(p, { kind: 'heads', verbose: false }, { title: 'alembic heads', revealOutput: true, refreshDatabase: false }); }),
      reg('alembic.mergeHeads', async (t) => {
        const p = await this.project(t);
        const view = p && this.views.view(p.id);
        if (!p || !view) return;
        const heads = view.nodes.filter((n) => n.flags.includes('head')).map((n) => n.id);
        if (heads.length < 2) {
          void vscode.window.showInformationMessage(`${p.name} has one head: nothing to merge.`);
          return;
        }
        const message = await vscode.window.showInputBox({ title: `Merge ${heads.length} heads`, value: `merge ${heads.map(shortId).join(', ')}`, prompt: 'Message of the merge revision' });
        if (message) await this.createFile(p, message, heads);
      }),
      reg('alembic.createRevision', async (t) => {
        const p = await this.project(t);
        const view = p && this.views.view(p.id);
        if (!p || !view) return;
        let parents: string[] = [...view.graph.heads].slice(0, 1);
        if (view.graph.heads.length > 1) {
          const spec = await this.pickRevision(p, 'The new revision follows which head?', (n) => view.graph.heads.includes(n.id));
          if (!spec) return;
          parents = [spec];
        }
        const message = await vscode.window.showInputBox({ title: `New revision after ${parents.map(shortId).join(', ') || 'base'}`, prompt: 'Message (alembic revision -m)', placeHolder: 'add orders table', validateInput: (v) => (v.trim() ? undefined : 'A revision needs a message') });
        if (message) await this.createFile(p, message.trim(), parents);
      }),
      reg('alembic.createRevisionAutogenerate', async (t) => {
        const p = await this.project(t);
        if (!p) return;
        const message = await vscode.window.showInputBox({ title: 'New revision with autogenerate (compares models with the database)', prompt: 'Message (alembic revision --autogenerate -m)', validateInput: (v) => (v.trim() ? undefined : 'A revision needs a message') });
        if (!message) return;
        const outcome = await this.runner.run(p, { kind: 'revision', message: message.trim(), autogenerate: true }, { title: 'Autogenerating a revision', refreshDatabase: false });
        if (outcome.kind !== 'ok') return;
        const file = /Generating (.+?\.py)(?: \.\.\.)?\s+done/.exec(outcome.result.stdout + outcome.result.stderr)?.[1];
        if (file) await vscode.window.showTextDocument(vscode.Uri.file(file));
      }),
      reg('alembic.showOfflineSql', async (t) => {
        const p = await this.project(t);
        if (!p) return;
        const rows = this.database.get(p.id)?.rows;
        const fromDefault = rows && rows.length === 1 ? rows[0] : 'base';
        const from = await this.pickRevision(p, 'Offline SQL: from which revision? (exclusive)', () => true, [{ label: `$(debug-start) ${fromDefault}`, description: rows ? 'the database now' : 'the beginning', spec: fromDefault }]);
        if (!from) return;
        const to = await this.pickRevision(p, `Offline SQL from ${shortId(from)} to which revision?`, (n) => n.id !== from, [{ label: '$(arrow-up) heads', description: 'every head', spec: 'heads' }]);
        if (!to) return;
        await this.showOfflineSql(p, from, to, `${shortId(from)}→${shortId(to)}`);
      }),
      reg('alembic.refresh', async () => {
        await this.store.refreshAll();
        await this.database.refreshAll('refresh command');
      }),
      reg('alembic.showOutput', () => this.log.show(false)),
      reg('alembic.selectProject', () => this.pickProject()),
      reg('alembic.configureDatabase', async (t) => {
        const p = await this.project(t);
        if (!p) return;
        const current = vscode.workspace.getConfiguration('alembic', vscode.Uri.parse(p.rootUri)).get<string>('databaseUrl', '');
        const url = await vscode.window.showInputBox({
          title: `Database for ${p.name}`,
          prompt: 'A PostgreSQL URL (postgresql+psycopg2://user@host:5432/db). A password in it is moved to secret storage; ${env:VAR} works too.',
          value: current,
          ignoreFocusOut: true,
          validateInput: (v) => {
            if (!v.trim() || /\$\{env:/.test(v)) return undefined;
            const r = parseDatabaseUrl(v);
            return r.kind === 'error' ? r.message : undefined;
          },
        });
        if (url === undefined) return;
        const stored = await this.database.storePasswordOf(url.trim());
        const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(p.rootUri));
        await vscode.workspace.getConfiguration('alembic', vscode.Uri.parse(p.rootUri)).update('databaseUrl', stored, folder ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Global);
        const db = await this.database.refresh(p, 'configured');
        if (db.status.kind === 'auth-failed' && db.pg) await this.database.askPassword(p, db.pg);
      }),
      reg('alembic.revealCurrent', async (t) => {
        const p = await this.project(t);
        const rows = p && this.database.get(p.id)?.rows;
        if (!p || !rows?.length) {
          void vscode.window.showInformationMessage('No current revision: the database state is unknown or at base.');
          return;
        }
        for (const r of rows) await this.reveal(p.id, r);
      }),
      reg('alembic.revealInTree', async (t) => {
        const p = await this.project(t);
        const rev = this.revisionOf(t);
        if (p && rev) await this.reveal(p.id, rev);
      }),
      reg('alembic.statusActions', async (t) => {
        const p = await this.project(t);
        if (!p) return;
        const items: Array<vscode.QuickPickItem & { command?: string }> = [
          { label: '$(arrow-up) Upgrade to Head', command: 'alembic.upgradeHead' },
          { label: '$(arrow-small-up) Upgrade One (+1)', command: 'alembic.upgradeOne' },
          { label: '$(arrow-small-down) Downgrade One (-1)', command: 'alembic.downgradeOne' },
          { label: '$(list-selection) Upgrade to Revision…', command: 'alembic.upgradeTo' },
          { label: '$(list-selection) Downgrade to Revision…', command: 'alembic.downgradeTo' },
          { label: '$(code) Show Offline SQL…', command: 'alembic.showOfflineSql' },
          { label: '$(new-file) Create Revision', command: 'alembic.createRevision' },
          { label: '$(refresh) Refresh', command: 'alembic.refresh' },
          { label: '$(plug) Configure Database Connection…', command: 'alembic.configureDatabase' },
          { label: '$(output) Show Output', command: 'alembic.showOutput' },
          ...(this.store.projects().length > 1 ? [{ label: '$(folder) Select Project…', command: 'alembic.selectProject' }] : []),
        ];
        const pick = await vscode.window.showQuickPick(items, { title: `Alembic — ${p.name}` });
        if (pick?.command) await vscode.commands.executeCommand(pick.command, { projectId: p.id });
      }),
      reg('alembic.tree.upgradeHere', (t) => { const r = this.revisionOf(t); return r && this.upgrade(t, r); }),
      reg('alembic.tree.downgradeHere', (t) => { const r = this.revisionOf(t); return r && this.downgrade(t, r); }),
      reg('alembic.downgradeBefore', async (t) => {
        const p = await this.project(t);
        const rev = this.revisionOf(t);
        const node = p && rev ? this.views.view(p.id)?.byId.get(rev) : undefined;
        if (!p || !node) return;
        let to = node.parents[0] ?? 'base';
        if (node.parents.length > 1) {
          const pick = await this.pickRevision(p, `${shortId(node.id)} is a merge: downgrade to which parent? (the other branch is reverted too)`, (n) => node.parents.includes(n.id));
          if (!pick) return;
          to = pick;
        }
        await this.downgrade({ projectId: p.id }, to);
      }),
      reg('alembic.tree.stampHere', (t) => { const r = this.revisionOf(t); return r && this.stamp(t, r); }),
      reg('alembic.tree.showSql', async (t) => {
        const p = await this.project(t);
        const rev = this.revisionOf(t);
        const node = p && rev ? this.views.view(p.id)?.byId.get(rev) : undefined;
        if (!p || !node || !isRevisionSpec(node.id)) return;
        await this.showOfflineSql(p, node.parents[0], node.id, `${shortId(node.id)} ${node.message}`.slice(0, 60));
      }),
      reg('alembic.tree.copyId', async (t) => {
        const r = this.revisionOf(t);
        if (r) {
          await vscode.env.clipboard.writeText(r);
          vscode.window.setStatusBarMessage(`Copied ${r}`, 2000);
        }
      }),
      reg('alembic.openRevision', async (t) => {
        const p = await this.project(t);
        const rev = this.revisionOf(t);
        const node = p && rev ? this.views.view(p.id)?.byId.get(rev) : undefined;
        if (node) await vscode.window.showTextDocument(vscode.Uri.parse(node.uri), { selection: toRange(node) });
      }),
    ];
  }
}
