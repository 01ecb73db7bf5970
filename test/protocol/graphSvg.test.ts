/**
 * *Export SVG* in the graph view renders the language server's `alembic/revisionGraph` answer;
 * `alembic-migrations graph --svg` renders the CLI's own reading of the project. The two must be
 * the same file, byte for byte, on a project with merges, labels and depends_on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../support/lspClient';
import { cli } from '../support/cli';
import { benchRevisions, genId, writeProject, type GenRevision } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { ProjectsRequest, RevisionGraphRequest, unpackRevisionGraph } from '../../server/src/shared/protocol';
import { renderGraphSvg } from '../../server/src/shared/graphSvg';

function revisions(): GenRevision[] {
  const revs = benchRevisions(90, { mergeEvery: 15, finalHeads: 2 });
  const id = (n: number): string => genId(n, 3);
  revs.push({ id: id(0), down: [], labels: ['reports'], message: 'reports <base> & "more"' });
  revs.push({ id: id(1), down: [id(0)], dependsOn: [revs[30].id], message: 'reports needs core' });
  revs.push({ id: id(2), down: [id(1), revs[60].id], message: 'merge reports into core' });
  return revs;
}

test('Export SVG (the server graph) and graph --svg (the CLI) write the same file', async () => {
  const dir = tempDir('proto-svg-');
  writeProject(dir, revisions());
  const server = await startServer(dir);
  try {
    const [project] = await server.connection.sendRequest(ProjectsRequest);
    const graph = unpackRevisionGraph(await server.connection.sendRequest(RevisionGraphRequest, { projectId: project.id }));
    assert.ok(graph);
    const exported = renderGraphSvg([{ title: project.name, revisions: graph.nodes }]);
    const printed = await cli(['graph', dir, '--svg']);
    assert.equal(printed.code, 0, printed.err);
    assert.equal(exported, printed.out);
    assert.equal([...exported.matchAll(/<g data-revision=/g)].length, 93);
  } finally {
    await server.stop();
  }
});
