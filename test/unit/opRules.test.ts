import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMigration } from '../../server/src/alembic/migrationParser';
import { checkOperations } from '../../server/src/alembic/opRules';
import { LineIndex } from '../../server/src/text/sourceText';
import { fixEdits } from '../../server/src/alembic/lint';
import type { Problem } from '../../server/src/alembic/types';
import { ensureSqlParser } from '../../server/src/sql/sqlCheck';

// The rules read the SQL a migration executes (created and dropped objects).
before(() => ensureSqlParser());

function wrap(up: string, down = '    pass'): string {
  return `revision = 'r1'\ndown_revision = 'r0'\nfrom alembic import op\nimport sqlalchemy as sa\n\n\ndef upgrade():\n${up}\n\n\ndef downgrade():\n${down}\n`;
}

/** `ruleId: covered source text` for every problem. */
async function findings(source: string): Promise<string[]> {
  const li = new LineIndex(source);
  return checkOperations(await parseMigration(source), '/x.py').map(
    (p) => `${p.ruleId}: ${source.slice(li.offsetAt(p.range.start), li.offsetAt(p.range.end))}`,
  );
}

const REVERSIBLE = "    op.drop_column('users', 'x')";

const CASES: Array<{ name: string; up: string; down?: string; fire: string[] }> = [
  {
    name: 'NOT NULL column without default',
    up: "    op.add_column('users', sa.Column('status', sa.Text(), nullable=False))",
    fire: ['adding-required-field: nullable=False'],
  },
  {
    name: 'NOT NULL column with a server_default (near miss)',
    up: "    op.add_column('users', sa.Column('status', sa.Text(), nullable=False, server_default='new'))",
    fire: [],
  },
  {
    name: 'volatile default',
    up: "    op.add_column('users', sa.Column('token', sa.Text(), server_default=sa.text('gen_random_uuid()')))",
    fire: ["adding-field-with-volatile-default: server_default=sa.text('gen_random_uuid()')"],
  },
  {
    name: 'SET NOT NULL, type change, rename',
    up: "    op.alter_column('users', 'email', nullable=False, type_=sa.Text(), new_column_name='mail')",
    fire: ['adding-not-nullable-field: nullable=False', 'changing-column-type: type_=sa.Text()', "renaming-column: new_column_name='mail'"],
  },
  {
    name: 'drop column and table in upgrade',
    up: "    op.drop_column('users', 'old')\n    op.drop_table('legacy')",
    down: "    op.add_column('users', sa.Column('old', sa.Text()))",
    fire: ['ban-drop-column: op.drop_column', 'ban-drop-table: op.drop_table'],
  },
  {
    name: 'drops in downgrade (near miss)',
    up: "    op.create_table('t', sa.Column('id', sa.BigInteger(), primary_key=True))",
    down: "    op.drop_table('t')",
    fire: [],
  },
  {
    name: 'blocking index on an existing table',
    up: "    op.create_index('ix_users_email', 'users', ['email'])",
    down: "    op.drop_index('ix_users_email', table_name='users', postgresql_concurrently=True)",
    fire: ['require-concurrent-index-creation: op.create_index', 'concurrent-index-in-transaction: postgresql_concurrently=True'],
  },
  {
    name: 'index on a table created in the same migration (near miss)',
    up: "    op.create_table('t', sa.Column('id', sa.BigInteger(), primary_key=True))\n    op.create_index('ix_t_id', 't', ['id'])",
    down: "    op.drop_table('t')",
    fire: [],
  },
  {
    name: 'concurrent index outside autocommit_block',
    up: "    op.create_index('ix', 'users', ['email'], postgresql_concurrently=True)",
    down: REVERSIBLE,
    fire: ['concurrent-index-in-transaction: postgresql_concurrently=True'],
  },
  {
    name: 'concurrent index inside autocommit_block (near miss)',
    up: "    with op.get_context().autocommit_block():\n        op.create_index('ix', 'users', ['email'], postgresql_concurrently=True)",
    down: REVERSIBLE,
    fire: [],
  },
  {
    name: 'drop index without concurrently',
    up: "    op.drop_index('ix', table_name='users')",
    down: REVERSIBLE,
    fire: ['require-concurrent-index-deletion: op.drop_index'],
  },
  {
    name: 'foreign key without NOT VALID; with it (near miss)',
    up: "    op.create_foreign_key('fk_a', 'orders', 'users', ['user_id'], ['id'])\n    op.create_foreign_key('fk_b', 'orders', 'users', ['user_id'], ['id'], postgresql_not_valid=True)",
    down: REVERSIBLE,
    fire: ['constraint-missing-not-valid: op.create_foreign_key'],
  },
  {
    name: 'unique constraint on an existing table',
    up: "    op.create_unique_constraint('uq_email', 'users', ['email'])",
    down: REVERSIBLE,
    fire: ['disallowed-unique-constraint: op.create_unique_constraint'],
  },
  {
    name: 'timestamp without time zone; with it (near miss)',
    up: "    op.add_column('users', sa.Column('seen', sa.DateTime()))\n    op.add_column('users', sa.Column('seen2', sa.DateTime(timezone=True)))",
    down: REVERSIBLE,
    fire: ['prefer-timestamptz: sa.DateTime()'],
  },
  { name: 'CHAR column', up: "    op.add_column('users', sa.Column('code', sa.CHAR(2)))", down: REVERSIBLE, fire: ['ban-char-field: sa.CHAR(2)'] },
  {
    name: 'identifier over 63 bytes',
    up: `    op.create_table('${'t'.repeat(64)}', sa.Column('id', sa.BigInteger(), primary_key=True))`,
    down: "    op.drop_table('x')",
    fire: [`identifier-too-long: '${'t'.repeat(64)}'`],
  },
  {
    name: 'empty downgrade after a schema change',
    up: "    op.add_column('users', sa.Column('x', sa.Text()))",
    down: '    pass',
    fire: ['empty-downgrade: downgrade'],
  },
  {
    name: 'batch_op inside batch_alter_table',
    up: "    with op.batch_alter_table('users') as batch_op:\n        batch_op.drop_column('old')",
    down: REVERSIBLE,
    fire: ['ban-drop-column: batch_op.drop_column'],
  },
];

