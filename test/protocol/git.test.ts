/**
 * The language server reading git (real repositories in temporary folders): stale parents after
 * main moved on, with the *Re-point onto main's head* quick fix applied and re-checked; an
 * edited shipped migration; provenance in `alembic/gitInfo` and the hover; the lint scope
 * (shipped migrations: hints while open, nothing while closed); a branch switch re-read through
 * the `.git/HEAD` watcher; and `alembic/locateRevision` for a revision only another branch has.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CodeActionRequest,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  HoverRequest,
  type CodeAction,
  type Diagnostic,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { startServer, uri, type TestServer } from '../support/lspClient';
import { writeProject } from '../support/generateProject';
import { commitAll, git, initRepo, writeMigration } from '../support/gitRepo';
import { tempDir } from '../support/tempDir';
import { GitInfoRequest, LocateRevisionRequest, ProjectsRequest, WorkspaceTrustNotification, type GitInfoResult } from '../../server/src/shared/protocol';

const servers: TestServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const A = 'aaaa00000001';
const MAIN = 'cccc00000001';
const FIRST = 'bbbb00000001';
const SECOND = 'bbbb00000002';

const versions = (dir: string): string => path.join(dir, 'migrations', 'versions');
/** A migration file by its id (writeProject adds a slug to the name, writeMigration does not). */
const fileOf = (dir: string, id: string): string =>
  path.join(versions(dir), fs.readdirSync(versions(dir)).find((f) => f.startsWith(id) || f.endsWith(`_${id}.py`)) ?? `${id}.py`);

/** main: A (drops a column), then C on A. feature (from A): B1 on A, B2 on B1, main merged in. Checked out: feature. */
function mergedBranches(): string {
  const dir = tempDir('alembic-gitlsp-');
  writeProject(dir, [{ id: A, down: [], message: 'create users', upgrade: ["op.drop_column('users', 'legacy')"] }]);
  initRepo(dir);
  commitAll(dir, 'first');
  git(dir, 'checkout', '-q', '-b', 'feature');
  writeMigration(dir, { id: FIRST, down: [A], message: 'feature one', upgrade: ["op.drop_column('users', 'nickname')"] });
  writeMigration(dir, { id: SECOND, down: [FIRST], message: 'feature two' });
  commitAll(dir, 'feature work');
  git(dir, 'checkout', '-q', 'main');
  writeMigration(dir, { id: MAIN, down: [A], message: 'add orders' });
  commitAll(dir, 'main moves on');
  git(dir, 'checkout', '-q', 'feature');
  git(dir, 'merge', '-q', '--no-edit', 'main');
  return dir;
}

function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

async function actionsFor(server: TestServer, file: string, d: Diagnostic): Promise<CodeAction[]> {
  return (await server.connection.sendRequest(CodeActionRequest.type, {
    textDocument: { uri: uri(file) },
    range: d.range,
    context: { diagnostics: [d] },
  })) as CodeAction[];
}

const codes = (ds: Diagnostic[]): string[] => ds.map((d) => String(d.code));
const messageOf = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : d.message.value);

