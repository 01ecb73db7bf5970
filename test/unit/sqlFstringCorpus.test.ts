/**
 * f-string SQL from public Alembic migrations (test/unit/fixtures/fstring-sql.jsonl: the SQL
 * text with its `{…}` fields as written, and the repository file it comes from). Each one runs
 * inside a minimal migration as `op.execute(f"""…""")`: those valid on PostgreSQL once
 * interpolated give neither a syntax error nor a "not checked" note; the few that are not
 * (SQLite-only SQL) still give an error, and none under a SQLite dialect test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseMigration } from '../../server/src/alembic/migrationParser';
import { lintMigration, prepareLinter } from '../../server/src/alembic/lint';

const fixture = path.resolve(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'fstring-sql.jsonl');

interface Row { source: string; sql: string; valid: boolean; reason?: string; dialect?: string }

/** A triple-quoted f-string whose fields and text are `sql` (braces already doubled where literal). */
function fLiteral(sql: string): string {
  return 'f"""' + sql.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"').replace(/"$/, '\\"') + '"""';
}

function migration(statement: string, guard?: string): string {
  const body = guard ? `    if ${guard}:\n        ${statement}` : `    ${statement}`;
  return `revision = 'r1'\ndown_revision = None\nfrom alembic import op\n\n\ndef upgrade():\n${body}\n`;
}

async function ruleIds(source: string): Promise<string[]> {
  return lintMigration(await parseMigration(source), '/p/versions/x.py').map((p) => p.ruleId);
}

test('f-string SQL from real migrations: no syntax error unless it is not PostgreSQL', async (t) => {
  await prepareLinter();
  const rows = fs.readFileSync(fixture, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
  assert.ok(rows.length >= 100, `${rows.length} rows`);
  const wrong: string[] = [];
  const t0 = performance.now();
  for (const row of rows) {
    assert.match(row.source, /^[\w.-]+\/[\w.-]+\/.+\.py$/, 'source is owner/repo/path');
    assert.ok(row.valid || row.reason, `an invalid row says why: ${row.source}`);
    const ids = await ruleIds(migration(`op.execute(${fLiteral(row.sql)})`));
    assert.ok(ids.includes('sql-string-interpolation'), row.source);
    const unchecked = ids.filter((id) => id === 'sql-syntax-error' || id === 'sqlite-syntax' || id === 'non-literal-sql');
    if (row.valid && unchecked.length) wrong.push(`${unchecked.join(', ')} (${row.source}): ${row.sql.trim().slice(0, 120)}`);
    if (!row.valid) {
      if (!ids.includes('sql-syntax-error') && !ids.includes('sqlite-syntax')) wrong.push(`no error (${row.source}): ${row.sql.trim().slice(0, 120)}`);
      if (row.dialect) {
        const guarded = await ruleIds(migration(`op.execute(${fLiteral(row.sql)})`, `op.get_bind().dialect.name == "${row.dialect}"`));
        if (guarded.some((id) => id !== 'sql-string-interpolation')) wrong.push(`checked under a ${row.dialect} test (${row.source}): ${guarded.join(', ')}`);
      }
    }
  }
  t.diagnostic(`${rows.length} f-strings (${rows.filter((r) => !r.valid).length} not PostgreSQL) from ${new Set(rows.map((r) => r.source.split('/').slice(0, 2).join('/'))).size} projects in ${Math.round(performance.now() - t0)} ms`);
  assert.deepEqual(wrong, []);
});
