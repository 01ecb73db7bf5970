/**
 * The index's fast path (quickScan.ts) against the full scanner: on every migration of the test
 * corpora, on the generated bench migrations, on the scanner's shapes and on thousands of
 * random edits of them, quickFacts either declines or gives exactly what the full declarations
 * give — ids, graph key, message, create date, the revision's range, whether the file has
 * per-file problems — and its head scans to the same declarations as the whole text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { quickCreateDate, quickFacts, quickKey, quickLongMessage, quickMessage, quickRevisionRange, type QuickFacts } from '../../server/src/alembic/quickScan';
import { scanMigration } from '../../server/src/alembic/migrationScanner';
import { migrationFromBytes } from '../../server/src/alembic/migrationFile';
import { graphKey, fileRevisionId } from '../../server/src/alembic/revisionGraph';
import { fileProblems } from '../../server/src/alembic/graphProblems';
import { declaredRevision } from '../../server/src/alembic/revisionRefs';
import type { DeclValue, MigrationFile } from '../../server/src/alembic/types';
import { benchRevisions, migrationSource } from '../support/generateProject';
import { SHAPES, STANDARD, corpusFiles } from '../support/migrationCorpus';

const values = (v: DeclValue | undefined): string[] => (v?.kind === 'strings' ? v.items.map((i) => i.value) : []);

/** Fails unless the fast facts equal what the full declarations of `text` give. */
function agree(text: string, q: QuickFacts, name: string): void {
  const decls = scanMigration(text);
  const full: MigrationFile = { file: '/p/versions/x.py', versionLocation: '/p/versions', decls };
  assert.deepEqual(JSON.parse(JSON.stringify(scanMigration(q.head))), JSON.parse(JSON.stringify(decls)), `${name}: the head scans as the whole`);
  assert.equal(q.id, fileRevisionId(full), name);
  assert.deepEqual([...q.down], values(decls.downRevision?.value), name);
  assert.deepEqual([...q.deps], values(decls.dependsOn?.value), name);
  assert.deepEqual([...q.labels], values(decls.branchLabels?.value), name);
  assert.equal(quickKey(q), graphKey(full), name);
  assert.equal(quickMessage(q), decls.message, name);
  assert.equal(quickLongMessage(q), decls.longMessage ?? decls.message, name);
  assert.equal(quickCreateDate(q), decls.header.createDate?.raw, name);
  assert.deepEqual(quickRevisionRange(q), declaredRevision(decls)?.range, name);
  assert.equal(q.clean, fileProblems(full).length === 0, `${name}: clean`);
}

/**
 * Files are read as bytes (migrationFromBytes finds the head in the bytes, decodes only it):
 * the facts from a file's UTF-8 bytes are those of its text.
 */
function sameFromBytes(text: string, name: string): void {
  const m = migrationFromBytes('/p/versions/x.py', '/p/versions', Buffer.from(text, 'utf8'));
  // Python drops a UTF-8 BOM before reading the text.
  const fromText = quickFacts(text.replace(/^\uFEFF/, ''));
  assert.deepEqual(m.quick ?? null, fromText ?? null, `${name}: the fast facts of the bytes are those of the text`);
}

function sources(): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of corpusFiles()) out.set(path.relative(process.cwd(), f), fs.readFileSync(f, 'utf8'));
  for (const [i, r] of benchRevisions(200, { mergeEvery: 10, finalHeads: 2, realistic: true }).entries()) out.set(`generated ${i}`, migrationSource(r));
  for (const shape of SHAPES) out.set(`shape: ${shape.name}`, shape.source);
  // Shapes of real projects' files: a licence header first (OpenStack), the docstring after the
  // imports (then it is no docstring: Alembic's message is empty), no docstring at all, and
  // `str | tuple[str, ...] | None` annotations (seen in mealie and polar), CRLF line ends (a
  // Windows checkout).
  for (const [i, r] of benchRevisions(40, { mergeEvery: 7, finalHeads: 1, realistic: true }).entries()) {
    const text = migrationSource(r);
    out.set(`generated ${i} + licence`, `# Copyright 2020 Someone\n#\n#    Licensed under the Apache License.\n\n${text}`);
    const doc = /^"""[\s\S]*?"""\n/.exec(text)![0];
    out.set(`generated ${i} + late docstring`, text.replace(doc, '').replace(/^(import .*\n)/m, `$1\n\n${doc}`));
    out.set(`generated ${i} + no docstring`, text.replace(doc, ''));
    out.set(`generated ${i} + CRLF`, text.replace(/\n/g, '\r\n'));
    out.set(
      `generated ${i} + PEP 604 annotations`,
      text
        .replace(/^branch_labels = /m, 'branch_labels: str | tuple[str, ...] | None = ')
        .replace(/^depends_on = /m, 'depends_on: str | Sequence[str] | None = '),
    );
  }
  return out;
}

