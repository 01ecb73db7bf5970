/** Offline SQL (`alembic upgrade a:b --sql`) shown in read-only documents. */
import * as vscode from 'vscode';
import type { ProjectInfo } from '../../../server/src/shared/protocol';
import { isRevisionSpec } from '../../../server/src/shared/alembicCli/alembicArgv';
import { shortId } from '../model/graphModel';
import type { Ctx } from '../ctx';
import { nodeOf, pickRevision } from './pickers';
import type { CommandTable } from './index';

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

async function showOfflineSql(ctx: Ctx, project: ProjectInfo, from: string | undefined, to: string, title: string): Promise<void> {
  const outcome = await ctx.runner.run(
    project,
    { kind: 'upgrade', target: to, sql: true, ...(from ? { from } : {}) },
    { title: `Rendering SQL for ${from ? `${from}:` : ''}${to}`, refreshDatabase: false },
  );
  if (outcome.kind !== 'ok') return;
  const header = `-- ${title}\n-- alembic upgrade ${from ? `${from}:` : ''}${to} --sql (offline mode: nothing ran in the database)\n\n`;
  const uri = ctx.sqlDocs.add(title, header + outcome.result.stdout);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(doc, 'sql');
  await vscode.window.showTextDocument(doc, { preview: true });
}

export const sqlCommands: CommandTable = {
  'alembic.showOfflineSql': (ctx) => async (t) => {
    const p = await ctx.resolveProject(t);
    if (!p) return;
    const rows = ctx.database.get(p.id)?.rows;
    const fromDefault = rows && rows.length === 1 ? rows[0] : 'base';
    const from = await pickRevision(ctx, p, 'Offline SQL: from which revision? (exclusive)', () => true, [
      { label: `$(debug-start) ${fromDefault}`, description: rows ? 'the database now' : 'the beginning', spec: fromDefault },
    ]);
    if (!from) return;
    const to = await pickRevision(ctx, p, `Offline SQL from ${shortId(from)} to which revision?`, (n) => n.id !== from, [
      { label: '$(arrow-up) heads', description: 'every head', spec: 'heads' },
    ]);
    if (!to) return;
    await showOfflineSql(ctx, p, from, to, `${shortId(from)}→${shortId(to)}`);
  },
  'alembic.tree.showSql': (ctx) => async (t) => {
    const p = await ctx.resolveProject(t);
    const node = nodeOf(ctx, p, t);
    if (!p || !node || !isRevisionSpec(node.id)) return;
    await showOfflineSql(ctx, p, node.parents[0], node.id, `${shortId(node.id)} ${node.message}`.slice(0, 60));
  },
};
