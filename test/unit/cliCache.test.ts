/**
 * The CLI's light entry (dist/cli.js answers heads, history and graph without loading the
 * parsers) and its persisted answers in the user's cache folder (answerCache.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeProject, type GenRevision } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { cli } from '../support/cli';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(repoRoot, 'dist', 'cli.js');

const REVS: GenRevision[] = [
  { id: 'aaaa00000001', down: [], message: 'create users' },
  { id: 'aaaa00000002', down: ['aaaa00000001'], message: 'add email' },
  { id: 'aaaa00000003', down: ['aaaa00000002'], message: 'left', labels: ['left'] },
  { id: 'aaaa00000004', down: ['aaaa00000002'], message: 'right' },
  { id: 'aaaa00000005', down: ['aaaa00000003', 'aaaa00000004'], message: 'merge' },
  { id: 'aaaa00000006', down: ['aaaa00000005'], message: 'tip', dependsOn: ['aaaa00000004'] },
];

/** A project whose files are old enough to be cached (the cache skips files changed within a second of the run). */
function settledProject(revs: GenRevision[] = REVS): { dir: string; ini: string } {
  const dir = tempDir('alembic-clicache-');
  const ini = writeProject(dir, revs);
  const until = Date.now() + 1100;
  while (Date.now() < until) {
    /* wait: spawnSync below would not be faster */
  }
  return { dir, ini };
}

/** Runs dist/cli.js with its own cache folder; a preload reports whether any WASM was compiled or the full CLI loaded. */
function run(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): { code: number | null; out: string; err: string; wasm: boolean; full: boolean; db: boolean; crypto: boolean; stream: boolean; answers: boolean } {
  const probe = path.join(tempDir('alembic-probe-'), 'probe.js');
  fs.writeFileSync(
    probe,
    `let wasm = false;
for (const k of ['compile', 'instantiate', 'compileStreaming', 'instantiateStreaming']) {
  const f = WebAssembly[k];
  if (f) WebAssembly[k] = function (...a) { wasm = true; return f.apply(this, a); };
}
// The database client (pg) requires node:net and dns when it loads; hashing, node:crypto.
let db = false;
let crypto = false;
const Module = require('module');
const req = Module.prototype.require;
Module.prototype.require = function (id) {
  if (/^(node:)?(net|dns|tls)$/.test(id)) db = true;
  if (/^(node:)?crypto$/.test(id)) crypto = true;
  return req.apply(this, arguments);
};
process.on('exit', () => {
  const full = Object.keys(require.cache).some((k) => k.endsWith('cliFull.js'));
  const answers = Object.keys(require.cache).some((k) => k.endsWith('cliAnswers.js'));
  // process.stdout loads Node's stream modules (internally: no require above sees it).
  const stream = process.moduleLoadList.includes('NativeModule stream');
  require('fs').writeSync(2, '\\nPROBE ' + JSON.stringify({ wasm, full, db, crypto, stream, answers }) + '\\n');
});
`,
  );
  const r = spawnSync(process.execPath, ['-r', probe, CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, cwd });
  const m = /\nPROBE (.*)\n$/.exec(r.stderr);
  assert.ok(m, r.stderr);
  const p = JSON.parse(m[1]) as { wasm: boolean; full: boolean; db: boolean; crypto: boolean; stream: boolean; answers: boolean };
  return { code: r.status, out: r.stdout, err: r.stderr.slice(0, m.index), ...p };
}

/** What `heads` prints for REVS (checked against alembic in the conformance suite). */
const HEAD = 'aaaa00000006 (left) (head)\n';

function cacheFiles(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((f) => f.endsWith('.answers'));
  } catch {
    return [];
  }
}

interface CacheHeader {
  keys: string[];
  lengths: number[];
  stats: number[];
  locations: Array<{ stat: number[] | null; names: string[] }>;
}

/** A cache file's header line and its answers' lines, parsed. */
function readCache(file: string): { header: CacheHeader; answers: Array<{ code: unknown; value: unknown }> } {
  const [, header, ...answers] = fs.readFileSync(file, 'utf8').replace(/\n$/, '').split('\n');
  return { header: JSON.parse(header) as CacheHeader, answers: answers.map((a) => JSON.parse(a) as { code: unknown; value: unknown }) };
}

