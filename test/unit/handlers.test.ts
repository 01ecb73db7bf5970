/**
 * Request handlers against a small fake context (no connection, no server process): each is a
 * function of what it reads, so its answers are checked in milliseconds. The protocol suite
 * checks the wiring.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-languageserver-protocol';
import { hover, workspaceSymbols, projects } from '../../server/src/handlers/info';
import { newRevision } from '../../server/src/handlers/codeActions';
import { completion, definition, references, rename } from '../../server/src/handlers/navigation';
import { posOf } from '../support/sourceText';
import type { HandlerContext } from '../../server/src/handlers/context';
import { discoverProjects } from '../../server/src/alembic/discovery';
import { ProjectIndex } from '../../server/src/alembic/projectIndex';
import { LineIndex } from '../../server/src/text/sourceText';
import { pathToUri, uriToPath } from '../../server/src/uris';
import type { DatabaseState } from '../../server/src/shared/protocol';
import { writeProject } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import type { GitStatus } from '../../server/src/state/gitTracker';

function fakeContext(dir: string, opts: { trusted?: boolean; db?: DatabaseState; git?: GitStatus } = {}): HandlerContext & { index: ProjectIndex } {
  const index = ProjectIndex.load(discoverProjects(dir)[0]);
  return {
    index,
    workspace: { projectsOfFile: (f) => (index.versionLocationOf(f) !== undefined ? [index] : []), folderOfProject: () => dir, allProjects: () => [index] },
    trusted: opts.trusted ?? true,
    parsed: () => undefined,
    lintProblemsOf: () => [],
    databaseState: () => opts.db ?? { kind: 'unknown' },
    gitStatus: () => opts.git,
    projectUri: (p) => pathToUri(p.project.id),
    projectByUri: (u) => (uriToPath(u) === index.project.id ? index : undefined),
    startupProjects: [],
    snapshotGraph: () => undefined,
  };
}

const token = new CancellationTokenSource().token;
const REVS = [
  { id: 'aaa000000001', down: [], message: 'create users' },
  { id: 'bbb000000002', down: ['aaa000000001'], message: 'add orders table' },
];

test('hover on a down_revision names the parent and its state in the database the client reported', () => {
  const dir = tempDir('handlers-');
  writeProject(dir, REVS);
  const ctx = fakeContext(dir, { db: { kind: 'ok', revisions: ['aaa000000001'], database: 'app', readAt: '2026-01-01T00:00:00Z' } });
  const file = ctx.index.migrationFiles().find((m) => m.file.includes('bbb000000002'))!.file;
  const text = fs.readFileSync(file, 'utf8');
  const at = text.indexOf("down_revision = '") + "down_revision = '".length + 2;
  const h = hover(ctx, { textDocument: { uri: pathToUri(file) }, position: new LineIndex(text).positionAt(at) }, token);
  const value = (h?.contents as { value: string }).value;
  assert.match(value, /\*\*create users\*\*/);
  assert.match(value, /\*\*current\*\* in the database/);
  assert.match(value, /- Children: `bbb000000002`/);
  assert.ok(!value.includes(path.basename(file)), 'it describes the parent, not the file hovered');
});

test('workspace symbols find revisions by id prefix and by message words; projects report their counts', () => {
  const dir = tempDir('handlers-');
  writeProject(dir, REVS);
  const ctx = fakeContext(dir);
  assert.deepEqual(
    workspaceSymbols(ctx, { query: 'orders table' }, token)!.map((s) => s.name),
    ['bbb000000002 add orders table'],
  );
  assert.deepEqual(
    workspaceSymbols(ctx, { query: 'aaa0' }, token)!.map((s) => s.name),
    ['aaa000000001 create users'],
  );
  assert.equal(projects(ctx)[0].revisionCount, 2);
});

test('newRevision renders nothing in an untrusted workspace, and the file alembic would write when trusted', () => {
  const dir = tempDir('handlers-');
  writeProject(dir, REVS);
  const projectId = pathToUri(discoverProjects(dir)[0].id);
  const refused = newRevision(fakeContext(dir, { trusted: false }), { projectId, message: 'add invoices', parents: ['bbb000000002'] });
  assert.equal(refused.kind, 'error');
  const ok = newRevision(fakeContext(dir), { projectId, message: 'add invoices', parents: ['bbb000000002'] });
  assert.equal(ok.kind, 'ok');
  assert.match(ok.kind === 'ok' ? ok.text : '', /down_revision = 'bbb000000002'/);
  assert.equal(newRevision(fakeContext(dir), { projectId, message: 'x', parents: ['nope'] }).kind, 'error');
});

test('definition, references, rename and completion answer from the index alone', () => {
  const dir = tempDir('handlers-');
  writeProject(dir, [...REVS, { id: 'ccc000000003', down: ['bbb000000002'], message: 'add invoices' }]);
  const ctx = fakeContext(dir);
  const fileOf = (id: string): string => ctx.index.migrationFiles().find((m) => m.file.includes(id))!.file;
  const child = fileOf('ccc000000003');
  const text = fs.readFileSync(child, 'utf8');
  const onParent = { textDocument: { uri: pathToUri(child) }, position: posOf(text, "down_revision = '", "down_revision = '".length + 3) };
  const def = definition(ctx, onParent, token);
  assert.equal(def?.uri, pathToUri(fileOf('bbb000000002')));
  const refs = references(ctx, { ...onParent, context: { includeDeclaration: true } }, token)!;
  assert.ok(refs.some((r) => r.uri === pathToUri(child)) && refs.some((r) => r.uri === pathToUri(fileOf('bbb000000002'))), JSON.stringify(refs));
  const edit = rename(ctx, { ...onParent, newName: 'bbb999999999' })!;
  assert.ok(Object.keys(edit.changes!).length >= 2, 'the declaration and the child are both renamed');
  const items = completion(ctx, onParent, token)!.map((c) => c.label);
  assert.ok(items.includes('aaa000000001') && !items.includes('ccc000000003'), `heads and others, never itself: ${items.join(', ')}`);
});
