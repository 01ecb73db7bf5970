/**
 * Python string literals → their value, with a map from every UTF-16 unit of the value back to
 * the UTF-16 offset in the Python source, so a SQL error lands on the exact character inside the
 * literal: through escapes, raw strings, triple quotes, CRLF, implicit concatenation and
 * f-string replacement fields (replaced by a placeholder and reported as interpolations).
 */
import type { StringPiece } from '../text/sourceText';

/** Stands in for an f-string `{…}` field: parses both as an identifier and as a value. */
export const INTERPOLATION_PLACEHOLDER = '__f';

export interface DecodedString {
  value: string;
  /** `map[i]` is the source offset of `value[i]`; `map[value.length]` is the offset after the last piece's body. */
  map: number[];
  /** f-string replacement fields: their source spans and where their placeholder sits in `value`. */
  interpolations: Array<{ start: number; end: number; index: number }>;
}

const SIMPLE: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };

/** Decodes implicitly concatenated literal pieces taken from `source`. */
export function decodePythonString(source: string, pieces: StringPiece[]): DecodedString {
  let value = '';
  const map: number[] = [];
  const interpolations: DecodedString['interpolations'] = [];
  let end = 0;
  const push = (s: string, at: number): void => {
    for (let k = 0; k < s.length; k++) map.push(at);
    value += s;
  };
  for (const piece of pieces) {
    const raw = /[rR]/.test(piece.prefix);
    const fstr = /[fF]/.test(piece.prefix);
    const bodyStart = piece.start + piece.prefix.length + piece.quoteLen;
    const bodyEnd = Math.max(bodyStart, piece.end - piece.quoteLen);
    end = bodyEnd;
    let i = bodyStart;
    while (i < bodyEnd) {
      const c = source[i];
      if (c === '\r') {
        // Python reads source with universal newlines: \r\n and \r are one \n.
        push('\n', i);
        i += source[i + 1] === '\n' ? 2 : 1;
        continue;
      }
      if (fstr && (c === '{' || c === '}')) {
        if (source[i + 1] === c) {
          push(c, i);
          i += 2;
          continue;
        }
        if (c === '{') {
          const close = fieldEnd(source, i, bodyEnd);
          interpolations.push({ start: i, end: close, index: value.length });
          push(INTERPOLATION_PLACEHOLDER, i);
          i = close;
          continue;
        }
      }
      if (c !== '\\' || raw) {
        if (c === '\\' && raw && i + 1 < bodyEnd) {
          // In raw strings a backslash still keeps the next character (even a quote) in the value.
          push(source.slice(i, i + 2), i);
          i += 2;
          continue;
        }
        push(c, i);
        i++;
        continue;
      }
      const e = source[i + 1];
      if (e === '\n') {
        i += 2;
        continue;
      }
      if (e === '\r') {
        i += source[i + 2] === '\n' ? 3 : 2;
        continue;
      }
      if (e in SIMPLE && !(e === '0' && /[0-7]/.test(source[i + 2] ?? ''))) {
        push(SIMPLE[e], i);
        i += 2;
        continue;
      }
      const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      // (Past U+10FFFF, `\UFFFFFFFF`, Python refuses the literal: kept as written like an unknown escape.)
      if (
        hex &&
        /^[0-9a-fA-F]+$/.test(source.slice(i + 2, i + 2 + hex)) &&
        i + 2 + hex <= bodyEnd &&
        parseInt(source.slice(i + 2, i + 2 + hex), 16) <= 0x10ffff
      ) {
        push(String.fromCodePoint(parseInt(source.slice(i + 2, i + 2 + hex), 16)), i);
        i += 2 + hex;
        continue;
      }
      const oct = /^[0-7]{1,3}/.exec(source.slice(i + 1, i + 4));
      if (oct) {
        push(String.fromCharCode(parseInt(oct[0], 8)), i);
        i += 1 + oct[0].length;
        continue;
      }
      if (e === 'N' && source[i + 2] === '{') {
        const close = source.indexOf('}', i);
        if (close > 0 && close < bodyEnd) {
          // The Unicode name table is not available: one placeholder character keeps positions right.
          push('\u00b7', i);
          i = close + 1;
          continue;
        }
      }
      // Unknown escapes stay as written.
      push(source.slice(i, i + 2), i);
      i += 2;
    }
  }
  map.push(end);
  return { value, map, interpolations };
}

/** The offset after the `}` closing an f-string replacement field that opens at `open`. */
function fieldEnd(source: string, open: number, limit: number): number {
  let depth = 0;
  for (let i = open; i < limit; i++) {
    const c = source[i];
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === "'" || c === '"') {
      const close = source.indexOf(c, i + 1);
      if (close < 0 || close >= limit) return limit;
      i = close;
    }
  }
  return limit;
}
