/**
 * Migration sources the scanner tests share: the shapes real projects use (FACTS.md), each
 * with what the scanner must read, and every Python file of the repository's test corpora.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const STANDARD = `"""add users table

Revision ID: 1975ea83b712
Revises: 3f4a1b2c9d0e
Create Date: 2024-03-01 10:22:33.123456

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '1975ea83b712'
down_revision: Union[str, Sequence[str], None] = '3f4a1b2c9d0e'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table('users')
`;

/** Shapes real projects use (FACTS.md), each with what the scanner must read. */
export const SHAPES: Array<{ name: string; source: string; expect: Record<string, unknown> }> = [
  {
    name: 'standard template with annotations',
    source: STANDARD,
    expect: { revision: ['1975ea83b712'], downRevision: ['3f4a1b2c9d0e'], branchLabels: 'none', dependsOn: 'none', message: 'add users table' },
  },
  {
    name: 'declarations before the imports, no docstring',
    source: `revision = "a1"\ndown_revision = None\nimport sqlalchemy\n`,
    expect: { revision: ['a1'], downRevision: 'none', message: '' },
  },
  {
    name: 'merge of three parents across lines with comments',
    source: `"""merge"""\nrevision = 'm1'\ndown_revision = (\n    'a1',  # left\n    'b2',\n    'c3',\n)\n`,
    expect: { revision: ['m1'], downRevision: ['a1', 'b2', 'c3'], message: 'merge' },
  },
  { name: 'list down_revision', source: `revision = 'm1'\ndown_revision = ['a1', "b2"]\n`, expect: { downRevision: ['a1', 'b2'] } },
  { name: 'bare tuple', source: `revision = 'm1'\ndown_revision = 'a1', 'b2'\n`, expect: { downRevision: ['a1', 'b2'] } },
  {
    name: 'branch_labels as a string, tuple and ()',
    source: `revision = 'a'\nbranch_labels = 'feature'\ndepends_on = ()\n`,
    expect: { branchLabels: ['feature'], dependsOn: [] },
  },
  { name: 'branch_labels as an expression is dynamic', source: `revision = 'a'\nbranch_labels = (cli.EXPAND_BRANCH,)\n`, expect: { branchLabels: 'dynamic' } },
  { name: 'computed depends_on is dynamic', source: `revision = 'a'\ndepends_on = get_deps() + ['x']\n`, expect: { dependsOn: 'dynamic' } },
  { name: 'revision from a name is dynamic', source: `REV = 'abc'\nrevision = REV\n`, expect: { revision: 'dynamic' } },
  {
    name: 'license comment before the docstring',
    source: `# Copyright 2020 Example\n# SPDX-License-Identifier: Apache-2.0\n"""Add index\n\nmore text\n"""\nrevision = 'x1'\n`,
    expect: { revision: ['x1'], message: 'Add index' },
  },
  {
    name: 'multi-line first paragraph is the whole message',
    source: `"""Add a\nlong message\n\nRevision ID: x1\n"""\nrevision = 'x1'\n`,
    expect: { message: 'Add a\nlong message' },
  },
  {
    name: 'a revision = inside a function or string does not count',
    source: `revision = 'real'\nX = """\nrevision = 'fake'\n"""\ndef upgrade():\n    revision = 'local'\n`,
    expect: { revision: ['real'] },
  },
  { name: 'the last module-level assignment wins', source: `revision = 'one'\nrevision = 'two'\n`, expect: { revision: ['two'] } },
  {
    name: 'non-standard signature and module constants',
    source: `revision = 'r1'\ndown_revision = 'r0'\nTABLE = 'users'\ndef upgrade(op, tables, tester):\n    pass\n`,
    expect: { revision: ['r1'], downRevision: ['r0'] },
  },
  { name: 'parenthesised single string', source: `revision = ('r1')\n`, expect: { revision: ['r1'] } },
  { name: 'implicit concatenation', source: `revision = ('ab'\n    'cd')\n`, expect: { revision: ['abcd'] } },
  { name: 'f-string is dynamic', source: `revision = f'{x}'\n`, expect: { revision: 'dynamic' } },
  {
    name: 'CRLF and BOM',
    source: `\ufeff"""Ünïcödé message ✓\r\n\r\nRevision ID: c1\r\n"""\r\nrevision = 'c1'\r\ndown_revision = None\r\n`,
    expect: { revision: ['c1'], downRevision: 'none', message: 'Ünïcödé message ✓' },
  },
  { name: 'empty file', source: '', expect: { revision: undefined, message: '' } },
  {
    name: 'syntax error later in the file',
    source: `revision = 'ok1'\ndown_revision = None\ndef upgrade(:\n    op.execute("x"\n`,
    expect: { revision: ['ok1'], downRevision: 'none' },
  },
  { name: 'semicolon-separated declarations', source: `revision = 'a'; x = 1\n`, expect: { revision: ['a'] } },
  // A string that never closes stops Python's tokenizer: no id (least of all a truncated one).
  {
    name: 'revision string never closes',
    source: `revision = "abc\ndown_revision = None\n`,
    expect: { revision: undefined, downRevision: undefined, syntaxError: '"abc' },
  },
  {
    name: 'down_revision string never closes after a docstring',
    source: `"""m"""\nrevision = 'abc'\ndown_revision = 'x\n`,
    expect: { revision: undefined, downRevision: undefined, message: '', syntaxError: "'x" },
  },
  {
    name: 'triple-quoted down_revision never closes',
    source: `revision = 'abc'\ndown_revision = '''x\ndef upgrade():\n    pass\n`,
    expect: { revision: undefined, syntaxError: "'''x" },
  },
  { name: 'a tuple item never closes', source: `revision = 'abc'\ndown_revision = ('a',\n    'b\n)\n`, expect: { revision: undefined, syntaxError: "'b" } },
  { name: 'docstring never closes', source: `"""never closed\nrevision = 'x'\n`, expect: { revision: undefined, message: '', syntaxError: '"""never closed' } },
  {
    name: 'revision string never closes at the end of the file (CRLF before it)',
    source: `down_revision = None\r\nrevision = "abc`,
    expect: { revision: undefined, downRevision: undefined, syntaxError: '"abc' },
  },
  {
    name: 'backslash-newline continues a quoted string (near miss)',
    source: `revision = 'ab\\\r\ncd'\r\ndown_revision = "x\\\ny"\n`,
    expect: { revision: ['abcd'], downRevision: ['xy'], syntaxError: undefined },
  },
  // The fast path stops at the last line that could start a declaration: later ones must still count.
  {
    name: 'declarations after the functions',
    source: `"""late"""\ndef upgrade():\n    pass\n\n\nrevision = 'late'\ndown_revision = 'base'\n`,
    expect: { revision: ['late'], downRevision: ['base'], message: 'late' },
  },
  {
    name: 'declared twice, the second after the functions wins',
    source: `revision = 'one'\ndown_revision = None\nbranch_labels = None\ndepends_on = None\ndef upgrade():\n    op.execute("x")\n\nrevision = 'two'\n`,
    expect: { revision: ['two'], downRevision: 'none', branchLabels: 'none', dependsOn: 'none' },
  },
  {
    name: 'a declaration at column 0 inside a body string after the real ones does not count',
    source: `revision = 'real'\ndown_revision = None\ndef upgrade():\n    op.execute("""\nrevision = 'fake'\ndown_revision = 'fake'\n""")\n`,
    expect: { revision: ['real'], downRevision: 'none' },
  },
  {
    name: 'a redeclaration after a multi-line bracket and a multi-line value',
    source: `revision = 'a'\nX = (\n    1,\n)\ndown_revision = ('p',\n    'q')\ndef upgrade():\n    pass\nrevision = 'b'\n`,
    expect: { revision: ['b'], downRevision: ['p', 'q'] },
  },
  {
    name: 'a declaration string that never closes after the functions',
    source: `revision = 'abc'\ndef upgrade():\n    pass\ndown_revision = 'x\n`,
    expect: { revision: undefined, downRevision: undefined, syntaxError: "'x" },
  },
  {
    name: 'a name that only starts like a declaration is none',
    source: `revision = 'a'\ndef upgrade():\n    pass\nrevision_id = 'b'\ndown_revisions = 'c'\n`,
    expect: { revision: ['a'], downRevision: undefined },
  },
];

/** Every Python file of the repository's test corpora: the sample projects and the test folders. */
export function corpusFiles(): string[] {
  const root = path.resolve(__dirname, '..', '..', '..');
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== '__pycache__' && e.name !== 'node_modules') walk(p);
      else if (e.isFile() && e.name.endsWith('.py')) out.push(p);
    }
  };
  walk(path.join(root, 'migrations-sample'));
  walk(path.join(root, 'test'));
  return out;
}