test("stale-down-revision on the branch's first migration; Re-point onto main's head fixes it and the heads", async () => {
  const dir = mergedBranches();
  const server = await startServer(dir);
  servers.push(server);
  const first = fileOf(dir, FIRST);
  const ds = await server.waitForDiagnostics(uri(first), (d) => codes(d).includes('stale-down-revision'));
  const stale = ds.find((d) => d.code === 'stale-down-revision')!;
  assert.equal(stale.severity, 2);
  assert.match(messageOf(stale), new RegExp(`main has moved on: its head is \`${MAIN}\` \\(add orders\\); this migration still revises \`${A}\``));
  const second = await server.waitForDiagnostics(uri(fileOf(dir, SECOND)), () => true).catch(() => []);
  assert.ok(!codes(second).includes('stale-down-revision'), 'only the first migration of the branch');

  // multiple-heads offers the same re-point, next to the merge revision.
  const heads = await server.waitForDiagnostics(uri(fileOf(dir, SECOND)), (d) => codes(d).includes('multiple-heads'));
  const headActions = await actionsFor(
    server,
    fileOf(dir, SECOND),
    heads.find((d) => d.code === 'multiple-heads')!,
  );
  assert.ok(
    headActions.some((a) => a.title === `Re-point ${FIRST} onto main's head ${MAIN} (add orders)`),
    headActions.map((a) => a.title).join('\n'),
  );
  assert.ok(headActions.some((a) => /merge revision/.test(a.title)));

  const actions = await actionsFor(server, first, stale);
  const repoint = actions.find((a) => a.title === `Re-point this migration onto main's head ${MAIN} (add orders)`);
  assert.ok(repoint?.edit?.changes, actions.map((a) => a.title).join('\n'));
  assert.equal(repoint.isPreferred, true);
  const before = fs.readFileSync(first, 'utf8');
  const after = applyEdits(before, repoint.edit.changes[uri(first)]);
  assert.match(after, new RegExp(`^down_revision = '${MAIN}'`, 'm'));
  assert.match(after, new RegExp(`^Revises: ${MAIN}$`, 'm'), 'the docstring header follows');
  assert.equal(fs.readFileSync(fileOf(dir, SECOND), 'utf8').includes(`down_revision = '${FIRST}'`), true, 'the chain is kept');
  fs.writeFileSync(first, after);
  await server.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uri(first), type: FileChangeType.Changed }] });
  await server.waitForDiagnostics(uri(first), (d) => !codes(d).includes('stale-down-revision') && !codes(d).includes('header-mismatch'));
  await server.waitForDiagnostics(uri(fileOf(dir, SECOND)), (d) => !codes(d).includes('multiple-heads'));
});

test('provenance: gitInfo and the hover say which commit added a revision and whether it is on main', async () => {
  const dir = mergedBranches();
  const server = await startServer(dir);
  servers.push(server);
  const [project] = await server.connection.sendRequest(ProjectsRequest);
  let info: GitInfoResult | null = null;
  // The branch facts come first, the provenance (the whole history's log) right after.
  for (let i = 0; i < 200 && !info?.revisions[A]?.added; i++) {
    info = await server.connection.sendRequest(GitInfoRequest, { projectId: project.id });
    if (!info?.revisions[A]?.added) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(info && !info.unavailable, JSON.stringify(info));
  assert.equal(info.base, 'main');
  assert.equal(info.revisions[A].onBase, true);
  assert.equal(info.revisions[A].addedOnBranch, false);
  assert.equal(info.revisions[A].added?.subject, 'first');
  assert.equal(info.revisions[FIRST].addedOnBranch, true);
  assert.equal(info.revisions[FIRST].onBase, false);
  assert.equal(info.revisions[FIRST].added?.subject, 'feature work');
  assert.equal(info.revisions[FIRST].added?.commit, git(dir, 'rev-parse', 'HEAD^1').trim(), "the branch's commit, not the merge");
  assert.equal(info.revisions[MAIN].onBase, true);

  const second = fileOf(dir, SECOND);
  const text = fs.readFileSync(second, 'utf8');
  await server.open(second, text);
  const line = text.split('\n').findIndex((l) => l.startsWith('down_revision'));
  const hover = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri: uri(second) }, position: { line, character: 18 } });
  const value = hover && !Array.isArray(hover.contents) && typeof hover.contents === 'object' ? hover.contents.value : '';
  assert.match(value, /Git: added in [0-9a-f]{7} “feature work” by t, just now · added on this branch/);
});

