/**
 * A database on another branch's revision, undone from this branch (issue 14), with the real
 * alembic, git and PostgreSQL: the database is upgraded on `feature`, the checkout switches to
 * `main`; the language server locates the missing chain in git; its files go into a temporary
 * folder added to `version_locations` of a temporary config; `alembic downgrade` to the common
 * ancestor leaves the database there, and the working tree and the project's files untouched.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { writeProject } from '../support/generateProject';
import { commitAll, git, initRepo, writeMigration } from '../support/gitRepo';
import { tempDir } from '../support/tempDir';
import { startServer, type TestServer } from '../support/lspClient';
import { buildAlembicInvocation, type AlembicAction } from '../../client/src/alembicCli/alembicArgv';
import { runProcess } from '../../client/src/alembicCli/processRunner';
import { materialiseBranch } from '../../client/src/alembicCli/branchFiles';
import { LocateRevisionRequest, ProjectsRequest, type LocateRevisionResult } from '../../server/src/shared/protocol';

const A = 'aaaa00000001';
const FIRST = 'bbbb00000001';
const SECOND = 'bbbb00000002';

let pg: TestPostgres;
let server: TestServer | undefined;
before(async () => {
  pg = await startPostgres();
});
after(async () => {
  await server?.stop();
  await pg?.stop();
});

async function alembic(dir: string, ini: string, action: AlembicAction): Promise<{ code: number | null; out: string }> {
  const inv = buildAlembicInvocation({ command: ['/usr/bin/alembic'], iniFile: ini, cwd: dir, action, env: { DATABASE_URL: pg.url } });
  const r = await runProcess({ file: inv.file, args: inv.args, cwd: inv.cwd, env: { ...process.env, ...inv.env } });
  return { code: r.exitCode, out: r.stdout + r.stderr };
}

async function query<T>(sql: string): Promise<T[]> {
  const c = new Client({ connectionString: pg.url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

test("Downgrade with that branch's migrations: the database goes back to the common ancestor; the checkout is untouched", async () => {
  const dir = tempDir('alembic-branchdown-');
  const ini = writeProject(
    dir,
    [
      {
        id: A,
        down: [],
        message: 'create accounts',
        upgrade: ["op.create_table('accounts', sa.Column('id', sa.Integer, primary_key=True))"],
        downgrade: ["op.drop_table('accounts')"],
      },
    ],
    { logging: true },
  );
  fs.writeFileSync(path.join(dir, '.gitignore'), '__pycache__/\n');
  initRepo(dir);
  commitAll(dir, 'first');
  git(dir, 'checkout', '-q', '-b', 'feature/x');
  writeMigration(dir, {
    id: FIRST,
    down: [A],
    message: 'add nickname',
    upgrade: ["op.add_column('accounts', sa.Column('nickname', sa.Text))"],
    downgrade: ["op.drop_column('accounts', 'nickname')"],
  });
  writeMigration(dir, {
    id: SECOND,
    down: [FIRST],
    message: 'create audit',
    upgrade: ["op.create_table('audit', sa.Column('id', sa.Integer, primary_key=True))"],
    downgrade: ["op.drop_table('audit')"],
  });
  commitAll(dir, 'feature work');
  const up = await alembic(dir, ini, { kind: 'upgrade', target: 'head' });
  assert.equal(up.code, 0, up.out);
  git(dir, 'checkout', '-q', 'main');
  // On main, alembic itself cannot even read the database's revision.
  const stuck = await alembic(dir, ini, { kind: 'downgrade', target: A });
  assert.notEqual(stuck.code, 0);
  assert.match(stuck.out, /Can't locate revision identified by 'bbbb00000002'/);

  server = await startServer(dir);
  const [project] = await server.connection.sendRequest(ProjectsRequest);
  let located: LocateRevisionResult = { kind: 'unavailable', locations: [] };
  for (let i = 0; i < 100 && located.kind === 'unavailable'; i++) {
    located = await server.connection.sendRequest(LocateRevisionRequest, { projectId: project.id, revision: SECOND });
    if (located.kind === 'unavailable') await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(located.kind, 'found', located.message);
  assert.equal(located.chain?.ref, 'feature/x');
  assert.deepEqual(located.chain?.commonAncestors, [A]);

  const statusBefore = git(dir, 'status', '--porcelain', '--untracked-files=all');
  const filesBefore = fs.readdirSync(path.join(dir, 'migrations', 'versions')).sort();
  const folder = materialiseBranch({ iniFile: ini, versionLocations: [path.join(dir, 'migrations', 'versions')], files: located.chain.migrations });
  try {
    assert.match(fs.readFileSync(folder.ini, 'utf8'), /^version_locations = .*migrations\/versions .*alembic-branch-[^/]+\/versions$/m);
    const down = await alembic(dir, folder.ini, { kind: 'downgrade', target: located.chain.commonAncestors[0] });
    assert.equal(down.code, 0, down.out);
    assert.match(down.out, /Running downgrade bbbb00000002 -> bbbb00000001/);
    assert.match(down.out, /Running downgrade bbbb00000001 -> aaaa00000001/);
  } finally {
    folder.remove();
  }
  assert.ok(!fs.existsSync(folder.dir), 'the temporary folder is gone');
  assert.deepEqual(
    (await query<{ version_num: string }>('SELECT version_num FROM alembic_version')).map((r) => r.version_num),
    [A],
  );
  assert.deepEqual(await query("SELECT 1 FROM information_schema.tables WHERE table_name = 'audit'"), []);
  assert.deepEqual(await query("SELECT 1 FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'nickname'"), []);
  assert.equal(git(dir, 'status', '--porcelain', '--untracked-files=all'), statusBefore, 'the working tree is untouched');
  assert.deepEqual(fs.readdirSync(path.join(dir, 'migrations', 'versions')).sort(), filesBefore);
  // alembic on this checkout works again.
  const current = await alembic(dir, ini, { kind: 'current', verbose: false });
  assert.equal(current.code, 0, current.out);
  assert.match(current.out, /aaaa00000001 \(head\)/);
});
