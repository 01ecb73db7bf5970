/**
 * `check --base`, `check --since` and `locate` on real git repositories made in temporary
 * folders: branches that add migrations on the same parent, a merge, shipped migrations edited
 * in code or only in their header, files changed since a ref, a revision on another branch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeProject } from '../support/generateProject';
import { commitAll, git, initRepo, writeMigration } from '../support/gitRepo';
import { tempDir } from '../support/tempDir';
import { cli } from '../support/cli';

const A = 'aaaa00000001';
const MAIN = 'cccc00000001';
const FIRST = 'bbbb00000001';
const SECOND = 'bbbb00000002';

/** main: A, then C on A ("add orders"). feature (from A): B1 on A, B2 on B1. Checked out: feature. */
function parallelBranches(): string {
  const dir = tempDir('alembic-gitcli-');
  writeProject(dir, [{ id: A, down: [], message: 'create users' }]);
  initRepo(dir);
  commitAll(dir, 'first');
  git(dir, 'checkout', '-q', '-b', 'feature');
  writeMigration(dir, { id: FIRST, down: [A], message: 'feature one' });
  writeMigration(dir, { id: SECOND, down: [FIRST], message: 'feature two' });
  commitAll(dir, 'feature');
  git(dir, 'checkout', '-q', 'main');
  writeMigration(dir, { id: MAIN, down: [A], message: 'add orders' });
  commitAll(dir, 'main moves on');
  git(dir, 'checkout', '-q', 'feature');
  return dir;
}

const lines = (out: string, rule: string): string[] => out.split('\n').filter((l) => l.includes(` ${rule} `));

test("check --base: the branch's first migration revises a parent main moved past; main's head is named", async () => {
  const dir = parallelBranches();
  const r = await cli(['check', dir, '--base', 'main']);
  assert.equal(r.code, 0, r.out + r.err); // a warning
  const stale = lines(r.out, 'stale-down-revision');
  assert.equal(stale.length, 1, r.out);
  assert.match(
    stale[0],
    new RegExp(
      `${FIRST}\\.py:\\d+:\\d+: warning stale-down-revision main has moved on: its head is \`${MAIN}\` \\(add orders\\); this migration still revises \`${A}\``,
    ),
  );
  // On the line containing `down_revision`, at the quoted parent.
  const source = fs.readFileSync(path.join(dir, 'migrations', 'versions', `${FIRST}.py`), 'utf8').split('\n');
  const [, line, col] = /:(\d+):(\d+):/.exec(stale[0])!;
  assert.ok(source[Number(line) - 1].startsWith('down_revision'));
  assert.equal(source[Number(line) - 1].slice(Number(col) - 1), `'${A}'`);
  assert.equal(lines(r.out, 'edited-shipped-migration').length, 0);
  assert.equal(lines((await cli(['check', dir])).out, 'stale-down-revision').length, 0, 'plain check knows nothing of git');
});

test('check --base after main is merged into the branch: still the first migration only, beside multiple-heads', async () => {
  const dir = parallelBranches();
  git(dir, 'merge', '-q', '--no-edit', 'main');
  const r = await cli(['check', dir, '--base', 'main']);
  const stale = lines(r.out, 'stale-down-revision');
  assert.equal(stale.length, 1, r.out);
  assert.match(stale[0], new RegExp(`${FIRST}\\.py:.*its head is \`${MAIN}\``));
  assert.equal(lines(r.out, 'multiple-heads').length > 0, true);
  // Re-pointed onto main's head: quiet.
  const file = path.join(dir, 'migrations', 'versions', `${FIRST}.py`);
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(`down_revision = '${A}'`, `down_revision = '${MAIN}'`));
  const fixed = await cli(['check', dir, '--base', 'main']);
  assert.deepEqual(lines(fixed.out, 'stale-down-revision'), []);
  assert.deepEqual(lines(fixed.out, 'multiple-heads'), []);
  // main itself is never stale against main.
  git(dir, 'checkout', '-q', '-f', 'main');
  assert.deepEqual(lines((await cli(['check', dir, '--base', 'main'])).out, 'stale-down-revision'), []);
});