function writeCache(file: string, data: { header: CacheHeader; answers: Array<{ code: unknown; value: unknown }> }): void {
  writeLines(
    file,
    data.header,
    data.answers.map((a) => JSON.stringify(a)),
  );
}

/** Writes a cache file with these answers' lines as they are (the header's lengths made to fit them). */
function writeLines(file: string, header: CacheHeader, lines: string[]): void {
  header.lengths = lines.map((l) => Buffer.byteLength(l));
  const text = JSON.stringify(header);
  fs.writeFileSync(file, [JSON.stringify({ format: 3, header: Buffer.byteLength(text) }), text, ...lines].join('\n') + '\n');
}

test('heads, history and graph run without the parsers and print what the full CLI prints', async () => {
  const { ini } = settledProject();
  const env = { XDG_CACHE_HOME: tempDir('alembic-xdg-') };
  const forms = [
    ['heads'],
    ['heads', '--verbose'],
    ['heads', '--resolve-dependencies'],
    ['history'],
    ['history', '-r', 'aaaa00000002:'],
    ['history', '-v'],
    ['graph', '--json'],
  ];
  for (const form of forms) {
    const full = await cli([...form, ini, '--no-cache']);
    for (const pass of ['first', 'cached']) {
      const light = run([...form, ini], env);
      assert.equal(light.code, full.code, `${form.join(' ')} (${pass})`);
      assert.equal(light.out, full.out, `${form.join(' ')} (${pass})`);
      assert.equal(light.wasm, false, `${form.join(' ')} compiled WASM`);
      assert.equal(light.full, false, `${form.join(' ')} loaded the full CLI`);
      // node:crypto takes ~7 ms to load: only a cache write (its temporary file's name) needs it.
      if (pass === 'cached') assert.equal(light.crypto, false, `${form.join(' ')} loaded node:crypto for a cached answer`);
      // The answer is written to file descriptor 1 (syncOut.ts): no stream modules (~4 ms).
      if (pass === 'cached') assert.equal(light.stream, false, `${form.join(' ')} loaded Node's streams for a cached answer`);
      // The scanner, the graph and the formatting (dist/cliAnswers.js) load only to compute an answer.
      assert.equal(light.answers, pass === 'first', `${form.join(' ')} (${pass}) loaded dist/cliAnswers.js: ${light.answers}`);
    }
    const uncached = run([...form, ini, '--no-cache'], env);
    assert.equal(uncached.crypto, false, `${form.join(' ')} --no-cache loaded node:crypto`);
    assert.equal(uncached.stream, false, `${form.join(' ')} --no-cache loaded Node's streams`);
  }
  // A failing range fails alike, from the cache too.
  const bad = await cli(['history', ini, '-r', 'nope:', '--no-cache']);
  for (let i = 0; i < 2; i++) {
    const r = run(['history', ini, '-r', 'nope:'], env);
    assert.equal(r.code, 1);
    assert.equal(r.err, bad.err);
  }
  // The probe can fail: check loads the full CLI and compiles the parsers.
  const check = run(['check', ini], env);
  assert.equal(check.code, 0, check.err);
  assert.equal(check.full, true);
  assert.equal(check.wasm, true);
  // …but not the database client: only the commands that connect load pg (~50 ms of start-up).
  assert.equal(check.db, false);
  const doctor = run(['doctor', ini], env);
  assert.equal(doctor.db, true, 'the probe sees pg load where a command connects');
  assert.equal(doctor.stream, true, 'the probe sees the stream modules load (node:net needs them)');
  // Anything the entry does not know goes to the full CLI, which says what is wrong.
  const usage = run(['heads', ini, '--bogus'], env);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /unknown option '--bogus'/);
  assert.equal(run(['heads', path.join(ini, 'nope')], env).code, 2);
});

