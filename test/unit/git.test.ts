/**
 * The git adapter: the pure readers on captured output, and every question asked of real
 * repositories made in temporary folders (git init, commits, branches; no mock of git).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCatFileBatch, parseGrepFiles, parseLsTree, parseNameStatus, parsePorcelainStatus, revisionLinePattern } from '../../server/src/git/gitParse';
import { changedSince, filesAtRef, locateRevision, mergeBase, openRepo, resolveBaseRef, type GitRepo } from '../../server/src/git/gitRepo';
import { runGit } from '../../server/src/git/gitRunner';
import { migrationPathOf, migrationsAtRef } from '../../server/src/git/gitProject';
import { readProject } from '../../server/src/alembic/project';
import { RevisionGraph } from '../../server/src/alembic/revisionGraph';
import { codeLines, firstCodeChange } from '../../server/src/alembic/codeLines';
import { migrationSource } from '../support/generateProject';
import { writeProject } from '../support/generateProject';
import { commitAll, git, initRepo, writeMigration } from '../support/gitRepo';
import { tempDir } from '../support/tempDir';
import { parseAddLog, readProjectGitFacts, updateProvenance } from '../../server/src/git/projectHistory';

test('ls-tree -z: mode, type, object and a path with spaces and non-ASCII, unquoted', () => {
  const out = Buffer.from('100644 blob 7771a24a\tv/a.py\u0000100644 blob 659757c9\tv/b c é.py\u0000040000 tree 1234abcd\tv/sub\u0000');
  assert.deepEqual(parseLsTree(out), [
    { mode: '100644', type: 'blob', oid: '7771a24a', path: 'v/a.py' },
    { mode: '100644', type: 'blob', oid: '659757c9', path: 'v/b c é.py' },
    { mode: '040000', type: 'tree', oid: '1234abcd', path: 'v/sub' },
  ]);
});

test('cat-file --batch: contents by byte size (multi-byte text, embedded newlines) and missing names', () => {
  const body = Buffer.from("revision = 'é'\n\nx = 1\n");
  const out = Buffer.concat([Buffer.from(`7771a24a blob ${body.length}\n`), body, Buffer.from('\nmain:nope.py missing\n'), Buffer.from('abcd blob 0\n\n')]);
  const objects = parseCatFileBatch(out);
  assert.equal(objects.length, 3);
  assert.deepEqual(objects[0].kind === 'found' && objects[0].content.toString('utf8'), "revision = 'é'\n\nx = 1\n");
  assert.deepEqual(objects[1], { kind: 'missing', name: 'main:nope.py' });
  assert.equal(objects[2].kind === 'found' && objects[2].content.length, 0);
});

test('diff --name-status -z and status --porcelain -z, renames included', () => {
  assert.deepEqual(parseNameStatus('A\u0000v/new.py\u0000M\u0000v/old.py\u0000R100\u0000v/a.py\u0000v/b.py\u0000D\u0000v/gone.py\u0000'), [
    { status: 'A', path: 'v/new.py' },
    { status: 'M', path: 'v/old.py' },
    { status: 'R', path: 'v/b.py', from: 'v/a.py' },
    { status: 'D', path: 'v/gone.py' },
  ]);
  assert.deepEqual(parsePorcelainStatus(' M v/a.py\u0000?? v/new file.py\u0000R  v/to.py\u0000v/from.py\u0000'), [
    { x: ' ', y: 'M', path: 'v/a.py' },
    { x: '?', y: '?', path: 'v/new file.py' },
    { x: 'R', y: ' ', path: 'v/to.py', from: 'v/from.py' },
  ]);
  assert.deepEqual(parseGrepFiles('main:v/a.py\u0000feature/x:v/b c.py\u0000'), [
    { rev: 'main', path: 'v/a.py' },
    { rev: 'feature/x', path: 'v/b c.py' },
  ]);
});

test('the revision line pattern: plain, annotated, either quote; the id taken literally', () => {
  const re = new RegExp(revisionLinePattern('ab.c').replace(/\[\[:space:\]\]/g, '\\s'));
  assert.ok(re.test("revision = 'ab.c'"));
  assert.ok(re.test('revision: str = "ab.c"'));
  assert.ok(!re.test("revision = 'abxc'"), 'the dot is literal');
  assert.ok(!re.test("down_revision = 'ab.c'"));
});

test('code lines drop the docstring header, comments, trailing spaces and blank lines, not strings', () => {
  const src = migrationSource({ id: 'aaaa00000001', down: [], upgrade: ["op.execute('SELECT 1  # not a comment')  # a comment"] });
  const code = codeLines(src).map((l) => l.text);
  assert.ok(!code.some((l) => l.includes('Revision ID')));
  assert.ok(code.includes("    op.execute('SELECT 1  # not a comment')"));
  const headerOnly = src.replace('Create Date: 2024-01-01', 'Create Date: 2025-06-30').replace('revision aaaa00000001', 'a better message');
  assert.equal(firstCodeChange(src, headerOnly), undefined);
  const commentOnly = src.replace('# revision identifiers, used by Alembic.', '# ids\n# more words').replace("# not a comment')", "# not a comment')   ");
  assert.equal(firstCodeChange(src, commentOnly), undefined);
  const edited = src.replace('SELECT 1', 'SELECT 2');
  const line = firstCodeChange(src, edited)!;
  assert.match(edited.split('\n')[line], /SELECT 2/);
  assert.notEqual(firstCodeChange(src, src.replace("op.execute('SELECT 1  # not a comment')", "op.execute('SELECT 1  # changed')")), undefined);
});

/** A repository with a project: main has A; `feature` adds B on A; main then adds C on A. */
function repoWithBranches(): { dir: string; repo: GitRepo; ini: string } {
  const dir = tempDir('alembic-git-');
  const ini = writeProject(dir, [{ id: 'aaaa00000001', down: [], message: 'create users' }]);
  initRepo(dir);
  commitAll(dir, 'first');
  git(dir, 'checkout', '-q', '-b', 'feature');
  writeMigration(dir, { id: 'bbbb00000001', down: ['aaaa00000001'], message: 'feature work' });
  commitAll(dir, 'feature');
  git(dir, 'checkout', '-q', 'main');
  writeMigration(dir, { id: 'cccc00000001', down: ['aaaa00000001'], message: 'main work' });
  commitAll(dir, 'main');
  return { dir, ini, repo: { root: fs.realpathSync(dir) } };
}

