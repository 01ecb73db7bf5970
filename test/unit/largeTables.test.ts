/** `alembic.lint.largeTableRows`: which problems are raised, how the table is matched, the size words. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTableOf, raiseForLargeTables, sizeWords, type LiveTable } from '../../server/src/alembic/largeTables';
import type { Problem } from '../../server/src/alembic/types';

const range = { start: { line: 3, character: 4 }, end: { line: 3, character: 20 } };
const p = (ruleId: string, table?: string, severity: Problem['severity'] = 'warning'): Problem => ({
  ruleId,
  severity,
  message: 'm',
  file: '/f.py',
  range,
  ...(table ? { table } : {}),
});
const tables = new Map<string, LiveTable>([
  ['public.orders', { name: 'public.orders', rows: 12_300_000, bytes: 4.4e9 }],
  ['public.tiny', { name: 'public.tiny', rows: 10, bytes: 8192 }],
  ['audit.events', { name: 'audit.events', rows: 2_000_000, bytes: 3e8 }],
]);

test('size-raised rules on a big table become errors with the size; others, small tables and hints stay', () => {
  const out = raiseForLargeTables(
    [
      p('changing-column-type', 'orders'),
      p('changing-column-type', 'tiny'),
      p('ban-drop-column', 'orders'),
      p('require-concurrent-index-creation', 'events'),
      p('adding-not-nullable-field', 'orders', 'hint'),
      p('changing-column-type'),
    ],
    tables,
    1_000_000,
    '`shop` on `db:5432`',
  );
  assert.deepEqual(
    out.map((x) => x.severity),
    ['error', 'warning', 'warning', 'error', 'hint', 'warning'],
  );
  assert.equal(out[0].message, 'm — `public.orders` has ~12.3M rows, 4.1 GB in `shop` on `db:5432` (alembic.lint.largeTableRows)');
  assert.match(out[3].message, /`audit.events` has ~2.0M rows, 286 MB/);
  assert.deepEqual(
    raiseForLargeTables([p('changing-column-type', 'orders')], tables, 0, 'x').map((x) => x.severity),
    ['warning'],
    '0 turns it off',
  );
});

test('a table name is matched schema-qualified, else in public, else when it is the only one of that name', () => {
  assert.equal(liveTableOf(tables, 'public.orders')?.rows, 12_300_000);
  assert.equal(liveTableOf(tables, 'orders')?.rows, 12_300_000);
  assert.equal(liveTableOf(tables, 'events')?.name, 'audit.events');
  assert.equal(liveTableOf(tables, 'other.orders'), undefined);
  const twice = new Map([...tables, ['x.events', { name: 'x.events', rows: 5, bytes: 1 }]]);
  assert.equal(liveTableOf(twice, 'events'), undefined, 'ambiguous: not guessed');
  assert.equal(sizeWords({ name: 't', rows: 999, bytes: 512 }), '~999 rows, 512 B');
});
