/**
 * A cloned repository may be hostile: what the CLI and the readers do with special files,
 * escaping templates and version locations, planted caches, and data that looks like CI
 * workflow commands. Anything that could block runs in a child process with a timeout.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { lintKey } from '../../server/src/cli/check';
import { containedRevisionPath, newRevisionFile } from '../../server/src/alembic/newRevision';
import { readMigrationFile } from '../../server/src/alembic/migrationFile';
import { escapeCiCommands } from '../../server/src/outputEscape';
import { writeProject, type GenRevision } from '../support/generateProject';
import { makeHostileWorkspace, type HostileWorkspace } from '../support/hostileProject';
import { migrationText } from '../support/generateProject';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(repoRoot, 'dist', 'cli.js');
const OUT_SERVER = path.join(repoRoot, 'out', 'server', 'src');

/**
 * Runs a node script in a child whose stdin stays open (so a read of /dev/stdin would wait
 * forever), killed after `timeoutMs`: a hang fails the test instead of stalling it.
 */
function runNode(
  args: string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; out: string; err: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, out, err, timedOut });
    });
  });
}

let wsPromise: Promise<HostileWorkspace> | undefined;
function hostile(): Promise<HostileWorkspace> {
  wsPromise ??= makeHostileWorkspace().then((ws) => {
    // Config files that are FIFOs too: an alembic.ini, and a pyproject.toml discovery would read.
    for (const [dir, name] of [
      ['fifoini', 'alembic.ini'],
      ['fifopyproject', 'pyproject.toml'],
    ]) {
      fs.mkdirSync(path.join(ws.root, dir));
      execFileSync('mkfifo', [path.join(ws.root, dir, name)]);
    }
    return ws;
  });
  return wsPromise;
}
after(async () => {
  await (await wsPromise)?.close();
});

// ---- containment of new revision files ---------------------------------------------------

function versionFolder(): { root: string; versions: string } {
  const root = tempDir('alembic-contain-');
  const versions = path.join(root, 'migrations', 'versions');
  fs.mkdirSync(versions, { recursive: true });
  return { root, versions };
}

test('containedRevisionPath accepts names and new subfolders inside the version location', () => {
  const { root, versions } = versionFolder();
  assert.equal(containedRevisionPath(versions, 'abc_x.py', root), path.join(versions, 'abc_x.py'));
  assert.equal(containedRevisionPath(versions, '2024/03/abc_x.py', root), path.join(versions, '2024', '03', 'abc_x.py'));
  fs.mkdirSync(path.join(versions, '2024'));
  assert.equal(containedRevisionPath(versions, './2024/abc_x.py', root), path.join(versions, '2024', 'abc_x.py'));
});

test('containedRevisionPath refuses .., absolute paths, links out, and an existing file', () => {
  const { root, versions } = versionFolder();
  assert.throws(() => containedRevisionPath(versions, '../../escaped.py', root), /leaves the version location .* through '\.\.'/);
  assert.throws(() => containedRevisionPath(versions, 'a/../../b.py', root), /through '\.\.'/);
  assert.throws(() => containedRevisionPath(versions, 'a\\..\\..\\b.py', root), /through '\.\.'/);
  assert.throws(() => containedRevisionPath(versions, '/tmp/abs.py', root), /absolute path '\/tmp\/abs\.py'/);
  assert.throws(() => containedRevisionPath(versions, 'C:\\temp\\abs.py', root), /absolute path/);
  const outside = tempDir('alembic-contain-out-');
  fs.symlinkSync(outside, path.join(versions, 'sub'));
  assert.throws(() => containedRevisionPath(versions, 'sub/abc.py', root), /sub is a link to .*, outside the version location/);
  fs.symlinkSync(path.join(outside, 'nothing'), path.join(versions, 'dangling'));
  assert.throws(() => containedRevisionPath(versions, 'dangling/abc.py', root), /leads nowhere/);
  fs.symlinkSync(path.join(outside, 'target.py'), path.join(versions, 'planted.py'));
  assert.throws(() => containedRevisionPath(versions, 'planted.py', root), /planted\.py already exists and is not a regular file/);
  execFileSync('mkfifo', [path.join(versions, 'pipe.py')]);
  assert.throws(() => containedRevisionPath(versions, 'pipe.py', root), /not a regular file/);
  // A regular file there is left to the client, whose create never overwrites (as alembic's own name clash).
  fs.writeFileSync(path.join(versions, 'taken.py'), '');
  assert.equal(containedRevisionPath(versions, 'taken.py', root), path.join(versions, 'taken.py'));
  // A link that stays inside is fine.
  fs.mkdirSync(path.join(versions, 'real'));
  fs.symlinkSync(path.join(versions, 'real'), path.join(versions, 'alias'));
  assert.equal(containedRevisionPath(versions, 'alias/abc.py', root), path.join(versions, 'alias', 'abc.py'));
});

