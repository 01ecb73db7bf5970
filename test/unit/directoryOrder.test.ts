/**
 * directoryOrder.ts: a folder's entries in the order Python's `os.listdir` gives them (the order
 * Alembic loads migrations in), with their types — through Node's native Dir handle where the
 * runtime has one, and through the public API otherwise, both compared with real Python.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { tempDir } from '../support/tempDir';
import { ENTRY_DIR, ENTRY_FILE, ENTRY_LINK, ENTRY_OTHER, nativeDirectoryOrderAvailable, readDirectoryInOrder } from '../../server/src/shared/directoryOrder';

const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** A folder of many files (more than one native batch), a folder, links to both, a FIFO. */
function folder(): string {
  const d = fs.realpathSync(tempDir('alembic-dirorder-'));
  for (let i = 0; i < 2500; i++) fs.writeFileSync(path.join(d, `${String(i).padStart(5, '0')}_${(i * 7919).toString(16)}.py`), '');
  fs.mkdirSync(path.join(d, 'sub'));
  fs.symlinkSync(path.join(d, '00001_1eef.py'), path.join(d, 'link.py'));
  fs.symlinkSync(path.join(d, 'sub'), path.join(d, 'linkdir'));
  execFileSync('mkfifo', [path.join(d, 'pipe.py')]);
  return d;
}

test("entries come in Python's os.listdir order, with their types, on both paths", () => {
  const d = folder();
  const listdir = JSON.parse(
    execFileSync(python, ['-c', 'import json, os, sys; print(json.dumps(os.listdir(sys.argv[1])))', d], { encoding: 'utf8' }),
  ) as string[];
  // The order is the file system's, not sorted (else this test could not tell the two apart).
  assert.notDeepEqual(listdir, [...listdir].sort());
  const fast = readDirectoryInOrder(d);
  const slow = readDirectoryInOrder(d, { publicOnly: true });
  assert.deepEqual(fast.names, listdir);
  assert.deepEqual(slow.names, listdir);
  assert.deepEqual(fast.types, slow.types);
  const typeOf = (name: string): number => fast.types[fast.names.indexOf(name)];
  assert.equal(typeOf('00001_1eef.py'), ENTRY_FILE);
  assert.equal(typeOf('sub'), ENTRY_DIR);
  assert.equal(typeOf('link.py'), ENTRY_LINK);
  assert.equal(typeOf('linkdir'), ENTRY_LINK);
  assert.equal(typeOf('pipe.py'), ENTRY_OTHER);
});

test('the native path is the one used where the runtime has it (Node 18 and 20)', () => {
  const major = Number(process.versions.node.split('.')[0]);
  if (major === 18 || major === 20) assert.equal(nativeDirectoryOrderAvailable(fs.realpathSync(tempDir('alembic-dirorder-'))), true);
  else assert.equal(typeof nativeDirectoryOrderAvailable(fs.realpathSync(tempDir('alembic-dirorder-'))), 'boolean');
});

test('a missing folder throws as opendir does; an empty one has no entries', () => {
  const d = fs.realpathSync(tempDir('alembic-dirorder-'));
  assert.throws(() => readDirectoryInOrder(path.join(d, 'nope')), /ENOENT/);
  assert.deepEqual(readDirectoryInOrder(d), { names: [], types: [] });
});
