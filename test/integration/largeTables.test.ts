/**
 * The biggest tables as the client reads them for `alembic.lint.largeTableRows`, on a real
 * PostgreSQL: a table above the floor is listed schema-qualified with its estimated rows and
 * size once analysed; a small one and the catalogs are not; a wrong password is an error
 * without the password in it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { LARGE_TABLE_FLOOR, largeTables } from '../../server/src/shared/db/tableSizes';

let pg: TestPostgres;
before(async () => {
  pg = await startPostgres();
});
after(async () => {
  await pg?.stop();
});

test('largeTables lists analysed tables above the floor, biggest first; errors carry no password', async () => {
  const c = new Client(pg.config);
  await c.connect();
  try {
    await c.query('CREATE SCHEMA shop');
    await c.query(`CREATE TABLE shop.orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, ${LARGE_TABLE_FLOOR * 3}) g`);
    await c.query('CREATE TABLE tiny AS SELECT 1 AS id');
    await c.query('ANALYZE shop.orders');
    await c.query('ANALYZE tiny');
  } finally {
    await c.end();
  }
  const r = await largeTables({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: pg.database });
  assert.equal(r.kind, 'ok', r.kind === 'error' ? r.message : '');
  const tables = r.kind === 'ok' ? r.tables : [];
  assert.deepEqual(
    tables.map((t) => t.name),
    ['shop.orders'],
  );
  assert.equal(tables[0].rows, LARGE_TABLE_FLOOR * 3);
  assert.ok(tables[0].bytes > 1_000_000, `${tables[0].bytes} bytes`);
  const wrong = await largeTables({ host: pg.host, port: pg.port, user: pg.user, password: 'not-the-password-xyz', database: pg.database });
  assert.equal(wrong.kind, 'error');
  assert.ok(wrong.kind === 'error' && !wrong.message.includes('not-the-password-xyz'));
});
