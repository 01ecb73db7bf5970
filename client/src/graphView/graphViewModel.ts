/**
 * What the revision graph webview shows, as pure functions over the lane layout: which rows are
 * visible (search filter, folded runs), the rows of the virtual window, the edges that cross it,
 * a revision's lineage, keyboard moves. No DOM, no VS Code: unit-tested in milliseconds, and
 * bundled into the webview script.
 */
import type { LaneLayout, LayoutEdge } from '../../../server/src/shared/laneLayout';
import type { GraphViewNode } from '../../../server/src/shared/graphViewProtocol';
import { shortId } from '../../../server/src/shared/revisionState';
import type { DbStatus } from '../model/statusModel';

/** Runs this long or longer are folded until the user opens them. */
export const FOLD_MIN = 8;

/** One line of the list: a revision, or a fold standing for `count` hidden revisions. */
export type DisplayItem =
  | { kind: 'revision'; row: number }
  /** `runKey`: the folded run it belongs to (a click opens it); absent for rows the search hides. */
  | { kind: 'fold'; first: number; last: number; count: number; runKey?: string };

export interface Display {
  items: DisplayItem[];
  /** Layout row → index of the item that shows it (its own row, or the fold it is in). */
  itemOfRow: Int32Array;
}

/**
 * Whether a revision matches a search: every word of the query matches its id (prefix), a word
 * of its message, one of its labels, or its author.
 */
export function matchesQuery(node: Pick<GraphViewNode, 'id' | 'message' | 'labels'> & { author?: string }, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const message = node.message.toLowerCase();
  const id = node.id.toLowerCase();
  const author = node.author?.toLowerCase() ?? '';
  return words.every(
    (w) => id.startsWith(w) || message.includes(w) || node.labels.some((l) => l.toLowerCase().includes(w)) || (author !== '' && author.includes(w)),
  );
}

/**
 * The list the view shows. While searching, a row is hidden when the search does not match it;
 * otherwise when it is in a folded run (`FOLD_MIN` rows or more, not opened by the user) and not
 * pinned (the selection, the database's revisions). Consecutive hidden rows make one fold.
 */
export function displayItems(
  layout: LaneLayout,
  opts: { expanded?: ReadonlySet<string>; pinned?: ReadonlySet<string>; matches?: (row: number) => boolean } = {},
): Display {
  const rows = layout.rows;
  const runOf = new Int32Array(rows.length).fill(-1);
  layout.runs.forEach((run, i) => {
    if (run.count < FOLD_MIN || opts.expanded?.has(rows[run.first].id)) return;
    for (let r = run.first; r <= run.last; r++) runOf[r] = i;
  });
  const items: DisplayItem[] = [];
  const itemOfRow = new Int32Array(rows.length);
  let fold: { first: number; last: number; run: number; filtered: boolean } | undefined;
  const flush = (): void => {
    if (!fold) return;
    const runKey = fold.filtered ? undefined : rows[layout.runs[fold.run].first].id;
    items.push({ kind: 'fold', first: fold.first, last: fold.last, count: fold.last - fold.first + 1, ...(runKey ? { runKey } : {}) });
    fold = undefined;
  };
  for (let r = 0; r < rows.length; r++) {
    // While searching, the search alone decides: every match shows, folded or not.
    const filtered = opts.matches ? !opts.matches(r) : false;
    const folded = !opts.matches && runOf[r] >= 0 && !opts.pinned?.has(rows[r].id);
    if (!filtered && !folded) {
      flush();
      itemOfRow[r] = items.length;
      items.push({ kind: 'revision', row: r });
      continue;
    }
    // A fold is one kind: rows the search hides, or rows of one folded run.
    if (fold && (fold.filtered !== filtered || (!filtered && fold.run !== runOf[r]))) flush();
    fold ??= { first: r, last: r, run: runOf[r], filtered };
    fold.last = r;
    itemOfRow[r] = items.length;
  }
  flush();
  return { items, itemOfRow };
}

