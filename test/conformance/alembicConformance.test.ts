/**
 * Our reading of projects against the real Alembic CLI (Debian's /usr/bin/alembic): `heads`,
 * `history`, `history -r` and the resolution of revision specs must come out identical.
 * Any difference is a failure; a missing alembic is a failure too, never a skip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { writeProject, benchRevisions, type GenRevision } from '../support/generateProject';
import { readProject } from '../../server/src/alembic/project';
import { ProjectIndex } from '../../server/src/alembic/projectIndex';
import { formatHeads, formatHistory } from '../../server/src/alembic/alembicFormat';
import { upgradeSteps } from '../../server/src/alembic/revisionSpec';
import { newRevisionFile } from '../../server/src/alembic/newRevision';
import { tempDir } from '../support/tempDir';

const run = promisify(execFile);
const ALEMBIC = '/usr/bin/alembic';
const repoRoot = path.resolve(__dirname, '..', '..', '..');

async function alembic(ini: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(ALEMBIC, ['-c', ini, ...args], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }, maxBuffer: 64 * 1024 * 1024 });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: number };
    return { stdout: err.stdout ?? '', stderr: err.stderr ?? '', code: typeof err.code === 'number' ? err.code : 1 };
  }
}

function ours(ini: string): ProjectIndex {
  return ProjectIndex.load(readProject(ini));
}

function text(r: string | { error: string }): string {
  if (typeof r !== 'string') throw new Error(r.error);
  return r;
}

/** Alembic's `FAILED: …` message (1.8.1 prints it on stdout, newer versions on stderr). */
function failedMessage(r: { stdout: string; stderr: string }): string | undefined {
  return /FAILED: (.*)/.exec(r.stderr + '\n' + r.stdout)?.[1];
}

/**
 * `alembic upgrade <spec> --sql` from base against our upgradeSteps: the same revisions in
 * the same order, or the same failure.
 */
async function assertSameUpgrade(ini: string, index: ProjectIndex, spec: string): Promise<void> {
  const a = await alembic(ini, ['upgrade', spec, '--sql']);
  const mine = upgradeSteps(index.graph, [], spec);
  if (a.code !== 0) {
    const failed = failedMessage(a);
    assert.ok(failed, `alembic failed without a FAILED line for ${spec}: ${a.stderr}`);
    assert.equal(mine.kind, 'error', `alembic fails on '${spec}' (${failed}); we resolved ${JSON.stringify(mine)}`);
    if (mine.kind === 'error') assert.ok(mine.message.startsWith(failed), `ours: ${mine.message}\nalembic: ${failed}`);
    return;
  }
  assert.equal(mine.kind, 'revisions', `${spec}: ${JSON.stringify(mine)}`);
  if (mine.kind === 'revisions') assert.deepEqual(mine.ids, runningUpgrades(a.stdout), `upgrade ${spec} --sql`);
}

/** What `alembic upgrade <spec> --sql` would run from base: the revisions after `-> `. */
function runningUpgrades(sql: string): string[] {
  return [...sql.matchAll(/^-- Running upgrade .*? -> (\S+)$/gm)].map((m) => m[1]);
}

function project(name: string, revisions: GenRevision[]): string {
  const dir = tempDir(`conf-${name}-`);
  return writeProject(dir, revisions);
}

/**
 * A seeded random history: bases, branch points, merges of two or three revisions and
 * depends_on on any earlier revision (some already ancestors: alembic normalizes those away).
 */
