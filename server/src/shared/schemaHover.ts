/**
 * What a name in a migration means in the schema as it was before that migration: the table or
 * column under the cursor looked up in a schema snapshot, as hover Markdown, and the names to
 * complete inside `op.*` string arguments. Pure (the snapshot comes from the throwaway
 * database of `alembic-migrations schema`; the client caches it per revision).
 */
import type { SchemaSnapshot, SnapshotTable } from './schemaSnapshot';

/** A quoted name the cursor is in, and the other quoted names of its line (a table, then columns). */
export interface QuotedAt {
  word: string;
  /** Every quoted string of the line, in order (the call's arguments). */
  line: string[];
}

/** The quoted string at `character` of `lineText` ('users' or "users"), with the line's other quoted strings. */
export function quotedAt(lineText: string, character: number): QuotedAt | undefined {
  const all: Array<{ text: string; start: number; end: number }> = [];
  const re = /(['"])((?:\\.|(?!\1)[^\\\n])*)\1/g;
  for (let m = re.exec(lineText); m; m = re.exec(lineText)) all.push({ text: m[2], start: m.index, end: m.index + m[0].length });
  const at = all.find((q) => q.start < character && character < q.end);
  if (!at || !/^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?$/.test(at.text)) return undefined;
  return { word: at.text, line: all.map((q) => q.text) };
}

const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;

function tableOf(snapshot: SchemaSnapshot, name: string): [string, SnapshotTable] | undefined {
  const t = snapshot.tables[name] ?? snapshot.tables[name.replace(/^public\./, '')];
  return t ? [name.replace(/^public\./, ''), t] : undefined;
}

/** The table's columns, indexes and constraints as Markdown. */
export function describeTable(snapshot: SchemaSnapshot, name: string, rows?: string): string | undefined {
  const found = tableOf(snapshot, name);
  if (!found) return undefined;
  const [table, t] = found;
  const out = [`**${t.kind} ${code(table)}** before this migration${rows ? ` — ${rows}` : ''}`, '', '| column | type | null | default |', '|---|---|---|---|'];
  for (const [c, col] of Object.entries(t.columns))
    out.push(
      `| ${code(c)} | ${col.type}${col.identity ? ` (identity ${col.identity})` : ''} | ${col.nullable ? 'null' : 'not null'} | ${col.default ? code(col.default) : ''} |`,
    );
  const indexes = Object.entries(snapshot.indexes).filter(([, i]) => i.table === table);
  const constraints = Object.entries(snapshot.constraints).filter(([, c]) => c.table === table);
  if (indexes.length || constraints.length) out.push('');
  for (const [n, i] of indexes) out.push(`- index ${code(n)}: ${code(i.definition)}`);
  for (const [n, c] of constraints) out.push(`- ${c.type} ${code(n.slice(table.length + 1))}: ${code(c.definition)}${c.notValid ? ' (NOT VALID)' : ''}`);
  return out.join('\n');
}

export function describeColumn(snapshot: SchemaSnapshot, table: string, column: string): string | undefined {
  const found = tableOf(snapshot, table);
  const col = found?.[1].columns[column];
  if (!found || !col) return undefined;
  const parts = [
    col.type,
    col.nullable ? 'null' : 'not null',
    ...(col.default ? [`default ${code(col.default)}`] : []),
    ...(col.identity ? [`identity ${col.identity}`] : []),
  ];
  const indexed = Object.entries(snapshot.indexes)
    .filter(([, i]) => i.table === found[0] && new RegExp(`\\(([^)]*\\b)?${column}\\b`).test(i.definition))
    .map(([n]) => code(n));
  return `**column ${code(`${found[0]}.${column}`)}** before this migration: ${parts.join(', ')}${indexed.length ? `; in ${indexed.join(', ')}` : ''}`;
}

/**
 * The hover for a quoted name: a table when the snapshot has one by that name, else a column of
 * the first table named on the same line, else a note that the object does not exist yet.
 */
export function schemaHoverFor(snapshot: SchemaSnapshot, q: QuotedAt, rowsOf?: (table: string) => string | undefined): string | undefined {
  const table = describeTable(snapshot, q.word, rowsOf?.(q.word));
  if (table) return table;
  const owner = q.line.find((s) => tableOf(snapshot, s));
  if (owner) {
    const column = describeColumn(snapshot, owner, q.word);
    if (column) return column;
    if (q.line.indexOf(owner) < q.line.indexOf(q.word)) return `${code(q.word)} is not a column of ${code(owner)} before this migration`;
  }
  return undefined;
}

/** Completion inside an `op.*` string: the tables, or the columns of the line's table when it names one. */
export function schemaCompletions(
  snapshot: SchemaSnapshot,
  lineStrings: readonly string[],
): Array<{ label: string; detail: string; kind: 'table' | 'column' }> {
  const owner = lineStrings.find((s) => tableOf(snapshot, s));
  if (owner) {
    const [table, t] = tableOf(snapshot, owner)!;
    return Object.entries(t.columns).map(([c, col]) => ({
      label: c,
      detail: `${table}.${c} ${col.type}${col.nullable ? '' : ' not null'}`,
      kind: 'column' as const,
    }));
  }
  return Object.entries(snapshot.tables).map(([n, t]) => ({ label: n, detail: `${t.kind}, ${Object.keys(t.columns).length} columns`, kind: 'table' as const }));
}
