/**
 * The pure parts of verify: which revisions it walks and in what order, what it asks alembic to
 * do for each (the downgrade names the revision's own branch), PostgreSQL's message out of
 * alembic's stderr, the config copy's `sqlalchemy.url`, and the throwaway database's name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RevisionGraph } from '../../server/src/alembic/revisionGraph';
import { scanMigration } from '../../server/src/alembic/migrationScanner';
import type { MigrationFile } from '../../server/src/alembic/types';
import { alembicErrorMessage, roundTrip, verifyPlan, RevisionNotFoundError, type StepResult } from '../../server/src/verify/roundTrip';
import { configWithUrl } from '../../server/src/verify/verifyProject';
import { parseServerUrl, throwawayName, ThrowawayError } from '../../server/src/verify/throwawayDatabase';
import { parseIni, interpolate } from '../../server/src/shared/iniFile';
import type { SchemaSnapshot } from '../../server/src/shared/schemaSnapshot';

function rev(id: string, down: string | string[] | null): MigrationFile {
  const d = down === null ? 'None' : Array.isArray(down) ? `(${down.map((x) => `'${x}'`).join(', ')})` : `'${down}'`;
  return { file: `/p/versions/${id}.py`, versionLocation: '/p/versions', decls: scanMigration(`"""${id}"""\nrevision = '${id}'\ndown_revision = ${d}\n`) };
}

// base → a → (b1 → b2, c) → m (merge of b2 and c); z: a second base.
const graph = new RevisionGraph([rev('a', null), rev('b1', 'a'), rev('b2', 'b1'), rev('c', 'a'), rev('m', ['b2', 'c']), rev('z', null)]);

test('the plan walks parents before children, from base or from --from, up to --to', () => {
  const { order } = verifyPlan(graph, {});
  assert.equal(order.length, 6);
  for (const id of order) for (const p of graph.get(id)!.parents) assert.ok(order.indexOf(p) < order.indexOf(id), `${p} before ${id}`);
  assert.deepEqual(verifyPlan(graph, { from: 'c' }), { order: ['c', 'm'], prefix: ['a'] });
  assert.deepEqual(verifyPlan(graph, { to: 'b2' }).order, ['a', 'b1', 'b2']);
  assert.deepEqual(verifyPlan(graph, { from: 'b1', to: 'b2' }), { order: ['b1', 'b2'], prefix: ['a'] });
  assert.deepEqual(verifyPlan(graph, { from: 'base', to: 'heads' }).order.length, 6);
  assert.throws(() => verifyPlan(graph, { from: 'nope' }), RevisionNotFoundError);
  assert.throws(() => verifyPlan(graph, { from: 'b' }), /--from b is ambiguous/);
});

const ok = (): Promise<StepResult> => Promise.resolve({ ok: true, stderr: '', durationMs: 1 });
const empty: SchemaSnapshot = {
  schemas: {},
  extensions: {},
  tables: {},
  views: {},
  indexes: {},
  constraints: {},
  sequences: {},
  functions: {},
  types: {},
  triggers: {},
};

test('each round trip downgrades along the revision’s own branch; a failed upgrade stops only its descendants', async () => {
  const calls: string[] = [];
  const report = await roundTrip({
    graph,
    runner: {
      upgrade: (t) => {
        calls.push(`upgrade ${t}`);
        return t === 'b1'
          ? Promise.resolve({
              ok: false,
              stderr: 'sqlalchemy.exc.ProgrammingError: (psycopg2.errors.UndefinedTable) relation "x" does not exist\n',
              durationMs: 1,
            })
          : ok();
      },
      downgrade: (t) => {
        calls.push(`downgrade ${t}`);
        return ok();
      },
    },
    snapshot: () => Promise.resolve(empty),
    from: 'a',
  });
  assert.deepEqual(
    report.revisions.map((r) => [r.revision, r.status]),
    verifyPlan(graph, { from: 'a' }).order.map((id) => [id, id === 'b1' ? 'failed' : id === 'b2' || id === 'm' ? 'not-run' : 'verified']),
  );
  assert.ok(calls.includes('downgrade a@base'));
  assert.ok(calls.includes('downgrade c@a'));
  assert.ok(!calls.some((c) => c.includes('b2') || c.includes(' m')), calls.join('\n'));
  const failed = report.revisions.find((r) => r.revision === 'b1')!;
  assert.equal(failed.findings[0].ruleId, 'round-trip-upgrade-failed');
  assert.equal(failed.findings[0].message, 'upgrade failed: relation "x" does not exist');
  assert.equal(failed.findings[0].file, '/p/versions/b1.py');
});

test("PostgreSQL's message and the failing statement out of alembic's stderr", () => {
  const stderr = [
    'INFO  [alembic.runtime.migration] Running upgrade a -> b, add price',
    'Traceback (most recent call last):',
    '  File "/usr/lib/python3/dist-packages/sqlalchemy/engine/base.py", line 1900, in _execute_context',
    'psycopg2.errors.NotNullViolation: column "price" of relation "products" contains null values',
    '',
    'The above exception was the direct cause of the following exception:',
    'sqlalchemy.exc.IntegrityError: (psycopg2.errors.NotNullViolation) column "price" of relation "products" contains null values',
    '',
    '[SQL: ALTER TABLE products ALTER COLUMN price SET NOT NULL]',
    '(Background on this error at: https://sqlalche.me/e/14/gkpj)',
  ].join('\n');
  assert.deepEqual(alembicErrorMessage(stderr), {
    message: 'column "price" of relation "products" contains null values',
    sql: 'ALTER TABLE products ALTER COLUMN price SET NOT NULL',
  });
  assert.deepEqual(alembicErrorMessage("FAILED: Can't locate revision identified by 'zz'\n"), { message: "Can't locate revision identified by 'zz'" });
  assert.equal(alembicErrorMessage('RuntimeError: this migration cannot be undone\n').message, 'this migration cannot be undone');
  assert.equal(alembicErrorMessage('').message, 'alembic failed without a message');
});

test('the config copy gets sqlalchemy.url in its section, replacing a value over several lines, with % doubled', () => {
  const ini =
    '[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = postgresql://prod\n    ?sslmode=require\nfile_template = x\n\n[loggers]\nkeys = root\n';
  const out = configWithUrl(ini, 'alembic', 'postgresql+psycopg2://v%40x@127.0.0.1:5/db_verify_1');
  assert.equal(
    out,
    '[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = postgresql+psycopg2://v%%40x@127.0.0.1:5/db_verify_1\nfile_template = x\n\n[loggers]\nkeys = root\n',
  );
  const read = interpolate(parseIni(out), 'alembic', 'sqlalchemy.url', { here: '/p' });
  assert.deepEqual(read, { ok: true, value: 'postgresql+psycopg2://v%40x@127.0.0.1:5/db_verify_1' }, 'ConfigParser reads back the URL');
  assert.equal(configWithUrl('[alembic]\nscript_location = a\n', 'alembic', 'u'), '[alembic]\nsqlalchemy.url = u\nscript_location = a\n');
  assert.match(configWithUrl('[other]\nx = 1\n', 'alembic', 'u'), /\n\[alembic\]\nsqlalchemy\.url = u\n$/);
});

test('server URLs and throwaway names', () => {
  assert.deepEqual(parseServerUrl('postgresql+psycopg2://admin:p%40ss@db.local:6543/postgres?sslmode=require'), {
    host: 'db.local',
    port: 6543,
    user: 'admin',
    password: 'p@ss',
    database: 'postgres',
    sslmode: 'require',
  });
  assert.deepEqual(parseServerUrl('postgres://[::1]/'), { host: '::1', port: 5432 });
  assert.throws(() => parseServerUrl('mysql://x/y'), ThrowawayError);
  assert.throws(() => parseServerUrl('postgresql:///db'), /needs a host/);
  const name = throwawayName('Shop API (v2)');
  assert.match(name, /^shop_api_v2_verify_[0-9a-f]{8}$/);
  assert.notEqual(throwawayName('x'), throwawayName('x'));
  assert.ok(throwawayName('x'.repeat(200)).length <= 63);
});
