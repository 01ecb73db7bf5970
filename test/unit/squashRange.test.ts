/** The client's choice of squash ends (client/src/model/squashRange.ts): linear runs only. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { squashEnds } from '../../client/src/model/squashRange';
import type { RevisionNode } from '../../server/src/shared/protocol';

function graph(edges: Array<[string, string[]]>): Map<string, RevisionNode> {
  const byId = new Map<string, RevisionNode>();
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  for (const [id, parents] of edges) byId.set(id, { id, message: id, uri: 'file:///x', range, parents, children: [], labels: [], dependencies: [], flags: [] });
  for (const n of byId.values()) for (const p of n.parents) byId.get(p)?.children.push(n.id);
  return byId;
}

test('a chain: every later revision up to a fork or a merge can end the range', () => {
  const g = graph([
    ['a', []],
    ['b', ['a']],
    ['c', ['b']],
    ['d', ['c']],
    ['e1', ['d']],
    ['e2', ['d']],
    ['m', ['e1', 'e2']],
    ['n', ['m']],
  ]);
  assert.deepEqual(squashEnds(g, 'a'), ['b', 'c', 'd'], 'd is a branch point: it may end the range, not be inside it');
  assert.deepEqual(squashEnds(g, 'e1'), [], 'its only child is a merge');
  assert.deepEqual(squashEnds(g, 'm'), ['n']);
  assert.deepEqual(squashEnds(g, 'n'), [], 'a head');
  assert.deepEqual(squashEnds(g, 'unknown'), []);
});