test('check --base: an edited shipped migration is reported, a header-only or comment-only edit is not; v* tags count', async () => {
  const dir = tempDir('alembic-gitcli-');
  writeProject(dir, [
    { id: A, down: [], message: 'create users', upgrade: ["op.create_table('users', sa.Column('id', sa.BigInteger(), primary_key=True))"] },
    { id: 'aaaa00000002', down: [A], message: 'add email', upgrade: ["op.add_column('users', sa.Column('email', sa.Text()))"] },
  ]);
  initRepo(dir);
  commitAll(dir, 'shipped');
  git(dir, 'checkout', '-q', '-b', 'release');
  writeMigration(dir, { id: 'aaaa00000003', down: ['aaaa00000002'], message: 'add name', upgrade: ["op.add_column('users', sa.Column('name', sa.Text()))"] });
  commitAll(dir, 'release');
  git(dir, 'tag', 'v1.0');
  git(dir, 'checkout', '-q', '-b', 'feature');
  const versions = path.join(dir, 'migrations', 'versions');
  const first = path.join(versions, `00000_${A}.py`);
  const second = path.join(versions, '00001_aaaa00000002.py');
  const tagged = path.join(versions, 'aaaa00000003.py');
  // Header and comments only.
  fs.writeFileSync(
    first,
    fs
      .readFileSync(first, 'utf8')
      .replace('create users', 'create the users table')
      .replace('Create Date: 2024-01-01', 'Create Date: 2025-02-02')
      .replace('# revision identifiers, used by Alembic.', '# ids (see the docs)\n# reviewed')
      .replace('def upgrade():', 'def upgrade():   '),
  );
  // Code.
  fs.writeFileSync(second, fs.readFileSync(second, 'utf8').replace("sa.Column('email', sa.Text())", "sa.Column('email', sa.Text(), nullable=True)"));
  fs.writeFileSync(tagged, fs.readFileSync(tagged, 'utf8').replace("'name'", "'full_name'"));
  const r = await cli(['check', dir, '--base', 'main']);
  const edited = lines(r.out, 'edited-shipped-migration');
  assert.equal(edited.length, 2, r.out);
  assert.match(edited[0], /00001_aaaa00000002\.py:\d+:5: warning edited-shipped-migration This migration shipped \(it is on main\)/);
  const [, line] = /:(\d+):/.exec(edited[0])!;
  assert.match(fs.readFileSync(second, 'utf8').split('\n')[Number(line) - 1], /nullable=True/, 'the first changed line');
  assert.match(edited[1], /aaaa00000003\.py:.*\(it is on tag v1\.0\)/);
  assert.ok(!edited.some((l) => l.includes(`00000_${A}.py`)), 'header and comments are not code');
  // Committed on the branch: still an edit of what shipped.
  commitAll(dir, 'edits');
  assert.equal(lines((await cli(['check', dir, '--base', 'main'])).out, 'edited-shipped-migration').length, 2);
});