test('an unchanged project answers from the cache; any change to a migration or the file set is seen', async () => {
  const { dir, ini } = settledProject();
  const xdg = tempDir('alembic-xdg-');
  const env = { XDG_CACHE_HOME: xdg };
  const cacheDir = path.join(xdg, 'alembic-migrations', 'cli');
  const first = run(['heads', ini], env);
  assert.equal(first.out, HEAD);
  const [file] = cacheFiles(cacheDir);
  assert.ok(file, 'a cache file was written');
  // Prove the next answer comes from the cache: plant another answer, keep the signatures.
  plantAnswers(cacheDir);
  assert.equal(run(['heads', ini], env).out, 'from the cache\n');
  // --no-cache reads the project.
  assert.equal(run(['heads', ini, '--no-cache'], env).out, HEAD);
  // An edit in place (same name, new size) invalidates it.
  const versions = path.join(dir, 'migrations', 'versions');
  const tip = fs.readdirSync(versions).find((f) => f.includes('aaaa00000006'))!;
  fs.appendFileSync(path.join(versions, tip), '# edited\n');
  assert.equal(run(['heads', ini], env).out, HEAD);
  // A new file (a second head) invalidates it.
  const extra = fs
    .readFileSync(path.join(versions, tip), 'utf8')
    .replace(/aaaa00000006/g, 'bbbb00000007')
    .replace("down_revision = 'aaaa00000005'", "down_revision = 'aaaa00000002'");
  fs.writeFileSync(path.join(versions, 'bbbb00000007_extra.py'), extra);
  const two = run(['heads', ini], env).out;
  assert.equal(two, (await cli(['heads', ini, '--no-cache'])).out);
  assert.deepEqual(two.split('\n').sort(), ['', 'aaaa00000006 (left) (head)', 'bbbb00000007 (head)']);
  // A down_revision edit that keeps the file's size (same length id) is seen too (mtime, ctime).
  fs.writeFileSync(path.join(versions, 'bbbb00000007_extra.py'), extra.replace("down_revision = 'aaaa00000002'", "down_revision = 'aaaa00000006'"));
  assert.equal(run(['heads', ini], env).out, 'bbbb00000007 (left) (head)\n');
});

test('several projects answer from the cache with paths shown from the working folder it ran in', () => {
  // The cache is validated from inside each version folder (answerCache.ts, sameStatsIn): the
  // working folder must be back before the next project's `# name (config)` line is shown.
  const root = tempDir('alembic-clicache-ws-');
  writeProject(path.join(root, 'one'), REVS);
  writeProject(path.join(root, 'two'), REVS.slice(0, 2));
  const until = Date.now() + 1100;
  while (Date.now() < until) {
    /* let the files settle (see settledProject) */
  }
  const env = { XDG_CACHE_HOME: tempDir('alembic-xdg-') };
  const expected = `# one (${path.join('one', 'alembic.ini')})\n${HEAD}# two (${path.join('two', 'alembic.ini')})\naaaa00000002 (head)\n`;
  for (const pass of ['first', 'cached', 'cached again']) {
    const r = run(['heads', '.'], env, root);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, expected, pass);
  }
  assert.equal(fs.readdirSync(path.join(env.XDG_CACHE_HOME, 'alembic-migrations', 'cli')).filter((f) => f.endsWith('.answers')).length, 2);
});