test('containedRevisionPath refuses a version location that resolves outside the boundary', () => {
  const root = tempDir('alembic-contain-');
  const outside = tempDir('alembic-contain-out-');
  fs.mkdirSync(path.join(root, 'migrations'));
  fs.symlinkSync(outside, path.join(root, 'migrations', 'versions'));
  const versions = path.join(root, 'migrations', 'versions');
  assert.throws(() => containedRevisionPath(versions, 'abc.py', root), /resolves to .*, outside /);
  assert.equal(containedRevisionPath(versions, 'abc.py'), path.join(versions, 'abc.py'), 'no boundary: only the name is checked');
});

test('newRevisionFile refuses a file_template that escapes (before: a path outside)', () => {
  const { root, versions } = versionFolder();
  const input = { id: 'abc123def456', message: 'x', parents: [], createDate: new Date(2024, 0, 1) };
  assert.throws(() => newRevisionFile({ versionLocation: versions, fileTemplate: '../../../%(rev)s', boundary: root }, input), /through '\.\.'/);
  assert.throws(() => newRevisionFile({ versionLocation: versions, fileTemplate: '/tmp/%(rev)s' }, input), /absolute path/);
  assert.equal(
    newRevisionFile({ versionLocation: versions, fileTemplate: '%(rev)s_%(slug)s', boundary: root }, input).file,
    path.join(versions, 'abc123def456_x.py'),
  );
});

// ---- only regular files are read ---------------------------------------------------------

test('readMigrationFile: a socket and a link to /dev/zero are "not a regular file"; a huge file is not read', async () => {
  const dir = tempDir('alembic-special-');
  const sock = path.join(dir, 'sock.py');
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(sock, r));
  try {
    assert.match(readMigrationFile(sock, dir).readProblem ?? '', /not a regular file \(it is a socket\)/);
  } finally {
    await new Promise((r) => server.close(r));
  }
  fs.symlinkSync('/dev/zero', path.join(dir, 'zero.py'));
  assert.match(readMigrationFile(path.join(dir, 'zero.py'), dir).readProblem ?? '', /not a regular file \(it is a character device\)/);
  const big = path.join(dir, 'big.py');
  fs.writeFileSync(big, '');
  fs.truncateSync(big, 17 * 1024 * 1024);
  assert.match(readMigrationFile(big, dir).readProblem ?? '', /larger than the 16 MB/);
  fs.writeFileSync(path.join(dir, 'ok.py'), migrationText('abc', null, 'fine'));
  assert.equal(readMigrationFile(path.join(dir, 'ok.py'), dir).readProblem, undefined);
});

