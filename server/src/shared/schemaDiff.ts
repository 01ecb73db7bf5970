/**
 * The structural difference of two schema snapshots, object by object, and one human line per
 * difference ("column `orders.note` exists in A but not in B"). A table (or view, or schema)
 * that exists on one side only is one difference: its columns, indexes, constraints, triggers
 * and owned sequences are not listed again. Pure.
 */
import type { SchemaSnapshot } from './schemaSnapshot';

export type SchemaObjectKind = 'schema' | 'extension' | 'table' | 'column' | 'view' | 'index' | 'constraint' | 'sequence' | 'function' | 'type' | 'trigger';

/** One difference. `only-in-a`: the object exists in A and not in B; `changed`: in both, not equal. */
export interface SchemaDifference {
  kind: SchemaObjectKind;
  /** As in the snapshot: `users`, `audit.events`, `orders.note` (a column), `users.users_pkey` (a constraint). */
  name: string;
  change: 'only-in-a' | 'only-in-b' | 'changed';
  /** For `changed`: each property that differs, with its value in A and in B. */
  properties?: Array<{ property: string; a: unknown; b: unknown }>;
}

const CATEGORIES: Array<[keyof SchemaSnapshot, SchemaObjectKind]> = [
  ['schemas', 'schema'],
  ['extensions', 'extension'],
  ['tables', 'table'],
  ['views', 'view'],
  ['types', 'type'],
  ['sequences', 'sequence'],
  ['functions', 'function'],
  ['indexes', 'index'],
  ['constraints', 'constraint'],
  ['triggers', 'trigger'],
];

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function changedProperties(a: Record<string, unknown>, b: Record<string, unknown>, skip: string[] = []): Array<{ property: string; a: unknown; b: unknown }> {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !skip.includes(k)).sort();
  return keys.filter((k) => !same(a[k], b[k])).map((k) => ({ property: k, a: a[k] ?? null, b: b[k] ?? null }));
}

/** The schema part of a qualified name (`audit` of `audit.events`; `public` when unqualified). */
function schemaOf(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? 'public' : name.slice(0, dot);
}

export interface DiffOptions {
  /**
   * Properties whose change is not a difference: verify ignores `notValid` (a downgrade cannot
   * make a validated constraint NOT VALID again, and need not).
   */
  ignoreProperties?: string[];
}

/** Every difference between A and B, in a stable order (kind, then name). */
export function diffSchemas(a: SchemaSnapshot, b: SchemaSnapshot, options: DiffOptions = {}): SchemaDifference[] {
  const ignore = options.ignoreProperties ?? [];
  const out: SchemaDifference[] = [];
  for (const [category, kind] of CATEGORIES) {
    const objsA = a[category] as Record<string, Record<string, unknown>>;
    const objsB = b[category] as Record<string, Record<string, unknown>>;
    const names = [...new Set([...Object.keys(objsA), ...Object.keys(objsB)])].sort();
    for (const name of names) {
      const x = objsA[name];
      const y = objsB[name];
      if (x && !y) out.push({ kind, name, change: 'only-in-a' });
      else if (!x && y) out.push({ kind, name, change: 'only-in-b' });
      else if (category === 'tables') {
        const props = changedProperties(x, y, ['columns', ...ignore]);
        if (props.length) out.push({ kind, name, change: 'changed', properties: props });
        const colsA = x.columns as Record<string, Record<string, unknown>>;
        const colsB = y.columns as Record<string, Record<string, unknown>>;
        for (const col of [...new Set([...Object.keys(colsA), ...Object.keys(colsB)])].sort()) {
          const ca = colsA[col];
          const cb = colsB[col];
          const colName = `${name}.${col}`;
          if (ca && !cb) out.push({ kind: 'column', name: colName, change: 'only-in-a' });
          else if (!ca && cb) out.push({ kind: 'column', name: colName, change: 'only-in-b' });
          else {
            const cp = changedProperties(ca, cb, ignore);
            if (cp.length) out.push({ kind: 'column', name: colName, change: 'changed', properties: cp });
          }
        }
      } else {
        const props = changedProperties(x, y, ignore);
        if (props.length) out.push({ kind, name, change: 'changed', properties: props });
      }
    }
  }
  return withoutDependents(out, a, b);
}

/** Drops the differences that follow from a schema, table or view existing on one side only. */
function withoutDependents(diffs: SchemaDifference[], a: SchemaSnapshot, b: SchemaSnapshot): SchemaDifference[] {
  const oneSided = (kind: SchemaObjectKind): Set<string> => new Set(diffs.filter((d) => d.kind === kind && d.change !== 'changed').map((d) => d.name));
  const schemas = oneSided('schema');
  const relations = new Set([...oneSided('table'), ...oneSided('view')]);
  const owner = (d: SchemaDifference): string | undefined => {
    const obj = (s: SchemaSnapshot): { table: string } | undefined =>
      d.kind === 'index' ? s.indexes[d.name] : d.kind === 'constraint' ? s.constraints[d.name] : d.kind === 'trigger' ? s.triggers[d.name] : undefined;
    if (d.kind === 'column') return d.name.slice(0, d.name.lastIndexOf('.'));
    if (d.kind === 'sequence') {
      const owned = (a.sequences[d.name] ?? b.sequences[d.name])?.ownedBy;
      return owned ? owned.slice(0, owned.lastIndexOf('.')) : undefined;
    }
    const o = obj(a) ?? obj(b);
    return o?.table;
  };
  return diffs.filter((d) => {
    if (d.kind !== 'schema' && d.kind !== 'extension' && schemas.has(schemaOf(d.name))) return false;
    if (d.kind === 'table' || d.kind === 'view' || d.kind === 'schema') return true;
    const rel = owner(d);
    return !(rel !== undefined && relations.has(rel));
  });
}

function show(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'string') return `\`${v.replace(/\s+/g, ' ')}\``;
  return `\`${JSON.stringify(v)}\``;
}

/** How a kind is named in a sentence: a materialized view is still a `view`. */
export function objectLabel(d: Pick<SchemaDifference, 'kind' | 'name'>): string {
  return `${d.kind} \`${d.name}\``;
}

/** The properties that differ, as `type \`text\` in A, \`integer\` in B; nullable …`. */
export function describeProperties(d: SchemaDifference, labels: { a: string; b: string }): string {
  return (d.properties ?? []).map((p) => `${p.property} ${show(p.a)} ${labels.a}, ${show(p.b)} ${labels.b}`).join('; ');
}

/** One line per difference, with A and B named by `labels` ("in A" / "in B" by default). */
export function formatDifference(d: SchemaDifference, labels: { a: string; b: string } = { a: 'in A', b: 'in B' }): string {
  switch (d.change) {
    case 'only-in-a':
      return `${objectLabel(d)} exists ${labels.a} but not ${labels.b}`;
    case 'only-in-b':
      return `${objectLabel(d)} exists ${labels.b} but not ${labels.a}`;
    case 'changed':
      return `${objectLabel(d)} differs: ${describeProperties(d, labels)}`;
  }
}
