import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutLanes, laneAt, type LaneLayout, type LayoutInput } from '../../server/src/shared/laneLayout';
import { benchRevisions, genId, type GenRevision } from '../support/generateProject';

function n(id: string, parents: string[] = [], extra: { deps?: string[]; labels?: string[] } = {}): LayoutInput {
  return { id, parents, dependencies: extra.deps ?? [], labels: extra.labels ?? [] };
}

/** Generated revisions (oldest first) as the server sends them: newest first. */
function fromGen(revs: GenRevision[]): LayoutInput[] {
  return revs.map((r) => n(r.id, r.down, { deps: r.dependsOn, labels: r.labels })).reverse();
}

const ids = (l: LaneLayout): string[] => l.rows.map((r) => r.id);
const lanes = (l: LaneLayout): Record<string, number> => Object.fromEntries(l.rows.map((r) => [r.id, r.lane]));

/** Pairs of parent edges that swap sides within one row gap. */
function crossings(l: LaneLayout): string[] {
  const out: string[] = [];
  const parentEdges = l.edges.filter((e) => e.kind === 'parent' && e.toRow > e.fromRow);
  for (let gap = 0; gap + 1 < l.rows.length; gap++) {
    const spans = parentEdges.filter((e) => e.fromRow <= gap && e.toRow >= gap + 1).map((e) => ({ e, top: laneAt(e, gap)!, bottom: laneAt(e, gap + 1)! }));
    for (let i = 0; i < spans.length; i++)
      for (let j = i + 1; j < spans.length; j++) {
        const a = spans[i];
        const b = spans[j];
        if ((a.top - b.top) * (a.bottom - b.bottom) < 0) out.push(`${a.e.from}->${a.e.to} x ${b.e.from}->${b.e.to} at ${gap}`);
      }
  }
  return out;
}

/** The invariants of every layout: parents below children, one lane per row, no edge through a node. */
function assertValid(l: LaneLayout): void {
  for (const [i, r] of l.rows.entries()) {
    assert.equal(l.rowOf.get(r.id), i);
    assert.ok(r.lane >= 0 && r.lane < l.lanes, `${r.id} lane ${r.lane} of ${l.lanes}`);
    for (const p of r.parents) assert.ok(l.rowOf.get(p)! > i, `${p} below its child ${r.id}`);
  }
  for (const e of l.edges) {
    if (e.kind !== 'parent') continue;
    assert.deepEqual(e.points[0], { lane: l.rows[e.fromRow].lane, row: e.fromRow });
    assert.deepEqual(e.points.at(-1), { lane: l.rows[e.toRow].lane, row: e.toRow });
    for (let i = 1; i < e.points.length; i++) {
      const a = e.points[i - 1];
      const b = e.points[i];
      assert.ok(a.lane === b.lane || b.row === a.row + 1, `${e.from}->${e.to}: a bend spans one gap`);
    }
    for (let row = e.fromRow + 1; row < e.toRow; row++) assert.notEqual(laneAt(e, row), l.rows[row].lane, `${e.from}->${e.to} runs through ${l.rows[row].id}`);
  }
}

test('a linear chain: one lane, newest first, one foldable run between head and base', () => {
  const chain = Array.from({ length: 8 }, (_, i) => n(`r${i}`, i ? [`r${i - 1}`] : [])).reverse();
  const l = layoutLanes(chain);
  assertValid(l);
  assert.deepEqual(ids(l), ['r7', 'r6', 'r5', 'r4', 'r3', 'r2', 'r1', 'r0']);
  assert.equal(l.lanes, 1);
  assert.ok(l.rows.every((r) => r.lane === 0));
  assert.deepEqual(l.runs, [{ first: 1, last: 6, count: 6 }]);
  assert.deepEqual(layoutLanes(chain, { minRun: 7 }).runs, []);
  assert.ok(l.rows[0].head && l.rows[7].base);
});

test('fork and merge: the side branch opens a lane at the merge and closes it at the fork', () => {
  const l = layoutLanes([n('head', ['merge']), n('merge', ['a', 'b']), n('a', ['fork']), n('b', ['fork']), n('fork', ['root']), n('root')]);
  assertValid(l);
  assert.deepEqual(ids(l), ['head', 'merge', 'a', 'b', 'fork', 'root']);
  assert.deepEqual(lanes(l), { head: 0, merge: 0, a: 0, b: 1, fork: 0, root: 0 });
  assert.equal(l.lanes, 2);
  assert.deepEqual(crossings(l), []);
  const mergeToB = l.edges.find((e) => e.from === 'merge' && e.to === 'b')!;
  assert.deepEqual(mergeToB.points, [
    { lane: 0, row: 1 },
    { lane: 1, row: 2 },
    { lane: 1, row: 3 },
  ]);
  const bToFork = l.edges.find((e) => e.from === 'b' && e.to === 'fork')!;
  assert.deepEqual(bToFork.points, [
    { lane: 1, row: 3 },
    { lane: 0, row: 4 },
  ]);
  const merge = l.rows[1];
  assert.ok(merge.merge && !merge.branchpoint);
  assert.ok(l.rows[4].branchpoint);
  assert.deepEqual(l.rows[4].children, ['a', 'b']);
});

