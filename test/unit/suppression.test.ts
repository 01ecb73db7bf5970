/**
 * The suppression quick fix's edit: on the problem's line when that line ends in code, on the
 * statement's first line (or alone above it) when the problem sits inside a multi-line string —
 * never inside the string — and the problem is gone once the edit is applied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMigration } from '../../server/src/alembic/migrationParser';
import { lintMigration, prepareLinter } from '../../server/src/alembic/lint';
import { LineIndex } from '../../server/src/text/sourceText';
import { suppressLineEdit, SUPPRESSION_PATTERN } from '../../server/src/alembic/suppression';
import type { Problem } from '../../server/src/alembic/types';

function wrap(body: string): string {
  return `revision = 'r1'\ndown_revision = None\nfrom alembic import op\nimport sqlalchemy as sa\n\n\ndef upgrade():\n${body}\n\n\ndef downgrade():\n    pass\n`;
}

async function problems(source: string, ruleId: string): Promise<Problem[]> {
  await prepareLinter();
  return lintMigration(await parseMigration(source), '/p/versions/x.py').filter((p) => p.ruleId === ruleId);
}

/** Applies the quick fix's edit for the first `ruleId` problem and returns the new source. */
async function suppressFirst(source: string, ruleId: string): Promise<string> {
  const [p] = await problems(source, ruleId);
  assert.ok(p, `${ruleId} is reported before`);
  const e = suppressLineEdit(await parseMigration(source), ruleId, p.range.start.line, p.anchorLine);
  const li = new LineIndex(source);
  return source.slice(0, li.offsetAt(e.range.start)) + e.newText + source.slice(li.offsetAt(e.range.end));
}

test('SQL in a triple-quoted string: the comment goes on the statement line or above it, never into the SQL', async () => {
  const cases = [
    wrap('    op.execute("""\n        UPDATE accounts SET active = true\n    """)'),
    wrap('    op.execute(\n        """\n        DELETE FROM sessions\n        """\n    )'),
    wrap('    sql = """\n        UPDATE accounts\n        SET active = true\n    """\n    op.execute(sql)'),
  ];
  for (const src of cases) {
    const rule = src.includes('DELETE') ? 'delete-without-where' : 'update-without-where';
    const fixed = await suppressFirst(src, rule);
    const sql = /"""[\s\S]*?"""/.exec(src)![0];
    assert.ok(fixed.includes(sql), `the SQL string is untouched:\n${fixed}`);
    const at = fixed.indexOf(sql);
    const comment = fixed.indexOf('alembic: ignore');
    assert.ok(comment < at || comment > at + sql.length, `no comment inside the string:\n${fixed}`);
    assert.deepEqual(await problems(fixed, rule), [], `suppressed:\n${fixed}`);
    assert.deepEqual(await problems(fixed, 'unused-suppression'), [], `and the suppression is used:\n${fixed}`);
  }
});

test('a problem on a line that ends in code gets the comment at the end of that line, merged with an existing one', async () => {
  const src = wrap('    op.execute("UPDATE accounts SET a = 1")  # alembic: ignore[sql-string-interpolation]');
  const fixed = await suppressFirst(src, 'update-without-where');
  assert.match(fixed, /op\.execute\("UPDATE accounts SET a = 1"\) {2}# alembic: ignore\[sql-string-interpolation, update-without-where\]/);
});

test('one pattern reads every spelling the docs allow', () => {
  for (const c of ['# alembic: ignore[x]', '#alembic:ignore[x]', '# alembic : ignore[x]', '# ALEMBIC: IGNORE[x]', '# alembic: ignore-file[x]'])
    assert.ok(SUPPRESSION_PATTERN.test(c), c);
});
