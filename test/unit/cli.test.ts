import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { lintKey } from '../../server/src/cli/check';
import { writeProject, type GenRevision } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { cli } from '../support/cli';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

function project(revs: GenRevision[]): { dir: string; ini: string } {
  const dir = tempDir('alembic-cli-');
  return { dir, ini: writeProject(dir, revs) };
}

const GOOD: GenRevision[] = [
  { id: 'aaaa00000001', down: [], message: 'create users' },
  { id: 'aaaa00000002', down: ['aaaa00000001'], message: 'add email' },
];

test('check on a healthy project exits 0 and prints a summary on stderr', async () => {
  const { ini } = project(GOOD);
  const r = await cli(['check', ini]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.equal(r.out, '');
  assert.match(r.err, /0 problems .* 2 revisions/);
});

test('check reports file:line:col: severity rule-id message and exits 1 on errors', async () => {
  const { dir } = project([...GOOD, { id: 'bbbb00000001', down: ['doesnotexist'], message: 'orphan revision' }]);
  const r = await cli(['check', dir]);
  assert.equal(r.code, 1);
  const line = r.out.split('\n').find((l) => l.includes('missing-parent'))!;
  assert.match(line, /^.*00002_bbbb00000001\.py:\d+:\d+: error missing-parent down_revision names 'doesnotexist'/);
  const json = await cli(['check', dir, '--format', 'json']);
  const doc = JSON.parse(json.out) as { summary: { errors: number }; projects: Array<{ problems: Array<{ ruleId: string }> }> };
  assert.equal(doc.summary.errors, 1);
  assert.deepEqual(
    doc.projects[0].problems.map((p) => p.ruleId),
    ['missing-parent'],
  );
});

test('warnings alone exit 0', async () => {
  const { ini } = project([...GOOD, { id: 'cccc00000001', down: ['aaaa00000001'], message: 'second head' }]);
  const r = await cli(['check', ini]);
  assert.equal(r.code, 0);
  assert.match(r.out, /warning multiple-heads/);
});

test('bad usage and unreadable input exit 2 with a message', async () => {
  assert.equal((await cli(['frobnicate'])).code, 2);
  assert.equal((await cli(['check', '--format', 'xml'])).code, 2);
  const missing = await cli(['heads', '/definitely/not/here']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no such file or folder/);
  const empty = tempDir('alembic-cli-empty-');
  const none = await cli(['check', empty]);
  assert.equal(none.code, 2);
  assert.match(none.err, /no Alembic project/);
  assert.equal((await cli(['--help'])).code, 0);
});

test('squash usage: FROM and TO required, its switches only with it', async () => {
  const r = await cli(['squash', 'abc']);
  assert.equal(r.code, 2);
  assert.match(r.err, /squash needs FROM and TO/);
  assert.match((await cli(['check', '--yes'])).err, /--yes applies to upgrade, downgrade and squash only/);
  assert.match((await cli(['squash', 'a', 'b', '--delete', '--archive', 'x'])).err, /--delete or --archive, not both/);
  assert.match((await cli(['squash', 'a', 'b', '--no-verify', '--server-url', 'postgresql://h/db'])).err, /--server-url or --no-verify, not both/);
  assert.match((await cli(['--help'])).out, /squash {2}FROM TO \[PATH\] \[--yes\]/);
});

test('heads, history and graph --json; -c works like alembic', async () => {
  const { ini } = project(GOOD);
  assert.equal((await cli(['heads', '-c', ini])).out, 'aaaa00000002 (head)\n');
  assert.equal((await cli(['history', ini])).out, 'aaaa00000001 -> aaaa00000002 (head), add email\n<base> -> aaaa00000001, create users\n');
  const g = JSON.parse((await cli(['graph', ini, '--json'])).out) as { nodes: Array<{ id: string }>; edges: unknown[]; heads: string[] };
  assert.deepEqual(g.heads, ['aaaa00000002']);
  assert.equal(g.edges.length, 1);
  const bad = await cli(['history', ini, '-r', 'nope:']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /FAILED: Can't locate revision identified by 'nope'/);
});

test('heads, history and graph on a configuration alembic cannot use fail and say why; a missing versions folder is said', async () => {
  // jupyterhub ships its alembic.ini as a template: `script_location = {alembic_dir}`.
  const dir = tempDir('alembic-cli-badcfg-');
  const ini = path.join(dir, 'alembic.ini');
  fs.writeFileSync(ini, '[alembic]\nscript_location = {alembic_dir}\nsqlalchemy.url = {db_url}\n');
  const light = path.join(repoRoot, 'dist', 'cli.js');
  for (const args of [['heads'], ['history'], ['graph', '--json']]) {
    // The full CLI in-process and the light entry as a process answer alike.
    const full = await cli([...args, ini]);
    const bundle = spawnSync(process.execPath, [light, ...args, ini], { encoding: 'utf8' });
    for (const [how, r] of [
      ['full', { code: full.code, out: full.out, err: full.err }],
      ['light', { code: bundle.status, out: bundle.stdout, err: bundle.stderr }],
    ] as const) {
      assert.equal(r.code, 1, `${args.join(' ')} (${how}): ${r.err}`);
      assert.equal(r.out, '', `${args.join(' ')} (${how}) prints no answer`);
      assert.match(r.err, /^FAILED: .*alembic\.ini:2: script_location folder \{alembic_dir\} does not exist\.\n$/, `${args.join(' ')} (${how})`);
    }
  }
  // script_location exists, its versions folder not yet: an empty answer, and why it is empty.
  fs.mkdirSync(path.join(dir, 'migrations'));
  fs.writeFileSync(ini, '[alembic]\nscript_location = %(here)s/migrations\n');
  const empty = await cli(['heads', ini]);
  assert.equal(empty.code, 0, empty.err);
  assert.equal(empty.out, '');
  assert.match(empty.err, /warning: .*alembic\.ini:2: The versions folder migrations\/versions does not exist yet\./);
  // An error in a key heads never reads (a lone '%' in sqlalchemy.url: alembic's heads works):
  // said as a warning, answered.
  const urlDir = tempDir('alembic-cli-badurl-');
  const urlIni = writeProject(urlDir, GOOD, { url: 'postgresql://u:p%3Dq@h/db' });
  for (const args of [['heads'], ['history']]) {
    const r = await cli([...args, urlIni]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /aaaa00000002/);
    assert.match(r.err, /^alembic-migrations: warning: .*alembic\.ini:3: alembic\.ini \[alembic\] 'sqlalchemy\.url' has a '%'/);
    assert.ok(!r.err.includes('p%3Dq'), 'the URL is not shown');
  }
  // Several projects: the broken one fails, the others still answer.
  const ws = tempDir('alembic-cli-ws-');
  writeProject(path.join(ws, 'good'), GOOD);
  fs.mkdirSync(path.join(ws, 'bad'));
  fs.writeFileSync(path.join(ws, 'bad', 'alembic.ini'), '[alembic]\nscript_location = nowhere\n');
  const both = await cli(['heads', ws]);
  assert.equal(both.code, 1);
  assert.match(both.out, /# good \(.*\)\naaaa00000002 \(head\)\n/);
  assert.match(both.err, /FAILED: .*bad.alembic\.ini:2: script_location folder nowhere does not exist\./);
});

test('the built bundle runs with plain node, and the package bin runs it', () => {
  const { ini } = project(GOOD);
  const bundle = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'heads', ini], { encoding: 'utf8' });
  assert.equal(bundle.status, 0, bundle.stderr);
  assert.equal(bundle.stdout, 'aaaa00000002 (head)\n');
  const bin = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'alembic-migrations.js'), 'check', ini], { encoding: 'utf8' });
  assert.equal(bin.status, 0, bin.stderr);
});

