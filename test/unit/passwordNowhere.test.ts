/**
 * A password written in alembic.ini's sqlalchemy.url (real projects do) appears in no output of
 * the server's and the CLI's: not in the project list or graph the server sends, not in its
 * graph snapshot on disk, not in `check`, `heads`, `history` or `graph --json`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { cli } from '../support/cli';
import { discoverProjects } from '../../server/src/alembic/discovery';
import { ProjectIndex } from '../../server/src/alembic/projectIndex';
import { SnapshotStore } from '../../server/src/cache/snapshotStore';
import { graphResult, projects } from '../../server/src/handlers/info';
import type { HandlerContext } from '../../server/src/handlers/context';
import { pathToUri } from '../../server/src/uris';
import { writeProject } from '../support/generateProject';
import { tempDir } from '../support/tempDir';

test('an ini password is in no server answer, snapshot or CLI output', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.string({
        minLength: 6,
        maxLength: 24,
        unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!$&*+,;=~_-.'.split('')),
      }),
      async (password) => {
        fc.pre(!/^[a-z]+$/.test(password)); // a plain word could occur in file names or messages by chance
        const dir = tempDir('pw-');
        const ini = writeProject(
          dir,
          [
            { id: 'aaa000000001', down: [], message: 'create users' },
            { id: 'bbb000000002', down: ['aaa000000001'], message: 'add orders', upgrade: ["op.execute('UPDATE orders SET x = 1')"] },
          ],
          { url: `postgresql+psycopg2://deploy:${encodeURIComponent(password)}@db.internal:5432/app` },
        );
        assert.ok(fs.readFileSync(ini, 'utf8').includes(encodeURIComponent(password)), 'the ini holds it');
        const secrets = [password, encodeURIComponent(password)];
        const project = discoverProjects(dir)[0];
        const index = ProjectIndex.load(project);
        const ctx = {
          workspace: { allProjects: () => [index], projectsOfFile: () => [index], folderOfProject: () => dir },
          projectUri: (p: ProjectIndex) => pathToUri(p.project.id),
        } as unknown as HandlerContext;
        const outputs: string[] = [JSON.stringify(projects(ctx)), JSON.stringify(graphResult(ctx, index))];
        const cacheDir = path.join(dir, 'cache');
        const store = new SnapshotStore(
          cacheDir,
          'test',
          (p) => graphResult(ctx, p),
          (w, e) => {
            throw new Error(`${w}: ${String(e)}`);
          },
        );
        store.loaded([index]);
        store.saveChanged({ projects: () => [index], openText: () => undefined });
        const saved = fs.readdirSync(cacheDir).map((f) => fs.readFileSync(path.join(cacheDir, f), 'utf8'));
        assert.ok(saved.length > 0, 'a snapshot was written');
        outputs.push(...saved);
        for (const args of [
          ['check', dir],
          ['check', dir, '--format', 'json'],
          ['heads', dir],
          ['history', dir],
          ['graph', dir, '--json'],
        ]) {
          const r = await cli(args);
          outputs.push(r.out + r.err);
        }
        for (const o of outputs)
          assert.ok(o.includes('aaa000000001') || o.includes('bbb000000002') || /problem/.test(o), `an output says nothing of the project: ${o.slice(0, 300)}`);
        for (const o of outputs) for (const s of secrets) assert.ok(!o.includes(s), `found the password in:\n${o.slice(0, 400)}`);
      },
    ),
    { numRuns: 15 },
  );
});
