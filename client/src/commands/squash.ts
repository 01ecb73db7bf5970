/**
 * Alembic: Squash Revisions…: two pickers choose a contiguous linear range (FROM, then a TO
 * further along the same chain), the server plans the squash (`alembic/squashPlan`), a modal
 * confirmation lists what changes, and one WorkspaceEdit moves the old files to the archive
 * folder and writes the new migration at TO's path (undoable like any file operation).
 */
import * as vscode from 'vscode';
import { SquashPlanRequest } from '../../../server/src/shared/protocol';
import { shortId } from '../model/graphModel';
import { squashEnds } from '../model/squashRange';
import { nodeOf, pickRevision } from './pickers';
import type { CommandTable } from './index';

export const squashCommands: CommandTable = {
  'alembic.squashRevisions': (ctx) => async (t) => {
    const p = await ctx.resolveProject(t);
    const view = p && ctx.views.view(p.id);
    if (!p || !view) return;
    const from =
      nodeOf(ctx, p, t)?.id ?? (await pickRevision(ctx, p, 'Squash: the oldest revision of the range', (n) => squashEnds(view.byId, n.id).length > 0));
    if (!from) return;
    const ends = squashEnds(view.byId, from);
    if (ends.length === 0) {
      void vscode.window.showInformationMessage(`Alembic: ${shortId(from)} has no linear run of revisions after it to squash.`);
      return;
    }
    const to = await pickRevision(ctx, p, `Squash ${shortId(from)}..: the newest revision (it keeps its id)`, (n) => ends.includes(n.id));
    if (!to) return;
    const plan = await ctx.client.sendRequest(SquashPlanRequest, { projectId: p.id, from, to });
    if (plan.kind === 'refused') {
      void vscode.window.showErrorMessage(`Alembic: cannot squash ${shortId(from)}..${shortId(to)} — ${plan.message}`);
      return;
    }
    const archive = plan.archiveUri ? vscode.Uri.parse(plan.archiveUri) : undefined;
    const detail = [
      ...plan.revisions.map((r) => `${shortId(r.id)}  ${r.message}`),
      '',
      `The new migration keeps ${plan.revision} and its file ${vscode.workspace.asRelativePath(vscode.Uri.parse(plan.uri))}.`,
      archive
        ? `The ${plan.revisions.length} old files move to ${vscode.workspace.asRelativePath(archive)}.`
        : `The ${plan.revisions.length} old files are deleted.`,
      ...plan.renamed.map((r) => `Helper ${r.from} of ${shortId(r.revision)} is renamed ${r.to}.`),
      'Databases at a revision inside the range will not find it any more.',
    ].join('\n');
    const choice = await vscode.window.showWarningMessage(
      `Squash ${plan.revisions.length} revisions of ${p.name} into one?`,
      { modal: true, detail },
      'Squash',
    );
    if (choice !== 'Squash') return;
    const edit = new vscode.WorkspaceEdit();
    for (const m of plan.moves) edit.renameFile(vscode.Uri.parse(m.fromUri), vscode.Uri.parse(m.toUri), { overwrite: false });
    for (const d of plan.deletes) edit.deleteFile(vscode.Uri.parse(d));
    const target = vscode.Uri.parse(plan.uri);
    edit.createFile(target, { overwrite: false, contents: new TextEncoder().encode(plan.text) });
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage('Alembic: the squash could not be applied (a file changed or exists already); nothing was squashed.');
      return;
    }
    ctx.log.info(`[squash] ${p.name}: ${plan.revisions.map((r) => r.id).join(', ')} → ${plan.revision} (${target.fsPath})`);
    await vscode.window.showTextDocument(target);
  },
};