for (const c of CASES) {
  test(`op rules: ${c.name}`, async () => {
    // downgrade-not-reversing is exercised by its own test below.
    const got = (await findings(wrap(c.up, c.down ?? REVERSIBLE))).filter((f) => !f.startsWith('downgrade-not-reversing'));
    assert.deepEqual(got.sort(), [...c.fire].sort());
  });
}

test('model imports are flagged; sqlalchemy imports are not', async () => {
  const src = `from app.models import User\nfrom sqlalchemy.orm import Session\nrevision = 'r'\ndown_revision = None\n`;
  assert.deepEqual(await findings(src), ['model-import: from app.models import User']);
});

test('data read through op.get_bind() without an offline guard; guarded reads do not fire', async () => {
  const up = [
    '    conn = op.get_bind()',
    '    rows = conn.execute(sa.text("SELECT id FROM users")).fetchall()',
    '    n = op.get_bind().execute(sa.text("SELECT count(*) FROM t")).scalar()',
    '    if not context.is_offline_mode():',
    '        ok = conn.execute(sa.text("SELECT 1")).fetchall()',
    '    insp = sa.inspect(conn)',
  ].join('\n');
  const got = (await findings(wrap(up, REVERSIBLE))).filter((f) => f.startsWith('offline-unsafe-data-access'));
  assert.deepEqual(got, [
    'offline-unsafe-data-access: conn.execute(sa.text("SELECT id FROM users")).fetchall()',
    'offline-unsafe-data-access: op.get_bind().execute(sa.text("SELECT count(*) FROM t")).scalar()',
    'offline-unsafe-data-access: sa.inspect(conn)',
  ]);
});

test('an object created in upgrade() but not removed in a non-empty downgrade(); a dropped table covers its index', async () => {
  const up =
    "    op.create_table('t', sa.Column('id', sa.BigInteger(), primary_key=True))\n    op.create_index('ix_t', 't', ['id'])\n    op.add_column('users', sa.Column('nick', sa.Text()))";
  const got = (await findings(wrap(up, "    op.drop_table('t')"))).filter((f) => f.startsWith('downgrade-not-reversing'));
  assert.deepEqual(got, ['downgrade-not-reversing: op.add_column']);
});

