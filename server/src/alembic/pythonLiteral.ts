/**
 * Decoding of Python string-literal bodies for declaration values and docstrings. Revision ids
 * and docstrings rarely hold escapes, but when they do the value must be what Python sees.
 * (SQL strings need an offset map back to the source as well: that lives in server/src/sql.)
 */

const SIMPLE_ESCAPES: Record<string, string> = {
  '\n': '',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** The value of a string literal's body (the text between the quotes). */
export function decodePythonStringBody(body: string, raw: boolean): string {
  if (raw || body.indexOf('\\') < 0) return body;
  return body.replace(/\\(N\{[^}]*\}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|[\s\S])/g, (all, e: string) => {
    if (e in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[e];
    const c = e[0];
    if ((c === 'x' || c === 'u' || c === 'U') && e.length > 1) {
      const code = parseInt(e.slice(1), 16);
      // Beyond Unicode (`\UFFFFFFFF`) Python refuses the literal; keep the source text.
      return code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    if (c >= '0' && c <= '7') return String.fromCodePoint(parseInt(e, 8));
    // \N{NAME}, unknown escapes and a \x, \u or \U without its digits (`C:\users`: Python
    // refuses the file): Python keeps unknown escapes verbatim; named characters
    // cannot be resolved without the Unicode name table, so keep the source text.
    return all;
  });
}
