/**
 * Which revisions can end a squash that starts at a given one: following the only child while
 * the chain stays linear (one child, and that child has no other parent). Pure; the server
 * still checks everything (depends_on into the range, the database) before a squash is planned.
 */
import type { RevisionNode } from '../../../server/src/shared/protocol';

/** The revisions TO may be for FROM = `from`, nearest first; empty when none. */
export function squashEnds(byId: ReadonlyMap<string, RevisionNode>, from: string): string[] {
  const out: string[] = [];
  const seen = new Set([from]);
  for (let cur = byId.get(from); cur && cur.children.length === 1;) {
    const next = byId.get(cur.children[0]);
    if (!next || next.parents.length !== 1 || seen.has(next.id)) break;
    out.push(next.id);
    seen.add(next.id);
    cur = next;
  }
  return out;
}
