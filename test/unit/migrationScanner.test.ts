import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanMigration } from '../../server/src/alembic/migrationScanner';
import { parseMigration } from '../../server/src/alembic/migrationParser';
import type { DeclValue, MigrationDeclarations } from '../../server/src/alembic/types';
import { migrationFromText } from '../../server/src/alembic/migrationFile';
import { textAt } from '../support/sourceText';
import { fileProblems } from '../../server/src/alembic/graphProblems';
import { lintMigration, prepareLinter } from '../../server/src/alembic/lint';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchRevisions, migrationSource } from '../support/generateProject';
import { STANDARD, SHAPES, corpusFiles } from '../support/migrationCorpus';

function ids(v: DeclValue | undefined): string[] | 'none' | 'dynamic' | undefined {
  if (!v) return undefined;
  if (v.kind === 'none') return 'none';
  if (v.kind === 'dynamic') return 'dynamic';
  return v.items.map((i) => i.value);
}

for (const shape of SHAPES) {
  test(`scanner reads: ${shape.name}`, () => {
    const d = scanMigration(shape.source);
    for (const [k, v] of Object.entries(shape.expect)) {
      if (k === 'message') assert.equal(d.message, v);
      else if (k === 'syntaxError') assert.equal(d.syntaxError && textAt(shape.source, d.syntaxError.range), v);
      else assert.deepEqual(ids((d as unknown as Record<string, { value: DeclValue } | undefined>)[k]?.value), v, k);
    }
  });
}

/** Declarations minus position-free noise, for comparing scanner and parser. */
function comparable(d: MigrationDeclarations): unknown {
  return JSON.parse(JSON.stringify(d));
}

test('the tree-sitter parse and the fast scanner agree on every shape', async () => {
  for (const shape of SHAPES) {
    if (shape.name === 'syntax error later in the file') continue; // tree-sitter recovers differently around the error
    const full = await parseMigration(shape.source);
    assert.deepEqual(comparable(full.decls), comparable(scanMigration(shape.source)), shape.name);
  }
});

test("a declaration string that never closes makes the file unparsable-migration, with Python's reason", () => {
  const source = `revision = 'abc'\ndown_revision = 'x\n`;
  const problems = fileProblems(migrationFromText('/v/x.py', '/v', source));
  assert.deepEqual(
    problems.map((p) => p.ruleId),
    ['unparsable-migration'],
  );
  assert.match(problems[0].message, /`down_revision` opens a string that never closes \(Python: "unterminated string literal"\)/);
  assert.equal(textAt(source, problems[0].range), "'x");
});

test('ranges name the exact source text of each value', () => {
  const d = scanMigration(STANDARD);
  assert.equal(textAt(STANDARD, d.revision!.nameRange), 'revision');
  const down = d.downRevision!.value;
  assert.equal(down.kind, 'strings');
  if (down.kind !== 'strings') return;
  assert.equal(textAt(STANDARD, down.items[0].range), "'3f4a1b2c9d0e'");
  assert.equal(textAt(STANDARD, down.items[0].contentRange!), '3f4a1b2c9d0e');
  assert.equal(textAt(STANDARD, d.header.revises!.range), '3f4a1b2c9d0e');
  assert.equal(textAt(STANDARD, d.header.revisionId!.ids[0].range), '1975ea83b712');
  assert.equal(d.header.createDate!.raw, '2024-03-01 10:22:33.123456');
});

test('header Revises printed as a tuple gives both ids; an empty Revises gives none', () => {
  const merged = scanMigration(`"""m\n\nRevision ID: m1\nRevises: ('a1', 'b2')\n"""\n`);
  assert.deepEqual(
    merged.header.revises!.ids.map((i) => i.value),
    ['a1', 'b2'],
  );
  const first = scanMigration(`"""m\n\nRevision ID: m1\nRevises: \nCreate Date: x\n"""\n`);
  assert.deepEqual(first.header.revises!.ids, []);
  assert.equal(first.header.revises!.raw, '');
});

test('a BOM does not shift columns: ranges are those of the text without it', () => {
  const src = `\ufeffrevision = 'c1'\n`;
  const d = scanMigration(src);
  assert.deepEqual(d.revision!.nameRange.start, { line: 0, character: 0 });
  assert.equal(textAt(src, d.revision!.nameRange), 'revision');
});

