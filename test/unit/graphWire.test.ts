/**
 * `alembic/revisionGraph` goes compact on the wire (files relative to their version location,
 * the range as numbers, empty lists left out); unpackRevisionGraph must give back every node
 * exactly as the index knows it — across two version locations, a merge, labels, a dependency,
 * a multi-line revision literal and a file the fast path leaves to the scanner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeProject, migrationText } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { discoverProjects } from '../../server/src/alembic/discovery';
import { ProjectIndex } from '../../server/src/alembic/projectIndex';
import { graphResult } from '../../server/src/handlers/info';
import type { HandlerContext } from '../../server/src/handlers/context';
import { pathToUri } from '../../server/src/uris';
import { unpackRevisionGraph } from '../../server/src/shared/protocol';
import { revisionFlags } from '../../server/src/alembic/revisionFlags';
import { createDateOf, messageOf, revisionRangeOf } from '../../server/src/alembic/migrationFacts';

test('the compact graph unpacks to every node as the index has it', () => {
  const dir = tempDir('graph-wire-');
  const ini = writeProject(dir, [
    { id: 'a1', down: [], labels: ['core'], message: 'base' },
    { id: 'b1', down: ['a1'], message: 'left' },
    { id: 'c1', down: ['a1'], dependsOn: ['b1'], message: 'right' },
    { id: 'd1', down: ['b1', 'c1'], message: 'merge' },
  ]);
  // A second version location with a file in a folder whose name needs escaping in a URI, a
  // revision literal over two lines (the scanner reads it), and one in the usual shape.
  const more = path.join(dir, 'more_ü');
  fs.mkdirSync(more);
  fs.appendFileSync(ini, 'version_locations = %(here)s/migrations/versions %(here)s/more_ü\n');
  fs.writeFileSync(path.join(more, 'e1.py'), `"""tail"""\nrevision = (\n    'e1'\n)\ndown_revision = 'd1'\n`);
  fs.writeFileSync(path.join(more, 'f1.py'), migrationText('f1', 'e1', 'after tail'));
  const project = discoverProjects(dir)[0];
  assert.equal(project.versionLocations.length, 2, JSON.stringify(project.versionLocations));
  const index = ProjectIndex.load(project);
  const ctx = { projectUri: (p: ProjectIndex) => pathToUri(p.project.id) } as unknown as HandlerContext;
  const wire = graphResult(ctx, index);
  assert.deepEqual(
    wire.locations,
    project.versionLocations.map((l) => `${pathToUri(l)}/`),
  );
  const g = unpackRevisionGraph(wire);
  const graph = index.graph;
  assert.equal(g.nodes.length, 6);
  for (const n of g.nodes) {
    const node = graph.get(n.id)!;
    const m = node.migration;
    assert.equal(n.uri, pathToUri(m.file), n.id);
    assert.deepEqual(n.range, revisionRangeOf(m), n.id);
    assert.equal(n.message, messageOf(m), n.id);
    assert.equal(n.createDate, createDateOf(m) || undefined, n.id);
    assert.deepEqual(n.parents, node.parents, n.id);
    assert.deepEqual(n.children, node.children, n.id);
    assert.deepEqual(n.labels, graph.labelsOf(n.id), n.id);
    assert.deepEqual(n.dependencies, node.dependencies, n.id);
    assert.deepEqual(n.flags, revisionFlags(graph, n.id), n.id);
  }
  const e1 = g.nodes.find((n) => n.id === 'e1')!;
  assert.equal(e1.range.start.line, 2);
  assert.equal(e1.uri.endsWith('/more_%C3%BC/e1.py'), true, e1.uri);
  assert.deepEqual(g.nodes.find((n) => n.id === 'd1')!.flags, ['mergepoint']);
  assert.deepEqual(g.nodes.find((n) => n.id === 'c1')!.dependencies, ['b1']);
  // Empty lists are not sent.
  const base = wire.nodes.find((n) => n.id === 'f1')!;
  assert.equal('children' in base, false);
  assert.equal(JSON.stringify(wire).length < JSON.stringify(g).length, true);
});