test('an edited shipped migration is reported; the lint scope shows shipped files only as hints while open', async () => {
  const dir = mergedBranches();
  const shippedFile = fileOf(dir, A);
  fs.writeFileSync(shippedFile, fs.readFileSync(shippedFile, 'utf8').replace("op.drop_column('users', 'legacy')", "op.drop_column('users', 'legacy2')"));
  const server = await startServer(dir);
  servers.push(server);
  const closed = await server.waitForDiagnostics(uri(shippedFile), (d) => codes(d).includes('edited-shipped-migration'));
  assert.match(messageOf(closed.find((d) => d.code === 'edited-shipped-migration')!), /it is on main/);
  assert.ok(!codes(closed).includes('ban-drop-column'), `a shipped, closed file: no safety rules (${codes(closed).join()})`);
  // The diff is one click away: the quick fix carries the shipped text for the client's diff view.
  const diffAction = (
    await actionsFor(
      server,
      shippedFile,
      closed.find((d) => d.code === 'edited-shipped-migration')!,
    )
  ).find((x) => /Show the changes since it shipped \(main\)/.test(x.title));
  assert.equal(diffAction?.command?.command, 'alembic.git.showShippedDiff');
  const arg = diffAction.command.arguments?.[0] as { text: string; uri: string };
  assert.match(arg.text, /op\.drop_column\('users', 'legacy'\)/);
  assert.equal(arg.uri, uri(shippedFile));
  // The branch's own migration: the safety rule as configured.
  const own = await server.waitForDiagnostics(uri(fileOf(dir, FIRST)), (d) => codes(d).includes('ban-drop-column'));
  assert.equal(own.find((d) => d.code === 'ban-drop-column')!.severity, 2);
  // Opened: the shipped file's safety findings appear as hints.
  await server.open(shippedFile, fs.readFileSync(shippedFile, 'utf8'));
  const opened = await server.waitForDiagnostics(uri(shippedFile), (d) => codes(d).includes('ban-drop-column'));
  assert.equal(opened.find((d) => d.code === 'ban-drop-column')!.severity, 4, 'a hint');
  assert.equal(opened.find((d) => d.code === 'edited-shipped-migration')!.severity, 2, 'git rules keep their severity');

  const all = await startServer(dir, { settings: { lint: { scope: 'all' } } });
  servers.push(all);
  const everything = await all.waitForDiagnostics(uri(shippedFile), (d) => codes(d).includes('ban-drop-column'));
  assert.equal(everything.find((d) => d.code === 'ban-drop-column')!.severity, 2, 'scope "all": as today');
});

test('a branch switch is read again through the .git/HEAD watcher: on main nothing is stale', async () => {
  const dir = mergedBranches();
  const server = await startServer(dir);
  servers.push(server);
  const first = fileOf(dir, FIRST);
  await server.waitForDiagnostics(uri(first), (d) => codes(d).includes('stale-down-revision'));
  // On a branch made from main plus a new migration on main's head: nothing stale.
  git(dir, 'checkout', '-q', '-b', 'good', 'main');
  writeMigration(dir, { id: 'dddd00000001', down: [MAIN], message: 'on the head' });
  await server.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
    changes: [
      { uri: uri(path.join(dir, '.git', 'HEAD')), type: FileChangeType.Changed },
      { uri: uri(first), type: FileChangeType.Deleted },
      { uri: uri(fileOf(dir, SECOND)), type: FileChangeType.Deleted },
      { uri: uri(fileOf(dir, 'dddd00000001')), type: FileChangeType.Created },
    ],
  });
  await server.waitForDiagnostics(uri(first), (d) => d.length === 0);
  assert.ok(!codes(server.diagnostics.get(uri(fileOf(dir, 'dddd00000001'))) ?? []).includes('stale-down-revision'));
});