function randomHistory(seed: number, n: number): GenRevision[] {
  let x = seed >>> 0;
  const rand = (): number => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = Math.imul(x ^ (x >>> 15), 1 | x);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (k: number): number => Math.floor(rand() * k);
  const out: GenRevision[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${i.toString(16).padStart(4, '0')}${(seed * 7919 + i * 104729).toString(16).slice(-8).padStart(8, '0')}`;
    const r = rand();
    const down = new Set<string>();
    if (i > 0 && r >= 0.05) {
      down.add(out[i - 1 - pick(Math.min(i, 6))].id);
      if (r > 0.85) for (let k = 0; k < 1 + pick(2); k++) down.add(out[pick(i)].id);
    }
    const dependsOn = i > 3 && rand() < 0.2 ? [out[pick(i)].id].filter((d) => !down.has(d)) : [];
    out.push({ id, down: [...down], ...(dependsOn.length ? { dependsOn } : {}), message: `step ${i}` });
  }
  return out;
}

const CASES: Record<string, GenRevision[]> = {
  linear: [
    { id: 'a1b2c3d4e5f6', down: [], message: 'create users' },
    { id: 'b2c3d4e5f6a1', down: ['a1b2c3d4e5f6'], message: 'add email' },
    { id: 'c3d4e5f6a1b2', down: ['b2c3d4e5f6a1'], message: 'add index' },
  ],
  'branches and a three-parent merge': [
    { id: '000000000001', down: [], message: 'base' },
    { id: '00000000000a', down: ['000000000001'], message: 'branch a' },
    { id: '00000000000b', down: ['000000000001'], message: 'branch b' },
    { id: '00000000000c', down: ['000000000001'], message: 'branch c' },
    { id: '0000000000aa', down: ['00000000000a'], message: 'more a' },
    { id: '000000000m3p', down: ['0000000000aa', '00000000000b', '00000000000c'], message: 'merge three' },
    { id: '0000000000zz', down: ['000000000m3p'], message: 'after merge' },
  ],
  'labels and depends_on': [
    { id: 'aaaa00000001', down: [], message: 'core base' },
    { id: 'aaaa00000002', down: ['aaaa00000001'], message: 'core two' },
    { id: 'bbbb00000001', down: [], labels: ['reports'], message: 'reports base' },
    { id: 'bbbb00000002', down: ['bbbb00000001'], dependsOn: ['aaaa00000002'], message: 'reports needs core' },
    { id: 'bbbb00000003', down: ['bbbb00000002'], message: 'reports three' },
    { id: 'aaaa00000003', down: ['aaaa00000002'], dependsOn: ['reports'], message: 'core depends on label' },
  ],
  'two heads and shared prefixes': [
    { id: 'abcd11112222', down: [], message: 'first' },
    { id: 'abcd11113333', down: ['abcd11112222'], message: 'left' },
    { id: 'abce99998888', down: ['abcd11112222'], message: 'right' },
  ],
  'generated 300 with merges': benchRevisions(300, { mergeEvery: 25, finalHeads: 2 }),
  'random branches, merges and depends_on (seed 1)': randomHistory(1, 80),
  'random branches, merges and depends_on (seed 2)': randomHistory(2, 80),
  'random branches, merges and depends_on (seed 3)': randomHistory(3, 120),
};

for (const [name, revisions] of Object.entries(CASES)) {
  test(`heads and history match alembic: ${name}`, async () => {
    const ini = project(name.replace(/\W+/g, '-'), revisions);
    const index = ours(ini);
    const [heads, history, headsDeps, headsVerbose] = await Promise.all([
      alembic(ini, ['heads']),
      alembic(ini, ['history']),
      alembic(ini, ['heads', '--resolve-dependencies']),
      alembic(ini, ['heads', '--verbose']),
    ]);
    assert.equal(heads.code, 0, heads.stderr);
    assert.equal(text(formatHeads(index.graph)), heads.stdout);
    assert.equal(text(formatHistory(index.graph)), history.stdout);
    assert.equal(text(formatHeads(index.graph, { resolveDependencies: true })), headsDeps.stdout);
    assert.equal(text(formatHeads(index.graph, { verbose: true })), headsVerbose.stdout);
  });
}

test('history ranges and spec resolution match alembic on the generated project', async () => {
  const revisions = CASES['generated 300 with merges'];
  const ini = project('specs', revisions);
  const index = ours(ini);
  const id = (n: number): string => revisions[n].id;
  const ranges = [`${id(10)}:${id(60)}`, `:${id(30)}`, `${id(250)}:`, `${id(40).slice(0, 8)}:${id(45)}`];
  for (const r of ranges) {
    const a = await alembic(ini, ['history', '-r', r]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(text(formatHistory(index.graph, { range: r })), a.stdout, `history -r ${r}`);
  }
  const specs = [id(100), id(100).slice(0, 6), `${id(20)}+3`, `${id(60)}-2`, 'heads', `${id(5)}+1`, `${id(30)}+2`, id(3).slice(0, 3), '+2'];
  for (const spec of specs) await assertSameUpgrade(ini, index, spec);
});

test('errors match alembic: unknown revision, ambiguous prefix, several heads for "head"', async () => {
  const ini = project('errors', CASES['two heads and shared prefixes']);
  const index = ours(ini);
  for (const spec of ['nothere1234', 'abcd1111', 'head']) {
    const a = await alembic(ini, ['upgrade', spec, '--sql']);
    assert.notEqual(a.code, 0, `${spec} should fail in alembic`);
    await assertSameUpgrade(ini, index, spec);
  }
  for (const spec of ['abce', 'abc']) await assertSameUpgrade(ini, index, spec);
});

test('label@head, label@base-relative and upgrades along a labelled branch match alembic', async () => {
  const ini = project('labels', CASES['labels and depends_on']);
  const index = ours(ini);
  for (const spec of ['reports@head', 'reports@+1', 'reports@+2', 'aaaa00000002', 'heads', 'reports@base']) await assertSameUpgrade(ini, index, spec);
});

test("the repository's migrations-sample reads exactly as alembic reads it", async (t) => {
  const ini = path.join(repoRoot, 'migrations-sample', 'alembic.ini');
  assert.ok(fs.existsSync(ini), 'migrations-sample/alembic.ini must exist');
  const index = ours(ini);
  const env = { ...process.env, DATABASE_URL: 'postgresql://u@127.0.0.1:1/db' };
  const r = await run(ALEMBIC, ['-c', ini, 'heads'], { env }).catch((e: { stdout: string; stderr: string }) => e);
  assert.equal(text(formatHeads(index.graph)), r.stdout, r.stderr);
  const h = await run(ALEMBIC, ['-c', ini, 'history'], { env }).catch((e: { stdout: string; stderr: string }) => e);
  assert.equal(text(formatHistory(index.graph)), h.stdout, h.stderr);
  t.diagnostic(`${index.graph.size} revisions`);
});

test('a new revision written without Python matches `alembic revision` (name and content, but the date)', async () => {
  const dir = tempDir('conf-newrev-');
  const ini = writeProject(dir, CASES.linear);
  fs.appendFileSync(ini, 'file_template = %%(rev)s_%%(slug)s_x\ntruncate_slug_length = 20\n');
  const message = 'Add users.email, index & more';
  const a = await alembic(ini, ['revision', '--rev-id', 'feedface1234', '-m', message]);
  assert.equal(a.code, 0, a.stderr);
  const versions = path.join(dir, 'migrations', 'versions');
  const theirs = fs.readdirSync(versions).find((f) => f.startsWith('feedface1234'))!;
  const project = readProject(ini);
  const mine = newRevisionFile(
    { scriptLocation: project.scriptLocation, versionLocation: versions, fileTemplate: project.fileTemplate, truncateSlugLength: project.truncateSlugLength },
    { id: 'feedface1234', message, parents: ['c3d4e5f6a1b2'], createDate: new Date() },
  );
  assert.equal(path.basename(mine.file), theirs);
  const strip = (t: string): string => t.replace(/^Create Date: .*$/m, 'Create Date: X');
  assert.equal(strip(mine.text), strip(fs.readFileSync(path.join(versions, theirs), 'utf8')));
});