test('binary junk and unterminated strings end in bounded time with a result', () => {
  let junk = '';
  for (let i = 0; i < 200_000; i++) junk += String.fromCharCode((i * 7919) % 256);
  const t0 = Date.now();
  scanMigration(junk);
  scanMigration(`revision = 'abc\n"""never closed\n` + 'x'.repeat(100_000));
  scanMigration('('.repeat(100_000));
  assert.ok(Date.now() - t0 < 2000);
});

test('a 5 MB file is scanned in bounded time', () => {
  const body = `    op.execute("UPDATE t SET a = 1 WHERE id = 2")\n`.repeat(110_000);
  const src = `revision = 'big'\ndown_revision = None\ndef upgrade():\n${body}`;
  assert.ok(src.length > 5_000_000);
  const t0 = Date.now();
  const d = scanMigration(src);
  assert.deepEqual(ids(d.revision?.value), ['big']);
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
});

test('module names that are Object properties (constructor, toString) are not declarations', async () => {
  const source = `"""m\n"""\nconstructor = 'x'\ntoString = 'y'\n__proto__ = 'z'\nrevision = 'abc'\ndown_revision = None\n`;
  const scanned = scanMigration(source);
  const full = await parseMigration(source);
  assert.deepEqual(Object.keys(scanned).sort(), ['docstringRange', 'downRevision', 'header', 'message', 'revision']);
  assert.deepEqual(comparable(full.decls), comparable(scanned));
  assert.deepEqual(ids(scanned.revision?.value), ['abc']);
});

test('the fast path equals a full walk on every corpus migration, and on variants that declare later', () => {
  const files = corpusFiles();
  assert.ok(files.filter((f) => f.includes(`${path.sep}versions${path.sep}`)).length >= 20, `corpus: ${files.length} files`);
  const sources = new Map<string, string>();
  for (const f of files) sources.set(f, fs.readFileSync(f, 'utf8'));
  for (const [i, r] of benchRevisions(120, { mergeEvery: 10, finalHeads: 2, realistic: true }).entries()) sources.set(`generated ${i}`, migrationSource(r));
  for (const shape of SHAPES) sources.set(`shape: ${shape.name}`, shape.source);
  let later = 0;
  for (const [name, source] of [...sources]) {
    // The same file declaring again at its end, in a string at column 0, and after a CR-only line end.
    sources.set(`${name} + a later revision`, `${source}\nrevision = 'later'\n`);
    sources.set(`${name} + a column-0 string`, `${source}\nX = '''\ndown_revision = 'fake'\n'''\n`);
    sources.set(`${name} + CR`, `${source}\rdepends_on = 'cr'\r`);
  }
  for (const [name, source] of sources) {
    const fast = scanMigration(source);
    assert.deepEqual(comparable(fast), comparable(scanMigration(source, { full: true })), name);
    // Real migrations (not the deliberately broken shapes) then declare the later revision.
    if (name.endsWith('+ a later revision') && !name.startsWith('shape: ') && !fast.syntaxError) {
      assert.deepEqual(ids(fast.revision?.value), ['later'], name);
      later++;
    }
  }
  assert.ok(later > 100, `${later} files read their later revision`);
});

test('a \\u, \\x or \\U escape without its digits or past Unicode is kept as written, never a crash', async () => {
  // Python refuses these literals (`C:\users` in a docstring is a truncated \uXXXX escape); the
  // scanner, the full parse and the lint read on instead of throwing "Invalid code point NaN".
  const text = `"""fix paths in C:\\users\\x and \\UFFFFFFFF\n\nRevision ID: a1\n"""\nrevision = 'a1'\ndown_revision = None\n\ndef upgrade():\n    op.execute("UPDATE t SET p = 'C:\\users\\UFFFFFFFF'")\n`;
  const decls = scanMigration(text);
  assert.equal(decls.message, 'fix paths in C:\\users\\x and \\UFFFFFFFF');
  const parsed = await parseMigration(text);
  assert.equal(parsed.decls.revision?.value.kind, 'strings');
  await prepareLinter();
  assert.ok(Array.isArray(lintMigration(parsed, '/p/versions/a1.py')));
});