const CONCURRENT_UP =
  "    with op.get_context().autocommit_block():\n        op.create_index('ix_users_email', 'users', ['email'], postgresql_concurrently=True)";

const INDEX_DELETION: Array<{ name: string; up: string; down: string; fire: string[] }> = [
  {
    name: 'a downgrade dropping an index of a live table locks it like an upgrade',
    up: CONCURRENT_UP,
    down: "    op.drop_index('ix_users_email', table_name='users')",
    fire: ['require-concurrent-index-deletion: op.drop_index'],
  },
  {
    name: 'batch_op.drop_index in a downgrade',
    up: CONCURRENT_UP,
    down: "    with op.batch_alter_table('users') as batch_op:\n        batch_op.drop_index('ix_users_email')",
    fire: ['require-concurrent-index-deletion: batch_op.drop_index'],
  },
  {
    name: 'concurrent drop in an autocommit block in a downgrade (near miss)',
    up: CONCURRENT_UP,
    down: "    with op.get_context().autocommit_block():\n        op.drop_index('ix_users_email', table_name='users', postgresql_concurrently=True)",
    fire: [],
  },
  {
    name: "the index goes with its table: autogenerate's downgrade (near miss)",
    up: "    op.create_table('t', sa.Column('id', sa.BigInteger(), primary_key=True))\n    op.create_index(op.f('ix_t_id'), 't', ['id'])",
    down: "    op.drop_index(op.f('ix_t_id'), table_name='t')\n    op.drop_table('t')",
    fire: [],
  },
  {
    name: "the column the index is on is dropped in the same function: autogenerate's batch downgrade (near miss)",
    up: "    with op.batch_alter_table('plans') as batch_op:\n        batch_op.add_column(sa.Column('user_id', sa.Text()))\n        batch_op.create_index(batch_op.f('ix_plans_user_id'), ['user_id'])",
    down: "    with op.batch_alter_table('plans') as batch_op:\n        batch_op.drop_index(batch_op.f('ix_plans_user_id'))\n        batch_op.drop_column('user_id')",
    fire: [],
  },
  {
    name: 'another column of the table is dropped in the same function (near miss the other way)',
    up: "    with op.batch_alter_table('plans') as batch_op:\n        batch_op.create_index(batch_op.f('ix_plans_user_id'), ['user_id'])",
    down: "    with op.batch_alter_table('plans') as batch_op:\n        batch_op.drop_index(batch_op.f('ix_plans_user_id'))\n        batch_op.drop_column('other')",
    fire: ['require-concurrent-index-deletion: batch_op.drop_index'],
  },
  {
    name: 'the table is dropped by SQL in the same function (near miss)',
    up: CONCURRENT_UP,
    down: "    op.drop_index('ix_users_email', table_name='users')\n    op.execute('DROP TABLE users')",
    fire: [],
  },
  {
    name: 'an index created earlier in the same function (near miss)',
    up: "    with op.get_context().autocommit_block():\n        op.create_index('ix_tmp', 'users', ['email'], postgresql_concurrently=True)\n    op.drop_index('ix_tmp', table_name='users')",
    down: REVERSIBLE,
    fire: [],
  },
  {
    name: 'an index on a table created by SQL in the same function (near miss)',
    up: "    op.execute('CREATE TABLE scratch (id bigint)')\n    op.create_index('ix_scratch', 'scratch', ['id'])\n    op.drop_index('ix_scratch', table_name='scratch')",
    down: "    op.drop_table('scratch')",
    fire: [],
  },
];

for (const c of INDEX_DELETION) {
  test(`require-concurrent-index-deletion: ${c.name}`, async () => {
    const got = (await findings(wrap(c.up, c.down))).filter((f) => f.startsWith('require-concurrent-index-deletion'));
    assert.deepEqual(got, c.fire);
  });
}

