/**
 * SQL and `op.*` calls under a test for another database (`if bind.dialect.name == "mysql":`,
 * the `else` of a PostgreSQL test, `!= "postgresql"`) are not checked as PostgreSQL. The shapes
 * follow real multi-database migrations (OpenStack's MySQL-only `CONVERT TO CHARACTER SET`,
 * rucio's `dialect.name in [...]`, a module-level `is_sqlite` flag, early `!= 'postgresql'` tests).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMigration } from '../../server/src/alembic/migrationParser';
import { lintMigration, prepareLinter } from '../../server/src/alembic/lint';
import { LineIndex } from '../../server/src/text/sourceText';
import type { Problem } from '../../server/src/alembic/types';

function migration(upgradeBody: string, moduleLevel = ''): string {
  return `revision = 'r1'\ndown_revision = None\nfrom alembic import op, context\nimport sqlalchemy as sa\n${moduleLevel}\n\ndef upgrade():\n${upgradeBody}\n\n\ndef downgrade():\n    pass\n`;
}

async function lint(source: string): Promise<Problem[]> {
  await prepareLinter();
  return lintMigration(await parseMigration(source), '/p/versions/x.py');
}

/** `ruleId: covered text` for every problem. */
async function found(source: string): Promise<string[]> {
  const li = new LineIndex(source);
  return (await lint(source))
    .filter((p) => p.ruleId !== 'empty-downgrade')
    .map((p) => `${p.ruleId}: ${source.slice(li.offsetAt(p.range.start), li.offsetAt(p.range.end))}`);
}

/** The dialect the parser gives the call whose source starts with `prefix`. */
async function dialectOf(source: string, prefix: string): Promise<string | undefined> {
  const parsed = await parseMigration(source);
  const site = parsed.calls.find((c) => source.startsWith(prefix, c.call.start));
  assert.ok(site, prefix);
  return site.dialect;
}

test('MySQL-only SQL under a dialect test on a name holding the dialect (OpenStack convert-to-utf8mb4)', async () => {
  const src = migration(
    [
      '    dialect = op.get_bind().engine.dialect',
      '    if dialect.supports_alter:',
      "        if dialect.name == 'mysql':",
      "            op.execute('ALTER DATABASE CHARACTER SET utf8mb4')",
      '            for table in sa.inspect(op.get_bind()).get_table_names():',
      '                op.execute(f"ALTER TABLE {table} CONVERT TO CHARACTER SET utf8mb4")',
      "            op.drop_column('teams', 'legacy')",
    ].join('\n'),
  );
  assert.deepEqual(await found(src), ['sql-string-interpolation: f"ALTER TABLE {table} CONVERT TO CHARACTER SET utf8mb4"']);
});

test('the dialect read into a variable: `dialect = op.get_bind().dialect.name` then `if dialect == "mysql":`', async () => {
  const src = migration(
    [
      '    dialect = op.get_bind().dialect.name',
      '    if dialect == "mysql":',
      '        op.execute("ALTER TABLE `users` MODIFY email VARCHAR(255) CHARACTER SET utf8mb4")',
      '    elif dialect == "postgresql":',
      '        op.execute("ALTER TABEL users ALTER COLUMN email TYPE text")',
      '    else:',
      '        op.execute("PRAGMA foreign_keys=ON")',
    ].join('\n'),
  );
  assert.deepEqual(await found(src), ['sql-syntax-error: TABEL']);
  assert.equal(await dialectOf(src, 'op.execute("PRAGMA'), 'other');
  assert.equal(await dialectOf(src, 'op.execute("ALTER TABEL'), 'postgresql');
});

test('`!= "postgresql"`, `in (...)`, `not in`, else/elif of a PostgreSQL test, and a module-level is_sqlite flag', async () => {
  const src = migration(
    [
      '    conn = op.get_bind()',
      "    if conn.dialect.name != 'postgresql':",
      "        op.execute('ALTER TABLE t CONVERT TO CHARACTER SET utf8')",
      "        op.drop_column('t', 'a')",
      '    if conn.dialect.name in ("mysql", "mariadb"):',
      "        op.execute('ALTER TABLE t ENGINE=InnoDB')",
      "    if context.get_context().dialect.name in ['oracle', 'mysql']:",
      "        op.execute('ALTER TABLE t MODIFY (a NUMBER(10))')",
      '    if op.get_bind().engine.name == "postgresql" and not context.is_offline_mode():',
      '        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")',
      '    elif op.get_bind().engine.name == "postgresql":',
      '        op.execute("SELECT 1")',
      '    else:',
      "        op.execute('ALTER TABLE t MODIFY a INT AUTO_INCREMENT')",
      '    if is_sqlite:',
      "        op.execute('PRAGMA foreign_keys=ON;')",
      '    if not is_sqlite:',
      "        op.drop_column('t', 'b')",
    ].join('\n'),
    "try:\n    is_sqlite = op.get_context().dialect.name == 'sqlite'\nexcept Exception:\n    is_sqlite = False",
  );
  assert.deepEqual(await found(src), ['ban-drop-column: op.drop_column']);
  assert.equal(await dialectOf(src, 'op.execute("SELECT 1")'), 'postgresql');
  assert.equal(await dialectOf(src, 'op.execute("CREATE EXTENSION'), 'postgresql');
  assert.equal(await dialectOf(src, "op.execute('ALTER TABLE t MODIFY a INT"), 'other');
});