test('check --since: only migrations added or changed since the ref are linted; graph problems everywhere', async () => {
  const dir = tempDir('alembic-gitcli-');
  writeProject(dir, [
    { id: A, down: [], message: 'old', upgrade: ["op.drop_column('users', 'legacy')"] },
    { id: 'eeee00000001', down: ['nowhere00001'], message: 'old orphan' },
  ]);
  initRepo(dir);
  commitAll(dir, 'old');
  git(dir, 'checkout', '-q', '-b', 'feature');
  writeMigration(dir, { id: FIRST, down: [A], message: 'committed', upgrade: ["op.drop_table('sessions')"] });
  commitAll(dir, 'feature');
  writeMigration(dir, { id: SECOND, down: [FIRST], message: 'not committed', upgrade: ['op.execute("DELETE FROM sessions")'] });
  const all = await cli(['check', dir]);
  assert.equal(lines(all.out, 'ban-drop-column').length, 1, 'the old problem exists');
  const r = await cli(['check', dir, '--since', 'main']);
  assert.equal(r.code, 1, 'missing-parent is an error');
  assert.deepEqual(lines(r.out, 'ban-drop-column'), [], 'an old file is not linted');
  assert.match(lines(r.out, 'ban-drop-table')[0], new RegExp(`${FIRST}\\.py`));
  assert.match(lines(r.out, 'delete-without-where')[0], new RegExp(`${SECOND}\\.py`));
  assert.match(lines(r.out, 'missing-parent')[0], /00001_eeee00000001\.py/, 'graph checks see the whole graph');
  // An old file changed (not committed) is linted again.
  const old = path.join(dir, 'migrations', 'versions', `00000_${A}.py`);
  fs.appendFileSync(old, '\n# touched\n');
  assert.equal(lines((await cli(['check', dir, '--since', 'main'])).out, 'ban-drop-column').length, 1);
});

test('locate: a revision that exists only on another branch; an unknown id exits 1', async () => {
  const dir = parallelBranches();
  git(dir, 'checkout', '-q', 'main');
  const feature = git(dir, 'rev-parse', 'feature').trim();
  const r = await cli(['locate', SECOND, dir]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `${SECOND} migrations/versions/${SECOND}.py ${feature} feature\n`);
  const none = await cli(['locate', 'ffff00000000', dir]);
  assert.equal(none.code, 1);
  assert.equal(none.out, '');
  assert.match(none.err, /no branch, remote branch or reflog entry .* declaring revision 'ffff00000000'/);
  assert.equal((await cli(['locate'])).code, 2);
  assert.equal((await cli(['locate', 'a-b', dir])).code, 2, 'not a revision id');
  assert.equal((await cli(['locate', SECOND, dir, 'extra'])).code, 2);
});

test('no repository, or no git: --base, --since and locate exit 2 with a message; plain check works', async () => {
  const dir = tempDir('alembic-gitcli-plain-');
  writeProject(dir, [{ id: A, down: [], message: 'only' }]);
  const base = await cli(['check', dir, '--base', 'main']);
  assert.equal(base.code, 2);
  assert.match(base.err, /--base main needs git: .* is not inside a git work tree/);
  assert.equal((await cli(['check', dir, '--since', 'main'])).code, 2);
  assert.equal((await cli(['locate', A, dir])).code, 2);
  assert.equal((await cli(['check', dir])).code, 0);
  const repo = parallelBranches();
  const unknown = await cli(['check', repo, '--base', 'no-such-branch']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /git knows no commit 'no-such-branch'/);
  assert.equal((await cli(['heads', repo, '--base', 'main'])).code, 2, '--base is for check');
  const savedPath = process.env.PATH;
  process.env.PATH = tempDir('alembic-empty-path-');
  try {
    const noGit = await cli(['check', repo, '--base', 'main']);
    assert.equal(noGit.code, 2);
    assert.match(noGit.err, /needs git: git is not installed or not on PATH/);
    assert.equal((await cli(['check', repo])).code, 0);
  } finally {
    process.env.PATH = savedPath;
  }
});