/** downgrade-not-reversing with SQL and PostgreSQL's cascade: each case names what stays behind. */
const REVERSAL: Array<{ name: string; up: string; down: string; left: string[] }> = [
  {
    name: 'DROP TABLE IF EXISTS … CASCADE in SQL drops the table and its index',
    up: "    op.create_table('a', sa.Column('x', sa.Text()))\n    op.create_index('ix_a_x', 'a', ['x'])",
    down: '    op.execute("DROP TABLE IF EXISTS a CASCADE")',
    left: [],
  },
  {
    name: 'tables and indexes created by SQL, reversed by op.drop_table',
    up: '    op.execute("CREATE TABLE b (id bigint)")\n    op.execute(sa.text("CREATE INDEX ix_b ON b (id)"))',
    down: "    op.drop_table('b')",
    left: [],
  },
  {
    name: 'a SQL CREATE TABLE the downgrade forgets',
    up: '    op.execute("CREATE TABLE c (id bigint)")\n    op.create_table(\'d\')',
    down: "    op.drop_table('d')",
    left: ['downgrade-not-reversing: "CREATE TABLE c (id bigint)"'],
  },
  {
    name: 'ALTER TABLE … DROP COLUMN drops the column and the indexes on it',
    up: "    op.add_column('users', sa.Column('email', sa.Text()))\n    op.create_index('ix_users_email', 'users', ['email'])\n    op.create_index('ix_users_email_name', 'users', ['name', 'email'])",
    down: '    op.execute("ALTER TABLE users DROP COLUMN email")',
    left: [],
  },
  {
    name: 'an expression index and a partial index go with a column they use',
    up: "    op.create_index('ix_lower', 'users', [sa.text('lower(name)')])\n    op.create_index('ix_live', 'users', ['id'], postgresql_where=sa.text('deleted_at IS NULL'))",
    down: "    op.drop_column('users', 'name')\n    op.drop_column('users', 'deleted_at')",
    left: [],
  },
  {
    name: 'dropping another column of the table leaves the index (near miss)',
    up: "    op.create_index('ix_orders_x', 'orders', ['x'])",
    down: "    op.drop_column('orders', 'y')",
    left: ['downgrade-not-reversing: op.create_index'],
  },
  {
    name: 'DROP INDEX CONCURRENTLY IF EXISTS reverses an index',
    up: "    op.create_index('ix_e', 'e', ['a'])",
    down: '    with op.get_context().autocommit_block():\n        op.execute("DROP INDEX CONCURRENTLY IF EXISTS public.ix_e")',
    left: [],
  },
  {
    name: 'CREATE TYPE reversed by DROP TYPE, or by Enum.drop(); forgotten',
    up: "    op.execute(\"CREATE TYPE mood AS ENUM ('sad', 'ok')\")\n    op.execute(\"CREATE TYPE size AS ENUM ('s', 'l')\")\n    op.execute(\"CREATE TYPE tone AS ENUM ('a')\")",
    down: "    op.execute('DROP TYPE mood')\n    sa.Enum(name='size').drop(op.get_bind())",
    left: ['downgrade-not-reversing: "CREATE TYPE tone AS ENUM (\'a\')"'],
  },
  {
    name: 'a foreign key goes with DROP TABLE … CASCADE of the table it references, not without CASCADE',
    up: "    op.create_foreign_key('fk_o_u', 'orders', 'users', ['user_id'], ['id'])\n    op.create_foreign_key('fk_o_s', 'orders', 'shops', ['shop_id'], ['id'])",
    down: '    op.execute("DROP TABLE users CASCADE")\n    op.execute("DROP TABLE shops")',
    left: ['downgrade-not-reversing: op.create_foreign_key'],
  },
  {
    name: 'a foreign key goes with its own column',
    up: "    op.create_foreign_key('fk_o_u', 'orders', 'users', ['user_id'], ['id'])",
    down: "    op.drop_column('orders', 'user_id')",
    left: [],
  },
  {
    name: 'sa.DDL() text and exec_driver_sql with pyformat parameters',
    up: "    op.create_table('k')\n    op.create_table('m')",
    down: "    op.execute(sa.DDL('DROP TABLE k'))\n    op.get_bind().exec_driver_sql('DROP TABLE m; DELETE FROM log WHERE id = %s', (1,))",
    left: [],
  },
  {
    name: 'SQL held in a module constant, with a bind parameter',
    up: "    op.create_table('f')",
    down: '    op.execute(sa.text(DROP_F).bindparams(x=1))',
    left: [],
  },
  { name: 'a helper function called by downgrade() drops it', up: "    op.create_table('g')", down: '    _drop_all()', left: [] },
  {
    name: 'IF NOT EXISTS creations are not leftovers that break a re-run (near miss)',
    up: '    op.execute("CREATE INDEX IF NOT EXISTS ix_z ON z (a)")\n    op.execute("ALTER TABLE z ADD COLUMN IF NOT EXISTS b text")',
    down: "    op.drop_column('users', 'x')",
    left: [],
  },
  {
    name: 'an enum type replaced under its own name: the old one renamed away first (near miss)',
    up: "    op.execute(\"ALTER TYPE status RENAME TO status_old\")\n    op.execute(\"CREATE TYPE status AS ENUM ('a', 'b')\")\n    op.execute(\"DROP TYPE status_old\")\n    op.rename_table('t', 't_old')\n    op.create_table('t')",
    down: '    op.execute("ALTER TYPE status ADD VALUE \'c\'")',
    left: [],
  },
  {
    name: 'downgrade() renames the table back, then drops the added column under the old name',
    up: "    op.rename_table('embedding_model', 'search_settings')\n    op.add_column('search_settings', sa.Column('num_rerank', sa.Integer()))\n    op.add_column('search_settings', sa.Column('kept', sa.Integer()))",
    down: "    op.execute('ALTER TABLE search_settings RENAME TO embedding_model')\n    op.drop_column('embedding_model', 'num_rerank')",
    left: ['downgrade-not-reversing: op.add_column'],
  },
  {
    name: 'columns dropped by a loop over computed names are not judged',
    up: "    op.add_column('user_file', sa.Column('status', sa.Text()))",
    down: "    for col in ['status']:\n        op.drop_column('user_file', col)",
    left: [],
  },
  {
    name: 'drop_constraint(None, …) is no computed name (near miss)',
    up: "    op.add_column('user_file', sa.Column('status', sa.Text()))",
    down: "    op.drop_constraint(None, 'user_file', type_='foreignkey')",
    left: ['downgrade-not-reversing: op.add_column'],
  },
  {
    name: 'a downgrade() that refuses to run declares the migration irreversible',
    up: "    op.create_table('n')",
    down: '    """Irreversible: the old data is gone."""\n    # See the upgrade.\n    raise RuntimeError("cannot downgrade")',
    left: [],
  },
  {
    name: 'a raise further down in downgrade() is no such declaration (near miss)',
    up: "    op.create_table('n')",
    down: "    op.drop_column('users', 'x')\n    if op.get_context().as_sql:\n        raise RuntimeError('online only')",
    left: ['downgrade-not-reversing: op.create_table'],
  },
  {
    name: 'a check constraint dropped under its naming-convention name',
    up: "    op.create_check_constraint('reason_not_empty', 'reservations', \"reason != ''\")\n    op.create_check_constraint('other_check', 'reservations', 'a > 0')",
    down: "    op.drop_constraint('ck_reservations_reason_not_empty', 'reservations')\n    op.drop_constraint('ck_bookings_other_check', 'bookings')",
    left: ['downgrade-not-reversing: op.create_check_constraint'],
  },
  {
    name: 'a check constraint built with an f-string goes with a column it checks',
    up: "    op.create_check_constraint('mode_valid', 'categories', f'(id != 0) OR (wallet_mode != {Mode.inheriting.value})')",
    down: "    op.drop_column('categories', 'wallet_mode')",
    left: [],
  },
  {
    name: 'a scratch table dropped again in upgrade() (near miss)',
    up: "    op.create_table('tmp')\n    op.drop_table('tmp')",
    down: "    op.drop_column('users', 'x')",
    left: [],
  },
  {
    name: 'a downgrade that runs SQL it builds at run time is not judged',
    up: "    op.create_table('h')",
    down: "    for t in TABLES:\n        op.execute(f'DROP TABLE {t}')",
    left: [],
  },
  {
    name: 'ALTER TABLE … ADD COLUMN / ADD CONSTRAINT in upgrade SQL',
    up: '    op.execute("ALTER TABLE users ADD COLUMN nick text, ADD CONSTRAINT uq_nick UNIQUE (nick)")',
    down: "    op.drop_constraint('uq_nick', 'users')",
    left: ['downgrade-not-reversing: "ALTER TABLE users ADD COLUMN nick text, ADD CONSTRAINT uq_nick UNIQUE (nick)"'],
  },
];