test('a recursive version location answers from the cache and sees an edit in a subfolder', async () => {
  const dir = tempDir('alembic-clicache-rec-');
  const ini = writeProject(dir, REVS);
  fs.writeFileSync(ini, fs.readFileSync(ini, 'utf8').replace('[alembic]\n', '[alembic]\nrecursive_version_locations = true\n'));
  const versions = path.join(dir, 'migrations', 'versions');
  const tip = fs.readdirSync(versions).find((f) => f.includes('aaaa00000006'))!;
  fs.mkdirSync(path.join(versions, '2026', 'q4'), { recursive: true });
  fs.renameSync(path.join(versions, tip), path.join(versions, '2026', 'q4', tip));
  const until = Date.now() + 1100;
  while (Date.now() < until) {
    /* let the files settle (see settledProject) */
  }
  const xdg = tempDir('alembic-xdg-');
  const env = { XDG_CACHE_HOME: xdg };
  assert.equal(run(['heads', ini], env).out, HEAD);
  const [file] = cacheFiles(path.join(xdg, 'alembic-migrations', 'cli'));
  assert.deepEqual(readCache(path.join(xdg, 'alembic-migrations', 'cli', file)).header.locations[0].stat, null, 'a recursive location is listed every time');
  assert.ok(readCache(path.join(xdg, 'alembic-migrations', 'cli', file)).header.locations[0].names.includes(path.join('2026', 'q4', tip)));
  plantAnswers(path.join(xdg, 'alembic-migrations', 'cli'));
  assert.equal(run(['heads', ini], env).out, 'from the cache\n');
  // The file in the subfolder gets a second parent's head: seen (its stat changed).
  fs.writeFileSync(
    path.join(versions, '2026', 'q4', tip),
    fs.readFileSync(path.join(versions, '2026', 'q4', tip), 'utf8').replace("down_revision = 'aaaa00000005'", "down_revision = 'aaaa00000004'"),
  );
  const now = run(['heads', ini], env).out;
  assert.equal(now, (await cli(['heads', ini, '--no-cache'])).out);
  assert.equal(now.split('\n').length, 3, `two heads now: ${now}`);
});

test('each answer is its own line: a command reads only its own, and keeps the others it can vouch for', () => {
  const { ini } = settledProject();
  const xdg = tempDir('alembic-xdg-');
  const env = { XDG_CACHE_HOME: xdg };
  const cacheDir = path.join(xdg, 'alembic-migrations', 'cli');
  assert.equal(run(['heads', ini], env).out, HEAD);
  const history = run(['history', ini], env).out;
  const [file] = cacheFiles(cacheDir);
  const data = readCache(path.join(cacheDir, file));
  assert.equal(data.header.keys.length, 2);
  assert.deepEqual(
    data.answers.map((a) => a.value),
    [HEAD, history],
  );
  // The history line broken, the heads line planted: heads answers from its line alone.
  writeLines(path.join(cacheDir, file), data.header, [JSON.stringify({ code: 0, value: 'planted\n' }), '{broken']);
  assert.equal(run(['heads', ini], env).out, 'planted\n');
  // history computes its answer again and keeps the heads line (the same files' stats).
  assert.equal(run(['history', ini], env).out, history);
  assert.equal(run(['heads', ini], env).out, 'planted\n');
  assert.deepEqual(
    readCache(path.join(cacheDir, file)).answers.map((a) => a.value),
    ['planted\n', history],
  );
});