test('no git, or a folder in no repository: a typed answer, not an exception', async () => {
  const plain = tempDir('alembic-nogit-');
  const r = await openRepo(plain);
  assert.equal(r.kind, 'not-a-repository');
  const missing = await runGit(plain, ['status'], { gitPath: path.join(plain, 'no-such-git') });
  assert.equal(missing.kind, 'no-git');
  assert.equal((await openRepo(plain, { gitPath: path.join(plain, 'no-such-git') })).kind, 'no-git');
});

test('the runner: one log line per run; a timeout or an abort kills the child and says which', async () => {
  const dir = tempDir('alembic-gitrun-');
  const slow = path.join(dir, 'slow-git');
  fs.writeFileSync(slow, '#!/bin/sh\nexec sleep 20\n', { mode: 0o755 });
  const logged: string[] = [];
  const t0 = Date.now();
  const timedOut = await runGit(dir, ['status'], { gitPath: slow, timeoutMs: 200, log: (l) => logged.push(l) });
  assert.equal(timedOut.kind === 'failed' && timedOut.timedOut, true);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const aborted = await runGit(dir, ['status'], { gitPath: slow, signal: controller.signal, log: (l) => logged.push(l) });
  assert.equal(aborted.kind, 'cancelled');
  assert.ok(Date.now() - t0 < 10_000, 'the children were killed, not waited for');
  const ok = await runGit(dir, ['--version'], { log: (l) => logged.push(l) });
  assert.equal(ok.kind, 'ok');
  assert.equal(logged.length, 3);
  assert.match(logged[0], /^git -C .* --no-pager -c core\.quotepath=off .*status: timed out in \d+ ms$/);
  assert.match(logged[1], /status: cancelled in/);
  assert.match(logged[2], /--version: exit 0 in/);
});

test('root, base ref (explicit, origin/HEAD, main), merge base', async () => {
  const { dir } = repoWithBranches();
  const opened = await openRepo(path.join(dir, 'migrations', 'versions'));
  assert.equal(opened.kind, 'repo');
  const repo = (opened as { repo: GitRepo }).repo;
  assert.equal(repo.root, fs.realpathSync(dir));
  assert.equal(await resolveBaseRef(repo), 'main');
  assert.equal(await resolveBaseRef(repo, 'feature'), 'feature');
  assert.equal(await resolveBaseRef(repo, 'no-such-branch'), undefined);
  git(dir, 'update-ref', 'refs/remotes/origin/trunk', 'main');
  git(dir, 'symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/trunk');
  assert.equal(await resolveBaseRef(repo), 'origin/trunk');
  const first = git(dir, 'rev-list', '--max-parents=0', 'HEAD').trim();
  assert.equal(await mergeBase(repo, 'main', 'feature'), first);
});

test("a ref's migrations and revision graph, read with one ls-tree and one cat-file", async () => {
  const { dir, ini, repo } = repoWithBranches();
  const project = readProject(ini, { root: dir });
  const atFeature = await migrationsAtRef(repo, project, 'feature');
  assert.deepEqual(atFeature.map((m) => path.basename(m.migration.file)).sort(), ['00000_aaaa00000001.py', 'bbbb00000001.py']);
  assert.ok(
    atFeature.every((m) => m.migration.file.startsWith(path.join(dir, 'migrations', 'versions'))),
    'named by their working-tree paths',
  );
  const graph = new RevisionGraph(atFeature.map((m) => m.migration));
  assert.deepEqual(graph.heads, ['bbbb00000001']);
  assert.equal(graph.get('bbbb00000001')?.migration.decls.message, 'feature work');
  const all = await filesAtRef(repo, 'main', ['migrations']);
  assert.ok(all.some((f) => f.path === 'migrations/env.py'));
  const loc = [{ absolute: path.join(dir, 'migrations', 'versions'), repoPath: 'migrations/versions' }];
  assert.equal(migrationPathOf(loc, false, 'migrations/env.py'), undefined);
  assert.equal(migrationPathOf(loc, false, 'migrations/versions/sub/x.py'), undefined);
  assert.ok(migrationPathOf(loc, true, 'migrations/versions/sub/x.py'));
  assert.equal(migrationPathOf(loc, true, 'migrations/versions/__init__.py'), undefined);
});