test('code under `== "postgresql"` or `in ("postgresql", …)` is still checked, as is code under an unrelated test', async () => {
  const src = migration(
    [
      '    bind = op.get_bind()',
      '    if bind.dialect.name == "postgresql":',
      '        op.execute("DELETE FORM users")',
      "    if context.get_context().dialect.name in ['oracle', 'mysql', 'postgresql']:",
      "        op.drop_column('t', 'a')",
      "    if context.get_context().dialect.name not in ('sqlite'):",
      "        op.drop_column('t', 'b')",
      '    if bind.dialect.supports_alter:',
      "        op.drop_column('t', 'c')",
    ].join('\n'),
  );
  const got = await found(src);
  assert.deepEqual(got, ['sql-syntax-error: FORM', 'ban-drop-column: op.drop_column', 'ban-drop-column: op.drop_column', 'ban-drop-column: op.drop_column']);
  assert.equal(await dialectOf(src, 'op.execute("DELETE FORM'), 'postgresql');
});

test('after `if <dialect test>: … return` the rest of the function runs only on the other side; substring tests', async () => {
  const src = migration(
    [
      '    bind = op.get_bind()',
      "    if 'sqlite' in bind.dialect.name:",
      "        op.execute('PRAGMA foreign_keys=OFF')",
      '    is_postgres = bind.dialect.name == "postgresql"',
      '    if is_postgres:',
      '        op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON a (b)")',
      '        return',
      "    op.execute('ALTER TABLE a MODIFY b VARCHAR(10) NOT NULL')",
      "    op.drop_column('a', 'c')",
    ].join('\n'),
  );
  assert.deepEqual(await found(src), ['concurrent-index-in-transaction: CREATE']);
  assert.equal(await dialectOf(src, "op.execute('ALTER TABLE a MODIFY"), 'other');
  assert.equal(await dialectOf(src, "op.execute('PRAGMA"), 'other');
  const pgOnly = migration(
    ['    if op.get_bind().dialect.name != "postgresql":', '        raise NotImplementedError()', '    op.execute("DELETE FORM users")'].join('\n'),
  );
  assert.deepEqual(await found(pgOnly), ['sql-syntax-error: FORM']);
  const loop = migration(
    [
      '    for table in ("a", "b"):',
      "        if op.get_bind().dialect.name == 'postgresql':",
      '            continue',
      '        op.execute(f"ALTER TABLE {table} CONVERT TO CHARACTER SET utf8mb4")',
    ].join('\n'),
  );
  assert.deepEqual(await found(loop), ['sql-string-interpolation: f"ALTER TABLE {table} CONVERT TO CHARACTER SET utf8mb4"']);
  assert.equal(await dialectOf(pgOnly, 'op.execute("DELETE'), 'postgresql');
});

test('a test on the database URL: `url = str(bind.engine.url)` then `if url.startswith("mysql"):` (CTFd)', async () => {
  const src = migration(
    [
      '    bind = op.get_bind()',
      '    url = str(bind.engine.url)',
      '    if url.startswith("mysql"):',
      '        get_columns = "SELECT `TABLE_NAME` FROM `information_schema`.`COLUMNS` WHERE `table_schema`=DATABASE()"',
      '        columns = bind.execute(get_columns).fetchall()',
      "        op.alter_column('t', 'c', type_=sa.DateTime(timezone=True))",
      '    elif bind.engine.url.drivername.startswith("postgresql"):',
      '        op.execute("UPDATE t SET c = now()")',
      '    if not op.get_bind().dialect.name.startswith(("postgres", "cockroach")):',
      "        op.execute('PRAGMA foreign_keys=ON')",
    ].join('\n'),
  );
  assert.deepEqual(await found(src), ['update-without-where: UPDATE']);
  assert.equal(await dialectOf(src, 'op.execute("UPDATE'), 'postgresql');
  assert.equal(await dialectOf(src, "op.alter_column('t'"), 'other');
});