test('locateRevision: a revision only another branch has, with the missing chain down to the common ancestor', async () => {
  const dir = mergedBranches();
  git(dir, 'checkout', '-q', 'main');
  const server = await startServer(dir);
  servers.push(server);
  const [project] = await server.connection.sendRequest(ProjectsRequest);
  let r = await server.connection.sendRequest(LocateRevisionRequest, { projectId: project.id, revision: SECOND });
  for (let i = 0; i < 100 && r.kind === 'unavailable'; i++) {
    await new Promise((res) => setTimeout(res, 50));
    r = await server.connection.sendRequest(LocateRevisionRequest, { projectId: project.id, revision: SECOND });
  }
  assert.equal(r.kind, 'found', r.message);
  assert.ok(
    r.locations.some((l) => l.ref === 'feature' && l.path === `migrations/versions/${SECOND}.py`),
    JSON.stringify(r.locations),
  );
  assert.deepEqual(
    r.chain?.migrations.map((m) => m.id),
    [SECOND, FIRST],
  );
  assert.deepEqual(r.chain?.commonAncestors, [A]);
  assert.equal(r.chain?.migrations[0].uri, uri(fileOf(dir, SECOND)));
  assert.match(r.chain?.migrations[1].text ?? '', new RegExp(`revision = '${FIRST}'`));
  assert.ok(!fs.existsSync(fileOf(dir, SECOND)), 'nothing written');
  const none = await server.connection.sendRequest(LocateRevisionRequest, { projectId: project.id, revision: 'ffff99999999' });
  assert.equal(none.kind, 'not-found');
});

test('the history is kept between sessions: the next start reads only the commits since', async () => {
  const dir = mergedBranches();
  const cacheDir = tempDir('alembic-gitcache-');
  const waitInfo = async (server: TestServer, id: string): Promise<GitInfoResult> => {
    const [project] = await server.connection.sendRequest(ProjectsRequest);
    for (let i = 0; i < 200; i++) {
      const info = await server.connection.sendRequest(GitInfoRequest, { projectId: project.id });
      if (info?.revisions[id]?.added) return info;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no provenance for ${id}`);
  };
  const first = await startServer(dir, { initializationOptions: { cacheDir } });
  servers.push(first);
  await waitInfo(first, A);
  assert.ok(
    first.logs.some((l) => /history read in \d+ ms \(whole history, 4 files\)/.test(l)),
    first.logs.join('\n'),
  );
  await first.stop();
  assert.ok(fs.readdirSync(cacheDir).some((f) => f.startsWith('git-provenance-')));
  writeMigration(dir, { id: 'eeee00000001', down: [SECOND], message: 'later' });
  commitAll(dir, 'a later commit');
  const second = await startServer(dir, { initializationOptions: { cacheDir } });
  servers.push(second);
  const info = await waitInfo(second, 'eeee00000001');
  assert.equal(info.revisions['eeee00000001'].added?.subject, 'a later commit');
  assert.equal(info.revisions[A].added?.subject, 'first', 'the kept part');
  assert.ok(
    second.logs.some((l) => /history read in \d+ ms \(since the last read, 5 files\)/.test(l)),
    second.logs.join('\n'),
  );
});

test('untrusted: git is not run (a repository config can run programs) until the workspace is trusted', async () => {
  const dir = mergedBranches();
  // A planted fsmonitor hook would run on `git status`/`git diff`: it must never run untrusted.
  const marker = path.join(dir, '..', `${path.basename(dir)}-fsmonitor-ran`);
  git(dir, 'config', 'core.fsmonitor', `touch ${marker}; false`);
  const server = await startServer(dir, { initializationOptions: { workspaceTrusted: false } });
  servers.push(server);
  const [project] = await server.connection.sendRequest(ProjectsRequest);
  let info: GitInfoResult | null = null;
  for (let i = 0; i < 100 && !info; i++) {
    info = await server.connection.sendRequest(GitInfoRequest, { projectId: project.id });
    if (!info) await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(info?.unavailable ?? '', /untrusted/);
  const first = fileOf(dir, FIRST);
  // The graph's own diagnostics are published; nothing git-derived is.
  await server.waitForDiagnostics(uri(fileOf(dir, SECOND)), (d) => codes(d).includes('multiple-heads'));
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(!codes(server.diagnostics.get(uri(first)) ?? []).includes('stale-down-revision'));
  assert.ok(!fs.existsSync(marker), 'nothing of the repository ran');
  await server.connection.sendNotification(WorkspaceTrustNotification, { trusted: true });
  await server.waitForDiagnostics(uri(first), (d) => codes(d).includes('stale-down-revision'));
});