test('check on a large project lints on worker threads and still finds every problem', async () => {
  const revs: GenRevision[] = [{ id: 'big000000000', down: [], message: 'base' }];
  for (let i = 1; i < 450; i++)
    revs.push({
      id: `big${String(i).padStart(9, '0')}`,
      down: [revs[i - 1].id],
      message: `m${i}`,
      upgrade: [`op.execute("UPDATE t SET a = ${i} WHERE id = ${i}")`],
      downgrade: ['pass'],
    });
  revs[300].upgrade = ['op.execute("UPDATE t SET a = 1 WHERE")'];
  revs[120].upgrade = ['op.execute("DELETE FROM t")'];
  const { ini } = project(revs);
  const r = await cli(['check', ini]);
  assert.equal(r.code, 1);
  assert.match(r.out, /00300_big000000300\.py:\d+:\d+: error sql-syntax-error/);
  assert.match(r.out, /00120_big000000120\.py:\d+:\d+: warning delete-without-where/);
  // The same through the cache (workers receive it and report what they computed).
  const cacheDir = tempDir('alembic-cli-cache-');
  assert.equal((await cli(['check', ini, '--cache-location', cacheDir])).out, r.out);
  assert.equal((await cli(['check', ini, '--cache-location', cacheDir])).out, r.out);
});