test('on every corpus migration the fast path declines or agrees with the full scan; it takes the usual shapes', () => {
  let taken = 0;
  let migrations = 0;
  let generated = 0;
  for (const [name, text] of sources()) {
    sameFromBytes(text, name);
    const q = quickFacts(text);
    const isMigration = name.startsWith('generated') || name.includes(`${path.sep}versions${path.sep}`);
    if (isMigration) migrations++;
    if (!q) continue;
    agree(text, q, name);
    if (isMigration) taken++;
    if (name.startsWith('generated')) generated++;
  }
  // Not a fast path in name only: the template shapes (merges on one line included) go through it.
  assert.equal(generated, 400, 'every generated bench migration, and its licensed, late-docstring, docstring-less, CRLF and PEP 604 variants');
  assert.ok(taken >= migrations * 0.8, `${taken} of ${migrations} migrations took the fast path`);
  assert.ok(quickFacts(STANDARD), 'the annotated template of Alembic ≥ 1.13');
});

test('shapes the fast path must leave to the scanner', () => {
  const base = STANDARD;
  const declines: Array<[string, string]> = [
    ['an escape in the docstring', base.replace('add users table', 'add \\"users\\" table')],
    ['a carriage return alone after the declarations', `${base}\rrevision = 'cr'\r`],
    ['a single-quoted docstring', base.replace(/^"""/, "'''").replace(/"""\n/, "'''\n")],
    ['a multi-line down_revision', base.replace(/^down_revision.*$/m, "down_revision = (\n    '3f4a1b2c9d0e',\n    'aaa',\n)")],
    ['a computed value', base.replace(/^depends_on.*$/m, 'depends_on = (cli.EXPAND,)')],
    ['implicit concatenation', base.replace(/^revision.*$/m, "revision = '1975' 'ea83b712'")],
    ['a u-prefixed literal', base.replace(/^revision.*$/m, "revision = u'1975ea83b712'")],
    ['a comparison, not an assignment', base.replace(/^branch_labels.*$/m, 'branch_labels == None')],
    ['a declaration after the functions', `${base}\nrevision = 'later'\n`],
    ['a column-0 string spanning lines before a declaration', base.replace('from alembic import op', "X = '''\ndown_revision = 'fake'\n'''")],
    ['revision = None', base.replace(/^revision.*$/m, 'revision = None')],
    ['a semicolon after the value', base.replace(/^revision.*$/m, "revision = '1975ea83b712'; x = 1")],
  ];
  for (const [name, text] of declines) {
    assert.notEqual(text, base, `${name}: the variant differs from the template`);
    const q = quickFacts(text);
    if (q) agree(text, q, name);
    assert.equal(q, undefined, name);
  }
});

test('a header that disagrees with the code, or an id Alembic reserves, is not clean', () => {
  const mismatch = STANDARD.replace('Revises: 3f4a1b2c9d0e', 'Revises: 000000000000');
  const q = quickFacts(mismatch)!;
  assert.equal(q.clean, false);
  agree(mismatch, q, 'Revises mismatch');
  const bad = STANDARD.replace(/1975ea83b712/g, 'ab-12');
  assert.equal(quickFacts(bad)!.clean, false);
  agree(bad, quickFacts(bad)!, 'a - in the id');
});

