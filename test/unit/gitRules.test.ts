/** The pure git rules over scanned migrations: which migrations are a branch's first, and what the messages say. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { migrationFromText } from '../../server/src/alembic/migrationFile';
import { RevisionGraph } from '../../server/src/alembic/revisionGraph';
import { editedShippedMigrations, staleDownRevisions } from '../../server/src/alembic/gitRules';
import { migrationSource, type GenRevision } from '../support/generateProject';

const m = (r: GenRevision) => migrationFromText(`/p/versions/${r.id}.py`, '/p/versions', migrationSource(r));
const graph = (...revs: GenRevision[]) => new RevisionGraph(revs.map(m));

const A: GenRevision = { id: 'a1', down: [], message: 'base' };
const MAIN1: GenRevision = { id: 'm1', down: ['a1'], message: 'main one' };
const MAIN2: GenRevision = { id: 'm2', down: ['a1'], message: 'main two' };

test('stale-down-revision: every head of the base is named; a merge of a branch revision and the base head is not first', () => {
  const first = m({ id: 'f1', down: ['a1'] });
  const second = m({ id: 'f2', down: ['f1'] });
  const merge = m({ id: 'f3', down: ['f2', 'm1'] });
  const files = [m(A), first, second, merge];
  const added = new Set([first.file, second.file, merge.file]);
  const problems = staleDownRevisions(files, added, { name: 'origin/main', graph: graph(A, MAIN1, MAIN2) });
  assert.deepEqual(
    problems.map((p) => [p.file, p.message]),
    [[first.file, 'origin/main has moved on: its heads are `m1` (main one), `m2` (main two); this migration still revises `a1`']],
  );
  assert.deepEqual(staleDownRevisions(files, added, { name: 'main', graph: graph(A) }), [], 'a1 is still the head of main');
  assert.deepEqual(staleDownRevisions(files, added, { name: 'main', graph: graph() }), [], 'the project is new on this branch');
  assert.deepEqual(staleDownRevisions(files, new Set(), { name: 'main', graph: graph(A, MAIN1) }), [], 'nothing added');
});

test('stale-down-revision: only the stale parents of a first merge migration are reported', () => {
  const both = m({ id: 'f1', down: ['a1', 'm1'] });
  const problems = staleDownRevisions([both], new Set([both.file]), { name: 'main', graph: graph(A, MAIN1) });
  assert.equal(problems.length, 1);
  assert.match(problems[0].message, /still revises `a1`$/);
});

test('edited-shipped-migration: identical or header-only texts are quiet; a code change names where it shipped', () => {
  const src = migrationSource({ id: 'a1', down: [], upgrade: ['op.drop_column("t", "c")'] });
  const shipped = new Map([
    ['/p/a.py', { where: 'main', text: src }],
    ['/p/b.py', { where: 'tag v2', text: src }],
    ['/p/c.py', { where: 'main', text: src }],
  ]);
  const current = new Map([
    ['/p/a.py', src],
    ['/p/b.py', src.replace('"c"', '"d"')],
    ['/p/c.py', src.replace('Create Date: 2024', 'Create Date: 2031')],
    ['/p/new.py', src],
  ]);
  const problems = editedShippedMigrations(current, shipped);
  assert.deepEqual(
    problems.map((p) => p.file),
    ['/p/b.py'],
  );
  assert.match(problems[0].message, /it is on tag v2/);
  assert.equal(src.replace('"c"', '"d"').split('\n')[problems[0].range.start.line].trim(), 'op.drop_column("t", "d")');
});
