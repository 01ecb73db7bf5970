/**
 * The code of a migration without what never runs: the module docstring (the header Alembic
 * writes), `#` comments, trailing whitespace and blank lines. Two versions of a migration with
 * the same code lines do the same thing to a database (edited-shipped-migration). Pure.
 */
import { scanMigration } from './migrationScanner';
import { LineIndex } from '../text/sourceText';

/** One line of code: its 0-based line number in the source and its text, comments removed. */
export interface CodeLine {
  line: number;
  text: string;
}

const SQ = 39,
  DQ = 34,
  HASH = 35,
  BSL = 92,
  NL = 10;

/** `source` with comments and the module docstring blanked (newlines kept, so lines stay put). */
function blankNonCode(source: string): string {
  const chars = source.split('');
  const doc = scanMigration(source).docstringRange;
  if (doc) {
    const lines = new LineIndex(source);
    for (let i = lines.offsetAt(doc.start); i < lines.offsetAt(doc.end); i++) if (chars[i] !== '\n') chars[i] = ' ';
  }
  let i = 0;
  while (i < source.length) {
    const c = source.charCodeAt(i);
    if (chars[i] === ' ' && c !== 32) {
      i++; // inside the blanked docstring
      continue;
    }
    if (c === HASH) {
      while (i < source.length && source.charCodeAt(i) !== NL) chars[i++] = ' ';
      continue;
    }
    if (c === SQ || c === DQ) {
      const triple = source.charCodeAt(i + 1) === c && source.charCodeAt(i + 2) === c;
      const quoteLen = triple ? 3 : 1;
      i += quoteLen;
      while (i < source.length) {
        const d = source.charCodeAt(i);
        if (d === BSL) {
          i += 2;
          continue;
        }
        if (!triple && d === NL) break; // an unclosed string ends at the line (Python would refuse it)
        if (d === c && (!triple || (source.charCodeAt(i + 1) === c && source.charCodeAt(i + 2) === c))) {
          i += quoteLen;
          break;
        }
        i++;
      }
      continue;
    }
    i++;
  }
  return chars.join('');
}

/** The code lines of a migration's source (see the module comment). */
export function codeLines(source: string): CodeLine[] {
  const out: CodeLine[] = [];
  blankNonCode(source.replace(/\r\n?/g, '\n'))
    .split('\n')
    .forEach((text, line) => {
      const code = text.trimEnd();
      if (code.trim()) out.push({ line, text: code });
    });
  return out;
}

/**
 * The first code line where `current` differs from `shipped`, as a line of `current` (its last
 * code line when only lines were removed at the end), or undefined when the code is the same.
 */
export function firstCodeChange(shipped: string, current: string): number | undefined {
  const a = codeLines(shipped);
  const b = codeLines(current);
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i].text !== b[i].text) return b[i].line;
  if (a.length === b.length) return undefined;
  return (b[n] ?? b[b.length - 1])?.line ?? 0;
}