test('changed since a ref: committed on the branch, modified, untracked; deleted left out', async () => {
  const { dir, repo } = repoWithBranches();
  git(dir, 'checkout', '-q', 'feature');
  fs.appendFileSync(path.join(dir, 'migrations', 'versions', '00000_aaaa00000001.py'), '\n# touched\n');
  writeMigration(dir, { id: 'dddd00000001', down: ['bbbb00000001'] });
  const changed = await changedSince(repo, 'main', ['migrations/versions']);
  assert.deepEqual([...changed].sort(), [
    'migrations/versions/00000_aaaa00000001.py',
    'migrations/versions/bbbb00000001.py',
    'migrations/versions/dddd00000001.py',
  ]);
  fs.rmSync(path.join(dir, 'migrations', 'versions', 'bbbb00000001.py'));
  assert.ok(!(await changedSince(repo, 'main', ['migrations/versions'])).has('migrations/versions/bbbb00000001.py'));
});

test('locate: a revision on another branch, on a remote-tracking branch, in the reflog only', async () => {
  const { dir, repo } = repoWithBranches();
  const feature = git(dir, 'rev-parse', 'feature').trim();
  assert.deepEqual(await locateRevision(repo, 'bbbb00000001'), [{ path: 'migrations/versions/bbbb00000001.py', commit: feature, ref: 'feature' }]);
  git(dir, 'update-ref', 'refs/remotes/origin/feature', 'feature');
  assert.deepEqual(
    (await locateRevision(repo, 'bbbb00000001')).map((r) => r.ref),
    ['feature', 'origin/feature'],
  );
  git(dir, 'update-ref', '-d', 'refs/remotes/origin/feature');
  git(dir, 'branch', '-q', '-D', 'feature');
  const fromReflog = await locateRevision(repo, 'bbbb00000001');
  assert.equal(fromReflog.length, 1);
  assert.equal(fromReflog[0].commit, feature);
  assert.match(fromReflog[0].ref, /^HEAD@\{\d+\}$/);
  assert.deepEqual(await locateRevision(repo, 'ffff00000000'), []);
});

test('provenance: parsed from one git log; read again only since the last HEAD after a commit, whole after a checkout elsewhere', async () => {
  const parsed = parseAddLog('\x1ec1\x1fAnn Lee\x1f1700000000\x1fadd: a\x1fb\0\nv/a.py\0v/b c.py\0\x1ec0\x1fBob\x1f1600000000\x1fold\0\nv/a.py\0');
  assert.deepEqual(parsed.get('v/a.py'), { commit: 'c1', author: 'Ann Lee', date: 1700000000, subject: 'add: a\x1fb' }, 'the newest add wins');
  assert.equal(parsed.get('v/b c.py')?.commit, 'c1');

  const dir = tempDir('alembic-prov-');
  writeProject(dir, [{ id: 'aaaa00000001', down: [] }]);
  initRepo(dir);
  commitAll(dir, 'first');
  const repo = { root: fs.realpathSync(dir) };
  const project = readProject(path.join(dir, 'alembic.ini'));
  const facts = await readProjectGitFacts(repo, project, [], {});
  assert.equal(facts.provenance.size, 1);
  assert.equal([...facts.provenance.values()][0].subject, 'first');
  writeMigration(dir, { id: 'aaaa00000002', down: ['aaaa00000001'] });
  commitAll(dir, 'second');
  facts.head = git(dir, 'rev-parse', 'HEAD').trim();
  assert.deepEqual(await updateProvenance(facts, project), { incremental: true });
  assert.deepEqual([...facts.provenance.values()].map((p) => p.subject).sort(), ['first', 'second']);
  // A checkout of unrelated history: read whole, nothing of the old branch kept.
  git(dir, 'checkout', '-q', '--orphan', 'other');
  git(dir, 'rm', '-q', '-r', '--cached', 'migrations/versions');
  fs.rmSync(path.join(dir, 'migrations', 'versions'), { recursive: true });
  writeMigration(dir, { id: 'cccc00000001', down: [] });
  commitAll(dir, 'orphan');
  facts.head = git(dir, 'rev-parse', 'HEAD').trim();
  assert.deepEqual(await updateProvenance(facts, project), { incremental: false });
  assert.deepEqual(
    [...facts.provenance.values()].map((p) => p.subject),
    ['orphan'],
  );
});
