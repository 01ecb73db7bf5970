/**
 * The project doctor on real parts: Debian's alembic, the env.py probe, a real PostgreSQL. A
 * project at head is clean (exit 0); a stopped database, two heads and a wrong interpreter are
 * each a ✖ (exit 1) on the right line.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { writeProject, type GenRevision } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { doctorExitCode, renderDoctor, runDoctor, type DoctorInputs } from '../../server/src/shared/doctor';
import { TargetProbe } from '../../server/src/shared/alembicCli/targetProbe';
import { GraphView } from '../../client/src/model/graphModel';
import { buildAlembicInvocation } from '../../server/src/shared/alembicCli/alembicArgv';
import { runProcess } from '../../server/src/shared/alembicCli/processRunner';
import { discoverProjects } from '../../server/src/alembic/discovery';
import { ProjectIndex } from '../../server/src/alembic/projectIndex';
import { graphResult } from '../../server/src/handlers/info';
import type { HandlerContext } from '../../server/src/handlers/context';
import { pathToUri } from '../../server/src/uris';
import { unpackRevisionGraph } from '../../server/src/shared/protocol';

const script = path.resolve(__dirname, '..', '..', '..', 'client', 'python', 'alembic_target.py');
let pg: TestPostgres;
before(async () => {
  pg = await startPostgres();
});
after(async () => {
  await pg?.stop();
});

function project(revs: GenRevision[]): { dir: string; ini: string; inputs: (over?: Partial<DoctorInputs>) => DoctorInputs } {
  const dir = tempDir('doctor-');
  const ini = writeProject(dir, revs);
  const index = ProjectIndex.load(discoverProjects(dir)[0]);
  const ctx = { projectUri: (p: ProjectIndex) => pathToUri(p.project.id) } as unknown as HandlerContext;
  const view = new GraphView(unpackRevisionGraph(graphResult(ctx, index)));
  const graph = { heads: view.graph.heads, pending: (rows: readonly string[]) => view.pending(rows) };
  const env = { DATABASE_URL: pg.url };
  const probe = new TargetProbe(script);
  return {
    dir,
    ini,
    inputs: (over = {}) => ({
      projectName: 'proj',
      choice: { argv: ['/usr/bin/alembic'], source: 'setting', why: 'the alembic.command setting' },
      env,
      probeRequest: {
        projectId: dir,
        alembicArgv: ['/usr/bin/alembic'],
        iniFile: ini,
        cwd: dir,
        xArgs: [],
        env,
        inputs: [path.join(dir, 'migrations', 'env.py')],
      },
      probe: (r) => probe.probe(r),
      problems: [],
      envPy: path.join(dir, 'migrations', 'env.py'),
      graph,
      versionTable: 'alembic_version',
      lockTimeout: '5s',
      statementTimeout: '',
      errorsIn: () => 0,
      ...over,
    }),
  };
}

const line = (report: string, title: string): string => report.split('\n').find((l) => l.slice(2).startsWith(`${title}:`)) ?? `(no ${title} line)`;

test('a project at head: no ✖, exit 0; a wrong interpreter: ✖ alembic', async () => {
  const p = project([
    { id: 'eeee00000001', down: [] },
    { id: 'eeee00000002', down: ['eeee00000001'] },
  ]);
  const inv = buildAlembicInvocation({
    command: ['/usr/bin/alembic'],
    iniFile: p.ini,
    cwd: p.dir,
    action: { kind: 'upgrade', target: 'head' },
    env: { DATABASE_URL: pg.url },
  });
  const up = await runProcess({ file: inv.file, args: inv.args, cwd: inv.cwd, env: { ...process.env, ...inv.env } });
  assert.equal(up.exitCode, 0, up.stderr);
  const checks = await runDoctor(p.inputs());
  const report = renderDoctor('proj', checks);
  assert.equal(doctorExitCode(checks), 0, report);
  assert.match(line(report, 'alembic'), /^✔ alembic: 1\.\d+/);
  assert.match(line(report, 'env.py'), new RegExp(`^✔ env\\.py: imports; alembic changes ${pg.database} on 127\\.0\\.0\\.1:${pg.port} as ${pg.user}`));
  assert.match(line(report, 'connection'), /^✔/);
  assert.match(line(report, 'pending'), /^✔ pending: the database is at head/);
  assert.match(line(report, 'target_metadata'), /^⚠ target_metadata: not set/, 'the generated env.py has target_metadata = None');
  assert.ok(!report.includes(pg.password), 'no password in the report');

  const wrong = await runDoctor(
    p.inputs({ choice: { argv: ['/nonexistent/python', '-m', 'alembic'], source: 'virtualenv', why: 'the virtualenv /nonexistent' } }),
  );
  assert.equal(doctorExitCode(wrong), 1);
  assert.match(line(renderDoctor('proj', wrong), 'alembic'), /^✖ alembic: the virtualenv \/nonexistent does not run alembic \(ENOENT\)/);
});

test('two heads: ✖ heads; a database that is gone: ✖ connection', async () => {
  const p = project([
    { id: 'ffff00000001', down: [] },
    { id: 'ffff00000002', down: ['ffff00000001'] },
    { id: 'ffff00000003', down: ['ffff00000001'] },
  ]);
  const checks = await runDoctor(p.inputs());
  assert.equal(doctorExitCode(checks), 1);
  assert.match(line(renderDoctor('proj', checks), 'heads'), /^✖ heads: 2 heads/);
  const gone = await runDoctor(
    p.inputs({
      env: { DATABASE_URL: `postgresql://${pg.user}@127.0.0.1:1/${pg.database}` },
      probeRequest: { ...p.inputs().probeRequest, env: { DATABASE_URL: `postgresql://${pg.user}@127.0.0.1:1/${pg.database}` } },
    }),
  );
  assert.match(line(renderDoctor('proj', gone), 'connection'), /^✖ connection: unreachable/);
});
