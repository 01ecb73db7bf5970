/**
 * `alembic.lint.largeTableRows`: with a reachable database, the table-rewrite and lock rules
 * are raised to error on tables above the threshold, and their messages carry the table's
 * live size (RULES-NEXT.md: no new id). Only for migrations the database has not applied yet:
 * what already ran cannot lock anything again. Pure.
 */
import type { Problem } from './types';

/** The rules whose cost grows with the table (RULES-NEXT.md). */
export const SIZE_RAISED_RULES: ReadonlySet<string> = new Set([
  'adding-required-field',
  'adding-not-nullable-field',
  'changing-column-type',
  'require-concurrent-index-creation',
  'require-concurrent-index-deletion',
  'constraint-missing-not-valid',
  'disallowed-unique-constraint',
]);

export interface LiveTable {
  /** `schema.name` as the catalog has it. */
  name: string;
  rows: number;
  bytes: number;
}

export const DEFAULT_LARGE_TABLE_ROWS = 1_000_000;

/** "12.3M rows", "4.1 GB". */
export function sizeWords(t: LiveTable): string {
  const rows =
    t.rows >= 1e9
      ? `${(t.rows / 1e9).toFixed(1)}B`
      : t.rows >= 1e6
        ? `${(t.rows / 1e6).toFixed(1)}M`
        : t.rows >= 1e3
          ? `${Math.round(t.rows / 1e3)}k`
          : String(t.rows);
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let b = t.bytes;
  let u = 0;
  while (b >= 1024 && u < units.length - 1) {
    b /= 1024;
    u++;
  }
  return `~${rows} rows, ${b >= 10 || u === 0 ? Math.round(b) : b.toFixed(1)} ${units[u]}`;
}

/** The live table a problem's table name means: `schema.name` exactly, else `name` in `public`, else the only table of that name. */
export function liveTableOf(tables: ReadonlyMap<string, LiveTable>, name: string): LiveTable | undefined {
  const exact = tables.get(name);
  if (exact) return exact;
  if (name.includes('.')) return undefined;
  const pub = tables.get(`public.${name}`);
  if (pub) return pub;
  const same = [...tables.values()].filter((t) => t.name.endsWith(`.${name}`));
  return same.length === 1 ? same[0] : undefined;
}

/** Problems with the size-raised rules on big tables: error, with the size in the message. */
export function raiseForLargeTables(problems: readonly Problem[], tables: ReadonlyMap<string, LiveTable>, threshold: number, database: string): Problem[] {
  if (threshold <= 0 || tables.size === 0) return [...problems];
  return problems.map((p) => {
    if (!p.table || !SIZE_RAISED_RULES.has(p.ruleId) || p.severity === 'hint') return p;
    const t = liveTableOf(tables, p.table);
    if (!t || t.rows < threshold) return p;
    return { ...p, severity: 'error', message: `${p.message} — \`${t.name}\` has ${sizeWords(t)} in ${database} (alembic.lint.largeTableRows)` };
  });
}