test('a corrupt, foreign or symlinked cache is ignored and never written through', () => {
  const { ini } = settledProject();
  const xdg = tempDir('alembic-xdg-');
  const cacheDir = path.join(xdg, 'alembic-migrations', 'cli');
  run(['heads', ini], { XDG_CACHE_HOME: xdg });
  const [file] = cacheFiles(cacheDir);
  const good = fs.readFileSync(path.join(cacheDir, file), 'utf8');
  const [pre, header, answer] = good.split('\n');
  // A file whose first line gives this header's true length.
  const withPre = (h: string, ...rest: string[]): string => [JSON.stringify({ format: 3, header: Buffer.byteLength(h) }), h, ...rest].join('\n');
  const junks = [
    '{not json',
    'null',
    '[]',
    JSON.stringify({ format: 1, build: 'x', answers: {} }),
    '\u0000\u0001',
    pre, // no line break, no header
    `${pre}\n`,
    `${pre}\n${header}`, // no line break after the header
    withPre(header, ''), // keys, but no answers' lines
    withPre(header, answer, answer, ''), // more lines than keys: the first one is read
    `{"format":3,"header":99999999}\n${header}\n${answer}\n`, // a header longer than the file
    `{"format":3,"header":${Buffer.byteLength(header) - 1}}\n${header}\n${answer}\n`, // one byte short
    `{"format":3,"header":-5}\n${header}\n${answer}\n`,
    `{"format":2,"header":${Buffer.byteLength(header)}}\n${header}\n${answer}\n`,
    withPre(header.replace('"stats":[', '"stats":["x",'), answer, ''), // a stat that is not a number
    withPre(header.replace('"names":[', '"names":[7,'), answer, ''), // a name that is not a string
    withPre(header.replace('"keys":[', '"keys":[3,'), answer, ''),
    withPre(header.replace(/"lengths":\[\d+\]/, '"lengths":[99999]'), answer, ''), // a line longer than the file
    withPre(header.replace(/"lengths":\[\d+\]/, '"lengths":[-1]'), answer, ''),
    withPre(header.replace(/"lengths":\[\d+\]/, '"lengths":[5]'), answer, ''), // a piece of the line
  ];
  // The well-formed one is read (the test below plants answers in it).
  assert.equal(withPre(header, answer, ''), good);
  for (const junk of junks) {
    fs.writeFileSync(path.join(cacheDir, file), junk);
    assert.equal(run(['heads', ini], { XDG_CACHE_HOME: xdg }).out, HEAD, junk);
  }
  // Well-formed but wrong-typed answers are ignored too.
  run(['heads', ini], { XDG_CACHE_HOME: xdg });
  const data = readCache(path.join(cacheDir, file));
  data.answers = data.answers.map(() => ({ code: 'x', value: 42 }));
  writeCache(path.join(cacheDir, file), data);
  assert.equal(run(['heads', ini], { XDG_CACHE_HOME: xdg }).out, HEAD);

  // The cache folder a symlink to elsewhere: nothing is written there, the answer is right.
  const xdg2 = tempDir('alembic-xdg-');
  const elsewhere = tempDir('alembic-elsewhere-');
  fs.mkdirSync(path.join(xdg2, 'alembic-migrations'), { recursive: true });
  fs.symlinkSync(elsewhere, path.join(xdg2, 'alembic-migrations', 'cli'));
  assert.equal(run(['heads', ini], { XDG_CACHE_HOME: xdg2 }).out, HEAD);
  assert.deepEqual(fs.readdirSync(elsewhere), []);
  // The cache file a symlink: not followed, not written through.
  const xdg3 = tempDir('alembic-xdg-');
  run(['heads', ini], { XDG_CACHE_HOME: xdg3 });
  const dir3 = path.join(xdg3, 'alembic-migrations', 'cli');
  const [f3] = cacheFiles(dir3);
  const target = path.join(elsewhere, 'target.json');
  fs.writeFileSync(target, 'untouched');
  fs.rmSync(path.join(dir3, f3));
  fs.symlinkSync(target, path.join(dir3, f3));
  assert.equal(run(['heads', ini], { XDG_CACHE_HOME: xdg3 }).out, HEAD);
  assert.equal(fs.readFileSync(target, 'utf8'), 'untouched');
});

test('the cache lives in XDG_CACHE_HOME, else ~/.cache (a relative XDG_CACHE_HOME is ignored); --no-cache writes nothing', () => {
  const { ini } = settledProject();
  const home = tempDir('alembic-home-');
  run(['history', ini], { XDG_CACHE_HOME: 'relative/cache', HOME: home });
  assert.equal(cacheFiles(path.join(home, '.cache', 'alembic-migrations', 'cli')).length, 1);
  const xdg = tempDir('alembic-xdg-');
  run(['history', ini, '--no-cache'], { XDG_CACHE_HOME: xdg });
  assert.deepEqual(fs.readdirSync(xdg), []);
});

test('a project written just now is answered but not cached (a write in the same clock tick could go unseen)', () => {
  const dir = tempDir('alembic-clicache-');
  const ini = writeProject(dir, REVS);
  const xdg = tempDir('alembic-xdg-');
  assert.equal(run(['heads', ini], { XDG_CACHE_HOME: xdg }).out, HEAD);
  assert.deepEqual(cacheFiles(path.join(xdg, 'alembic-migrations', 'cli')), []);
});

/** Replaces every cached answer with `from the cache`, keeping what the cache was validated by. */
function plantAnswers(cacheDir: string): void {
  const [file] = cacheFiles(cacheDir);
  assert.ok(file, 'a cache file was written');
  const data = readCache(path.join(cacheDir, file));
  for (const a of data.answers) a.value = 'from the cache\n';
  writeCache(path.join(cacheDir, file), data);
}

