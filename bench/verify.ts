/**
 * `verify` per revision beside plain `alembic upgrade` of the same revisions, same PostgreSQL,
 * same run, on the sample (12 revisions with a branch and a merge): what the round trip costs,
 * and what the schema snapshots add to the three alembic runs of each revision.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { startPostgres } from '../test/support/postgres';
import { readProject } from '../server/src/alembic/project';
import { ProjectIndex } from '../server/src/alembic/projectIndex';
import { verifyPlan } from '../server/src/verify/roundTrip';
import { verifyProject } from '../server/src/verify/verifyProject';
import { fmt, median, table, wallTime } from './benchUtil';

const ALEMBIC = '/usr/bin/alembic';

async function main(): Promise<void> {
  // Bytecode kept, as on a developer's machine: both sides pay the same interpreter start-up.
  delete process.env.PYTHONDONTWRITEBYTECODE;
  const pg = await startPostgres({ createdb: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-bench-verify-'));
  try {
    fs.cpSync(path.join(__dirname, '..', '..', 'migrations-sample'), dir, { recursive: true, filter: (s) => !s.includes('broken') });
    const ini = path.join(dir, 'alembic.ini');
    const project = readProject(ini, { root: dir });
    const graph = ProjectIndex.load(project).graph;
    const { order } = verifyPlan(graph, {});

    // Plain alembic, one revision at a time, in verify's order, on a database of its own.
    const admin = new Client(pg.config);
    await admin.connect();
    await admin.query('CREATE DATABASE bench_plain');
    const env = { ...process.env, DATABASE_URL: pg.url.replace(/\/[^/]+$/, '/bench_plain') };
    wallTime(ALEMBIC, ['-c', ini, 'heads'], 1, { env, cwd: dir }); // compiles the migrations once
    const plain = new Map<string, number>();
    for (const rev of order) plain.set(rev, wallTime(ALEMBIC, ['-c', ini, 'upgrade', rev], 1, { env, cwd: dir }));
    await admin.query('DROP DATABASE bench_plain WITH (FORCE)');
    await admin.end();

    const result = await verifyProject({ project, graph, serverUrl: pg.url, alembicCommand: [ALEMBIC] });
    const rows: Array<Array<string | number>> = [];
    let alembicInVerify = 0;
    let snapshots = 0;
    for (const r of result.revisions) {
      if (r.status !== 'verified' || r.findings.length) throw new Error(`${r.revision}: ${r.status} ${JSON.stringify(r.findings)}`);
      const t = r.timings;
      alembicInVerify += t.upgradeMs + t.downgradeMs + t.reupgradeMs;
      snapshots += t.snapshotMs;
      rows.push([
        r.revision,
        fmt(plain.get(r.revision)!),
        fmt(t.totalMs),
        fmt(t.upgradeMs),
        fmt(t.downgradeMs),
        fmt(t.reupgradeMs),
        fmt(t.snapshotMs),
        `${((100 * t.snapshotMs) / (t.upgradeMs + t.downgradeMs + t.reupgradeMs)).toFixed(1)} %`,
      ]);
    }
    const plainTimes = [...plain.values()];
    const totals = result.revisions.map((r) => r.timings.totalMs);
    rows.push([
      '**median**',
      fmt(median(plainTimes)),
      fmt(median(totals)),
      fmt(median(result.revisions.map((r) => r.timings.upgradeMs))),
      fmt(median(result.revisions.map((r) => r.timings.downgradeMs))),
      fmt(median(result.revisions.map((r) => r.timings.reupgradeMs))),
      fmt(median(result.revisions.map((r) => r.timings.snapshotMs))),
      `${((100 * snapshots) / alembicInVerify).toFixed(1)} % (all)`,
    ]);
    console.log(
      table(
        [
          'revision',
          '`alembic upgrade` alone',
          'verify, whole round trip',
          'verify: upgrade',
          'downgrade',
          'upgrade again',
          'snapshots (2 per revision)',
          'snapshots / alembic time',
        ],
        rows,
      ),
    );
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    console.log(
      `\n${order.length} revisions: alembic upgrade one by one ${fmt(sum(plainTimes))}; verify ${fmt(result.totalMs)} (set-up ${fmt(result.setupMs)}: database, config copy, env.py probe). Target: snapshots ≤ 25 % of the alembic time.`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await pg.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
