/**
 * The database state as the status bar reads it (`pg`, one query) against `alembic current`,
 * same PostgreSQL, same run, on the 1,000- and 5,000-revision projects.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { Client } from 'pg';
import { writeProject, benchRevisions } from '../test/support/generateProject';
import { startPostgres } from '../test/support/postgres';
import { readDatabaseState, VersionTableReader } from '../server/src/shared/db/versionTable';
import { parseDatabaseUrl } from '../server/src/shared/db/databaseUrl';
import { fmt, median, table, wallTime } from './benchUtil';

async function main(): Promise<void> {
  const pg = await startPostgres();
  const rows: Array<Array<string | number>> = [];
  try {
    for (const n of [1000, 5000]) {
      const dir = path.join(os.tmpdir(), `alembic-bench-db-${n}`);
      fs.rmSync(dir, { recursive: true, force: true });
      const revs = benchRevisions(n, { mergeEvery: 50, finalHeads: 1 });
      const ini = writeProject(dir, revs, { url: pg.url });
      // Put the database at head without running 5,000 migrations: what `alembic stamp head` writes.
      const c = new Client({ connectionString: pg.url });
      await c.connect();
      await c.query('DROP TABLE IF EXISTS alembic_version; CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)');
      await c.query('INSERT INTO alembic_version VALUES ($1)', [revs[revs.length - 1].id]);
      await c.end();
      const opts = parseDatabaseUrl(pg.url);
      if (opts.kind !== 'ok') throw new Error(opts.message);
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        const s = await readDatabaseState(opts.pg);
        times.push(performance.now() - t0);
        if (s.kind !== 'ok' || s.revisions[0] !== revs[revs.length - 1].id) throw new Error(JSON.stringify(s));
      }
      // What the extension does on focus and on its timer: one connection kept open, one query.
      const reader = new VersionTableReader(opts.pg);
      const warm: number[] = [];
      try {
        await reader.read();
        for (let i = 0; i < 50; i++) {
          const t0 = performance.now();
          const s = await reader.read();
          warm.push(performance.now() - t0);
          if (s.kind !== 'ok' || s.revisions[0] !== revs[revs.length - 1].id) throw new Error(JSON.stringify(s));
        }
      } finally {
        reader.dispose();
      }
      const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: pg.url };
      delete env.PYTHONDONTWRITEBYTECODE;
      wallTime('/usr/bin/alembic', ['-c', ini, 'current'], 1, { env });
      const al = wallTime('/usr/bin/alembic', ['-c', ini, 'current'], 3, { env });
      const cold = median(times);
      const hot = median(warm);
      rows.push([n, fmt(cold), fmt(hot), fmt(al), `${Math.round(al / cold)}×`, `${Math.round(al / hot)}×`]);
    }
  } finally {
    await pg.stop();
  }
  console.log(
    table(
      [
        'revisions',
        'pg, fresh connection (median of 20)',
        "pg, open connection (the extension's refresh, median of 50)",
        '`alembic current` (median of 3, bytecode warm)',
        'speed-up, fresh',
        'speed-up, open',
      ],
      rows,
    ),
  );
  console.log('\nTarget: ≥ 100× faster than alembic current at 1,000 revisions. A fresh connection pays TCP + SCRAM authentication; the');
  console.log('extension keeps one connection per project open between refreshes (closed after the refresh interval + 15 s idle) and pays one query.');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
