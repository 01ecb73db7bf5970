/**
 * Tests name source text, not line numbers: the text a range covers, and the position of a
 * needle. One copy for every suite.
 */
import assert from 'node:assert/strict';
import { LineIndex, type Position, type Range } from '../../server/src/text/sourceText';

/** The text a range covers in `source` (a BOM excluded, as editors do). */
export function textAt(source: string, range: Range): string {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const lines = new LineIndex(text);
  return text.slice(lines.offsetAt(range.start), lines.offsetAt(range.end));
}

/** The position of `needle` in `text` (plus `delta` characters), as LSP line/character. */
export function posOf(text: string, needle: string, delta = 0): Position {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `'${needle}' not in text`);
  return new LineIndex(text).positionAt(i + delta);
}
