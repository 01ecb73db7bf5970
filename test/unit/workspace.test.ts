/**
 * Watcher storms: one batch of events re-reads each folder whose config changed once, however
 * many config events it holds, and skips its migrations' own events (the reload read them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Workspace } from '../../server/src/workspace';
import { writeProject, benchRevisions } from '../support/generateProject';
import { tempDir } from '../support/tempDir';

class CountingWorkspace extends Workspace {
  reloads: string[] = [];
  override reloadFolder(folder: string): string[] {
    this.reloads.push(folder);
    return super.reloadFolder(folder);
  }
}

test('a batch of 500 config and migration events re-reads the folder once and gives the right graph', () => {
  const dir = tempDir('storm-');
  const ini = writeProject(dir, benchRevisions(200, { finalHeads: 1 }));
  const ws = new CountingWorkspace();
  const [id] = ws.addFolder(dir);
  const versions = path.join(dir, 'migrations', 'versions');
  const files = fs.readdirSync(versions).map((f) => path.join(versions, f));
  // A checkout: the ini is rewritten many times (editors, formatters) and every migration changes.
  fs.appendFileSync(ini, '\n# touched\n');
  const changes = [
    ...Array.from({ length: 300 }, () => ({ file: ini, kind: 'changed' as const })),
    ...files.map((file) => ({ file, kind: 'changed' as const })),
  ];
  const ids = ws.fileEvents(changes);
  assert.deepEqual(ws.reloads, [dir], 'one reload for the folder');
  assert.deepEqual(ids, [id]);
  assert.equal(ws.project(id)!.graph.size, 200);
});
