/**
 * The no-false-positive corpus (../shared/corpora/postgres-statements.jsonl): every statement
 * marked valid, embedded in `op.execute("""…""")` of a migration, yields no sql-syntax-error;
 * every statement marked invalid yields one. The SQL goes through the same Python-string
 * decoding as real migrations.
 *
 * f-string SQL from public Alembic migrations (test/unit/fixtures/fstring-sql.jsonl: the SQL
 * text with its `{…}` fields as written, and the repository file it comes from). Each one runs
 * inside a minimal migration as `op.execute(f"""…""")`: those valid on PostgreSQL once
 * interpolated give neither a syntax error nor a "not checked" note; the few that are not
 * (SQLite-only SQL) still give an error, and none under a SQLite dialect test. Both corpora
 * share one process: loading the parsers is most of their cost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseMigration } from '../../server/src/alembic/migrationParser';
import { lintMigration, prepareLinter } from '../../server/src/alembic/lint';
import { decodePythonString } from '../../server/src/sql/pythonString';
import { checkSql, ensureSqlParser } from '../../server/src/sql/sqlCheck';

const corpus = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'corpora', 'postgres-statements.jsonl');

/** A triple-quoted Python literal whose value is exactly `sql`. */
function pythonLiteral(sql: string): string {
  return '"""' + sql.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"').replace(/"$/, '\\"') + '"""';
}

test('every valid corpus statement passes, every invalid one is a syntax error', async (t) => {
  assert.ok(fs.existsSync(corpus), `corpus missing at ${corpus}`);
  await ensureSqlParser();
  const rows = fs
    .readFileSync(corpus, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { sql: string; valid: boolean; source: string });
  const wrong: string[] = [];
  let valid = 0;
  let invalid = 0;
  for (const row of rows) {
    const lit = pythonLiteral(row.sql);
    const source = `op.execute(${lit})`;
    const start = 'op.execute('.length;
    const decoded = decodePythonString(source, [{ start, end: start + lit.length, prefix: '', quoteLen: 3 }]);
    assert.equal(decoded.value, row.sql.replace(/\r\n?/g, '\n'));
    const syntax = checkSql(decoded.value, { insideAutocommitBlock: true, tablesCreated: new Set() }).some(
      (f) => f.ruleId === 'sql-syntax-error' || f.ruleId === 'sqlite-syntax',
    );
    if (row.valid) valid++;
    else invalid++;
    if (syntax === row.valid) wrong.push(`${row.valid ? 'rejected valid' : 'accepted invalid'} (${row.source}): ${row.sql.slice(0, 120)}`);
  }
  t.diagnostic(`${valid} valid and ${invalid} invalid statements`);
  assert.deepEqual(wrong, []);
});

const fixture = path.resolve(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'fstring-sql.jsonl');

interface Row {
  source: string;
  sql: string;
  valid: boolean;
  reason?: string;
  dialect?: string;
}

/** A triple-quoted f-string whose fields and text are `sql` (braces already doubled where literal). */
function fLiteral(sql: string): string {
  return 'f"""' + sql.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"').replace(/"$/, '\\"') + '"""';
}

/**
 * One migration holding every row's `op.execute(f"""…""")` (under `guard` when given), and the
 * rule ids reported inside each row's lines: one parse for the whole corpus keeps the test fast.
 */
async function lintRows(rows: Row[], guard?: (row: Row) => string | undefined): Promise<string[][]> {
  let text = `revision = 'r1'\ndown_revision = None\nfrom alembic import op\n\n\ndef upgrade():\n`;
  const spans: Array<[number, number]> = [];
  let line = text.split('\n').length - 1;
  for (const row of rows) {
    const g = guard?.(row);
    const add = g ? `    if ${g}:\n        op.execute(${fLiteral(row.sql)})\n` : `    op.execute(${fLiteral(row.sql)})\n`;
    const lines = add.split('\n').length - 1;
    spans.push([line, line + lines - 1]);
    line += lines;
    text += add;
  }
  const problems = lintMigration(await parseMigration(text), '/p/versions/x.py');
  return spans.map(([a, b]) => problems.filter((p) => p.range.start.line >= a && p.range.start.line <= b).map((p) => p.ruleId));
}

test('f-string SQL from real migrations: no syntax error unless it is not PostgreSQL', async (t) => {
  await prepareLinter();
  const rows = fs
    .readFileSync(fixture, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
  assert.ok(rows.length >= 100, `${rows.length} rows`);
  const t0 = performance.now();
  const plain = await lintRows(rows);
  const invalid = rows.filter((r) => !r.valid && r.dialect);
  const guarded = await lintRows(invalid, (r) => `op.get_bind().dialect.name == "${r.dialect}"`);
  const ms = Math.round(performance.now() - t0);
  const wrong: string[] = [];
  assert.deepEqual(
    rows.filter((r) => !/^[\w.-]+\/[\w.-]+\/.+\.py$/.test(r.source) || !(r.valid || r.reason)),
    [],
    'every row names owner/repo/path, and an invalid one says why',
  );
  rows.forEach((row, i) => {
    const ids = plain[i];
    if (!ids.includes('sql-string-interpolation')) wrong.push(`not seen as an f-string (${row.source})`);
    const unchecked = ids.filter((id) => id === 'sql-syntax-error' || id === 'sqlite-syntax' || id === 'non-literal-sql');
    if (row.valid && unchecked.length) wrong.push(`${unchecked.join(', ')} (${row.source}): ${row.sql.trim().slice(0, 120)}`);
    if (!row.valid && !ids.includes('sql-syntax-error') && !ids.includes('sqlite-syntax'))
      wrong.push(`no error (${row.source}): ${row.sql.trim().slice(0, 120)}`);
  });
  invalid.forEach((row, i) => {
    if (guarded[i].some((id) => id !== 'sql-string-interpolation')) wrong.push(`checked under a ${row.dialect} test (${row.source}): ${guarded[i].join(', ')}`);
  });
  t.diagnostic(
    `${rows.length} f-strings (${rows.filter((r) => !r.valid).length} not PostgreSQL) from ${new Set(rows.map((r) => r.source.split('/').slice(0, 2).join('/'))).size} projects, linted in ${ms} ms`,
  );
  assert.deepEqual(wrong, []);
});