test('check --cache reuses the results of unchanged files, re-lints changed ones, and ignores a corrupt cache', async () => {
  const revs: GenRevision[] = [
    { id: 'cach00000001', down: [], message: 'base', upgrade: ['op.execute("DELETE FROM t")'], downgrade: ['pass'] },
    { id: 'cach00000002', down: ['cach00000001'], message: 'two', upgrade: ['op.execute("UPDATE t SET a = 1 WHERE id = 2")'], downgrade: ['pass'] },
  ];
  const { ini, dir } = project(revs);
  const cacheDir = path.join(dir, 'lint-cache');
  const first = await cli(['check', ini, '--cache-location', cacheDir]);
  assert.match(first.out, /warning delete-without-where/);
  assert.equal(fs.readFileSync(path.join(cacheDir, '.gitignore'), 'utf8').trim().split('\n').pop(), '*');
  const [cacheName] = fs.readdirSync(cacheDir).filter((f) => f.endsWith('.json'));
  const again = await cli(['check', ini, '--cache-location', cacheDir]);
  assert.equal(again.out, first.out);

  // Plant a result for the second file's exact text: the next run reports it, so it was reused, not recomputed.
  const versions = path.join(dir, 'migrations', 'versions');
  const second = path.join(
    versions,
    fs.readdirSync(versions).find((f) => f.includes('cach00000002'))!,
  );
  const cacheFile = path.join(cacheDir, cacheName);
  const data = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { entries: Array<[string, unknown[]]> };
  // Cached paths are relative to the project's folder.
  const planted = {
    ruleId: 'update-without-where',
    severity: 'warning',
    message: 'PLANTED',
    file: path.relative(dir, second),
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
  };
  const key = lintKey(path.relative(dir, second), fs.readFileSync(second, 'utf8'));
  data.entries = data.entries.map(([k, v]) => [k, k === key ? [planted] : v]);
  assert.ok(
    data.entries.some(([k]) => k === key),
    'the file is in the cache',
  );
  fs.writeFileSync(cacheFile, JSON.stringify(data));
  assert.match((await cli(['check', ini, '--cache-location', cacheDir])).out, /PLANTED/);

  // Change the file: its results are computed again.
  fs.appendFileSync(second, '\n# touched\n');
  assert.doesNotMatch((await cli(['check', ini, '--cache-location', cacheDir])).out, /PLANTED/);

  // Another checkout of the same project, somewhere else, run from its own folder: the cache is
  // named by the config's path from there, and its keys by paths inside the project, so it is found.
  const here = process.cwd();
  const moved = path.join(tempDir('alembic-cli-moved-'), 'repo');
  fs.cpSync(dir, moved, { recursive: true, filter: (f) => !f.startsWith(cacheDir) });
  try {
    process.chdir(dir);
    await cli(['check', 'alembic.ini', '--cache-location', cacheDir]);
    const local = fs.readdirSync(cacheDir).filter((f) => f.endsWith('.json') && f !== cacheName);
    assert.equal(local.length, 1, 'one cache file for the project as seen from its folder');
    const localFile = path.join(cacheDir, local[0]);
    const localData = JSON.parse(fs.readFileSync(localFile, 'utf8')) as { entries: Array<[string, unknown[]]> };
    const movedKey = lintKey(path.relative(dir, second), fs.readFileSync(second, 'utf8'));
    localData.entries = localData.entries.map(([k, v]) => [k, k === movedKey ? [planted] : v]);
    fs.writeFileSync(localFile, JSON.stringify(localData));
    process.chdir(moved);
    fs.writeFileSync(path.join(moved, path.relative(dir, second)), fs.readFileSync(second));
    const elsewhere = await cli(['check', 'alembic.ini', '--cache-location', cacheDir]);
    assert.match(elsewhere.out, /^migrations\/versions\/\S*cach00000002\S*\.py:1:1: warning update-without-where PLANTED$/m);
  } finally {
    process.chdir(here);
  }

  fs.writeFileSync(cacheFile, '{"format": 1, "entries": [[');
  assert.equal((await cli(['check', ini, '--cache-location', cacheDir])).out, first.out);
  assert.equal((await cli(['heads', ini, '--cache'])).code, 2);
});

