/**
 * The no-false-positive corpus (../shared/corpora/postgres-statements.jsonl): every statement
 * marked valid, embedded in `op.execute("""…""")` of a migration, yields no sql-syntax-error;
 * every statement marked invalid yields one. The SQL goes through the same Python-string
 * decoding as real migrations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
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
  const rows = fs.readFileSync(corpus, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { sql: string; valid: boolean; source: string });
  const wrong: string[] = [];
  let valid = 0;
  let invalid = 0;
  for (const row of rows) {
    const lit = pythonLiteral(row.sql);
    const source = `op.execute(${lit})`;
    const start = 'op.execute('.length;
    const decoded = decodePythonString(source, [{ start, end: start + lit.length, prefix: '', quoteLen: 3 }]);
    assert.equal(decoded.value, row.sql.replace(/\r\n?/g, '\n'));
    const syntax = checkSql(decoded.value, { insideAutocommitBlock: true, tablesCreated: new Set() }).some((f) => f.ruleId === 'sql-syntax-error' || f.ruleId === 'sqlite-syntax');
    if (row.valid) valid++; else invalid++;
    if (syntax === row.valid) wrong.push(`${row.valid ? 'rejected valid' : 'accepted invalid'} (${row.source}): ${row.sql.slice(0, 120)}`);
  }
  t.diagnostic(`${valid} valid and ${invalid} invalid statements`);
  assert.deepEqual(wrong, []);
});