test('readMigrationFile on a FIFO and on a link to /dev/stdin answers at once (child process, timeout)', async () => {
  const dir = tempDir('alembic-special-');
  execFileSync('mkfifo', [path.join(dir, 'fifo.py')]);
  fs.symlinkSync('/dev/stdin', path.join(dir, 'stdin.py'));
  const script = `const { readMigrationFile } = require(${JSON.stringify(path.join(OUT_SERVER, 'alembic', 'migrationFile.js'))});
for (const f of ['fifo.py', 'stdin.py']) console.log(f + ': ' + readMigrationFile(require('path').join(${JSON.stringify(dir)}, f), ${JSON.stringify(dir)}).readProblem);`;
  const r = await runNode(['-e', script], { timeoutMs: 15_000 });
  assert.equal(r.timedOut, false, 'reading blocked');
  assert.match(r.out, /^fifo\.py: not a regular file \(it is a named pipe\)$/m);
  // Node gives a child's stdin as a socket pair: /dev/stdin is that socket.
  assert.match(r.out, /^stdin\.py: not a regular file \(it is a (named pipe|socket)\)$/m);
});

test('a file the listing saw as regular, swapped for a FIFO or a link to /dev/zero before the read: no wait, no flood', async () => {
  const dir = tempDir('alembic-swapped-');
  execFileSync('mkfifo', [path.join(dir, 'fifo.py')]);
  fs.symlinkSync('/dev/zero', path.join(dir, 'zero.py'));
  // `regular: true` is what listMigrationFiles says of a plain file: the read skips fstat.
  const script = `const { readMigrationFile } = require(${JSON.stringify(path.join(OUT_SERVER, 'alembic', 'migrationFile.js'))});
for (const f of ['fifo.py', 'zero.py']) { const m = readMigrationFile(require('path').join(${JSON.stringify(dir)}, f), ${JSON.stringify(dir)}, { regular: true }); console.log(f + ': ' + (m.readProblem ?? 'revision ' + m.decls.revision)); }`;
  const r = await runNode(['-e', script], { timeoutMs: 15_000 });
  assert.equal(r.timedOut, false, 'reading blocked');
  assert.match(r.out, /^fifo\.py: revision undefined$/m, r.out + r.err);
  assert.match(r.out, /^zero\.py: file is 16\.0 MB, larger than the 16 MB a migration can be$/m, r.out + r.err);
});

// ---- every CLI command on the hostile workspace --------------------------------------------

