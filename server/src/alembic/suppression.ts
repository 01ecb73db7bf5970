/**
 * The suppression comment, in one place: the pattern the lint reads (`# alembic: ignore[id]`,
 * `# alembic: ignore-file[id]`, spaces allowed around the colon) and the edit that adds one.
 * The edit never lands inside a string: for a problem in a multi-line string (SQL in a
 * triple-quoted string) the comment goes on the statement's first line, or on its own line
 * above the statement when that line ends inside the string too. Pure.
 */
import type { Expr, ParsedMigration } from './migrationParser';
import type { Range } from './types';

/** `# alembic: ignore[a, b]` / `# alembic: ignore-file[a]`; group 1 = `-file`, group 2 = the ids. */
export const SUPPRESSION_PATTERN = /#\s*alembic\s*:\s*ignore(-file)?\s*(?:\[([^\]]*)\])?/i;

export interface SuppressionEdit {
  range: Range;
  newText: string;
}

function* strings(e: Expr): Generator<Expr & { kind: 'string' }> {
  switch (e.kind) {
    case 'string':
      yield e;
      break;
    case 'call':
      yield* strings(e.func);
      for (const a of e.args) yield* strings(a.value);
      break;
    case 'attribute':
      yield* strings(e.object);
      break;
    case 'tuple':
    case 'list':
      for (const i of e.items) yield* strings(i);
      break;
    case 'binary':
      yield* strings(e.left);
      yield* strings(e.right);
      break;
    default:
  }
}

/** True when the end of `line` lies inside a string literal that continues on the next line. */
export function lineEndsInString(parsed: ParsedMigration, line: number): boolean {
  const exprs: Expr[] = [...parsed.calls.map((c) => c.call), ...parsed.assignments.map((a) => a.value)];
  for (const e of exprs) {
    if (e.range.start.line > line || e.range.end.line <= line) continue;
    for (const s of strings(e)) {
      for (const p of s.pieces) if (parsed.lines.positionAt(p.start).line <= line && parsed.lines.positionAt(p.end).line > line) return true;
    }
  }
  return false;
}

function lineText(parsed: ParsedMigration, line: number): string {
  return parsed.text.split('\n')[line]?.replace(/\r$/, '') ?? '';
}

/**
 * The edit that suppresses `id` for a problem on `line` whose statement starts on `statementLine`
 * (the call the SQL reaches; a suppression there counts too). Adds the id to a suppression
 * already on the chosen line.
 */
export function suppressLineEdit(parsed: ParsedMigration, id: string, line: number, statementLine = line): SuppressionEdit {
  let target = line;
  if (lineEndsInString(parsed, target)) target = statementLine;
  const text = lineText(parsed, target);
  if (lineEndsInString(parsed, target)) {
    // The statement's own line opens the string: a comment alone on the line above applies to it.
    const indent = /^\s*/.exec(text)![0];
    return { range: { start: { line: target, character: 0 }, end: { line: target, character: 0 } }, newText: `${indent}# alembic: ignore[${id}]\n` };
  }
  const existing = SUPPRESSION_PATTERN.exec(text);
  if (existing && !existing[1]) {
    const ids = (existing[2] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return {
      range: { start: { line: target, character: existing.index }, end: { line: target, character: existing.index + existing[0].length } },
      newText: `# alembic: ignore[${[...ids, id].join(', ')}]`,
    };
  }
  return { range: { start: { line: target, character: text.length }, end: { line: target, character: text.length } }, newText: `  # alembic: ignore[${id}]` };
}

/** The edit that suppresses `id` in the whole file. */
export function suppressFileEdit(id: string): SuppressionEdit {
  return { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: `# alembic: ignore-file[${id}]\n` };
}

/**
 * Whether a problem the lint did not produce (the git rules) is suppressed in `text`: by
 * `# alembic: ignore[id]` at the end of its line or alone on the lines just above it, or by
 * `# alembic: ignore-file[id]` anywhere — the lint's own reading, from the text alone.
 */
export function suppressedInText(text: string, ruleId: string, line: number): boolean {
  const lines = text.split('\n');
  const names = (m: RegExpExecArray): string[] =>
    (m[2] ?? '*')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const hits = (m: RegExpExecArray | null): boolean => !!m && (names(m).includes(ruleId) || names(m).includes('*'));
  for (const l of lines) {
    const m = SUPPRESSION_PATTERN.exec(l);
    if (m?.[1] && hits(m)) return true;
  }
  const own = SUPPRESSION_PATTERN.exec(lines[line] ?? '');
  if (own && !own[1] && hits(own)) return true;
  for (let l = line - 1; l >= 0 && /^\s*(#.*)?\r?$/.test(lines[l]); l--) {
    const m = SUPPRESSION_PATTERN.exec(lines[l]);
    if (m && !m[1] && hits(m)) return true;
  }
  return false;
}
