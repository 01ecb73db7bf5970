/**
 * The language server reads a never-seen project without a `stat` per file and signs the files
 * (for the next graph snapshot) once its first graph is out: ProjectIndex.signUnsigned. A file
 * unchanged since before the reading gets the signature `stat` gives now; one written during or
 * just before the reading is read again and signed only when what the graph shows of it is the
 * same — a snapshot must never pair a signature with a graph the file no longer gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeProject, benchRevisions } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { discoverProjects } from '../../server/src/alembic/discovery';
import { ProjectIndex } from '../../server/src/alembic/projectIndex';
import { statSignature } from '../../server/src/cache/fileSignature';

async function project(): Promise<{ index: ProjectIndex; files: string[] }> {
  const dir = tempDir('sign-later-');
  writeProject(dir, benchRevisions(30, { mergeEvery: 7, finalHeads: 1 }));
  const index = await ProjectIndex.loadInSlices(discoverProjects(dir)[0], { signatures: true, signLater: true });
  return { index, files: index.migrationFiles().map((m) => m.file) };
}

test('read without signatures, then signed from stat when unchanged since before the reading', async () => {
  const { index, files } = await project();
  assert.ok(files.length >= 30);
  assert.ok(
    index.migrationFiles().every((m) => m.signature === undefined),
    'nothing signed while reading',
  );
  // As if the reading had begun a minute from now: every file is older than it.
  index.signUnsigned(Date.now() + 60_000);
  for (const m of index.migrationFiles()) assert.equal(m.signature, statSignature(m.file), m.file);
});

test('a file written around the reading is read again: signed when it shows the same, not when it changed', async () => {
  const { index, files } = await project();
  const changed = files[10];
  const touched = files[20];
  // A change the graph shows (a new parent) and a rewrite with the same text.
  fs.writeFileSync(changed, fs.readFileSync(changed, 'utf8').replace(/^down_revision = .*$/m, "down_revision = 'elsewhere'"));
  fs.writeFileSync(touched, fs.readFileSync(touched, 'utf8'));
  index.signUnsigned(Date.now());
  const byFile = new Map(index.migrationFiles().map((m) => [m.file, m]));
  assert.equal(byFile.get(changed)!.signature, undefined, 'a changed file is not signed with the old reading');
  assert.equal(byFile.get(touched)!.signature, statSignature(touched));
  // The rest were written by the test just now too: read again, unchanged, signed.
  for (const f of files.filter((x) => x !== changed)) assert.equal(byFile.get(f)!.signature, statSignature(f), path.basename(f));
  // Files read later (an edit on disk) are signed as they are read.
  index.setFile(changed);
  assert.equal(index.migrationFile(changed)!.signature, statSignature(changed));
});