test('a folder whose entries are unchanged is not listed again; a rename or removal in it is still seen', () => {
  const { dir, ini } = settledProject();
  const xdg = tempDir('alembic-xdg-');
  const cacheDir = path.join(xdg, 'alembic-migrations', 'cli');
  assert.equal(run(['heads', ini], { XDG_CACHE_HOME: xdg }).out, HEAD);
  plantAnswers(cacheDir);
  assert.equal(run(['heads', ini], { XDG_CACHE_HOME: xdg }).out, 'from the cache\n');
  // The cache keeps the folder's stat and the names below it, not every path's listing.
  const { header: data } = readCache(path.join(cacheDir, cacheFiles(cacheDir)[0]));
  assert.equal(data.locations.length, 1);
  assert.equal(data.locations[0].stat?.length, 4);
  assert.equal(data.locations[0].names.length, REVS.length);
  // A rename inside the folder (same number of files, same contents and inodes).
  const versions = path.join(dir, 'migrations', 'versions');
  const first = fs.readdirSync(versions).find((f) => f.includes('aaaa00000001'))!;
  fs.renameSync(path.join(versions, first), path.join(versions, `renamed_${first}`));
  assert.equal(run(['heads', ini], { XDG_CACHE_HOME: xdg }).out, HEAD);
  // A removal (the tip): the parent becomes the head.
  plantAnswers(cacheDir);
  const tip = fs.readdirSync(versions).find((f) => f.includes('aaaa00000006'))!;
  fs.rmSync(path.join(versions, tip));
  assert.equal(run(['heads', ini], { XDG_CACHE_HOME: xdg }).out, 'aaaa00000005 (left) (head)\n');
});

test('a folder holding a symbolic link is listed every time: a link to a folder that turns into a migration is seen', () => {
  const { dir, ini } = settledProject(REVS.slice(0, 5));
  const versions = path.join(dir, 'migrations', 'versions');
  // A link to a folder elsewhere: not a migration (the listing skips folders).
  const elsewhere = tempDir('alembic-elsewhere-');
  fs.mkdirSync(path.join(elsewhere, 'target.py'));
  fs.symlinkSync(path.join(elsewhere, 'target.py'), path.join(versions, 'linked.py'));
  const until = Date.now() + 1100;
  while (Date.now() < until) {
    /* settle the folder's change time, so the answer is cached */
  }
  const xdg = tempDir('alembic-xdg-');
  const cacheDir = path.join(xdg, 'alembic-migrations', 'cli');
  assert.equal(run(['heads', ini], { XDG_CACHE_HOME: xdg }).out, 'aaaa00000005 (left) (head)\n');
  assert.equal(cacheFiles(cacheDir).length, 1, 'the answer was cached');
  // The link's target becomes the tip migration: the version folder itself is untouched.
  const before = fs.statSync(versions).ctimeMs;
  fs.rmdirSync(path.join(elsewhere, 'target.py'));
  fs.writeFileSync(path.join(elsewhere, 'target.py'), "revision = 'cccc00000007'\ndown_revision = 'aaaa00000005'\nbranch_labels = None\ndepends_on = None\n");
  assert.equal(fs.statSync(versions).ctimeMs, before);
  assert.equal(run(['heads', ini], { XDG_CACHE_HOME: xdg }).out, 'cccc00000007 (left) (head)\n');
});

test("the bundles use Node's modules and the vscode API as they are: no copy of each per importing module", () => {
  // esbuild bundles `import * as fs from 'node:fs'` as __toESM(require('node:fs')), a getter per
  // export copied once per importing module: 8–11 ms of every start (esbuild.mjs reads such
  // imports as `import fs = require(...)`). The bundles must still load those modules.
  for (const bundle of ['cli.js', 'cliAnswers.js', 'cliFull.js', 'server.js', 'lintWorker.js', 'client.js']) {
    const text = fs.readFileSync(path.join(repoRoot, 'dist', bundle), 'utf8');
    assert.ok(!/__toESM\d*\(require\("(node:[a-z_/]+|vscode)"\)/.test(text), `${bundle} copies a module per import`);
    assert.match(text, /require\("node:fs"\)/, bundle);
  }
});