for (const c of REVERSAL) {
  test(`downgrade-not-reversing: ${c.name}`, async () => {
    // A module constant and a helper function some cases use.
    const source = `${wrap(c.up, c.down)}\n\nDROP_F = 'DELETE FROM f_log WHERE id = :x; DROP TABLE f'\n\n\ndef _drop_all():\n    op.drop_table('g')\n`;
    const got = (await findings(source)).filter((f) => f.startsWith('downgrade-not-reversing'));
    assert.deepEqual(got, c.left);
  });
}

test('prefer-bigint-over-int on integer ids', async () => {
  const up = "    op.create_table('t', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('count', sa.Integer()))";
  assert.deepEqual(
    (await findings(wrap(up, "    op.drop_table('t')"))).filter((f) => f.startsWith('prefer-bigint')),
    ['prefer-bigint-over-int: sa.Integer()'],
  );
});

async function applyFix(source: string, ruleId: string): Promise<string> {
  const parsed = await parseMigration(source);
  const problem = checkOperations(parsed, '/x.py').find((p: Problem) => p.ruleId === ruleId)!;
  assert.ok(problem, `${ruleId} fires`);
  const [fix] = fixEdits(problem, parsed);
  assert.ok(fix, `${ruleId} has a fix`);
  const li = new LineIndex(source);
  let out = source;
  for (const e of [...fix.edits].sort((a, b) => li.offsetAt(b.range.start) - li.offsetAt(a.range.start))) {
    out = out.slice(0, li.offsetAt(e.range.start)) + e.newText + out.slice(li.offsetAt(e.range.end));
  }
  return out;
}

