/** The markers a revision carries in the protocol's graph (head, base, merge point…). Pure. */
import type { RevisionFlag } from '../shared/protocol';
import type { RevisionGraph } from './revisionGraph';

export function revisionFlags(g: RevisionGraph, id: string): RevisionFlag[] {
  const flags: RevisionFlag[] = [];
  const node = g.get(id);
  if (g.realHeads.includes(id)) flags.push('head');
  else if (g.heads.includes(id)) flags.push('effective-head');
  if (g.bases.includes(id)) flags.push('base');
  if (node && node.children.length > 1) flags.push('branchpoint');
  if (node && node.downRevisions.length > 1) flags.push('mergepoint');
  // One declared parent that resolved to itself (the usual revision) is not missing.
  if (
    node &&
    !(node.downRevisions.length === 1 && node.parents.length === 1 && node.parents[0] === node.downRevisions[0]) &&
    node.downRevisions.some((p) => !g.lookup(p))
  )
    flags.push('missing-parent');
  if (g.isDuplicate(id)) flags.push('duplicate');
  return flags;
}
