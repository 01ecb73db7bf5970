/**
 * The lane layout of a revision graph, drawn like a commit graph: one row per revision (newest
 * at the top, every head first), one column ("lane") per line of descent, parent edges that run
 * down their lane and bend only in the gap next to an end, `depends_on` edges, branch-label tags
 * at the tip of each labelled branch, and the long linear runs a view may fold into one row.
 *
 * Pure and deterministic (the same input gives the same layout, whatever the Map or engine):
 * the webview, the CLI's SVG and the tests all call this one function.
 *
 * Lanes keep their column for their whole life: a revision takes the leftmost lane waiting for
 * it (the other lanes waiting for it end there: a fork, read upwards), its first parent continues
 * in its lane, and every further parent opens a lane in the leftmost free column (a merge). So a
 * linear chain with merges needs no crossing; a fork's two lines meet at the fork, not earlier.
 */

/** What the layout reads of a revision (the protocol's RevisionNode has all of it). */
export interface LayoutInput {
  id: string;
  /** `down_revision` resolved to ids, first parent first. */
  parents: readonly string[];
  /** `depends_on` resolved to ids. */
  dependencies: readonly string[];
  /** Branch labels declared on or inherited by this revision. */
  labels: readonly string[];
}

/** A point of an edge: a lane (column) at a row. */
export interface LanePoint {
  lane: number;
  row: number;
}

export interface LayoutRow {
  id: string;
  lane: number;
  /** Parents present in the graph (first parent first); missing ones are in `missingParents`. */
  parents: string[];
  missingParents: string[];
  /** Revisions whose `down_revision` names this one, in row order. */
  children: string[];
  /** Present `depends_on` targets, and the revisions that depend on this one. */
  dependencies: string[];
  dependents: string[];
  /** Branch labels whose newest revision this is (the tag drawn on the lane). */
  tags: string[];
  head: boolean;
  base: boolean;
  merge: boolean;
  branchpoint: boolean;
}

export interface LayoutEdge {
  kind: 'parent' | 'depends_on';
  /** The child (parent edges) or the dependent (depends_on edges). */
  from: string;
  /** The parent or the dependency. */
  to: string;
  fromRow: number;
  toRow: number;
  /**
   * The path: consecutive points are either in the same lane (a straight line) or one row apart
   * (a bend). depends_on edges are two points: a renderer draws them as a dashed curve.
   */
  points: LanePoint[];
}

/** Consecutive rows `first..last` of a straight single line of descent, nothing else touching them. */
export interface LinearRun {
  first: number;
  last: number;
  count: number;
}

export interface LaneLayout {
  rows: LayoutRow[];
  /** Revision id → row index. */
  rowOf: Map<string, number>;
  /** Number of columns used. */
  lanes: number;
  /** Parent edges first (in row order of the child), then depends_on edges. */
  edges: LayoutEdge[];
  /** Runs of at least `minRun` rows, top to bottom. */
  runs: LinearRun[];
}

export interface LayoutOptions {
  /** The shortest run reported in `runs` (default 5). */
  minRun?: number;
}

/**
 * The row order: every head (no child through `down_revision`) first, in input order; then a
 * depth-first topological walk that follows first parents, so a branch is listed in one piece.
 * Revisions on a cycle (which Alembic rejects) follow in input order. Works on input indices.
 */
function rowOrder(parents: number[][], childCount: Int32Array): number[] {
  const count = parents.length;
  const pending = Int32Array.from(childCount);
  const out: number[] = [];
  const emitted = new Uint8Array(count);
  const ready: number[] = [];
  const emit = (i: number): void => {
    out.push(i);
    emitted[i] = 1;
    const ps = parents[i];
    // Pushed last parent first: the stack pops the first parent first.
    for (let k = ps.length - 1; k >= 0; k--) if (--pending[ps[k]] === 0) ready.push(ps[k]);
  };
  const becameReady: number[] = [];
  for (let i = 0; i < count; i++) {
    if (childCount[i] !== 0) continue;
    const before = ready.length;
    emit(i);
    becameReady.push(...ready.splice(before).reverse());
  }
  for (let k = becameReady.length - 1; k >= 0; k--) ready.push(becameReady[k]);
  while (ready.length) emit(ready.pop()!);
  if (out.length < count) for (let i = 0; i < count; i++) if (!emitted[i]) out.push(i);
  return out;
}

