/**
 * The pure-JavaScript parse (pyTree.ts) against tree-sitter-python: on every Python file of
 * the test corpora, the generated bench migrations, the shapes below and thousands of random
 * edits of them, pyTree either declines or builds node for node tree-sitter's tree (types,
 * ranges, positions, fields, where each comment sits) — and the full parse extracted from it
 * equals the one extracted from tree-sitter's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fc from 'fast-check';
import { parsePyTree, type PyNode } from '../../server/src/alembic/pyTree';
import { loadPythonParser, type PythonParser, type SyntaxNode } from '../../server/src/alembic/pythonParser';
import { parseFast, parseWithTreeSitter, type ParsedMigration } from '../../server/src/alembic/migrationParser';
import { benchRevisions, migrationSource } from '../support/generateProject';
import { SHAPES, STANDARD, corpusFiles } from '../support/migrationCorpus';

/** Nodes whose insides pyTree does not model (nothing the extractor reads is in them). */
const OPAQUE = new Set(['type', 'parameters', 'string_content', 'type_conversion', 'format_specifier']);

function sameTree(fast: PyNode, ts: SyntaxNode, where: string): void {
  const at = `${where}/${ts.type}@${ts.startIndex}`;
  assert.equal(fast.type, ts.type, `${at}: type`);
  assert.deepEqual([fast.startIndex, fast.endIndex], [ts.startIndex, ts.endIndex], `${at}: range`);
  assert.deepEqual(fast.startPosition, { row: ts.startPosition.row, column: ts.startPosition.column }, `${at}: position`);
  if (OPAQUE.has(ts.type)) return;
  const mine = fast.namedChildren;
  const theirs = ts.namedChildren.filter((c): c is SyntaxNode => !!c);
  assert.deepEqual(
    mine.map((c) => c.type),
    theirs.map((c) => c.type),
    `${at}: children`,
  );
  mine.forEach((c, i) => {
    assert.equal(fast.fields[fast.children.indexOf(c)] ?? null, ts.fieldNameForNamedChild(i), `${at}: field of child ${i}`);
    sameTree(c, theirs[i], at);
  });
  for (const field of ['operator']) {
    const a = fast.childForFieldName(field);
    const b = ts.childForFieldName(field);
    if (a || b) assert.equal(a?.text, b?.text, `${at}: ${field}`);
  }
}

function plain(p: ParsedMigration): unknown {
  return JSON.parse(JSON.stringify({ ...p, lines: undefined }));
}

/** Fails unless pyTree declines `text` or agrees with tree-sitter on it; true when it took it. */
function agrees(py: PythonParser, text: string, name: string): boolean {
  const fast = parsePyTree(text);
  if (!fast) return false;
  const tree = py.parser.parse(text)!;
  try {
    assert.ok(!tree.rootNode.hasError, `${name}: pyTree took a file tree-sitter finds an error in`);
    for (let i = 0; i < tree.rootNode.namedChildCount; i++) sameTree(fast.root.namedChildren[i], tree.rootNode.namedChild(i)!, name);
    assert.equal(fast.root.namedChildCount, tree.rootNode.namedChildCount, `${name}: top-level statements`);
  } finally {
    tree.delete();
  }
  assert.deepEqual(plain(parseFast(text)!), plain(parseWithTreeSitter(py, text)), `${name}: extracted parse`);
  return true;
}