test('a long side branch keeps its column until the fork', () => {
  const input = [n('m', ['x3', 'y1']), n('x3', ['x2']), n('x2', ['x1']), n('x1', ['p']), n('y1', ['p']), n('p')];
  const l = layoutLanes(input);
  assertValid(l);
  assert.deepEqual(ids(l), ['m', 'x3', 'x2', 'x1', 'y1', 'p']);
  const e = l.edges.find((x) => x.from === 'm' && x.to === 'y1')!;
  assert.deepEqual(e.points, [
    { lane: 0, row: 0 },
    { lane: 1, row: 1 },
    { lane: 1, row: 4 },
  ]);
  assert.deepEqual(crossings(l), []);
});

test('a three-parent merge opens three lanes that meet at the fork', () => {
  const l = layoutLanes([n('merge', ['left', 'mid', 'right']), n('left', ['base']), n('mid', ['base']), n('right', ['base']), n('base')]);
  assertValid(l);
  assert.deepEqual(lanes(l), { merge: 0, left: 0, mid: 1, right: 2, base: 0 });
  assert.equal(l.lanes, 3);
  assert.deepEqual(crossings(l), []);
  assert.equal(l.edges.filter((e) => e.kind === 'parent').length, 6);
  assert.deepEqual(l.rows[0].parents, ['left', 'mid', 'right']);
});

test('labelled branches: a tag at the newest revision of each label, each branch in its lane', () => {
  const l = layoutLanes([
    n('core2', ['core1'], { labels: ['core'] }),
    n('feat2', ['feat1'], { labels: ['feature'] }),
    n('core1', [], { labels: ['core'] }),
    n('feat1', [], { labels: ['feature'] }),
  ]);
  assertValid(l);
  assert.deepEqual(ids(l), ['core2', 'feat2', 'core1', 'feat1']);
  assert.deepEqual(lanes(l), { core2: 0, feat2: 1, core1: 0, feat1: 1 });
  assert.deepEqual(
    l.rows.map((r) => r.tags),
    [['core'], ['feature'], [], []],
  );
  assert.deepEqual(crossings(l), []);
});

test('a label inherited past a fork is tagged on each tip that carries it', () => {
  const l = layoutLanes([n('t1', ['f'], { labels: ['lbl'] }), n('t2', ['f'], { labels: ['lbl'] }), n('f', [], { labels: ['lbl'] })]);
  assert.deepEqual(
    l.rows.map((r) => [r.id, r.tags]),
    [
      ['t1', ['lbl']],
      ['t2', ['lbl']],
      ['f', []],
    ],
  );
});

test('depends_on: a dashed edge that takes no lane; both ends know it', () => {
  const l = layoutLanes([n('b2', ['b1'], { deps: ['a2'] }), n('a2', ['a1']), n('b1'), n('a1')]);
  assertValid(l);
  const dep = l.edges.filter((e) => e.kind === 'depends_on');
  assert.deepEqual(
    dep.map((e) => [e.from, e.to]),
    [['b2', 'a2']],
  );
  assert.deepEqual(dep[0].points, [
    { lane: 0, row: 0 },
    { lane: 1, row: 1 },
  ]);
  assert.deepEqual(l.rows[l.rowOf.get('a2')!].dependents, ['b2']);
  assert.deepEqual(l.rows[0].dependencies, ['a2']);
  assert.equal(l.lanes, 2);
});

test('several bases and several heads: every head on top, each base ends its lane', () => {
  const l = layoutLanes([n('h1', ['m']), n('h2', ['m']), n('h3', ['x']), n('m', ['b1', 'b2']), n('x', ['b2']), n('b1'), n('b2')]);
  assertValid(l);
  assert.deepEqual(ids(l).slice(0, 3), ['h1', 'h2', 'h3']);
  assert.ok(l.rows.slice(0, 3).every((r) => r.head));
  assert.deepEqual(
    l.rows.filter((r) => r.base).map((r) => r.id),
    ['b1', 'b2'],
  );
  assert.equal(new Set(l.rows.slice(0, 3).map((r) => r.lane)).size, 3, 'each head its own lane');
  assert.deepEqual(crossings(l), []);
});

