/**
 * The rules as modules: the op.* rules (server/src/alembic/rules/op/) and the SQL rules
 * (server/src/sql/rules/) are registered once each, under catalog ids, every file's rule is
 * in its list, each module reports its own id and no other, and a module added to a list is
 * run — the way a team-defined rule will be.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseMigration } from '../../server/src/alembic/migrationParser';
import { LineIndex } from '../../server/src/text/sourceText';
import type { OpRule } from '../../server/src/alembic/opRule';
import { checkOperations } from '../../server/src/alembic/opRules';
import { OP_RULES } from '../../server/src/alembic/rules/op';
import { RULES, catalogMeta, ruleInfo } from '../../server/src/alembic/rules';
import { checkSql, ensureSqlParser } from '../../server/src/sql/sqlCheck';
import type { SqlRule } from '../../server/src/sql/sqlRule';
import { SQL_RULES } from '../../server/src/sql/rules';

before(() => ensureSqlParser());

/** SQL ids reported where the SQL is found and parsed (lint.ts, sqlCheck.ts), not by a rule on a statement. */
const REPORTED_BY_THE_PARSER = ['sql-syntax-error', 'non-literal-sql', 'sql-string-interpolation'];

const ids = (rules: ReadonlyArray<{ id: string }>): string[] => rules.map((r) => r.id);
const duplicates = (list: string[]): string[] => list.filter((id, i) => list.indexOf(id) !== i);

test("every registered rule has a catalog id, once per list, with the catalog's meta", () => {
  for (const rules of [OP_RULES, SQL_RULES] as Array<ReadonlyArray<OpRule | SqlRule>>) {
    assert.deepEqual(duplicates(ids(rules)), []);
    for (const r of rules) {
      assert.ok(ruleInfo(r.id), `${r.id} is in the catalog`);
      assert.deepEqual({ category: r.meta.category, description: r.meta.description }, catalogMeta(r.id), r.id);
    }
  }
  assert.deepEqual(
    OP_RULES.filter((r) => !r.check && !r.checkColumnType && !r.checkFile).map((r) => r.id),
    [],
    'every op module has a hook',
  );
  assert.deepEqual(
    SQL_RULES.filter((r) => !r.check && !r.checkAlterCommand && !r.checkText).map((r) => r.id),
    [],
    'every SQL module has a hook',
  );
});

test('every operations rule of the catalog has one op module; every sql rule one SQL module, or the parser reports it', () => {
  // The naming rules read the parsed migration too: they are op modules (checkFile).
  const operations = RULES.filter((r) => r.category === 'operations' || r.category === 'naming').map((r) => r.id);
  const sql = RULES.filter((r) => r.category === 'sql').map((r) => r.id);
  assert.deepEqual([...ids(OP_RULES)].sort(), [...operations].sort());
  // An op rule and its SQL form share an id: one module of each kind.
  assert.deepEqual(
    ids(SQL_RULES)
      .filter((id) => !operations.includes(id))
      .sort(),
    sql.filter((id) => !REPORTED_BY_THE_PARSER.includes(id)).sort(),
  );
  for (const id of REPORTED_BY_THE_PARSER) assert.ok(sql.includes(id) && !ids(SQL_RULES).includes(id), id);
});

/** The rule objects the files of a folder export, by file name (read from the compiled out/ tree this test runs in). */
function exportedRules(dir: string): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.js') && f !== 'index.js')) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled modules are loaded by file name
    const mod = require(path.join(dir, f)) as Record<string, unknown>;
    const rules = Object.values(mod).filter((v) => typeof v === 'object' && v !== null && 'id' in v && 'meta' in v);
    if (rules.length) out.set(f.replace(/\.js$/, ''), rules);
  }
  return out;
}

const camel = (id: string): string => id.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