test('check prints one finding per line: multi-line source quoted in a message is folded and shortened', async () => {
  const revs: GenRevision[] = [
    { id: 'line00000001', down: [], message: 'base' },
    {
      id: 'line00000002',
      down: ['line00000001'],
      message: 'created at',
      upgrade: ["op.add_column('users', sa.Column('created', sa.DateTime(), server_default=sa.text(\"\"\"", '        now()', '"""), nullable=False))'],
      downgrade: ["op.drop_column('users', 'created')"],
    },
  ];
  const { dir, ini } = project(revs);
  // A computed branch_labels spread over lines: its message quotes the expression (graph rules).
  const versions = path.join(dir, 'migrations', 'versions');
  const first = path.join(
    versions,
    fs.readdirSync(versions).find((f) => f.includes('line00000001'))!,
  );
  fs.writeFileSync(first, fs.readFileSync(first, 'utf8').replace('branch_labels = None', 'branch_labels = (\n    cli.EXPAND_BRANCH,\n)'));
  const r = await cli(['check', ini]);
  const lines = r.out.trimEnd().split('\n');
  for (const l of lines) assert.match(l, /^\S+\.py:\d+:\d+: (error|warning|information|hint) [a-z-]+ \S/, `one finding per line: ${JSON.stringify(l)}`);
  const volatile = lines.find((l) => l.includes('adding-field-with-volatile-default'));
  assert.ok(volatile, r.out);
  assert.match(volatile, /\(sa\.text\(""" now\(\) """\)\)/);
  assert.ok(
    lines.some((l) => / dynamic-revision-value .*`\( cli\.EXPAND_BRANCH, \)`/.test(l)),
    r.out,
  );
  const timestamp = lines.find((l) => l.includes('prefer-timestamptz'));
  assert.match(timestamp ?? '', /: information prefer-timestamptz sa\.DateTime\(\) stores/);
});