/** Lays out the revisions (in any order; the input order breaks ties, so pass newest first). */
export function layoutLanes(nodes: readonly LayoutInput[], opts: LayoutOptions = {}): LaneLayout {
  const minRun = Math.max(2, opts.minRun ?? 5);
  const indexOf = new Map<string, number>();
  const inputs: LayoutInput[] = [];
  for (const n of nodes) {
    if (indexOf.has(n.id)) continue;
    indexOf.set(n.id, inputs.length);
    inputs.push(n);
  }
  const count = inputs.length;
  /** Present, distinct, not itself, as input indices. */
  const resolve = (names: readonly string[], self: number): number[] => {
    const out: number[] = [];
    for (const name of names) {
      const k = indexOf.get(name);
      if (k !== undefined && k !== self && !out.includes(k)) out.push(k);
    }
    return out;
  };
  const parents: number[][] = [];
  const childCount = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const ps = resolve(inputs[i].parents, i);
    parents.push(ps);
    for (const p of ps) childCount[p]++;
  }

  const order = rowOrder(parents, childCount);
  const rowOfIndex = new Int32Array(count);
  order.forEach((i, row) => (rowOfIndex[i] = row));
  const rowOf = new Map<string, number>();
  for (let row = 0; row < count; row++) rowOf.set(inputs[order[row]].id, row);

  /** Per row: parents and dependencies as rows. */
  const parentRows: number[][] = [];
  const rows: LayoutRow[] = order.map((i) => {
    const n = inputs[i];
    const ps = parents[i];
    parentRows.push(ps.map((p) => rowOfIndex[p]));
    return {
      id: n.id,
      lane: -1,
      parents: ps.map((p) => inputs[p].id),
      missingParents: n.parents.length === ps.length ? [] : n.parents.filter((p) => p !== n.id && !indexOf.has(p)),
      children: [],
      dependencies: n.dependencies.length ? resolve(n.dependencies, i).map((d) => inputs[d].id) : [],
      dependents: [],
      tags: [],
      head: childCount[i] === 0,
      base: n.parents.length === 0,
      merge: ps.length > 1,
      branchpoint: childCount[i] > 1,
    };
  });
  for (let row = 0; row < count; row++) {
    const r = rows[row];
    for (const p of parentRows[row]) rows[p].children.push(r.id);
    for (const d of r.dependencies) rows[rowOf.get(d)!].dependents.push(r.id);
  }
  // A label's tag sits on the newest revision carrying it: one whose children do not.
  for (let row = 0; row < count; row++) {
    const own = inputs[order[row]].labels;
    if (own.length === 0) continue;
    const r = rows[row];
    r.tags = [...new Set(own)].filter((l) => !r.children.some((c) => inputs[indexOf.get(c)!].labels.includes(l))).sort();
  }

  // The sweep: `active[lane]` is the row that lane is waiting for (-1: a free column).
  const active: number[] = [];
  // travel[row][k]: the lane the edge to the row's k-th parent runs down (-1: drawn straight).
  const travel: number[][] = [];
  let lanes = 0;
  const freeLane = (): number => {
    const i = active.indexOf(-1);
    if (i >= 0) return i;
    active.push(-1);
    return active.length - 1;
  };
  for (let row = 0; row < count; row++) {
    let lane = -1;
    for (let i = 0; i < active.length; i++) {
      if (active[i] !== row) continue;
      if (lane < 0) lane = i;
      active[i] = -1;
    }
    if (lane < 0) lane = freeLane();
    rows[row].lane = lane;
    active[lane] = -1;
    const ps = parentRows[row];
    const ts: number[] = [];
    for (let k = 0; k < ps.length; k++) {
      if (ps[k] <= row) {
        ts.push(-1); // a cycle: drawn straight, no lane
        continue;
      }
      const t = k === 0 ? lane : freeLane();
      active[t] = ps[k];
      ts.push(t);
    }
    travel.push(ts);
    lanes = Math.max(lanes, active.length);
  }

  const edges: LayoutEdge[] = [];
  for (let rc = 0; rc < count; rc++) {
    const r = rows[rc];
    const ps = parentRows[rc];
    for (let k = 0; k < ps.length; k++) {
      const rp = ps[k];
      const lp = rows[rp].lane;
      const t = travel[rc][k];
      const points: LanePoint[] = [{ lane: r.lane, row: rc }];
      if (t >= 0 && rp > rc + 1) {
        if (t !== r.lane) points.push({ lane: t, row: rc + 1 });
        if (t !== lp) points.push({ lane: t, row: rp - 1 });
      }
      if (points[points.length - 1].row !== rp || points[points.length - 1].lane !== lp) points.push({ lane: lp, row: rp });
      edges.push({ kind: 'parent', from: r.id, to: r.parents[k], fromRow: rc, toRow: rp, points });
    }
  }
  for (let rc = 0; rc < count; rc++) {
    const r = rows[rc];
    for (const d of r.dependencies) {
      const rd = rowOf.get(d)!;
      edges.push({
        kind: 'depends_on',
        from: r.id,
        to: d,
        fromRow: rc,
        toRow: rd,
        points: [
          { lane: r.lane, row: rc },
          { lane: rows[rd].lane, row: rd },
        ],
      });
    }
  }

  return { rows, rowOf, lanes, edges, runs: linearRuns(rows, parentRows, minRun) };
}

/** A row a view may fold: one parent right below in its lane, one child right above in its lane, nothing else. */
function plain(rows: LayoutRow[], parentRows: number[][], i: number): boolean {
  const r = rows[i];
  if (r.parents.length !== 1 || r.children.length !== 1 || r.missingParents.length) return false;
  if (r.dependencies.length || r.dependents.length || r.tags.length) return false;
  const c = rows[i - 1];
  return parentRows[i][0] === i + 1 && c?.id === r.children[0] && rows[i + 1].lane === r.lane && c.lane === r.lane && parentRows[i - 1][0] === i;
}

function linearRuns(rows: LayoutRow[], parentRows: number[][], minRun: number): LinearRun[] {
  const runs: LinearRun[] = [];
  let start = -1;
  for (let i = 0; i <= rows.length; i++) {
    if (i < rows.length && plain(rows, parentRows, i)) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i - start >= minRun) runs.push({ first: start, last: i - 1, count: i - start });
    start = -1;
  }
  return runs;
}

/** The lane an edge occupies at an integer row between its ends (for hit tests and crossing checks). */
export function laneAt(edge: LayoutEdge, row: number): number | undefined {
  const pts = edge.points;
  if (row < pts[0].row || row > pts[pts.length - 1].row) return undefined;
  for (let i = 0; i < pts.length - 1; i++) {
    const a = pts[i];
    const b = pts[i + 1];
    if (row >= a.row && row <= b.row) return row === b.row ? b.lane : a.lane;
  }
  return pts[pts.length - 1].lane;
}