test('every rule file holds one rule, named after its id, and the rule is registered', () => {
  const out = path.resolve(__dirname, '..', '..', 'server', 'src');
  for (const [dir, registry] of [
    [path.join(out, 'alembic', 'rules', 'op'), OP_RULES],
    [path.join(out, 'sql', 'rules'), SQL_RULES],
  ] as const) {
    const files = exportedRules(dir);
    for (const [file, rules] of files) {
      assert.equal(rules.length, 1, `${file} exports one rule`);
      const rule = rules[0] as OpRule | SqlRule;
      assert.equal(file, camel(rule.id), `the file of ${rule.id}`);
      assert.ok((registry as ReadonlyArray<unknown>).includes(rule), `${rule.id} (${file}) is registered`);
    }
    assert.equal(files.size, registry.length, `${dir}: one file per registered rule`);
  }
});

function wrap(imports: string, up: string, down: string): string {
  return `${imports}revision = 'r1'\ndown_revision = 'r0'\nfrom alembic import op\nimport sqlalchemy as sa\n\n\ndef upgrade():\n${up}\n\n\ndef downgrade():\n${down}\n`;
}

/** Between them, migrations on which every op rule fires. */
const MIGRATIONS = [
  wrap(
    'from app.models import User\n',
    [
      `    op.create_table('${'t'.repeat(64)}', sa.Column('a_id', sa.Integer(), primary_key=True), sa.Column('c', sa.CHAR(2)), sa.Column('d', sa.DateTime()), sa.Column('s', sa.String(10)))`,
      "    op.add_column('users', sa.Column('n', sa.Text(), nullable=False))",
      "    op.add_column('users', sa.Column('m', sa.DateTime(timezone=True), server_default=sa.text('now()')))",
      "    op.alter_column('users', 'e', nullable=False, type_=sa.Text(), new_column_name='f')",
      "    op.rename_table('a', 'b')",
      "    op.drop_column('users', 'x')",
      "    op.drop_table('q')",
      "    op.create_index('ix', 'users', ['a'])",
      "    op.create_index('ix2', 'users', ['a'], postgresql_concurrently=True)",
      "    op.drop_index('ix3', table_name='users')",
      "    op.create_foreign_key('fk', 'orders', 'users', ['user_id'], ['id'])",
      "    op.create_unique_constraint('uq', 'users', ['email'])",
      '    bind = op.get_bind()',
      "    bind.execute(sa.text('select 1')).fetchall()",
    ].join('\n'),
    "    op.drop_column('users', 'n')",
  ),
  wrap('"""empty message"""\n', "    op.add_column('users', sa.Column('x', sa.Text()))", '    pass'),
];

/** Between them, SQL texts on which every SQL rule fires. */
const STATEMENTS = [
  'CREATE TABLE t (id integer PRIMARY KEY AUTOINCREMENT)',
  'UPDATE t SET a = 1',
  'DELETE FROM t',
  'BEGIN',
  'DROP DATABASE d',
  'TRUNCATE t CASCADE',
  'SELECT * FROM t LIMIT 10 OFFSET 20',
  'ALTER TABLE t ADD COLUMN a char(2) NOT NULL, ADD COLUMN b timestamp, DROP COLUMN c, ALTER COLUMN d TYPE text, ALTER COLUMN e SET NOT NULL, ADD CONSTRAINT fk FOREIGN KEY (f) REFERENCES u (id), ADD CONSTRAINT uq UNIQUE (g)',
  'ALTER TABLE t RENAME COLUMN a TO b',
  'ALTER TABLE t RENAME TO u',
  'DROP TABLE t',
  'CREATE INDEX CONCURRENTLY ix ON t (a)',
  'DROP INDEX ix',
  'CREATE INDEX ix ON t (a)',
];

const SQL_CONTEXT = { insideAutocommitBlock: false, tablesCreated: new Set<string>() };

test('every op module, run alone, reports its own id and no other', async () => {
  const parsed = await Promise.all(MIGRATIONS.map((m) => parseMigration(m)));
  for (const rule of OP_RULES) {
    const found = parsed.flatMap((p) => checkOperations(p, '/x.py', [rule]));
    assert.ok(found.length > 0, `${rule.id} fires on the samples`);
    assert.deepEqual([...new Set(found.map((p) => p.ruleId))], [rule.id]);
  }
});