test('check: a file Python cannot read is unparsable-migration, whatever the reason; a declared encoding is read', async () => {
  const revs: GenRevision[] = [
    { id: 'enc000000001', down: [], message: 'base' },
    { id: 'enc000000002', down: ['enc000000001'], message: 'latin-1 without a declaration' },
    { id: 'enc000000003', down: ['enc000000001'], message: 'latin-1 declared' },
    { id: 'enc000000004', down: ['enc000000001'], message: 'string never closes' },
  ];
  const { dir, ini } = project(revs);
  const versions = path.join(dir, 'migrations', 'versions');
  const file = (id: string): string =>
    path.join(
      versions,
      fs.readdirSync(versions).find((f) => f.includes(id))!,
    );
  const withCafe = (id: string): string => fs.readFileSync(file(id), 'utf8').replace('"""latin-1', '"""Café, latin-1');
  fs.writeFileSync(file('enc000000002'), Buffer.from(withCafe('enc000000002'), 'latin1'));
  fs.writeFileSync(file('enc000000003'), Buffer.from('# -*- coding: latin-1 -*-\n' + withCafe('enc000000003'), 'latin1'));
  fs.writeFileSync(file('enc000000004'), fs.readFileSync(file('enc000000004'), 'utf8').replace("revision = 'enc000000004'", "revision = 'enc000000004"));
  // Where the unclosed string opens: the line holding `revision = 'enc000000004`, at its quote.
  const unclosedLine =
    fs
      .readFileSync(file('enc000000004'), 'utf8')
      .split('\n')
      .findIndex((l) => l === "revision = 'enc000000004") + 1;
  const r = await cli(['check', ini]);
  const lines = r.out.trimEnd().split('\n');
  assert.deepEqual(
    lines.filter((l) => l.includes('unparsable-migration')).map((l) => l.replace(/^.*versions\//, '')),
    [
      '00001_enc000000002.py:1:1: warning unparsable-migration Not a readable migration: the file is not valid UTF-8 (byte 0xE9 on line 1) and declares no other encoding (a `# -*- coding: latin-1 -*-` line 1 or 2, PEP 263), so Python (and so Alembic) cannot import it.',
      `00003_enc000000004.py:${unclosedLine}:${'revision = '.length + 1}: warning unparsable-migration \`revision\` opens a string that never closes (Python: "unterminated string literal"), so Python cannot import this file and Alembic cannot load it. Close the string.`,
    ],
  );
  // The two files Python cannot import are not in the graph; the declared latin-1 one is, message decoded.
  assert.equal((await cli(['heads', ini])).out, 'enc000000003 (head)\n');
  assert.equal(
    (await cli(['history', ini])).out.split('\n').find((l) => l.includes('enc000000003')),
    'enc000000001 -> enc000000003 (head), Café, latin-1 declared',
  );
});

test('check follows start-after (pyproject) and --start-after: shipped migrations get graph rules only', async () => {
  const drop = (id: string, down: string[]): GenRevision => ({ id, down, message: `drop ${id}`, upgrade: [`op.drop_column('users', 'c${id.slice(-1)}')`] });
  const { dir, ini } = project([drop('aaaa00000001', []), drop('aaaa00000002', ['aaaa00000001']), drop('aaaa00000003', ['aaaa00000002'])]);
  const dropsIn = (out: string): string[] =>
    out
      .split('\n')
      .filter((l) => l.includes(' ban-drop-column '))
      .map((l) => /aaaa0000000\d/.exec(l)?.[0] ?? '?');
  assert.deepEqual(dropsIn((await cli(['check', ini])).out), ['aaaa00000001', 'aaaa00000002', 'aaaa00000003'], 'without start-after: everything');
  fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.alembic-migrations]\nstart-after = "aaaa00000002"\n');
  assert.deepEqual(dropsIn((await cli(['check', ini])).out), ['aaaa00000003']);
  assert.deepEqual(dropsIn((await cli(['check', ini, '--start-after', 'aaaa00000001'])).out), ['aaaa00000002', 'aaaa00000003'], 'the flag wins');
  // A graph rule still covers shipped files: a duplicate id there is reported.
  fs.copyFileSync(
    path.join(
      dir,
      'migrations',
      'versions',
      fs.readdirSync(path.join(dir, 'migrations', 'versions')).find((f) => f.includes('aaaa00000001'))!,
    ),
    path.join(dir, 'migrations', 'versions', 'copy_of_first.py'),
  );
  assert.match((await cli(['check', ini])).out, /copy_of_first\.py:.* duplicate-revision /);
  const unknown = await cli(['check', ini, '--start-after', 'ffff00000000']);
  assert.match(unknown.out, /warning invalid-project-config start-after names 'ffff00000000'/);
  assert.equal(dropsIn(unknown.out).length >= 3, true);
});
