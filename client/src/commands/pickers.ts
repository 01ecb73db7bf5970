/** The revision a target names, and the searchable revision picker every command shares. */
import * as vscode from 'vscode';
import type { ProjectInfo, RevisionNode } from '../../../server/src/shared/protocol';
import { pickerOrder, type RevisionState } from '../model/graphModel';
import type { Ctx, Target } from '../ctx';

const STATE_ICON: Record<RevisionState, string> = {
  current: '$(pass-filled)',
  applied: '$(check)',
  pending: '$(circle-large-outline)',
  unknown: '$(git-commit)',
};

export function revisionOf(target: Target): string | undefined {
  if (!target) return undefined;
  if ('projectId' in target) return target.revision;
  return target.kind === 'revision' ? target.row.revision : undefined;
}

/** The node a target names in its project's graph. */
export function nodeOf(ctx: Ctx, project: ProjectInfo | undefined, target: Target): RevisionNode | undefined {
  const rev = revisionOf(target);
  return project && rev ? ctx.views.view(project.id)?.byId.get(rev) : undefined;
}

/** A searchable revision picker (id prefix or message words), heads first, with state and date. */
export async function pickRevision(
  ctx: Ctx,
  project: ProjectInfo,
  title: string,
  filter: (n: RevisionNode, s: RevisionState) => boolean,
  extra: Array<{ label: string; spec: string; description?: string }> = [],
): Promise<string | undefined> {
  const view = ctx.views.view(project.id);
  if (!view) {
    void vscode.window.showWarningMessage(`The revision graph of ${project.name} is not loaded yet.`);
    return undefined;
  }
  const states = view.states(ctx.database.get(project.id)?.rows);
  type Item = vscode.QuickPickItem & { spec: string };
  const items: Item[] = [
    ...extra.map((e) => ({ label: e.label, description: e.description, spec: e.spec, alwaysShow: true })),
    ...pickerOrder(view, states)
      .filter((x) => filter(x.node, x.state))
      .map((x) => ({
        label: `${STATE_ICON[x.state]} ${x.node.id}`,
        description: x.node.message,
        detail: [
          x.state !== 'unknown' ? x.state : '',
          x.isHead ? 'head' : '',
          x.node.labels.length ? `(${x.node.labels.join(', ')})` : '',
          x.node.createDate ?? '',
        ]
          .filter(Boolean)
          .join(' · '),
        spec: x.node.id,
      })),
  ];
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`${title}: no revision qualifies.`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: 'Type an id prefix or words of the message',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return pick?.spec;
}