/** The key of the foldable run (`FOLD_MIN` rows or more) a revision is in, if any: selecting it opens that run. */
export function runKeyOf(layout: LaneLayout, id: string): string | undefined {
  const row = layout.rowOf.get(id);
  if (row === undefined) return undefined;
  const run = layout.runs.find((r) => r.count >= FOLD_MIN && r.first <= row && row <= r.last);
  return run && layout.rows[run.first].id;
}

/** The items to render for a scroll position: `[first, last]`, with `overscan` items either side. */
export function visibleRange(scrollTop: number, viewportHeight: number, itemHeight: number, itemCount: number, overscan = 8): { first: number; last: number } {
  if (itemCount === 0) return { first: 0, last: -1 };
  const first = Math.max(0, Math.floor(scrollTop / itemHeight) - overscan);
  const last = Math.min(itemCount - 1, Math.ceil((scrollTop + viewportHeight) / itemHeight) + overscan);
  return { first, last: Math.max(first, last) };
}

/** The scroll position that shows item `index` whole, moving as little as possible. */
export function scrollToReveal(index: number, scrollTop: number, viewportHeight: number, itemHeight: number): number {
  const top = index * itemHeight;
  if (top < scrollTop) return top;
  if (top + itemHeight > scrollTop + viewportHeight) return Math.max(0, top + itemHeight - viewportHeight);
  return scrollTop;
}

/** The edges with a part inside items `[first, last]`. */
export function edgesInWindow(layout: LaneLayout, display: Display, first: number, last: number): LayoutEdge[] {
  return layout.edges.filter((e) => {
    const a = display.itemOfRow[e.fromRow];
    const b = display.itemOfRow[e.toRow];
    return Math.min(a, b) <= last && Math.max(a, b) >= first;
  });
}

/** Every ancestor (parents and depends_on, transitively) and descendant of a revision, itself included. */
export function lineage(layout: LaneLayout, id: string): Set<string> {
  const out = new Set<string>([id]);
  const start = layout.rowOf.get(id);
  if (start === undefined) return out;
  for (const down of [true, false]) {
    const stack = [id];
    const seen = new Set<string>([id]);
    while (stack.length) {
      const r = layout.rows[layout.rowOf.get(stack.pop()!)!];
      for (const next of down ? [...r.parents, ...r.dependencies] : [...r.children, ...r.dependents]) {
        if (seen.has(next)) continue;
        seen.add(next);
        out.add(next);
        stack.push(next);
      }
    }
  }
  return out;
}

/** The revision item `delta` revisions away from `from` (folds skipped), clamped to the list. */
export function moveSelection(items: readonly DisplayItem[], from: number | undefined, delta: number): number | undefined {
  const revisionItems: number[] = [];
  items.forEach((it, i) => {
    if (it.kind === 'revision') revisionItems.push(i);
  });
  if (revisionItems.length === 0) return undefined;
  if (from === undefined) return delta >= 0 ? revisionItems[0] : revisionItems[revisionItems.length - 1];
  // The revision item at or before `from`, then `delta` steps.
  let at = revisionItems.findIndex((i) => i >= from);
  if (at < 0) at = revisionItems.length - 1;
  else if (revisionItems[at] !== from && delta > 0) at--;
  return revisionItems[Math.max(0, Math.min(revisionItems.length - 1, at + delta))];
}

/** One line about the database for the page's toolbar. */
export function databaseLine(status: DbStatus | undefined): string {
  if (!status) return 'database: unknown';
  switch (status.kind) {
    case 'ok':
      return `${status.database} at ${status.revisions.length ? status.revisions.map(shortId).join(', ') : 'base (empty)'}`;
    case 'loading':
      return 'database: reading…';
    case 'not-configured':
      return 'database: not configured';
    case 'untrusted':
      return 'database: not read (restricted mode)';
    default:
      return `database: ${status.kind.replace('-', ' ')}`;
  }
}
