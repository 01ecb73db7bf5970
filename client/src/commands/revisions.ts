/**
 * Commands that create revisions: Create Revision and Merge Heads write the file natively (the
 * server renders it from the project's script.py.mako; trusted workspaces only), Create Revision
 * with Autogenerate runs alembic.
 */
import * as vscode from 'vscode';
import { NewRevisionRequest, type ProjectInfo } from '../../../server/src/shared/protocol';
import { shortId } from '../model/graphModel';
import type { Ctx } from '../ctx';
import { pickRevision } from './pickers';
import type { CommandTable } from './index';

async function createFile(ctx: Ctx, project: ProjectInfo, message: string, parents: string[], branchLabel?: string): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window
      .showWarningMessage('Alembic: new revisions are written from the project’s own templates, so only in a trusted workspace.', 'Manage Workspace Trust')
      .then((c) => c && vscode.commands.executeCommand('workbench.trust.manage'));
    return;
  }
  const r = await ctx.client.sendRequest(NewRevisionRequest, { projectId: project.id, message, parents, ...(branchLabel ? { branchLabel } : {}) });
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
  ctx.log.info(`[create] ${project.name}: ${r.revision} → ${uri.fsPath}`);
  const doc = await vscode.workspace.openTextDocument(uri);
  await doc.save();
  const editor = await vscode.window.showTextDocument(doc);
  const up = doc.getText().indexOf('def upgrade');
  if (up >= 0) {
    const pos = doc.positionAt(up);
    editor.selection = new vscode.Selection(pos.line + 1, 4, pos.line + 1, doc.lineAt(Math.min(pos.line + 1, doc.lineCount - 1)).text.length);
  }
}

export const revisionCommands: CommandTable = {
  'alembic.mergeHeads': (ctx) => async (t) => {
    const p = await ctx.resolveProject(t);
    const view = p && ctx.views.view(p.id);
    if (!p || !view) return;
    const heads = view.nodes.filter((n) => n.flags.includes('head')).map((n) => n.id);
    if (heads.length < 2) {
      void vscode.window.showInformationMessage(`${p.name} has one head: nothing to merge.`);
      return;
    }
    const message = await vscode.window.showInputBox({
      title: `Merge ${heads.length} heads`,
      value: `merge ${heads.map(shortId).join(', ')}`,
      prompt: 'Message of the merge revision',
    });
    if (message) await createFile(ctx, p, message, heads);
  },
  'alembic.createRevision': (ctx) => async (t) => {
    const p = await ctx.resolveProject(t);
    const view = p && ctx.views.view(p.id);
    if (!p || !view) return;
    let parents: string[] = [...view.graph.heads].slice(0, 1);
    if (view.graph.heads.length > 1) {
      const spec = await pickRevision(ctx, p, 'The new revision follows which head?', (n) => view.graph.heads.includes(n.id));
      if (!spec) return;
      parents = [spec];
    }
    const message = await vscode.window.showInputBox({
      title: `New revision after ${parents.map(shortId).join(', ') || 'base'}`,
      prompt: 'Message (alembic revision -m)',
      placeHolder: 'add orders table',
      validateInput: (v) => (v.trim() ? undefined : 'A revision needs a message'),
    });
    if (message) await createFile(ctx, p, message.trim(), parents);
  },
  'alembic.createRevisionAutogenerate': (ctx) => async (t) => {
    const p = await ctx.resolveProject(t);
    if (!p) return;
    const message = await vscode.window.showInputBox({
      title: 'New revision with autogenerate (compares models with the database)',
      prompt: 'Message (alembic revision --autogenerate -m)',
      validateInput: (v) => (v.trim() ? undefined : 'A revision needs a message'),
    });
    if (!message) return;
    const outcome = await ctx.runner.run(
      p,
      { kind: 'revision', message: message.trim(), autogenerate: true },
      { title: 'Autogenerating a revision', refreshDatabase: false },
    );
    if (outcome.kind !== 'ok') return;
    const file = /Generating (.+?\.py)(?: \.\.\.)?\s+done/.exec(outcome.result.stdout + outcome.result.stderr)?.[1];
    if (file) await vscode.window.showTextDocument(vscode.Uri.file(file));
  },
};
