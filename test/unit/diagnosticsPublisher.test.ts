/**
 * The diagnostics publisher on a project of thousands of files: requests that arrive meanwhile
 * are answered between slices (the event loop turns while it publishes), and a newer publish of
 * the same project replaces an older one still running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Workspace } from '../../server/src/workspace';
import { DocumentCache } from '../../server/src/state/documentCache';
import { SettingsStore } from '../../server/src/state/settingsStore';
import { DiagnosticsPublisher } from '../../server/src/state/diagnosticsPublisher';
import { writeProject, type GenRevision } from '../support/generateProject';
import { tempDir } from '../support/tempDir';

test('publishing 2,500 files lets the event loop turn in between, and ends with graphChanged', async () => {
  const dir = tempDir('publish-');
  // 2,500 bases: every one is a head, so every file carries multiple-heads.
  const revs: GenRevision[] = Array.from({ length: 2500 }, (_, i) => ({ id: `r${String(i).padStart(11, '0')}`, down: [] }));
  writeProject(dir, revs);
  const ws = new Workspace();
  const [id] = ws.addFolder(dir);
  const sentAtTurn: number[] = [];
  let turns = 0;
  let spinning = true;
  const spin = (): void => {
    turns++;
    if (spinning) setImmediate(spin);
  };
  const done = new Promise<void>((resolve) => {
    const pub = new DiagnosticsPublisher(ws, new DocumentCache(() => undefined), new SettingsStore(undefined, undefined, () => undefined), {
      diagnostics: () => {
        sentAtTurn.push(turns);
      },
      graphChanged: () => resolve(),
      warn: () => undefined,
      logError: (w, e) => {
        throw new Error(`${w}: ${String(e)}`);
      },
      flushed: () => undefined,
    });
    pub.markDirty([id]);
  });
  setImmediate(spin);
  await done;
  spinning = false;
  assert.equal(sentAtTurn.length, 2500, 'every file published');
  assert.ok(sentAtTurn.at(-1)! > sentAtTurn[0], `the loop turned while publishing (turns ${sentAtTurn[0]} → ${sentAtTurn.at(-1)})`);
});
