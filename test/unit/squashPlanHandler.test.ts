/**
 * `alembic/squashPlan` against a small fake context: the plan as URIs and text, the open
 * editor's text used, and the refusals (range, database inside it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { squashPlan } from '../../server/src/handlers/squash';
import type { HandlerContext } from '../../server/src/handlers/context';
import { discoverProjects } from '../../server/src/alembic/discovery';
import { ProjectIndex } from '../../server/src/alembic/projectIndex';
import { parseMigration, type ParsedMigration } from '../../server/src/alembic/migrationParser';
import { pathToUri } from '../../server/src/uris';
import type { DatabaseState } from '../../server/src/shared/protocol';
import { writeProject } from '../support/generateProject';
import { tempDir } from '../support/tempDir';

const REVS = ['r0', 'r1', 'r2', 'r3'].map((id, i) => ({
  id,
  down: i ? [`r${i - 1}`] : [],
  message: `step ${i}`,
  upgrade: [`op.create_table('t${i}')`],
  downgrade: [`op.drop_table('t${i}')`],
}));

function fakeContext(dir: string, opts: { db?: DatabaseState; open?: Map<string, ParsedMigration> } = {}): HandlerContext & { index: ProjectIndex } {
  const index = ProjectIndex.load(discoverProjects(dir)[0]);
  return {
    index,
    workspace: { projectsOfFile: () => [index], folderOfProject: () => dir, allProjects: () => [index] },
    trusted: true,
    parsed: (f) => opts.open?.get(f),
    lintProblemsOf: () => [],
    databaseState: () => opts.db ?? { kind: 'unknown' },
    gitStatus: () => undefined,
    projectUri: (p) => pathToUri(p.project.id),
    projectByUri: (u) => (u === pathToUri(index.project.id) ? index : undefined),
    startupProjects: [],
    snapshotGraph: () => undefined,
  };
}

test('squashPlan answers TO’s file with the new text and the moves to the archive', async () => {
  const dir = tempDir('squash-handler-');
  writeProject(dir, REVS);
  const ctx = fakeContext(dir);
  const projectId = pathToUri(ctx.index.project.id);
  const r = await squashPlan(ctx, { projectId, from: 'r1', to: 'r3' });
  assert.equal(r.kind, 'ok', r.kind === 'refused' ? r.message : '');
  if (r.kind !== 'ok') return;
  assert.equal(r.revision, 'r3');
  assert.equal(r.uri, pathToUri(path.join(dir, 'migrations', 'versions', '00003_r3.py')));
  assert.deepEqual(
    r.revisions.map((x) => x.id),
    ['r1', 'r2', 'r3'],
  );
  assert.match(r.text, /^down_revision = 'r0'$/m);
  assert.match(r.text, /# from r2: step 2\n {4}op\.create_table\('t2'\)/);
  assert.equal(r.archiveUri, pathToUri(path.join(dir, 'squashed_migrations')));
  assert.deepEqual(r.moves[0], {
    fromUri: pathToUri(path.join(dir, 'migrations', 'versions', '00001_r1.py')),
    toUri: pathToUri(path.join(dir, 'squashed_migrations', '00001_r1.py')),
  });
  assert.equal(r.moves.length, 3);
  const d = await squashPlan(ctx, { projectId, from: 'r1', to: 'r3', delete: true });
  assert.equal(d.kind === 'ok' && d.deletes.length, 3);
});

test('squashPlan reads open editors, and refuses a database inside the range or an unknown project', async () => {
  const dir = tempDir('squash-handler-');
  writeProject(dir, REVS);
  const file = path.join(dir, 'migrations', 'versions', '00002_r2.py');
  const edited = fs.readFileSync(file, 'utf8').replace("op.create_table('t2')", "op.create_table('edited_in_editor')");
  const ctx = fakeContext(dir, { open: new Map([[file, await parseMigration(edited)]]) });
  const projectId = pathToUri(ctx.index.project.id);
  const r = await squashPlan(ctx, { projectId, from: 'r1', to: 'r3' });
  assert.match(r.kind === 'ok' ? r.text : '', /op\.create_table\('edited_in_editor'\)/);

  const atR2 = fakeContext(dir, { db: { kind: 'ok', revisions: ['r2'], database: 'app', readAt: '2026-01-01T00:00:00Z' } });
  const refused = await squashPlan(atR2, { projectId, from: 'r1', to: 'r3' });
  assert.deepEqual(refused, { kind: 'refused', message: 'the database app is at r2, inside the range: upgrade it to r3 or past it first' });
  const atEnd = fakeContext(dir, { db: { kind: 'ok', revisions: ['r3'], database: 'app', readAt: '2026-01-01T00:00:00Z' } });
  assert.equal((await squashPlan(atEnd, { projectId, from: 'r1', to: 'r3' })).kind, 'ok');
  const nonLinear = await squashPlan(ctx, { projectId, from: 'r3', to: 'r1' });
  assert.match(nonLinear.kind === 'refused' ? nonLinear.message : '', /r3 is newer than r1/);
  assert.equal((await squashPlan(ctx, { projectId: 'file:///nowhere/alembic.ini', from: 'r1', to: 'r3' })).kind, 'refused');
});
