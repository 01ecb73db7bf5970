/**
 * fastStat.ts: a path's size, mtimeMs, ctimeMs and ino without an fs.Stats — through Node's fs
 * binding where this Node's statSync is the expected call, through fs.statSync otherwise; both
 * compared with fs.statSync on real files, folders, links, FIFOs and paths that fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { tempDir } from '../support/tempDir';
import { sameStatNumbers, statNumbers, statNumbersFast } from '../../server/src/shared/fastStat';

/** What fs.statSync says, as statNumbers' four numbers; undefined where it throws or finds nothing. */
function expected(file: string): number[] | undefined {
  try {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    return st && [st.size, st.mtimeMs, st.ctimeMs, st.ino];
  } catch {
    return undefined;
  }
}

/** Paths of every kind: files (empty, large, unicode and spaced names), a folder, links (good, dangling, looping), a FIFO, and paths that fail. */
function paths(): string[] {
  const d = fs.realpathSync(tempDir('alembic-faststat-'));
  const out: string[] = [];
  for (let i = 0; i < 200; i++) {
    const f = path.join(d, `${i}_ünï cödé ${'x'.repeat(i % 7)}.py`);
    fs.writeFileSync(f, 'y'.repeat(i * 37));
    // Times with sub-millisecond parts, and ones set to whole seconds.
    if (i % 3 === 0) fs.utimesSync(f, 1_700_000_000 + i, 1_700_000_000.123456 + i);
    out.push(f);
  }
  const big = path.join(d, 'big.bin');
  fs.writeFileSync(big, Buffer.alloc(3 * 1024 * 1024));
  fs.mkdirSync(path.join(d, 'sub'));
  fs.symlinkSync(big, path.join(d, 'link'));
  fs.symlinkSync(path.join(d, 'missing'), path.join(d, 'dangling'));
  fs.symlinkSync(path.join(d, 'loop2'), path.join(d, 'loop1'));
  fs.symlinkSync(path.join(d, 'loop1'), path.join(d, 'loop2'));
  execFileSync('mkfifo', [path.join(d, 'pipe')]);
  out.push(big, path.join(d, 'sub'), path.join(d, 'link'), path.join(d, 'dangling'), path.join(d, 'loop1'), path.join(d, 'pipe'));
  out.push(path.join(d, 'absent.py'), path.join(big, 'below-a-file'), path.join(d, 'sub', '..', 'big.bin'), d + path.sep, '', 'relative-absent.py');
  return out;
}

test('the numbers are fs.statSync’s for every kind of path; a missing or failing one is undefined', () => {
  for (const p of paths()) assert.deepEqual(statNumbers(p) && [...statNumbers(p)!], expected(p), p);
});

test('sameStatNumbers says whether the four numbers at an offset are the path’s now', () => {
  for (const p of paths()) {
    const want = expected(p);
    const at = 3;
    const row: unknown[] = [9, 9, 9, ...(want ?? [1, 2, 3, 4]), 9];
    assert.equal(sameStatNumbers(p, row, at), want !== undefined, p);
    for (let k = 0; k < 4 && want; k++) {
      const off = [...row];
      off[at + k] = String(off[at + k]); // the same number as text never matches
      assert.equal(sameStatNumbers(p, off, at), false, `${p} field ${k}`);
      off[at + k] = want[k] + 1;
      assert.equal(sameStatNumbers(p, off, at), false, `${p} field ${k} + 1`);
    }
  }
  assert.equal(sameStatNumbers('/no/such/file\0', [0, 0, 0, 0], 0), false);
});

test('a NUL in a path is never cut there: undefined, as fs.statSync refuses it', () => {
  const d = fs.realpathSync(tempDir('alembic-faststat-'));
  fs.writeFileSync(path.join(d, 'a.py'), 'x');
  assert.ok(statNumbers(path.join(d, 'a.py')));
  assert.equal(statNumbers(path.join(d, 'a.py') + '\0ignored'), undefined);
  assert.equal(statNumbers(`${path.join(d, 'a.py')}\0`), undefined);
});

test('on Node 20 and 22 the binding path is the one used', () => {
  const major = Number(process.versions.node.split('.')[0]);
  if (major === 20 || major === 22) assert.equal(statNumbersFast(), true);
  else assert.equal(typeof statNumbersFast(), 'boolean');
});

test('with --pending-deprecation the public API is used: no warning, the same numbers', () => {
  const d = fs.realpathSync(tempDir('alembic-faststat-'));
  const f = path.join(d, 'a.py');
  fs.writeFileSync(f, 'hello');
  const mod = path.join(__dirname, '..', '..', 'server', 'src', 'shared', 'fastStat.js');
  const script = `const m = require(${JSON.stringify(mod)}); process.stdout.write(JSON.stringify({ fast: m.statNumbersFast(), n: m.statNumbers(${JSON.stringify(f)}) }));`;
  for (const args of [['--pending-deprecation'], []]) {
    const env = { ...process.env, NODE_OPTIONS: args.join(' ') };
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'nothing printed');
    const got = JSON.parse(r.stdout) as { fast: boolean; n: number[] };
    assert.deepEqual(got.n, expected(f));
    if (args.length) assert.equal(got.fast, false);
  }
});
