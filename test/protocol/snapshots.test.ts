import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HoverRequest } from 'vscode-languageserver-protocol/node';
import { startServer, uri, type TestServer } from '../support/lspClient';
import { ProjectsRequest, RevisionGraphRequest, type RevisionGraphResult, unpackRevisionGraph } from '../../server/src/shared/protocol';
import { benchRevisions, writeProject } from '../support/generateProject';
import { tempDir } from '../support/tempDir';

const tmp = tempDir;

async function graphOf(server: TestServer): Promise<RevisionGraphResult> {
  const [project] = await server.connection.sendRequest(ProjectsRequest);
  const g = unpackRevisionGraph(await server.connection.sendRequest(RevisionGraphRequest, { projectId: project.id }));
  assert.ok(g);
  return g;
}

async function session<T>(dir: string, cacheDir: string, fn: (s: TestServer) => Promise<T>): Promise<T> {
  const server = await startServer(dir, { initializationOptions: { cacheDir } });
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

test('a reopened project answers with the graph saved at shutdown, the same as reading every file', async () => {
  const dir = tmp('alembic-snap-');
  const cacheDir = path.join(tmp('alembic-snap-cache-'), 'graph-snapshots');
  writeProject(dir, benchRevisions(600, { mergeEvery: 40, finalHeads: 2 }));
  const first = await session(dir, cacheDir, graphOf);
  assert.equal(first.nodes.length, 600);
  assert.equal(fs.readdirSync(cacheDir).filter((f) => f.endsWith('.json')).length, 1, 'shutdown saves one snapshot per project');
  const second = await session(dir, cacheDir, async (s) => {
    const g = await graphOf(s);
    // The index is read behind the snapshot: requests that need it are answered too.
    const file = first.nodes[0].uri;
    const hover = await s.connection.sendRequest(HoverRequest.type, { textDocument: { uri: file }, position: first.nodes[0].range.start });
    return { g, hover, logs: [...s.logs] };
  });
  assert.ok(
    second.logs.some((l) => /600 revisions shown from the graph saved last time/.test(l)),
    second.logs.join('\n'),
  );
  assert.deepEqual(second.g.nodes, first.nodes);
  assert.deepEqual(second.g.heads, first.heads);
  assert.deepEqual(second.g.bases, first.bases);
  assert.equal(second.g.generation, 1);
  assert.match(JSON.stringify(second.hover?.contents), new RegExp(first.nodes[0].id));
});

test('a migration edited while the editor was closed makes the snapshot unusable: the graph is read from disk', async () => {
  const dir = tmp('alembic-snap-');
  const cacheDir = tmp('alembic-snap-cache-');
  writeProject(dir, benchRevisions(50, { finalHeads: 1 }));
  const first = await session(dir, cacheDir, graphOf);
  const versions = path.join(dir, 'migrations', 'versions');
  const name = fs
    .readdirSync(versions)
    .filter((f) => f.endsWith('.py'))
    .sort()[25];
  const file = path.join(versions, name);
  const text = fs.readFileSync(file, 'utf8');
  const parent = /down_revision = '([^']+)'/.exec(text)![1];
  // Same length, different parent: only the file's times and content tell.
  fs.writeFileSync(file, text.replace(`down_revision = '${parent}'`, `down_revision = '${'f'.repeat(parent.length)}'`));
  const { g: second, logs } = await session(dir, cacheDir, async (s) => ({ g: await graphOf(s), logs: [...s.logs] }));
  assert.ok(!logs.some((l) => /saved last time/.test(l)), 'the snapshot was not used');
  assert.notDeepEqual(second.nodes, first.nodes);
  const edited = second.nodes.find((n) => n.uri === uri(file))!;
  assert.ok(edited.flags.includes('missing-parent'), JSON.stringify(edited));
  assert.equal(second.heads.length, 2, 'the cut-off chain is a second head');
});

test('a file added while the editor was closed joins the graph; a corrupt or unwritable cache is ignored', async () => {
  const dir = tmp('alembic-snap-');
  const cacheDir = tmp('alembic-snap-cache-');
  const revs = benchRevisions(30, { finalHeads: 1 });
  writeProject(dir, revs);
  await session(dir, cacheDir, graphOf);
  const versions = path.join(dir, 'migrations', 'versions');
  fs.writeFileSync(path.join(versions, 'zz_extra.py'), `"""extra\n"""\nrevision = 'extra0001'\ndown_revision = '${revs[29].id}'\n`);
  const second = await session(dir, cacheDir, graphOf);
  assert.equal(second.nodes.length, 31);
  assert.deepEqual(second.heads, ['extra0001']);

  for (const f of fs.readdirSync(cacheDir)) fs.writeFileSync(path.join(cacheDir, f), '{"format": 1, "payload": ');
  const third = await session(dir, cacheDir, graphOf);
  assert.deepEqual(third.nodes, second.nodes);

  // A cache path that is a regular file: saving fails, is logged, and nothing else changes.
  const notADir = path.join(tmp('alembic-snap-file-'), 'file');
  fs.writeFileSync(notADir, 'x');
  for (let i = 0; i < 2; i++) assert.deepEqual((await session(dir, notADir, graphOf)).nodes, second.nodes);
  assert.equal(fs.readFileSync(notADir, 'utf8'), 'x');
});