/** Constructs the extractor reads, each where comments and layout vary. */
const SNIPPETS: Array<[string, string]> = [
  ['standard template', STANDARD],
  [
    'comments everywhere',
    `"""doc"""  # after the docstring\n# top\nfrom alembic import op  # trailing\nimport sqlalchemy as sa, os.path\n\n\ndef upgrade() -> None:  # header\n    # lead\n    op.execute(  # in args\n        "a\\n" 'b'  # between\n        r"c{x}"\n    )\n    # middle\n    op.drop_table('t')\n    # end of function, indented\n# module level\n\n\ndef downgrade():\n    pass\n        # deeper than the block\n    # at the block\n  # between levels\n# after\n`,
  ],
  [
    'dialect tests and early exits',
    `from alembic import op, context\n\ndef upgrade():\n    bind = op.get_bind()\n    dialect = bind.dialect.name\n    if dialect != "postgresql":\n        return\n    is_pg = bind.dialect.name in ("postgresql", "postgres")\n    if not context.is_offline_mode() and is_pg or x is not None:\n        op.execute("SELECT 1")\n    elif dialect == 'sqlite':\n        pass\n    else:\n        raise NotImplementedError("no")\n    if bind.engine.name.startswith(("postgres", "pg")):\n        op.create_index("i", "t", ["c"], postgresql_concurrently=True)\n`,
  ],
  [
    'batch and autocommit blocks',
    `def upgrade():\n    with op.batch_alter_table("t", schema=None) as batch_op:\n        batch_op.add_column(sa.Column('x', sa.Integer(), nullable=False, server_default=sa.text('-1')))\n        batch_op.alter_column('y', existing_type=sa.VARCHAR(length=20), type_=sa.Text())\n    with op.get_context().autocommit_block():\n        op.execute("CREATE INDEX CONCURRENTLY i ON t (c)")\n    for table, column in TABLES:\n        op.drop_column(table, column)\n    for t in "a", "b":\n        op.drop_table(t)\n`,
  ],
  [
    'literals and operators',
    `x = 0x1F + 1.5e3 - 10_000 * 2 // 3 % 4 ** -1 | 5 & 6 ^ 7 << 1 >> 2 @ m\ny = {1: 2, 'a': [3, (4,), ()], **kw}, {1, 2}, {}, []\nz: int = a[0].b(c)(d)[e]\nw = not a == b < c <= d != e > f >= g in h not in i is j is not k\nv = -a.b + ~c, ..., 1j, 2.5j, .5, 1e-3\n`,
  ],
  [
    'strings of every kind',
    `a = "x\\ny" 'z' """t\nu""" r'\\d' b"\\x00" rb'q' u"w"\nb = f"{x} and {y.z!r:>10} {{not}} }}" F'{a[0]}' f"""{\nn\n}"""\nc = ''\nop.execute(f"UPDATE {table} SET c = {value!s}")\n`,
  ],
  [
    'assignments',
    `a = b = c = op.get_bind()\nx, y = 1, 2\nx, y = y, x,\nself.value = 3\nd['k'] = f()\ncounter += 1\nq = (\n    # leading\n    1,  # one\n    2\n    # trailing\n)\nr = [  # open\n    sa.Column('a'),\n    sa.Column('b'),  # b\n]\n`,
  ],
  ['imports', `import a\nimport a.b.c as d, e\nfrom x import (\n    y,  # why\n    z as w,\n)\nfrom sqlalchemy.dialects import postgresql\n`],
  [
    'a model declared in a data migration',
    `Base = declarative_base()\n\n\nclass User(Base, metaclass=M):  # header\n    # lead\n    __tablename__ = "users"\n    id = sa.Column(sa.Integer, primary_key=True)\n\n    def label(self):\n        return f"{self.id}"\n    # end\n\n\nclass Empty:\n    pass\n\n\ndef upgrade():\n    session = orm.Session(bind=op.get_bind())\n    for user in session.query(User):\n        user.name = user.name.strip()\n    session.commit()\n`,
  ],
  [
    'try blocks',
    `def upgrade():\n    try:\n        op.drop_index("i")  # may not exist\n    except Exception:\n        pass\n    try:\n        import psycopg2\n    except (ImportError, AttributeError) as e:\n        log.warning("no driver: %s", e)\n    except ValueError as exc:  # odd\n        raise RuntimeError("bad") from exc\n    except:\n        raise\n    else:\n        op.execute("SELECT 1")\n    finally:\n        conn.close()\n    try:\n        op.execute("VACUUM")\n    finally:\n        pass\n`,
  ],
  [
    'loops and future imports',
    `from __future__ import annotations, division as d\nfrom __future__ import generators\n\n\ndef upgrade() -> None:\n    while True:  # batches\n        rows = conn.execute(sa.text("SELECT id FROM t LIMIT 500")).fetchall()\n        if not rows:\n            break\n    removed = 1\n    while removed > 0 and not done:\n        removed = purge()\n        continue\n    kind = "pg" if dialect == "postgresql" else "other" if dialect else None\n    op.add_column("t", sa.Column("c", sa.Text() if big else sa.String(20), nullable=not strict if strict is not None else True))\n`,
  ],
  ['empty and odd', `\n\n# only comments\n\n`],
  ['no final newline', `revision = 'a'\ndef upgrade():\n    op.drop_table('t')  # done`],
  ['CRLF', STANDARD.replace(/\n/g, '\r\n')],
  ['BOM-less unicode', `# é\nop.execute("UPDATE t SET name = 'café' WHERE id = 1")  # ünïcode\nx = 'ü'\n`],
];

function sources(): Array<[string, string]> {
  const out: Array<[string, string]> = [...SNIPPETS];
  for (const file of corpusFiles()) out.push([file, fs.readFileSync(file, 'utf8')]);
  for (const s of SHAPES) out.push([`shape: ${s.name}`, s.source]);
  const revs = benchRevisions(60, { mergeEvery: 7, finalHeads: 2, realistic: true });
  revs.forEach((r, i) => out.push([`generated ${i}`, migrationSource(r)]));
  return out;
}