test('every SQL module, run alone, reports its own id and no other', () => {
  for (const rule of SQL_RULES) {
    // Alone, sqlite-syntax's statement is a syntax error: the parser's finding, not a module's.
    const found = STATEMENTS.flatMap((sql) => checkSql(sql, SQL_CONTEXT, { rules: [rule] })).filter((f) => !REPORTED_BY_THE_PARSER.includes(f.ruleId));
    assert.ok(found.length > 0, `${rule.id} fires on the samples`);
    assert.deepEqual([...new Set(found.map((f) => f.ruleId))], [rule.id]);
  }
});

test('an op module added to the list is run on every call, every column type and the file', async () => {
  const source = MIGRATIONS[1];
  const li = new LineIndex(source);
  const parsed = await parseMigration(source);
  const seen: string[] = [];
  const teamRule: OpRule = {
    id: 'team-no-add-column',
    meta: { category: 'operations', description: 'a team-defined rule' },
    checkColumnType(type, context) {
      seen.push(`type ${source.slice(type.start, type.end)} in ${context.op}`);
    },
    check(_site, context) {
      if (context.op === 'add_column' && context.table === 'users' && context.inUpgrade)
        context.report('team-no-add-column', context.name, 'No add_column on users.');
    },
    checkFile(_parsed, context) {
      seen.push(`file: ${context.operations.map((o) => o.context.op).join()}`);
    },
  };
  const base = checkOperations(parsed, '/x.py');
  const withTeam = checkOperations(parsed, '/x.py', [...OP_RULES, teamRule]);
  const added = withTeam.filter((p) => !base.some((b) => JSON.stringify(b) === JSON.stringify(p)));
  assert.deepEqual(
    added.map((p) => `${p.ruleId} ${p.severity}: ${source.slice(li.offsetAt(p.range.start), li.offsetAt(p.range.end))}: ${p.message}`),
    ['team-no-add-column warning: op.add_column: No add_column on users.'],
  );
  assert.deepEqual(seen, ["type sa.Column('x', sa.Text()) in add_column", 'type sa.Text() in add_column', 'file: add_column']);
});

test('a SQL module added to the list is run on the text, every statement and every ALTER TABLE command', () => {
  const sql = 'SELECT pg_sleep(1); ALTER TABLE t ADD COLUMN a text, DROP COLUMN b';
  const seen: string[] = [];
  const teamRule: SqlRule = {
    id: 'team-no-sleep',
    meta: { category: 'sql', description: 'a team-defined rule' },
    checkText(_text, context) {
      seen.push(`text ${context.code.length} span(s)`);
    },
    check(statement, context) {
      seen.push(statement.kind);
      const r = context.at(/\bpg_sleep\b/);
      if (r !== context.keyword) context.report('team-no-sleep', r, 'No pg_sleep in migrations.');
    },
    checkAlterCommand(command, context) {
      seen.push(`${command.subtype} at ${context.text.slice(command.keyword.start, command.keyword.end)}`);
    },
  };
  const base = checkSql(sql, SQL_CONTEXT);
  const withTeam = checkSql(sql, SQL_CONTEXT, { rules: [...SQL_RULES, teamRule] });
  assert.deepEqual(
    withTeam.filter((f) => f.ruleId !== 'team-no-sleep'),
    base,
  );
  assert.deepEqual(
    withTeam.filter((f) => f.ruleId === 'team-no-sleep').map((f) => `${sql.slice(f.start, f.end)}: ${f.message}`),
    ['pg_sleep: No pg_sleep in migrations.'],
  );
  assert.deepEqual(seen, ['text 1 span(s)', 'SelectStmt', 'AlterTableStmt', 'AT_AddColumn at ADD', 'AT_DropColumn at DROP']);
});
