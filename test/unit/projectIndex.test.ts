/**
 * ProjectIndex keeps a cold index's files in listing order and maps them by path only when
 * something first looks one up: the order, lookups, edits and removals behave the same
 * whichever comes first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { writeProject, benchRevisions } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { discoverProjects, listMigrationFiles } from '../../server/src/alembic/discovery';
import { ProjectIndex } from '../../server/src/alembic/projectIndex';

function project(): { index: ProjectIndex; listing: string[] } {
  const dir = tempDir('project-index-');
  writeProject(dir, benchRevisions(30, { mergeEvery: 7, finalHeads: 1 }));
  const p = discoverProjects(dir)[0];
  return { index: ProjectIndex.load(p), listing: listMigrationFiles(p).map((f) => f.file) };
}

test('files keep the listing order; migrationFiles() is a copy the caller may change', () => {
  const { index, listing } = project();
  const files = index.migrationFiles();
  assert.deepEqual(
    files.map((m) => m.file),
    listing,
  );
  files.reverse();
  files.pop();
  assert.deepEqual(
    index.migrationFiles().map((m) => m.file),
    listing,
  );
  assert.equal(index.graph.size, listing.length);
});

test('an edit keeps the file in its place; a removal drops it; lookups see both, before or after the first graph', () => {
  for (const graphFirst of [false, true]) {
    const { index, listing } = project();
    if (graphFirst) assert.equal(index.graph.size, listing.length);
    const target = listing[5];
    const text = fs.readFileSync(target, 'utf8').replace(/^"""(.*)$/m, '"""$1 edited');
    assert.equal(index.setFile(target, text), true);
    assert.match(index.migrationFile(target)!.decls.message, /edited$/);
    assert.deepEqual(
      index.migrationFiles().map((m) => m.file),
      listing,
    );
    assert.equal(index.removeFile(listing[7]), true);
    assert.equal(index.migrationFile(listing[7]), undefined);
    assert.equal(index.removeFile(listing[7]), false);
    assert.deepEqual(
      index.migrationFiles().map((m) => m.file),
      listing.filter((_, i) => i !== 7),
    );
    assert.equal(index.migrationFile(listing[0])?.file, listing[0]);
  }
});