test('pyTree builds tree-sitter’s tree on every corpus file it takes, and takes most', async () => {
  const py = await loadPythonParser();
  let taken = 0;
  let total = 0;
  const declined: string[] = [];
  for (const [name, text] of sources()) {
    total++;
    if (agrees(py, text, name)) taken++;
    else declined.push(name);
  }
  // The shapes it must take: without them the fast path is no faster.
  for (const name of [
    'standard template',
    'literals and operators',
    'strings of every kind',
    'no final newline',
    'BOM-less unicode',
    'comments everywhere',
    'dialect tests and early exits',
    'batch and autocommit blocks',
    'assignments',
    'imports',
    'CRLF',
    'try blocks',
    'loops and future imports',
  ])
    assert.ok(!declined.includes(name), `${name} was declined`);
  assert.ok(!declined.some((n) => n.startsWith('generated')), `generated files declined: ${declined.filter((n) => n.startsWith('generated')).join(', ')}`);
  assert.ok(taken / total > 0.8, `took ${taken} of ${total}; declined: ${declined.join(', ')}`);
  if (process.env.PYTREE_DEBUG) console.log(`took ${taken} of ${total}; declined: ${declined.join(', ')}`);
});

test('pyTree declines what it does not model', () => {
  for (const text of [
    'class A[T]:\n    pass\n',
    'try:\n    f()\nexcept* E:\n    pass\n',
    'try:\n    f()\n# before except\nexcept E:\n    pass\n',
    'try:\n    f()\nexcept A, B:\n    pass\n',
    'while x:\n    f()\nelse:\n    g()\n',
    'from __future__ import (annotations)\n',
    'x = lambda: 1\n',
    'x = [a for a in b]\n',
    'x = a if b\n',
    // Found by the random edits: tree-sitter puts the `as` inside the else branch.
    'with o if c else p.f() as g:\n    pass\n',
    "revision = f'\\}'\n",
    "x = f'\\{a}'\n",
    "x = rf'\\{a}'\n",
    '@decorator\ndef f():\n    pass\n',
    'x = 1 + \\\n    2\n',
    'def f():\n\tpass\n',
    'def f(x=g()):\n    pass\n',
    'if x: f()\n',
    'x = (1\n',
    'x = "unterminated\n',
    'print "py2"\n',
    'x = f"{a=}"\n',
    'if a:\n    f()\n# before else\nelse:\n    g()\n',
    'x = 1\r\ny = 2\rz = 3\n',
    // Found by the random edits: tree-sitter refuses these where Python's grammar is looser or stricter.
    'branch_labels: Union[str, Sequence[], None] = None\n',
    'x: Union[str or None] = 1\n',
    'def f():\n    g(a.\nb)\n',
    'branch_labels = 0o7e\n',
    'x = 0777\n',
    'x = 1__0\n',
  ])
    assert.equal(parsePyTree(text), undefined, JSON.stringify(text));
});

/** Pieces of Python syntax a random edit inserts. */
const PIECES = [
  '#',
  '# c\n',
  '\n# c\n',
  '\n    # c\n',
  '\n  # c\n',
  '\n',
  '    ',
  '  ',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '=',
  '.',
  '"',
  "'",
  '"""',
  'f"{x}"',
  "f'{a.b!r}'",
  '\\',
  'not ',
  ' and ',
  ' or ',
  ' in ',
  ' is not ',
  '==',
  '+',
  '-',
  '**',
  'if x:\n    ',
  'else:\n    ',
  'elif y:\n    ',
  'return\n',
  'for a in b:\n    ',
  'with f() as g:\n    ',
  'try:\n    ',
  'except E as e:\n    ',
  'except (A, B):\n    ',
  'except:\n    ',
  'finally:\n    ',
  'raise X from e\n',
  'while x:\n    ',
  ' if c else ',
  ' else d',
  'from __future__ import annotations\n',
  'pass\n',
  'op.execute("SELECT 1")\n',
  'f(a, b=1, *c, **d)',
  'x = ',
  'a, b = ',
  'lambda: 0',
  'None',
  'True',
  '1.5',
  '0x1',
  'é',
  '\t',
  '\r\n',
];

test('random edits: pyTree declines or agrees with tree-sitter', async () => {
  const py = await loadPythonParser();
  const texts = sources().map(([, t]) => t);
  let taken = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...texts),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.constantFrom(...PIECES, '')), { minLength: 1, maxLength: 3 }),
      (text, edits) => {
        let t = text;
        for (const [at, del, piece] of edits) {
          const p = at % (t.length + 1);
          t = t.slice(0, p) + piece + t.slice(p + del);
        }
        try {
          if (agrees(py, t, 'edited')) taken++;
        } catch (e) {
          throw new Error(`${(e as Error).message}\nedited text: ${JSON.stringify(t)}`);
        }
      },
    ),
    { numRuns: 4000 },
  );
  assert.ok(taken > 600, `${taken} edited files were taken`);
});
