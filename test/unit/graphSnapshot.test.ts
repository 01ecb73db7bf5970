import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { discoverProjects, listMigrationFiles } from '../../server/src/alembic/discovery';
import { readSnapshot, writeSnapshot, snapshotFile } from '../../server/src/cache/graphSnapshot';
import { readMigrationFile } from '../../server/src/alembic/migrationFile';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-snapshot-unit-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A project with three migrations and a saved snapshot of it; returns what a test needs. */
function setUp(): { cache: string; versions: string; check: (build?: string) => unknown; save: () => void } {
  const dir = path.join(root, `p${n++}`);
  const versions = path.join(dir, 'migrations', 'versions');
  fs.mkdirSync(versions, { recursive: true });
  fs.writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = migrations\n');
  fs.writeFileSync(path.join(versions, 'a.py'), "revision = 'aaa'\ndown_revision = None\n");
  fs.writeFileSync(path.join(versions, 'b.py'), "revision = 'bbb'\ndown_revision = 'aaa'\n");
  fs.writeFileSync(path.join(versions, 'c.py'), "revision = 'ccc'\ndown_revision = 'bbb'\n");
  const cache = path.join(dir, 'cache');
  const [project] = discoverProjects(dir);
  const save = (): void => {
    const files = listMigrationFiles(project).map((f) => readMigrationFile(f.file, f.versionLocation, { signature: true }));
    writeSnapshot(cache, 'build-1', project, files, { heads: ['ccc'] });
  };
  save();
  const check = (build = 'build-1'): unknown => {
    const [p] = discoverProjects(dir);
    return readSnapshot(
      cache,
      build,
      p,
      listMigrationFiles(p).map((f) => f.file),
    )?.payload;
  };
  return { cache, versions, check, save };
}

test('an unchanged project gets its payload back; another build does not', () => {
  const s = setUp();
  assert.deepEqual(s.check(), { heads: ['ccc'] });
  assert.equal(s.check('build-2'), undefined);
});

test('a same-size edit is caught even when the old modification time is put back (ctime changes)', () => {
  const s = setUp();
  const f = path.join(s.versions, 'c.py');
  fs.utimesSync(f, 1_700_000_000, 1_700_000_000); // whole seconds: exactly restorable
  s.save();
  assert.deepEqual(s.check(), { heads: ['ccc'] });
  const st = fs.statSync(f);
  fs.writeFileSync(f, "revision = 'ccc'\ndown_revision = 'aaa'\n");
  fs.utimesSync(f, 1_700_000_000, 1_700_000_000);
  assert.equal(fs.statSync(f).size, st.size);
  assert.equal(fs.statSync(f).mtimeMs, st.mtimeMs);
  assert.equal(s.check(), undefined);
});

test('an added, a removed or a replaced file makes the snapshot unusable', () => {
  const added = setUp();
  fs.writeFileSync(path.join(added.versions, 'd.py'), "revision = 'ddd'\ndown_revision = 'ccc'\n");
  assert.equal(added.check(), undefined);

  const removed = setUp();
  fs.rmSync(path.join(removed.versions, 'b.py'));
  assert.equal(removed.check(), undefined);

  const replaced = setUp();
  const b = path.join(replaced.versions, 'b.py');
  const text = fs.readFileSync(b);
  const st = fs.statSync(b);
  fs.writeFileSync(b + '.new', text);
  fs.utimesSync(b + '.new', st.atime, st.mtime);
  fs.renameSync(b + '.new', b); // same bytes and times, another inode
  assert.equal(replaced.check(), undefined);
});

test('a file without a signature (an unsaved editor buffer) and a corrupt cache file are not used', () => {
  const s = setUp();
  const [project] = discoverProjects(path.dirname(path.dirname(s.versions)));
  const listing = listMigrationFiles(project).map((f) => f.file);
  writeSnapshot(
    s.cache,
    'build-1',
    project,
    listing.map((file, i) => ({ file, signature: i === 1 ? undefined : readMigrationFile(file, '', { signature: true }).signature })),
    { heads: [] },
  );
  assert.equal(s.check(), undefined);
  fs.writeFileSync(snapshotFile(s.cache, project), '{"format":1,"build":"build-1","files":');
  assert.equal(s.check(), undefined);
  fs.writeFileSync(snapshotFile(s.cache, project), 'null');
  assert.equal(s.check(), undefined);
});