for (const args of [['check'], ['check', '--format', 'json'], ['heads'], ['history'], ['graph', '--json']]) {
  test(`CLI ${args.join(' ')} on a folder with a FIFO, a socket, links to /dev/zero and /dev/stdin, FIFO configs: answers, no hang`, async () => {
    const ws = await hostile();
    const r = await runNode([CLI, args[0], ws.root, ...args.slice(1)], { timeoutMs: 20_000 });
    assert.equal(r.timedOut, false, `alembic-migrations ${args.join(' ')} blocked\n${r.err}`);
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}\n${r.err}`);
    if (args[0] === 'heads') assert.match(r.out, /^aaa111 \(head\)$/m);
    if (args[0] === 'history') assert.match(r.out, /<base> -> aaa111 \(head\), create users/);
    const names = ['fifo.py', 'sock.py', 'zero.py', 'stdin.py'];
    if (args[0] === 'check' && args.length === 1) {
      for (const name of names) {
        assert.match(
          r.out,
          new RegExp(`/hostile/migrations/versions/${name.replace('.', '\\.')}:1:1: warning unparsable-migration Not a readable migration: not a regular file`),
          r.out,
        );
      }
      assert.match(r.out, /\/fifoini\/alembic\.ini:1:1: error invalid-project-config Cannot read alembic\.ini: not a regular file \(it is a named pipe\)/);
    }
    if (args[0] === 'graph' || args[1] === '--format') {
      const doc = JSON.parse(r.out) as { projects: Array<{ problems: Array<{ ruleId: string; file: string; message: string }> }> };
      const problems = doc.projects.flatMap((p) => p.problems);
      for (const name of names) {
        assert.ok(
          problems.some((p) => p.ruleId === 'unparsable-migration' && path.basename(p.file) === name && /not a regular file/.test(p.message)),
          `${name} in\n${r.out}`,
        );
      }
    }
  });
}

test('CLI check --cache on the hostile folder: answers, no hang', async () => {
  const ws = await hostile();
  const cacheDir = tempDir('alembic-hostile-cache-');
  for (let i = 0; i < 2; i++) {
    const r = await runNode([CLI, 'check', ws.root, '--cache-location', cacheDir], { timeoutMs: 20_000 });
    assert.equal(r.timedOut, false, `check --cache blocked (run ${i + 1})\n${r.err}`);
    assert.match(r.out, /stdin\.py:1:1: warning unparsable-migration Not a readable migration: not a regular file/);
  }
});

test('CLI given a FIFO as its config file (-c) reports it and does not wait on it', async () => {
  const ws = await hostile();
  const r = await runNode([CLI, 'check', '-c', path.join(ws.root, 'fifoini', 'alembic.ini')], { timeoutMs: 20_000 });
  assert.equal(r.timedOut, false, `check -c FIFO blocked\n${r.err}`);
  assert.equal(r.code, 1);
  assert.match(r.out, /alembic\.ini:1:1: error invalid-project-config Cannot read alembic\.ini: not a regular file \(it is a named pipe\)/);
});

test('CLI check --cache with a FIFO planted as the cache file neither waits on it nor writes to it', async () => {
  const dir = tempDir('alembic-fifo-cache-');
  const ini = writeProject(dir, LINTED);
  const cacheDir = path.join(dir, 'cache');
  const first = await runNode([CLI, 'check', ini, '--cache-location', cacheDir], { cwd: dir });
  assert.equal(first.timedOut, false);
  const [name] = fs.readdirSync(cacheDir).filter((f) => f.endsWith('.json'));
  fs.rmSync(path.join(cacheDir, name));
  execFileSync('mkfifo', [path.join(cacheDir, name)]);
  const r = await runNode([CLI, 'check', ini, '--cache-location', cacheDir], { cwd: dir, timeoutMs: 20_000 });
  assert.equal(r.timedOut, false, `check --cache blocked on a FIFO cache file\n${r.err}`);
  assert.match(r.out, /warning delete-without-where/);
  assert.match(r.err, /could not save the cache .*is not a regular file/);
  assert.ok(fs.lstatSync(path.join(cacheDir, name)).isFIFO());
});

// ---- check --cache: a planted cache hides nothing -----------------------------------------

const LINTED: GenRevision[] = [{ id: 'plnt00000001', down: [], message: 'base', upgrade: ['op.execute("DELETE FROM t")'], downgrade: ['pass'] }];

function git(cwd: string, ...args: string[]): void {
  execFileSync(
    'git',
    ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args],
    { cwd, stdio: 'pipe' },
  );
}

/** A project (in a git repository when asked) whose one migration has a lint warning; its cache, forged to say "no problems". */
async function forgedCache(): Promise<{ dir: string; ini: string; cacheDir: string; cacheFile: string }> {
  const dir = tempDir('alembic-planted-');
  const ini = writeProject(dir, LINTED);
  const cacheDir = path.join(dir, '.alembic-migrations-cache');
  const first = await cli(['check', ini, '--cache-location', cacheDir]);
  assert.match(first.out, /warning delete-without-where/);
  const [name] = fs.readdirSync(cacheDir).filter((f) => f.endsWith('.json'));
  const cacheFile = path.join(cacheDir, name);
  const data = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { entries: Array<[string, unknown[]]> };
  const versions = path.join(dir, 'migrations', 'versions');
  const file = path.join(
    versions,
    fs.readdirSync(versions).find((f) => f.endsWith('.py'))!,
  );
  const key = lintKey(path.relative(dir, file), fs.readFileSync(file, 'utf8'));
  assert.ok(data.entries.some(([k]) => k === key));
  data.entries = [[key, []]];
  fs.writeFileSync(cacheFile, JSON.stringify(data));
  return { dir, ini, cacheDir, cacheFile };
}

test('check --cache ignores a forged cache that git tracks, with one note, and leaves it alone', async () => {
  const { dir, ini, cacheDir, cacheFile } = await forgedCache();
  // Untracked (no repository yet), the forged entry is believed: that is what a cache is for.
  assert.doesNotMatch((await cli(['check', ini, '--cache-location', cacheDir])).out, /delete-without-where/);
  git(dir, 'init', '-q');
  git(dir, 'add', '-f', '.');
  git(dir, 'commit', '-q', '-m', 'planted');
  const forged = fs.readFileSync(cacheFile, 'utf8');
  const r = await cli(['check', ini, '--cache-location', cacheDir]);
  assert.match(r.out, /warning delete-without-where/);
  const notes = r.err.split('\n').filter((l) => l.includes('note:'));
  assert.equal(notes.length, 1, r.err);
  assert.match(notes[0], /ignoring the cache file .*check-\w+\.json: git tracks it/);
  assert.equal(fs.readFileSync(cacheFile, 'utf8'), forged, 'the committed file is not rewritten');
});

test('check --cache ignores malformed entries, never crashes, still uses well-formed ones', async () => {
  const { dir, ini, cacheDir, cacheFile } = await forgedCache();
  const data = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { entries: unknown[] };
  const [[key]] = data.entries as Array<[string, unknown[]]>;
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
  const good = { ruleId: 'delete-without-where', severity: 'warning', message: 'FROM CACHE', file: 'migrations/x.py', range };
  const malformed: unknown[] = [
    null,
    'junk',
    42,
    [key],
    [key, null],
    [1, []],
    [key, [null]],
    [key, [{}]],
    [key, [{ ...good, severity: 'fatal' }]],
    [key, [{ ...good, range: { start: { line: -1, character: 0 }, end: null } }]],
    [key, [{ ...good, file: 7 }]],
    [key, [{ ...good, related: 'x' }]],
    [key, [{ ...good, related: [{ file: 'a' }] }]],
  ];
  for (const entry of malformed) {
    fs.writeFileSync(cacheFile, JSON.stringify({ ...data, entries: [entry] }));
    const r = await cli(['check', ini, '--cache-location', cacheDir]);
    assert.equal(r.code, 0, `${JSON.stringify(entry)}: ${r.err}`);
    assert.match(r.out, /warning delete-without-where/, `the file is linted again despite ${JSON.stringify(entry)}`);
  }
  fs.writeFileSync(cacheFile, JSON.stringify({ ...data, entries: ['junk', [key, [good]]] }));
  assert.match((await cli(['check', ini, '--cache-location', cacheDir])).out, /x\.py:1:1: warning delete-without-where FROM CACHE/);
  assert.ok(dir);
});

test('check --cache never writes through a symlink: cache file, tmp name, .gitignore or folder', async () => {
  const { ini, cacheDir, cacheFile } = await forgedCache();
  const outside = tempDir('alembic-cache-outside-');
  const target = path.join(outside, 'target.json');
  fs.writeFileSync(target, 'ORIGINAL');
  fs.rmSync(cacheFile);
  fs.symlinkSync(target, cacheFile);
  let r = await cli(['check', ini, '--cache-location', cacheDir]);
  assert.match(r.out, /warning delete-without-where/);
  assert.match(r.err, /could not save the cache .*is a symbolic link/);
  assert.equal(fs.readFileSync(target, 'utf8'), 'ORIGINAL');
  assert.ok(fs.lstatSync(cacheFile).isSymbolicLink(), 'the link is left as it was');

  // A dangling .gitignore link and the old predictable temporary name, both planted.
  const fresh = tempDir('alembic-cache-fresh-');
  fs.symlinkSync(path.join(outside, 'gitignore-written'), path.join(fresh, '.gitignore'));
  fs.rmSync(cacheFile);
  r = await cli(['check', ini, '--cache-location', fresh]);
  assert.equal(fs.existsSync(path.join(outside, 'gitignore-written')), false, 'nothing written through the .gitignore link');
  const [written] = fs.readdirSync(fresh).filter((f) => f.endsWith('.json'));
  assert.ok(written && fs.lstatSync(path.join(fresh, written)).isFile(), 'the cache itself is saved');
  fs.rmSync(path.join(fresh, written));
  fs.symlinkSync(path.join(outside, 'tmp-written'), path.join(fresh, `${written}.${process.pid}.tmp`));
  r = await cli(['check', ini, '--cache-location', fresh]);
  assert.equal(fs.existsSync(path.join(outside, 'tmp-written')), false, 'nothing written through a planted temporary name');
  assert.ok(fs.lstatSync(path.join(fresh, written)).isFile());

  // The cache folder itself a link out of the project.
  const linkedDir = path.join(path.dirname(cacheDir), 'linked-cache');
  fs.symlinkSync(outside, linkedDir);
  r = await cli(['check', ini, '--cache-location', linkedDir]);
  assert.match(r.err, /could not save the cache .*is a symbolic link/);
  assert.deepEqual(fs.readdirSync(outside).sort(), ['target.json']);
});

// ---- nothing printed can be a CI workflow command ------------------------------------------

test('escapeCiCommands: no line starts with ::, ##[ is defused, CR and escapes are shown', () => {
  assert.equal(escapeCiCommands('::error::x\n  ::warning::y\nok ::fine\n'), '\\::error::x\n  \\::warning::y\nok ::fine\n');
  assert.equal(escapeCiCommands('a\r::set-output name=x::y'), 'a\\x0d::set-output name=x::y');
  assert.equal(escapeCiCommands('\u001b[31mred ##[error]x ##vso[task.setvariable]y'), '\\x1b[31mred ##\\[error]x ##vso\\[task.setvariable]y');
  assert.equal(escapeCiCommands('\u00a0\u3000::x'), '\u00a0\u3000\\::x');
  const json = JSON.stringify({ m: '::a\n##[error]b' }, null, 2);
  assert.deepEqual(JSON.parse(escapeCiCommands(json, { json: true })), { m: '::a\n##[error]b' });
  assert.doesNotMatch(escapeCiCommands(json, { json: true }), /##\[/);
});

test('CLI output from data cannot inject workflow commands: messages, revision ids, file names', async () => {
  const dir = tempDir('alembic-inject-');
  const versions = path.join(dir, 'migrations', 'versions');
  fs.mkdirSync(versions, { recursive: true });
  fs.writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = migrations\n');
  fs.writeFileSync(path.join(versions, 'a_base.py'), migrationText('aaa111', null, '::set-output name=x::y'));
  fs.writeFileSync(path.join(versions, 'b_next.py'), migrationText('::warning::bbb', 'aaa111', 'two lines\n::error::injected\r::error::cr'));
  // A file name that starts with `::`, with a problem (its parent does not exist).
  fs.writeFileSync(path.join(versions, '::error file=x::name.py'), migrationText('ccc333', 'nope', 'orphan'));
  const here = process.cwd();
  // From the versions folder, the file names are printed as they are: the line starts with `::`.
  process.chdir(versions);
  try {
    const runs = [
      await cli(['check', dir]),
      await cli(['check', dir, '--format', 'json']),
      await cli(['heads', dir]),
      await cli(['heads', dir, '--verbose']),
      await cli(['history', dir]),
      await cli(['history', dir, '--verbose']),
      await cli(['graph', dir, '--json']),
      await cli(['history', dir, '-r', '::error::x:']),
    ];
    const all = runs.flatMap((r) => [...r.out.split('\n'), ...r.err.split('\n')]);
    const bad = all.filter((l) => /^\s*::/.test(l) || l.includes('\r') || /##\[/.test(l));
    assert.deepEqual(bad, []);
    // The data is still there, escaped.
    assert.match(runs[0].out, /^\\::error file=x::name\.py:\d+:\d+: error missing-parent/m);
    assert.match(runs[2].out, /^\\::warning::bbb \(head\)$/m);
    assert.match(runs[4].out, /aaa111 -> \\?::warning::bbb \(head\), two lines/);
    assert.equal(JSON.parse(runs[1].out).summary.errors, 2);
  } finally {
    process.chdir(here);
  }
});
