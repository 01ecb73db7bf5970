import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodePythonSource, readMigrationFile } from '../../server/src/alembic/migrationFile';
import { fileProblems } from '../../server/src/alembic/graphProblems';
import { tempDir } from '../support/tempDir';
import { readListedFile } from '../../server/src/shared/regularFile';

/** A migration's bytes: `head` lines first, a docstring holding `word`, encoded by `encode`. */
function migration(head: string[], word: string, encode: (s: string) => Buffer): Buffer {
  const text = [...head, `"""Add ${word}\n\nRevision ID: e1\n"""`, "revision = 'e1'", 'down_revision = None', ''].join('\n');
  return encode(text);
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
/** windows-1252 for the characters these tests use (€ is 0x80 there, absent from latin-1). */
const cp1252 = (s: string): Buffer => Buffer.from([...s].map((c) => (c === '€' ? 0x80 : c.charCodeAt(0))));

function read(bytes: Buffer): ReturnType<typeof readMigrationFile> {
  const dir = tempDir('alembic-decode-');
  const file = path.join(dir, 'e1_x.py');
  fs.writeFileSync(file, bytes);
  return readMigrationFile(file, dir);
}

test('latin-1 bytes without a coding declaration: unparsable-migration, Python cannot import it', () => {
  const m = read(migration([], 'café', latin1));
  const problems = fileProblems(m);
  assert.deepEqual(
    problems.map((p) => p.ruleId),
    ['unparsable-migration'],
  );
  assert.match(problems[0].message, /not valid UTF-8 \(byte 0xE9 on line 1\) and declares no other encoding .*Python \(and so Alembic\) cannot import it/);
  assert.equal(m.decls.revision, undefined, 'no declarations from a file Python refuses');
});

test('a PEP 263 declaration on line 1 or 2 decodes the file as Python does, with no problem', () => {
  const cases: Array<{ head: string[]; word: string; encode: (s: string) => Buffer }> = [
    { head: ['# -*- coding: latin-1 -*-'], word: 'café', encode: latin1 },
    { head: ['#!/usr/bin/env python', '# vim: set fileencoding=iso-8859-1 :'], word: 'naïve', encode: latin1 },
    { head: ['# coding=cp1252'], word: '€ prices', encode: cp1252 },
    { head: ['# -*- coding: Latin_1 -*-'], word: 'Zürich', encode: latin1 },
    // Latin-1 proper, not windows-1252: 0x85 is a control character, not '…'.
    { head: ['# coding: latin-1'], word: 'a\u0085b', encode: latin1 },
    { head: [], word: 'café', encode: utf8 },
    { head: ['# -*- coding: utf-8 -*-'], word: 'café ✓', encode: utf8 },
  ];
  for (const c of cases) {
    const m = read(migration(c.head, c.word, c.encode));
    assert.equal(m.readProblem, undefined, c.head.join(' | '));
    assert.equal(m.decls.message, `Add ${c.word}`, c.head.join(' | '));
    assert.deepEqual(fileProblems(m), [], c.head.join(' | '));
  }
});

test('declarations Python rejects or ignores: each is a reason the file cannot be imported', () => {
  const reasons = (head: string[], encode: (s: string) => Buffer, word = 'café'): string | undefined =>
    decodePythonSource(migration(head, word, encode)).problem;
  // Line 2 counts only after a comment or blank line 1.
  assert.match(reasons(['import os', '# coding: latin-1'], latin1)!, /not valid UTF-8 \(byte 0xE9 on line 3\)/);
  assert.match(reasons(['# coding: utf-8'], latin1)!, /not valid UTF-8 .* declares `coding: utf-8`/);
  assert.match(reasons(['# coding: klingon'], utf8)!, /`coding: klingon`, an encoding Python does not know/);
  assert.match(reasons(['# coding: ascii'], utf8)!, /non-ASCII byte 0xC3 on line 2/);
  assert.match(
    decodePythonSource(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), migration(['# coding: latin-1'], 'x', latin1)])).problem!,
    /byte order mark but declares `coding: latin-1`/,
  );
  // The coding word in a string on line 1 is no declaration.
  assert.match(reasons(['x = "# coding: latin-1"'], latin1)!, /not valid UTF-8/);
});

test('readListedFile returns every byte of files around its 64 KB read buffer, and an empty file as empty', () => {
  const dir = tempDir('alembic-listed-');
  const scratch = Buffer.alloc(64 * 1024);
  for (const size of [0, 1, 557, 65535, 65536, 65537, 3 * 65536, 200_001]) {
    const file = path.join(dir, `f${size}.py`);
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = 32 + ((i * 7) % 90);
    fs.writeFileSync(file, bytes);
    const got = readListedFile(file, 16 * 1024 * 1024, scratch);
    assert.equal(got.length, size, `size ${size}`);
    assert.ok(got.equals(bytes), `content of ${size} bytes`);
  }
  // The bound still holds when a read fills what was asked for.
  fs.writeFileSync(path.join(dir, 'big.py'), Buffer.alloc(300_000, 0x20));
  assert.throws(() => readListedFile(path.join(dir, 'big.py'), 200_000, scratch), /larger than/);
});
