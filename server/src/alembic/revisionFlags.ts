/** The markers a revision carries in the protocol's graph (head, base, merge point…). Pure. */
import type { RevisionFlag } from '../shared/protocol';
import type { RevisionGraph } from './revisionGraph';

export function revisionFlags(g: RevisionGraph, id: string): RevisionFlag[] {
  const flags: RevisionFlag[] = [];
  if (g.realHeads.includes(id)) flags.push('head');
  else if (g.heads.includes(id)) flags.push('effective-head');
  if (g.bases.includes(id)) flags.push('base');
  if (g.isBranchPoint(id)) flags.push('branchpoint');
  if (g.isMergePoint(id)) flags.push('mergepoint');
  if (g.get(id)?.downRevisions.some((p) => !g.lookup(p))) flags.push('missing-parent');
  if (g.isDuplicate(id)) flags.push('duplicate');
  return flags;
}
