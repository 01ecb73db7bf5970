/**
 * `alembic-migrations drift` and `backup` on real parts: a real PostgreSQL (the project's database, and a
 * throwaway database created beside it), Debian's alembic. A database migrated by alembic has
 * no drift; a hand-made `ALTER TABLE` shows as one line naming the column and the side it is on;
 * the live database is only read. A backup (Debian's pg_dump) restores into a fresh database
 * with the same rows.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { writeProject, type GenRevision } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { cli } from '../support/cli';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

let pg: TestPostgres;
const alembicCommand = process.env.ALEMBIC_COMMAND;
const databaseUrl = process.env.DATABASE_URL;
before(async () => {
  process.env.ALEMBIC_COMMAND = '/usr/bin/alembic';
  pg = await startPostgres({ createdb: true });
  process.env.DATABASE_URL = pg.url;
});
after(async () => {
  for (const [k, v] of [
    ['ALEMBIC_COMMAND', alembicCommand],
    ['DATABASE_URL', databaseUrl],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await pg?.stop();
});

const REVS: GenRevision[] = [
  {
    id: 'd1d100000001',
    down: [],
    message: 'orders',
    upgrade: ["op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('total', sa.Numeric(10, 2), nullable=False))"],
    downgrade: ["op.drop_table('orders')"],
  },
  {
    id: 'd1d100000002',
    down: ['d1d100000001'],
    message: 'index',
    upgrade: ["op.create_index('ix_orders_total', 'orders', ['total'])"],
    downgrade: ["op.drop_index('ix_orders_total', table_name='orders')"],
  },
];

async function sql(text: string): Promise<void> {
  const c = new Client(pg.config);
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

test('drift: none after alembic upgrade; a hand-made ALTER TABLE is one line; the live database is untouched', async () => {
  const dir = tempDir('drift-');
  writeProject(dir, REVS);
  const up = await cli(['upgrade', 'head', dir, '--yes']);
  assert.equal(up.code, 0, up.err);

  const clean = await cli(['drift', dir, '--server-url', pg.url]);
  assert.equal(clean.code, 0, clean.err);
  assert.equal(clean.out, '');
  assert.match(clean.err, /no drift: \S+ on 127\.0\.0\.1:\d+ as \w+ matches the migrations at d1d100000002/);

  await sql('ALTER TABLE orders ADD COLUMN note text; DROP INDEX ix_orders_total');
  const drifted = await cli(['drift', dir, '--server-url', pg.url]);
  assert.equal(drifted.code, 1, drifted.err);
  assert.deepEqual(drifted.out.trim().split('\n').sort(), [
    'column `orders.note` exists in the database but not in the migrations',
    'index `ix_orders_total` exists in the migrations but not in the database',
  ]);
  assert.match(drifted.err, /2 differences between /);
  assert.ok(!(drifted.out + drifted.err).includes(pg.password), 'no password in the output');

  const json = await cli(['drift', dir, '--server-url', pg.url, '--format', 'json']);
  assert.equal(json.code, 1, json.err);
  const parsed = JSON.parse(json.out) as { revisions: string[]; differences: Array<{ kind: string; name: string; change: string }> };
  assert.deepEqual(parsed.revisions, ['d1d100000002']);
  assert.deepEqual(parsed.differences.map((d) => `${d.kind} ${d.name} ${d.change}`).sort(), [
    'column orders.note only-in-b',
    'index ix_orders_total only-in-a',
  ]);

  // Read only: the hand-made column is still there, and no throwaway database is left.
  const c = new Client(pg.config);
  await c.connect();
  try {
    const col = await c.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'`);
    assert.equal(col.rowCount, 1);
    const left = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE '%\\_verify\\_%'`);
    assert.deepEqual(left.rows, []);
  } finally {
    await c.end();
  }
});

test('drift on a database at a revision this checkout lacks, or unreachable: exit 2 with the reason', async () => {
  const dir = tempDir('drift-other-');
  writeProject(dir, REVS);
  await sql(
    `DROP SCHEMA public CASCADE; CREATE SCHEMA public; CREATE TABLE alembic_version (version_num varchar(32) NOT NULL); INSERT INTO alembic_version VALUES ('feedfacecafe')`,
  );
  const other = await cli(['drift', dir, '--server-url', pg.url]);
  assert.equal(other.code, 2, other.err);
  assert.match(other.err, /the database is at feedfacecafe, which no migration of this checkout declares/);
  const down = await cli(['drift', dir, '--server-url', pg.url, '--database-url', `postgresql://${pg.user}@127.0.0.1:1/${pg.database}`]);
  assert.equal(down.code, 2, down.err);
  assert.match(down.err, /the database cannot be read \(unreachable\)/);
});

test('backup: pg_dump -Fc into .alembic-backups (git-ignored), checked, restorable with the printed command', async () => {
  await sql('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  const dir = tempDir('backup-');
  writeProject(dir, REVS);
  assert.equal((await cli(['upgrade', 'head', dir, '--yes'])).code, 0);
  await sql(`INSERT INTO orders (total) SELECT g * 1.5 FROM generate_series(1, 500) g`);
  const r = await cli(['backup', dir]);
  assert.equal(r.code, 0, r.err);
  const file = r.out.trim();
  assert.match(path.basename(file), /^\w+-d1d100000002-\d{8}T\d{6}Z\.dump$/);
  assert.equal(path.dirname(file), path.join(dir, '.alembic-backups'));
  assert.equal(
    fs
      .readFileSync(path.join(dir, '.alembic-backups', '.gitignore'), 'utf8')
      .trim()
      .split('\n')
      .pop(),
    '*',
  );
  assert.deepEqual(
    fs.readdirSync(path.join(dir, '.alembic-backups')).filter((f) => f.endsWith('.partial')),
    [],
  );
  assert.match(r.err, /restore with:\n {2}pg_restore --clean --if-exists --no-owner --host 127\.0\.0\.1 --port \d+ --username \w+ --dbname \w+ \S+\.dump\n/);
  assert.ok(!(r.out + r.err).includes(pg.password), 'no password in the output');

  // Restore into a fresh database: the same rows.
  const admin = new Client(pg.config);
  await admin.connect();
  const fresh = `restored_${process.pid}`;
  try {
    await admin.query(`CREATE DATABASE ${fresh}`);
    execFileSync('pg_restore', ['--no-owner', '--host', '127.0.0.1', '--port', String(pg.port), '--username', pg.user, '--dbname', fresh, file], {
      env: { ...process.env, PGPASSWORD: pg.password },
    });
    const c = new Client({ ...pg.config, database: fresh });
    await c.connect();
    try {
      const rows = await c.query<{ n: string; s: string }>('SELECT count(*)::text AS n, sum(total)::text AS s FROM orders');
      assert.deepEqual(rows.rows[0], { n: '500', s: '187875.00' });
      assert.deepEqual((await c.query('SELECT version_num FROM alembic_version')).rows, [{ version_num: 'd1d100000002' }]);
    } finally {
      await c.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${fresh}`);
    await admin.end();
  }

  // --out names the file; a pg_dump that is not there: a clear message naming the package, exit 1, no file.
  const named = await cli(['backup', dir, '--out', path.join(dir, 'named.dump')]);
  assert.equal(named.code, 0, named.err);
  assert.equal(named.out.trim(), path.join(dir, 'named.dump'));
  assert.ok(fs.statSync(path.join(dir, 'named.dump')).size > 0);
  process.env.PG_DUMP = '/nonexistent/pg_dump';
  try {
    const none = await cli(['backup', dir]);
    assert.equal(none.code, 1, none.err);
    assert.match(none.err, /cannot be run \(ENOENT\): install postgresql-client \(Debian\/Ubuntu/);
    assert.equal(fs.readdirSync(path.join(dir, '.alembic-backups')).filter((f) => f.endsWith('.dump')).length, 1, 'no new file');
  } finally {
    delete process.env.PG_DUMP;
  }
});
