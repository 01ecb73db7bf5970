/**
 * Parts of a SQL text that stand for something not written there — f-string fields, bind
 * parameters — and the texts tried in their place. A field may hold a value, a list, a name or
 * a whole fragment, so each slot lists shapes to try; the checker looks for a choice of shapes
 * under which the text parses (sqlCheck.ts) and maps positions back through the rewrite.
 */
import { INTERPOLATION_PLACEHOLDER } from './pythonString';

export interface SqlSlot {
  /** UTF-16 offsets into the SQL text. */
  start: number;
  end: number;
  /** Texts to try in its place, the most likely first. */
  shapes: string[];
  /**
   * An f-string field: it may hold any fragment, so a syntax error right at it is not certain.
   * Bind parameters always stand for a value or a list.
   */
  fragment: boolean;
  /**
   * Indices into `shapes` of the values a conditional field takes (`{"A" if c else ""}`): every
   * one of them happens at run time, so a rule must hold for each that parses.
   */
  alternatives?: number[];
}

/** An f-string replacement field placed in the SQL text (see DecodedString.interpolations). */
export interface FieldInSql {
  /** Offset of its placeholder in the SQL text. */
  index: number;
  /** The Python source of the field, braces included: `{table}`, `{x!r}`, `{"A" if c else ""}`. */
  source: string;
}

/**
 * Shapes for a field in the middle of SQL: a name (also a type or a column), a value, a
 * parenthesised list (`IN {ids}`, `VALUES {rows}`), nothing (an optional clause or keyword),
 * a condition, a column definition (`name type`), an operator and the arms of a CASE; and a query
 * where one may stand (`AS {query}`, `EXISTS ({subquery})`, `UNION {query}`): anywhere else a
 * query shape would let any field swallow the start of a statement and move errors past it.
 */
const FIELD_SHAPES = [
  INTERPOLATION_PLACEHOLDER,
  '1',
  '(1)',
  '',
  'TRUE',
  `${INTERPOLATION_PLACEHOLDER} = 1`,
  `${INTERPOLATION_PLACEHOLDER} ${INTERPOLATION_PLACEHOLDER}`,
  '=',
  'WHEN 1 THEN 1',
];

/** `{"UNIQUE" if unique else ""}`: the two literal strings the field can produce. */
const CONDITIONAL = /^\{\s*(?:[rR]?(["'])(.*?)\1)\s+if\s+[\s\S]+?\s+else\s+(?:[rR]?(["'])(.*?)\3)\s*\}$/;

/** Parameter markers a driver or SQLAlchemy replaces. `text`: `:name` (not `::cast`, not `:=`); `driver`: also `%s`, `%(name)s`, `%%`. */
const TEXT_PARAM = /\\:|(?<![:\w\\]):\w+(?![:\w])|(?<![\w$])\$\d+/g;
const DRIVER_PARAM = /%%|%\(\w+\)s|%s|(?<![:\w\\]):\w+(?![:\w])|(?<![\w$])\$\d+/g;

/** The slots of `sql`: its f-string fields and, for `params`, its bind parameters (outside quotes and comments). */
export function findSlots(sql: string, code: Array<[number, number]>, fields: FieldInSql[], params?: 'text' | 'driver'): SqlSlot[] {
  const slots: SqlSlot[] = [];
  const inCode = (at: number): boolean => code.some(([s, e]) => at >= s && at < e);
  // Fields written back to back (`{cols}{pk_clause}`) make one fragment.
  const runs: Array<{ start: number; end: number; sources: string[] }> = [];
  for (const f of [...fields].sort((a, b) => a.index - b.index)) {
    const last = runs.at(-1);
    if (last && last.end === f.index) {
      last.end += INTERPOLATION_PLACEHOLDER.length;
      last.sources.push(f.source);
    } else runs.push({ start: f.index, end: f.index + INTERPOLATION_PLACEHOLDER.length, sources: [f.source] });
  }
  for (const { start, end, sources } of runs) {
    if (!inCode(start)) continue; // inside a literal, a quoted name or a comment: any text fits
    const cond = sources.length === 1 ? CONDITIONAL.exec(sources[0]) : null;
    // Glued to a word (`ix_{table}`, `{'CONCURRENTLY ' if c else ''}IF`) the field is part of a token.
    const glued = /[\w$]/.test(sql[start - 1] ?? '') || /\w/.test(sql[end] ?? '');
    const shapes = glued ? [INTERPOLATION_PLACEHOLDER] : [...FIELD_SHAPES];
    // After IN or VALUES a field is most likely a parenthesised list.
    const before = sql.slice(Math.max(0, start - 16), start);
    if (!glued && /\b(?:IN|VALUES)\s*$/i.test(before)) shapes.unshift('(1)');
    if (!glued && /(?:\bAS|\(|\bUNION(?:\s+ALL)?|\bEXCEPT|\bINTERSECT)\s*$/i.test(before)) shapes.push('SELECT 1');
    if (cond) shapes.unshift(cond[2], cond[4]);
    // `{x!r}` is Python's repr: a quoted string for the usual str values.
    if (sources.length === 1 && /![ra](?::[^}]*)?\}$/.test(sources[0]) && !glued) shapes.unshift(`'${INTERPOLATION_PLACEHOLDER}'`);
    const unique = [...new Set(shapes)];
    slots.push({ start, end, shapes: unique, fragment: true, ...(cond ? { alternatives: [unique.indexOf(cond[2]), unique.indexOf(cond[4])] } : {}) });
  }
  if (params) {
    const re = params === 'text' ? TEXT_PARAM : DRIVER_PARAM;
    for (const [s, e] of code) {
      const chunk = sql.slice(s, e);
      re.lastIndex = 0;
      for (let m = re.exec(chunk); m; m = re.exec(chunk)) {
        const start = s + m.index;
        const end = start + m[0].length;
        if (slots.some((x) => x.start < end && start < x.end)) continue;
        if (m[0] === '%%') {
          slots.push({ start, end, shapes: ['%'], fragment: false });
          continue;
        }
        if (m[0] === '\\:') {
          slots.push({ start, end, shapes: [':'], fragment: false });
          continue;
        }
        const value = m[0].startsWith('$') ? m[0] : '$1';
        // An expanding parameter (`IN :ids`) stands for a parenthesised list.
        const list = /\bIN\s*$/i.test(sql.slice(Math.max(0, start - 8), start));
        slots.push({ start, end, shapes: list ? [`(${value})`, value] : [value, `(${value})`], fragment: false });
      }
    }
  }
  return slots.sort((a, b) => a.start - b.start);
}

export interface Rewritten {
  text: string;
  /** `back[i]` is the offset in the original text of `text[i]`; `back[text.length]` is its end. */
  back: number[];
  /** Where each slot's chosen shape sits in `text`. */
  spans: Array<[number, number]>;
}

/** `sql` with every slot replaced by its chosen shape. */
export function rewrite(sql: string, slots: SqlSlot[], choice: number[]): Rewritten {
  let text = '';
  const back: number[] = [];
  const spans: Array<[number, number]> = [];
  let at = 0;
  const copy = (to: number): void => {
    for (let k = at; k < to; k++) back.push(k);
    text += sql.slice(at, to);
  };
  slots.forEach((slot, i) => {
    copy(slot.start);
    const shape = slot.shapes[choice[i]];
    spans.push([text.length, text.length + shape.length]);
    for (let k = 0; k < shape.length; k++) back.push(slot.start);
    text += shape;
    at = slot.end;
  });
  copy(sql.length);
  back.push(sql.length);
  return { text, back, spans };
}