test('a project in a subfolder of the repository: paths relative to the repository root, the config file as PATH', async () => {
  const dir = tempDir('alembic-gitcli-sub-');
  const app = path.join(dir, 'services', 'app one');
  const ini = writeProject(app, [{ id: A, down: [], message: 'create users' }]);
  initRepo(dir);
  commitAll(dir, 'first');
  git(dir, 'checkout', '-q', '-b', 'feature');
  writeMigration(app, { id: FIRST, down: [A], message: 'feature one', upgrade: ["op.drop_table('sessions')"] });
  commitAll(dir, 'feature');
  git(dir, 'checkout', '-q', 'main');
  writeMigration(app, { id: MAIN, down: [A], message: 'add orders' });
  commitAll(dir, 'main moves on');
  git(dir, 'checkout', '-q', 'feature');
  const r = await cli(['check', ini, '--base', 'main', '--since', 'main']);
  assert.match(lines(r.out, 'stale-down-revision')[0] ?? '', new RegExp(`${FIRST}\\.py:.*its head is \`${MAIN}\``), r.out + r.err);
  assert.equal(lines(r.out, 'ban-drop-table').length, 1, 'the changed file is linted');
  const located = await cli(['locate', MAIN, ini]);
  assert.equal(located.code, 0, located.err);
  assert.match(located.out, new RegExp(`^${MAIN} services/app one/migrations/versions/${MAIN}\\.py [0-9a-f]{40} main\\n$`));
});

test('check --base: a shipped migration moved to another file is still shipped (by its revision id), not added', async () => {
  const dir = parallelBranches();
  git(dir, 'checkout', '-q', 'main');
  git(dir, 'checkout', '-q', '-b', 'tidy');
  const versions = path.join(dir, 'migrations', 'versions');
  git(dir, 'mv', path.join(versions, `${MAIN}.py`), path.join(versions, `0002_${MAIN}_add_orders.py`));
  const moved = await cli(['check', dir, '--base', 'main']);
  assert.deepEqual(lines(moved.out, 'stale-down-revision'), []);
  assert.deepEqual(lines(moved.out, 'edited-shipped-migration'), []);
  const file = path.join(versions, `0002_${MAIN}_add_orders.py`);
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('    pass\n', "    op.drop_table('orders')\n"));
  const edited = await cli(['check', dir, '--base', 'main']);
  assert.match(lines(edited.out, 'edited-shipped-migration')[0] ?? '', new RegExp(`0002_${MAIN}_add_orders\\.py:.*it is on main`), edited.out);
});

test('check --base: warnings exit 0; configured as errors in pyproject.toml they exit 1; off drops them; JSON carries them', async () => {
  const dir = parallelBranches();
  assert.equal((await cli(['check', dir, '--base', 'main'])).code, 0);
  fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.alembic-migrations.rules]\nstale-down-revision = "error"\n');
  const strict = await cli(['check', dir, '--base', 'main']);
  assert.equal(strict.code, 1);
  assert.match(lines(strict.out, 'stale-down-revision')[0] ?? '', /: error stale-down-revision main has moved on/);
  const json = JSON.parse((await cli(['check', dir, '--base', 'main', '--format', 'json'])).out);
  assert.deepEqual(
    json.projects[0].problems.filter((p: { ruleId: string }) => p.ruleId === 'stale-down-revision').map((p: { severity: string }) => p.severity),
    ['error'],
  );
  fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.alembic-migrations.rules]\nstale-down-revision = "off"\n');
  assert.deepEqual(lines((await cli(['check', dir, '--base', 'main'])).out, 'stale-down-revision'), []);
});

test('check --base: the git rules obey suppression comments like every rule', async () => {
  const dir = parallelBranches();
  const file = path.join(dir, 'migrations', 'versions', `${FIRST}.py`);
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.replace(`down_revision = '${A}'`, `down_revision = '${A}'  # alembic: ignore[stale-down-revision]`));
  assert.deepEqual(lines((await cli(['check', dir, '--base', 'main'])).out, 'stale-down-revision'), []);
  fs.writeFileSync(file, text.replace(`down_revision = '${A}'`, `# alembic: ignore[edited-shipped-migration]\ndown_revision = '${A}'`));
  assert.equal(lines((await cli(['check', dir, '--base', 'main'])).out, 'stale-down-revision').length, 1, 'another id suppresses nothing here');
  fs.writeFileSync(file, `# alembic: ignore-file[stale-down-revision]\n${text}`);
  assert.deepEqual(lines((await cli(['check', dir, '--base', 'main'])).out, 'stale-down-revision'), []);
});
