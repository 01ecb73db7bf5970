import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RevisionFlag, RevisionGraphResult, RevisionNode } from '../../server/src/shared/protocol';
import { GraphView, downgradePlan, parentRows, pickerOrder, topRows } from '../../client/src/model/graphModel';

/**
 *   base a ─ b ─┬─ c ───────┬─ m (merge, head)
 *               └─ r1 (reviews) ┘
 *   plus an independent head x on top of a (a second head).
 */
function graph(): RevisionGraphResult {
  const spec: Array<[string, string[], string, RevisionFlag[], string[]?]> = [
    ['m', ['c', 'r1'], 'merge reviews', ['head', 'mergepoint']],
    ['x', ['a'], 'side experiment', ['head']],
    ['r1', ['b'], 'add reviews', [], ['reviews']],
    ['c', ['b'], 'add index', []],
    ['b', ['a'], 'add products', ['branchpoint']],
    ['a', [], 'create users', ['base', 'branchpoint']],
  ];
  const children = (id: string): string[] => spec.filter(([, ps]) => ps.includes(id)).map(([i]) => i);
  const nodes: RevisionNode[] = spec.map(([id, parents, message, flags, labels]) => ({
    id,
    message,
    parents,
    children: children(id),
    labels: labels ?? [],
    dependencies: [],
    flags,
    uri: `file:///p/versions/${id}.py`,
    range: { start: { line: 9, character: 11 }, end: { line: 9, character: 14 } },
    createDate: '2024-05-01 10:00:00.000000',
  }));
  return { projectId: 'file:///p/alembic.ini', generation: 3, nodes, heads: ['m', 'x'], bases: ['a'] };
}

test('states: version-table rows and their ancestors are applied, rows are current, the rest pending', () => {
  const v = new GraphView(graph());
  const s = v.states(['c']);
  assert.deepEqual(Object.fromEntries(s), { m: 'pending', x: 'pending', r1: 'pending', c: 'current', b: 'applied', a: 'applied' });
  assert.deepEqual(
    [...v.states(undefined).values()].every((x) => x === 'unknown'),
    true,
  );
  assert.deepEqual(
    v.pending(['c']).map((n) => n.id),
    ['r1', 'x', 'm'],
  );
});

test('states: a stored revision the project does not know makes the rest unknown, not pending', () => {
  const v = new GraphView(graph());
  assert.deepEqual(Object.fromEntries(v.states(['c', 'f00dfeed0000'])), {
    m: 'unknown',
    x: 'unknown',
    r1: 'unknown',
    c: 'current',
    b: 'applied',
    a: 'applied',
  });
  assert.ok([...v.states(['f00dfeed0000']).values()].every((x) => x === 'unknown'));
});

test('tree rows: heads first to base, merges expand to their parents, keys unique across paths', () => {
  const v = new GraphView(graph());
  const states = v.states(['m']);
  const rows = topRows(v, states, 'P');
  assert.deepEqual(
    rows.map((r) => r.revision),
    ['m', 'x', 'r1', 'c', 'b', 'a'],
  );
  const m = rows[0];
  assert.equal(m.collapsible, true);
  assert.equal(m.icon, 'current');
  assert.match(m.description, /^merge reviews · current, head, merge of 2 · 2024-05-01 10:00$/);
  assert.equal(rows[2].label, 'r1 (reviews)');
  const nested = parentRows(v, states, m);
  assert.deepEqual(
    nested.map((r) => r.revision),
    ['c', 'r1'],
  );
  const keys = [...rows, ...nested].map((r) => r.key);
  assert.equal(new Set(keys).size, keys.length);
  assert.ok(nested.every((r) => r.key.startsWith(m.key) && !r.collapsible));
  assert.ok(rows.every((r) => r.contextValue.startsWith('revision')));
});

test('pickers list heads first, then newest first', () => {
  const v = new GraphView(graph());
  assert.deepEqual(
    pickerOrder(v, v.states(undefined)).map((x) => x.node.id),
    ['m', 'x', 'r1', 'c', 'b', 'a'],
  );
});

test('downgrade plans name exactly the revisions alembic would revert', () => {
  const v = new GraphView(graph());
  const ids = (p: ReturnType<typeof downgradePlan>): string[] | string => (p.kind === 'ok' ? p.reverted.map((n) => n.id) : p.message);
  assert.match(String(ids(downgradePlan(v, ['m'], '-1'))), /is a merge/);
  assert.deepEqual(ids(downgradePlan(v, ['c'], '-1')), ['c']);
  assert.deepEqual(ids(downgradePlan(v, ['m'], 'b')), ['m', 'r1', 'c']);
  assert.deepEqual(ids(downgradePlan(v, ['m', 'x'], 'base')), ['m', 'x', 'r1', 'c', 'b', 'a']);
  // Downgrading one branch leaves the other head applied.
  assert.deepEqual(ids(downgradePlan(v, ['m', 'x'], 'c')), ['m']);
  assert.match(String(ids(downgradePlan(v, [], 'base'))), /at base/);
  assert.match(String(ids(downgradePlan(v, ['c'], 'x'))), /not applied/);
  assert.match(String(ids(downgradePlan(v, ['m', 'x'], '-1'))), /Several heads/);
});
