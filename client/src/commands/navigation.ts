/**
 * Commands that read and navigate: refresh, projects, the database connection, revealing and
 * opening revisions, copying ids, and the status bar's action list. Nothing here runs alembic.
 */
import * as vscode from 'vscode';
import { parseDatabaseUrl } from '../../../server/src/shared/db/databaseUrl';
import { toRange } from '../views';
import type { Ctx } from '../ctx';
import { nodeOf, revisionOf } from './pickers';
import type { CommandTable } from './index';

async function reveal(ctx: Ctx, projectId: string, revision: string): Promise<void> {
  const node = ctx.tree.nodeOf(projectId, revision);
  if (node) await ctx.treeView.reveal(node, { select: true, focus: false, expand: false });
}

export const navigationCommands: CommandTable = {
  'alembic.refresh': (ctx) => async () => {
    await ctx.store.refreshAll();
    await ctx.database.refreshAll('refresh command');
  },
  'alembic.showOutput': (ctx) => () => ctx.log.show(false),
  'alembic.selectProject': (ctx) => () => ctx.pickProject(),
  'alembic.configureDatabase': (ctx) => async (t) => {
    const p = await ctx.resolveProject(t);
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
    const stored = await ctx.database.storePasswordOf(url.trim());
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(p.rootUri));
    await vscode.workspace
      .getConfiguration('alembic', vscode.Uri.parse(p.rootUri))
      .update('databaseUrl', stored, folder ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Global);
    const db = await ctx.database.refresh(p, 'configured');
    if (db.status.kind === 'auth-failed' && db.pg) await ctx.database.askPassword(p, db.pg);
  },
  'alembic.revealCurrent': (ctx) => async (t) => {
    const p = await ctx.resolveProject(t);
    const rows = p && ctx.database.get(p.id)?.rows;
    if (!p || !rows?.length) {
      void vscode.window.showInformationMessage('No current revision: the database state is unknown or at base.');
      return;
    }
    for (const r of rows) await reveal(ctx, p.id, r);
  },
  'alembic.revealInTree': (ctx) => async (t) => {
    const p = await ctx.resolveProject(t);
    const rev = revisionOf(t);
    if (p && rev) await reveal(ctx, p.id, rev);
  },
  'alembic.statusActions': (ctx) => async (t) => {
    const p = await ctx.resolveProject(t);
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
      ...(ctx.store.projects().length > 1 ? [{ label: '$(folder) Select Project…', command: 'alembic.selectProject' }] : []),
    ];
    const pick = await vscode.window.showQuickPick(items, { title: `Alembic — ${p.name}` });
    if (pick?.command) await vscode.commands.executeCommand(pick.command, { projectId: p.id });
  },
  'alembic.tree.copyId': () => async (t) => {
    const r = revisionOf(t);
    if (r) {
      await vscode.env.clipboard.writeText(r);
      vscode.window.setStatusBarMessage(`Copied ${r}`, 2000);
    }
  },
  'alembic.openRevision': (ctx) => async (t) => {
    const node = nodeOf(ctx, await ctx.resolveProject(t), t);
    if (node) await vscode.window.showTextDocument(vscode.Uri.parse(node.uri), { selection: toRange(node) });
  },
};