test('broken graphs: a missing parent, a self-reference and a cycle still lay out', () => {
  const l = layoutLanes([n('a', ['ghost']), n('self', ['self']), n('c1', ['c2']), n('c2', ['c1'])]);
  assert.deepEqual(new Set(ids(l)), new Set(['a', 'self', 'c1', 'c2']));
  assert.deepEqual(l.rows[l.rowOf.get('a')!].missingParents, ['ghost']);
  assert.deepEqual(l.rows[l.rowOf.get('self')!].parents, []);
  assert.equal(l.edges.filter((e) => e.kind === 'parent').length, 2);
  assert.deepEqual(layoutLanes([]), { rows: [], rowOf: new Map(), lanes: 0, edges: [], runs: [] });
});

test('duplicate ids and repeated parents count once', () => {
  const l = layoutLanes([n('b', ['a', 'a']), n('b', ['zzz']), n('a')]);
  assert.deepEqual(ids(l), ['b', 'a']);
  assert.equal(l.edges.length, 1);
});

test('deterministic: the same input gives the same layout, whatever the objects', () => {
  const input = fromGen(benchRevisions(400, { mergeEvery: 17, finalHeads: 3 }));
  const a = layoutLanes(input);
  const b = layoutLanes(JSON.parse(JSON.stringify(input)) as LayoutInput[]);
  assert.deepEqual(a, b);
  assert.equal(JSON.stringify(a.rows), JSON.stringify(b.rows));
});

/** A chain with side branches of random lengths merged back (seeded, so reproducible). */
function chainWithMerges(count: number, seed: number): LayoutInput[] {
  let s = seed;
  const rand = (k: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % k;
  };
  const revs: GenRevision[] = [{ id: genId(0, seed), down: [] }];
  let prev = revs[0].id;
  while (revs.length < count) {
    if (rand(4) === 0) {
      const fork = prev;
      const branch = (len: number): string => {
        let at = fork;
        for (let i = 0; i < len; i++) {
          const id = genId(revs.length, seed);
          revs.push({ id, down: [at] });
          at = id;
        }
        return at;
      };
      const left = branch(1 + rand(6));
      const right = branch(1 + rand(6));
      const id = genId(revs.length, seed);
      revs.push({ id, down: rand(2) ? [left, right] : [right, left] });
      prev = id;
    } else {
      const id = genId(revs.length, seed);
      revs.push({ id, down: [prev] });
      prev = id;
    }
  }
  return fromGen(revs);
}

test('a linear chain with merges never crosses (50 random shapes)', () => {
  for (let seed = 1; seed <= 50; seed++) {
    const l = layoutLanes(chainWithMerges(120, seed));
    assertValid(l);
    assert.deepEqual(crossings(l), [], `seed ${seed}`);
    assert.equal(l.lanes, 2, `seed ${seed}`);
  }
});

test('5,000 generated revisions: valid, crossing-free, two lanes, folded runs, fast', () => {
  const input = fromGen(benchRevisions(5000, { mergeEvery: 50, finalHeads: 2 }));
  const t0 = performance.now();
  const l = layoutLanes(input);
  const ms = performance.now() - t0;
  assert.equal(l.rows.length, 5000);
  assertValid(l);
  assert.equal(l.lanes, 2);
  assert.deepEqual(
    l.rows.slice(0, 2).map((r) => r.head),
    [true, true],
  );
  assert.ok(l.runs.length >= 90, `${l.runs.length} runs`);
  assert.ok(
    l.runs.every((r) => r.count === r.last - r.first + 1 && r.count >= 5),
    'runs are well formed',
  );
  // Crossings at this size: checked on a window of gaps (the whole graph is the same shape).
  const small = layoutLanes(fromGen(benchRevisions(600, { mergeEvery: 50, finalHeads: 2 })));
  assert.deepEqual(crossings(small), []);
  assert.ok(ms < 1000, `layout took ${ms.toFixed(1)} ms (the bench checks the 100 ms target)`);
});

test('the crossing check itself sees two edges that swap columns', () => {
  const edge = (from: string, a: number, b: number) => ({
    kind: 'parent' as const,
    from,
    to: 'z',
    fromRow: 0,
    toRow: 1,
    points: [
      { lane: a, row: 0 },
      { lane: b, row: 1 },
    ],
  });
  const fake: LaneLayout = {
    rows: [n('x'), n('y')].map((r) => ({ ...layoutLanes([r]).rows[0] })),
    rowOf: new Map(),
    lanes: 2,
    edges: [edge('x', 0, 1), edge('y', 1, 0)],
    runs: [],
  };
  assert.equal(crossings(fake).length, 1);
});
