/**
 * The bundled server on a workspace a hostile repository could be (test/support/hostileProject.ts):
 * it answers its graph, reports the FIFO, the socket and the device links as unparsable
 * migrations instead of reading them (a read would block or never end), stays responsive,
 * and refuses to place new revisions outside their version location.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeActionRequest, HoverRequest, type CodeAction, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { startServer, uri, type TestServer } from '../support/lspClient';
import { makeHostileWorkspace, type HostileWorkspace } from '../support/hostileProject';
import { NewRevisionRequest, ProjectsRequest, RevisionGraphRequest, type ProjectInfo, unpackRevisionGraph } from '../../server/src/shared/protocol';

/** A request that gets no answer fails the test instead of hanging it. */
function within<T>(p: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to ${what} within ${ms} ms`)), ms);
    }),
  ]);
}

let ws: HostileWorkspace;
let server: TestServer;
let projects: ProjectInfo[];

function projectOf(dir: string): ProjectInfo {
  const p = projects.find((x) => x.configUri === uri(path.join(dir, 'alembic.ini')));
  assert.ok(p, `project in ${dir}`);
  return p;
}

before(async () => {
  ws = await makeHostileWorkspace();
  server = await within(startServer(ws.root), 'initialize');
  projects = await within(server.connection.sendRequest(ProjectsRequest), 'alembic/projects');
});

after(async () => {
  await server?.stop();
  await ws?.close();
});

test('the graph of a versions folder with a FIFO, a socket and links to /dev/zero and /dev/stdin is answered', async () => {
  const g = unpackRevisionGraph(
    await within(server.connection.sendRequest(RevisionGraphRequest, { projectId: projectOf(ws.hostile.dir).id }), 'alembic/revisionGraph'),
  )!;
  assert.deepEqual(g.nodes.map((n) => n.id).sort(), ['aaa111', 'bbb222']);
});

test('each special file gets unparsable-migration "not a regular file"', async () => {
  for (const [what, file] of Object.entries(ws.hostile.special)) {
    const d = await server.waitForDiagnostics(uri(file), (ds) => ds.some((x) => x.code === 'unparsable-migration'));
    const p = d.find((x) => x.code === 'unparsable-migration')!;
    const message = typeof p.message === 'string' ? p.message : p.message.value;
    assert.match(message, /not a regular file/, `${what}: ${message}`);
  }
});

test('the server stays responsive: a hover afterwards answers', async () => {
  const text = ws.hostile.goodText;
  const i = text.indexOf("revision = 'aaa111'") + "revision = '".length + 2;
  const line = text.slice(0, i).split('\n').length - 1;
  const character = i - text.lastIndexOf('\n', i - 1) - 1;
  const hover = await within(
    server.connection.sendRequest(HoverRequest.type, { textDocument: { uri: uri(ws.hostile.goodFile) }, position: { line, character } }),
    'hover',
  );
  assert.ok(hover, 'a hover on the revision id');
});

test('alembic/newRevision refuses a file_template that leaves the version location with ..', async () => {
  const r = await within(
    server.connection.sendRequest(NewRevisionRequest, { projectId: projectOf(ws.hostile.dir).id, message: 'escape', parents: ['aaa111'] }),
    'alembic/newRevision',
  );
  assert.equal(r.kind, 'error');
  assert.match(r.kind === 'error' ? r.message : '', /file_template makes '\.\.\/\.\.\/escaped_\w+\.py', which leaves the version location .* through '\.\.'/);
  assert.deepEqual(
    fs.readdirSync(ws.hostile.dir).filter((f) => f.startsWith('escaped_')),
    [],
  );
  assert.deepEqual(
    fs.readdirSync(ws.root).filter((f) => f.startsWith('escaped_')),
    [],
  );
});

test('the merge-heads quick fix is offered disabled, with the reason, when the template escapes', async () => {
  const head = path.join(ws.hostile.versions, 'bbb222_second_head.py');
  const withHeads = (ds: Diagnostic[]): boolean => ds.some((x) => x.code === 'multiple-heads');
  const [file, diags] = await Promise.any([ws.hostile.goodFile, head].map(async (f) => [f, await server.waitForDiagnostics(uri(f), withHeads)] as const));
  const d = diags.find((x) => x.code === 'multiple-heads')!;
  const actions = (await within(
    server.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: uri(file) },
      range: d.range,
      context: { diagnostics: [d] },
    }),
    'codeAction',
  )) as CodeAction[];
  const merge = actions.find((a) => /merge revision/i.test(a.title));
  assert.ok(merge, actions.map((a) => a.title).join('\n'));
  assert.equal(merge.edit, undefined);
  assert.match(merge.disabled?.reason ?? '', /leaves the version location/);
});

test('alembic/newRevision refuses a version location that is a symlink out of the workspace', async () => {
  const r = await within(
    server.connection.sendRequest(NewRevisionRequest, { projectId: projectOf(ws.linked.dir).id, message: 'out', parents: ['ddd444'] }),
    'alembic/newRevision',
  );
  assert.equal(r.kind, 'error');
  assert.match(r.kind === 'error' ? r.message : '', /resolves to .*, outside /);
  assert.deepEqual(fs.readdirSync(ws.linked.outside), ['ddd444_base.py']);
});

test('alembic/newRevision refuses a script.py.mako that is a FIFO, without waiting on it', async () => {
  const r = await within(
    server.connection.sendRequest(NewRevisionRequest, { projectId: projectOf(ws.pipeTemplate.dir).id, message: 'next', parents: ['ccc333'] }),
    'alembic/newRevision',
  );
  assert.equal(r.kind, 'error');
  assert.match(r.kind === 'error' ? r.message : '', /script\.py\.mako cannot be used: not a regular file/);
});