test('quick fix: a blocking index becomes concurrent inside autocommit_block, and the rule stops firing', async () => {
  const src = wrap("    op.create_index(\n        'ix_users_email', 'users', ['email'],\n    )", REVERSIBLE);
  const fixed = await applyFix(src, 'require-concurrent-index-creation');
  assert.match(
    fixed,
    / {4}with op\.get_context\(\)\.autocommit_block\(\):\n {8}op\.create_index\(\n {12}'ix_users_email', 'users', \['email'\], postgresql_concurrently=True\n {8}\)/,
  );
  assert.deepEqual(
    (await findings(fixed)).filter((f) => !f.startsWith('downgrade-not-reversing')),
    [],
  );
});

test('quick fixes: NOT VALID on a foreign key, timezone=True on a DateTime', async () => {
  const fk = await applyFix(wrap("    op.create_foreign_key('fk', 'orders', 'users', ['user_id'], ['id'])", REVERSIBLE), 'constraint-missing-not-valid');
  assert.match(fk, /\['id'\], postgresql_not_valid=True\)/);
  const ts = await applyFix(wrap("    op.add_column('users', sa.Column('seen', sa.DateTime()))", REVERSIBLE), 'prefer-timestamptz');
  assert.match(ts, /sa\.DateTime\(timezone=True\)/);
});

test('messages quote source on one line: whitespace collapsed, long expressions cut with …', async () => {
  const up = [
    "    op.add_column('users', sa.Column('created', sa.DateTime(timezone=True), server_default=sa.text(\"\"\"",
    '        now()',
    '    """)))',
    "    op.add_column('users', sa.Column('token', sa.Text(), server_default=sa.text(\"coalesce(nullif(current_setting('app.default_token', true), ''), gen_random_uuid()::text)\")))",
  ].join('\n');
  const problems = checkOperations(await parseMigration(wrap(up, REVERSIBLE)), '/x.py').filter((p) => p.ruleId === 'adding-field-with-volatile-default');
  assert.equal(problems.length, 2);
  for (const p of problems) assert.doesNotMatch(p.message, /\n/);
  assert.match(problems[0].message, /\(sa\.text\(""" now\(\) """\)\)/);
  const quoted = /\((sa\.text\(.*?…)\)/.exec(problems[1].message);
  assert.ok(quoted, problems[1].message);
  assert.ok(quoted[1].length <= 60, quoted[1]);
});