test('header fields in any case, with blanks, CR and U+2028 around their values, read as the scanner reads them', () => {
  const variants: Array<[string, string]> = [
    ['lower-case keys, blanks before the colon', STANDARD.replace('Revision ID: ', 'revision id \t:  ').replace('Create Date: ', 'CREATE DATE:\t')],
    ['blanks after the values', STANDARD.replace('1975ea83b712\n', '1975ea83b712 \t\n').replace('.123456\n', '.123456 \t\n')],
    ['CRLF in the docstring', STANDARD.replace(/\n/g, '\r\n')],
    ['U+2028 ends a value', STANDARD.replace('Revises: 3f4a1b2c9d0e', 'Revises: 3f4a1b2c9d0e\u2028Create Date: early')],
    ['empty values', STANDARD.replace('Revises: 3f4a1b2c9d0e', 'Revises:').replace('2024-03-01 10:22:33.123456', '')],
    ['a second Create Date', STANDARD.replace('Create Date: 2024', 'Create Date: first\nCreate Date: 2024')],
    ['non-ASCII blanks around the message', STANDARD.replace('"""add users table', '"""\u00a0add users table\u3000')],
    ['a one-line docstring with blanks', STANDARD.replace(/^"""add users table[\s\S]*?"""$/m, '"""  add users table \t"""')],
    // Header ids compared in place (one token) or read as the scanner reads them (anything else).
    ['a shorter Revision ID', STANDARD.replace('Revision ID: 1975ea83b712', 'Revision ID: 1975ea83b71')],
    ['a longer Revision ID', STANDARD.replace('Revision ID: 1975ea83b712', 'Revision ID: 1975ea83b712x')],
    ['a quoted Revision ID', STANDARD.replace('Revision ID: 1975ea83b712', "Revision ID: '1975ea83b712'")],
    ['two Revises tokens', STANDARD.replace('Revises: 3f4a1b2c9d0e', 'Revises: 3f4a1b2c9d0e x')],
    [
      'Revises <base>, code None',
      STANDARD.replace('Revises: 3f4a1b2c9d0e', 'Revises: <base>').replace(/^down_revision(.*)= '3f4a1b2c9d0e'$/m, 'down_revision$1= None'),
    ],
    ['Revises None, code a string', STANDARD.replace('Revises: 3f4a1b2c9d0e', 'Revises: None')],
    ['Revises a prefix of the parent', STANDARD.replace('Revises: 3f4a1b2c9d0e', 'Revises: 3f4a1b2c9d0')],
  ];
  for (const [name, text] of variants) {
    const q = quickFacts(text);
    assert.ok(q, `${name}: the fast path takes it`);
    agree(text, q, name);
  }
  const clean = (name: string): boolean => quickFacts(variants.find(([n]) => n === name)![1])!.clean;
  assert.deepEqual(
    [
      'a shorter Revision ID',
      'a longer Revision ID',
      'a quoted Revision ID',
      'two Revises tokens',
      'Revises <base>, code None',
      'Revises None, code a string',
    ].map(clean),
    [false, false, true, false, true, false],
  );
  assert.equal(quickCreateDate(quickFacts(variants[3][1])!), 'early');
  assert.equal(quickCreateDate(quickFacts(variants[1][1])!), '2024-03-01 10:22:33.123456');
});

/** A random edit: insert, delete or replace a short piece drawn from Python's and Alembic's syntax, near the declarations. */
const PIECES = [
  "'",
  '"',
  '"""',
  "'''",
  '\\',
  '(',
  ')',
  '[',
  ']',
  ',',
  '#',
  '\n',
  '\r',
  ' ',
  '\t',
  '=',
  ':',
  ';',
  'None',
  'u',
  "'x'",
  'revision',
  'down_revision = ',
  '\nrevision = "z"\n',
  'Revises: ',
  'Revision ID: q',
  '\n\n',
  'é',
  '-',
  // The docstring's header: keys in any case, blanks and line terminators around values.
  'revision id:',
  'CREATE DATE: ',
  ' \t',
  '\u2028',
  '\r\n',
  // Blanks that trim() removes and that are not ASCII, at a docstring's edges.
  '\u00a0',
  '\u3000\n',
];

test('random edits of real migrations: the fast path declines or agrees', () => {
  const texts = [...sources()].filter(([n]) => n.startsWith('generated') || n.includes(`${path.sep}versions${path.sep}`)).map(([, t]) => t);
  let checked = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...texts),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 6 }), fc.constantFrom(...PIECES, '')), { minLength: 1, maxLength: 3 }),
      (text, edits) => {
        let t = text;
        for (const [at, del, piece] of edits) {
          // Mostly within the head, where the declarations are.
          const near = Math.min(t.length, 900);
          const p = at % (near + 1);
          t = t.slice(0, p) + piece + t.slice(p + del);
        }
        sameFromBytes(t, JSON.stringify(t.slice(0, 400)));
        const q = quickFacts(t);
        if (q) {
          agree(t, q, JSON.stringify(t.slice(0, 400)));
          checked++;
        }
      },
    ),
    { numRuns: Number(process.env.QUICKSCAN_RUNS ?? 3000) },
  );
  assert.ok(checked > 300, `${checked} edited files took the fast path`);
});
