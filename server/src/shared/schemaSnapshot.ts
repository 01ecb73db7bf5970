/**
 * A database's schema as deterministic JSON, read with catalog queries through `pg` (never
 * `pg_dump`, never `psql`): schemas, extensions, tables and their columns (type as
 * `format_type` prints it, nullability, default, identity, generated), indexes
 * (`pg_get_indexdef`), constraints (`pg_get_constraintdef`), sequences, views, functions,
 * enum/domain/composite types, triggers and comments. PostgreSQL's own schemas, objects that
 * belong to an extension, and the version table (by name, or by alembic's shape) are left out. Keys are sorted at every level,
 * so two snapshots of equal schemas are equal strings. Node adapter (one `pg` connection).
 */
import type { ClientBase } from 'pg';

/** One column. `default` is `pg_get_expr` of the default, `null` when there is none. */
export interface SnapshotColumn {
  type: string;
  nullable: boolean;
  default: string | null;
  /** `always` / `by default` for identity columns. */
  identity?: string;
  /** The expression of a generated (stored) column. */
  generated?: string;
  collation?: string;
  comment?: string;
}

export interface SnapshotTable {
  /** `table`, `partitioned table`, `foreign table`. */
  kind: string;
  unlogged?: boolean;
  columns: Record<string, SnapshotColumn>;
  comment?: string;
}

export interface SnapshotIndex {
  table: string;
  definition: string;
  comment?: string;
}

export interface SnapshotConstraint {
  table: string;
  /** `primary key`, `foreign key`, `unique`, `check`, `exclusion`, `trigger`. */
  type: string;
  /** `pg_get_constraintdef` without a trailing `NOT VALID` (that is {@link notValid}). */
  definition: string;
  /** Added `NOT VALID` and not validated since: the rows were never all checked. */
  notValid?: boolean;
  comment?: string;
}

export interface SnapshotSequence {
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cycle: boolean;
  /** `table.column` of a serial / identity column that owns it. */
  ownedBy?: string;
  comment?: string;
}

export interface SnapshotView {
  materialized: boolean;
  definition: string;
  comment?: string;
}

export interface SnapshotFunction {
  /** `function`, `procedure`, `aggregate`, `window`. */
  kind: string;
  definition: string;
  comment?: string;
}

export type SnapshotType =
  | { kind: 'enum'; labels: string[]; comment?: string }
  | { kind: 'domain'; base: string; notNull: boolean; default: string | null; constraints: string[]; comment?: string }
  | { kind: 'composite'; attributes: string[]; comment?: string };

export interface SnapshotTrigger {
  table: string;
  definition: string;
  comment?: string;
}

/**
 * Object names are qualified with their schema except in `public` (`users`, `audit.events`);
 * constraints and triggers are named `<table>.<name>`, functions `<name>(<identity args>)`.
 */
export interface SchemaSnapshot {
  schemas: Record<string, { comment?: string }>;
  extensions: Record<string, { schema: string; version: string }>;
  tables: Record<string, SnapshotTable>;
  views: Record<string, SnapshotView>;
  indexes: Record<string, SnapshotIndex>;
  constraints: Record<string, SnapshotConstraint>;
  sequences: Record<string, SnapshotSequence>;
  functions: Record<string, SnapshotFunction>;
  types: Record<string, SnapshotType>;
  triggers: Record<string, SnapshotTrigger>;
}

export interface SnapshotOptions {
  /** The version table to leave out (`alembic_version`). */
  versionTable?: string;
  /** Its schema; empty or undefined: any schema. */
  versionTableSchema?: string;
}

/** The schemas PostgreSQL owns. */
const SYSTEM_SCHEMA = `(n.nspname IN ('pg_catalog', 'information_schema', 'pg_toast') OR n.nspname LIKE 'pg\\_temp\\_%' OR n.nspname LIKE 'pg\\_toast\\_temp\\_%')`;
/**
 * A version table under another name (env.py's `version_table=`, which no config file holds):
 * alembic's exact shape, one column `version_num varchar(32) NOT NULL`.
 */
const VERSION_TABLE_SHAPE = `(SELECT array_agg(a.attname::text || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text)
     FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) = ARRAY['version_num character varying(32) true']`;
/** Objects created by an extension belong to it: the extension is listed, they are not. */
const notExtensionMember = (catalog: string, oid: string): string =>
  `NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = '${catalog}'::regclass AND dep.objid = ${oid} AND dep.deptype = 'e')`;

/** `users` in public, `audit.events` elsewhere. */
export function qualifiedName(schema: string, name: string): string {
  return schema === 'public' ? name : `${schema}.${name}`;
}

const RELKIND: Record<string, string> = { r: 'table', p: 'partitioned table', f: 'foreign table' };
const CONTYPE: Record<string, string> = { p: 'primary key', f: 'foreign key', u: 'unique', c: 'check', x: 'exclusion', t: 'trigger' };
const PROKIND: Record<string, string> = { f: 'function', p: 'procedure', a: 'aggregate', w: 'window' };

function withComment<T extends object>(o: T, comment: string | null): T {
  return comment ? { ...o, comment } : o;
}

/** Every key of every object sorted, arrays kept in order: equal schemas give equal JSON. */
function sortKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(sortKeys) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out as T;
  }
  return v;
}

/**
 * Reads the schema of the database `client` is connected to, in one read-only repeatable-read
 * transaction (a consistent picture even if something else is writing).
 */
export async function readSchemaSnapshot(client: ClientBase, options: SnapshotOptions = {}): Promise<SchemaSnapshot> {
  const versionTable = options.versionTable ?? 'alembic_version';
  const versionSchema = options.versionTableSchema || null;
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const snap = await readAll(client, versionTable, versionSchema);
    await client.query('COMMIT');
    return sortKeys(snap);
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** A schema with nothing in it (the database before its first migration). */
export function emptySnapshot(): SchemaSnapshot {
  return { schemas: {}, extensions: {}, tables: {}, views: {}, indexes: {}, constraints: {}, sequences: {}, functions: {}, types: {}, triggers: {} };
}

async function readAll(client: ClientBase, versionTable: string, versionSchema: string | null): Promise<SchemaSnapshot> {
  type Row = Record<string, unknown>;
  const q = async <R = Row>(sql: string, params: unknown[] = []): Promise<R[]> => (await client.query(sql, params)).rows as R[];
  const s = emptySnapshot();

  for (const r of await q<{ nspname: string; comment: string | null }>(
    `SELECT n.nspname, obj_description(n.oid, 'pg_namespace') AS comment FROM pg_namespace n WHERE NOT ${SYSTEM_SCHEMA}`,
  ))
    s.schemas[r.nspname] = withComment({}, r.comment);

  for (const r of await q<{ extname: string; nspname: string; extversion: string }>(
    `SELECT e.extname, n.nspname, e.extversion FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace`,
  ))
    s.extensions[r.extname] = { schema: r.nspname, version: r.extversion };

  // Relations: tables (without the version table), views, materialized views, sequences.
  const rels = await q<{
    oid: number;
    nspname: string;
    relname: string;
    relkind: string;
    relpersistence: string;
    comment: string | null;
    viewdef: string | null;
  }>(
    `SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence, obj_description(c.oid, 'pg_class') AS comment,
            CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS viewdef
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm') AND NOT ${SYSTEM_SCHEMA} AND ${notExtensionMember('pg_class', 'c.oid')}
        AND NOT (c.relkind IN ('r', 'p') AND c.relname = $1 AND ($2::text IS NULL OR n.nspname = $2))
        AND NOT (c.relkind = 'r' AND ${VERSION_TABLE_SHAPE})`,
    [versionTable, versionSchema],
  );
  const relName = new Map<number, string>();
  for (const r of rels) {
    const name = qualifiedName(r.nspname, r.relname);
    relName.set(r.oid, name);
    if (r.relkind === 'v' || r.relkind === 'm')
      s.views[name] = withComment({ materialized: r.relkind === 'm', definition: (r.viewdef ?? '').trim() }, r.comment);
    else
      s.tables[name] = withComment({ kind: RELKIND[r.relkind] ?? r.relkind, columns: {}, ...(r.relpersistence === 'u' ? { unlogged: true } : {}) }, r.comment);
  }
  const tableOids = rels.filter((r) => !(r.relkind === 'v' || r.relkind === 'm')).map((r) => r.oid);
  const indexedOids = rels.filter((r) => r.relkind !== 'v').map((r) => r.oid);

  for (const r of await q<{
    attrelid: number;
    attname: string;
    type: string;
    attnotnull: boolean;
    def: string | null;
    attidentity: string;
    attgenerated: string;
    collation: string | null;
    comment: string | null;
  }>(
    `SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
            pg_get_expr(d.adbin, d.adrelid) AS def, a.attidentity, a.attgenerated,
            CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,
            col_description(a.attrelid, a.attnum) AS comment
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       LEFT JOIN pg_collation co ON co.oid = a.attcollation
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped`,
    [tableOids],
  )) {
    const table = s.tables[relName.get(r.attrelid)!];
    const generated = r.attgenerated ? (r.def ?? '') : undefined;
    table.columns[r.attname] = withComment(
      {
        type: r.type,
        nullable: !r.attnotnull,
        default: generated === undefined ? r.def : null,
        ...(r.attidentity === 'a' ? { identity: 'always' } : r.attidentity === 'd' ? { identity: 'by default' } : {}),
        ...(generated !== undefined ? { generated } : {}),
        ...(r.collation ? { collation: r.collation } : {}),
      },
      r.comment,
    );
  }

  for (const r of await q<{ nspname: string; relname: string; indrelid: number; def: string; comment: string | null }>(
    `SELECT n.nspname, ic.relname, i.indrelid, pg_get_indexdef(i.indexrelid) AS def, obj_description(ic.oid, 'pg_class') AS comment
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
      WHERE i.indrelid = ANY($1::oid[])`,
    [indexedOids],
  ))
    s.indexes[qualifiedName(r.nspname, r.relname)] = withComment({ table: relName.get(r.indrelid)!, definition: r.def }, r.comment);

  // Not-null constraints (contype 'n', PostgreSQL 18) are the columns' nullability already.
  for (const r of await q<{ conname: string; contype: string; conrelid: number; def: string; comment: string | null }>(
    `SELECT con.conname, con.contype, con.conrelid, pg_get_constraintdef(con.oid) AS def, obj_description(con.oid, 'pg_constraint') AS comment
       FROM pg_constraint con WHERE con.conrelid = ANY($1::oid[]) AND con.contype <> 'n'`,
    [tableOids],
  )) {
    const table = relName.get(r.conrelid)!;
    const notValid = r.def.endsWith(' NOT VALID');
    s.constraints[`${table}.${r.conname}`] = withComment(
      { table, type: CONTYPE[r.contype] ?? r.contype, definition: notValid ? r.def.slice(0, -' NOT VALID'.length) : r.def, ...(notValid ? { notValid } : {}) },
      r.comment,
    );
  }

  for (const r of await q<{
    nspname: string;
    relname: string;
    type: string;
    seqstart: string;
    seqincrement: string;
    seqmin: string;
    seqmax: string;
    seqcycle: boolean;
    owner_schema: string | null;
    owner_table: string | null;
    owner_column: string | null;
    comment: string | null;
  }>(
    `SELECT n.nspname, c.relname, format_type(sq.seqtypid, NULL) AS type, sq.seqstart::text, sq.seqincrement::text,
            sq.seqmin::text, sq.seqmax::text, sq.seqcycle, obj_description(c.oid, 'pg_class') AS comment,
            own.nspname AS owner_schema, own.relname AS owner_table, own.attname AS owner_column
       FROM pg_sequence sq
       JOIN pg_class c ON c.oid = sq.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN LATERAL (
         SELECT tn.nspname, tc.relname, ta.attname FROM pg_depend d
           JOIN pg_class tc ON tc.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
           JOIN pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid
          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
            AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
          LIMIT 1) own ON true
      WHERE NOT ${SYSTEM_SCHEMA} AND ${notExtensionMember('pg_class', 'c.oid')}`,
  )) {
    const ownedBy = r.owner_table ? `${qualifiedName(r.owner_schema!, r.owner_table)}.${r.owner_column}` : undefined;
    // A sequence owned by the version table goes with it.
    if (ownedBy && r.owner_table === versionTable && (versionSchema === null || r.owner_schema === versionSchema)) continue;
    s.sequences[qualifiedName(r.nspname, r.relname)] = withComment(
      { type: r.type, start: r.seqstart, increment: r.seqincrement, min: r.seqmin, max: r.seqmax, cycle: r.seqcycle, ...(ownedBy ? { ownedBy } : {}) },
      r.comment,
    );
  }

  for (const r of await q<{ nspname: string; proname: string; args: string; prokind: string; def: string | null; comment: string | null }>(
    `SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) AS args, p.prokind,
            CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_get_functiondef(p.oid) ELSE pg_get_function_result(p.oid) END AS def,
            obj_description(p.oid, 'pg_proc') AS comment
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE NOT ${SYSTEM_SCHEMA} AND ${notExtensionMember('pg_proc', 'p.oid')}`,
  ))
    s.functions[`${qualifiedName(r.nspname, r.proname)}(${r.args})`] = withComment(
      { kind: PROKIND[r.prokind] ?? r.prokind, definition: (r.def ?? '').trim() },
      r.comment,
    );

  for (const r of await q<{
    nspname: string;
    typname: string;
    typtype: string;
    base: string | null;
    typnotnull: boolean;
    typdefault: string | null;
    labels: string[] | null;
    checks: string[] | null;
    attributes: string[] | null;
    comment: string | null;
  }>(
    `SELECT n.nspname, t.typname, t.typtype, t.typnotnull, t.typdefault,
            CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base,
            (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels,
            (SELECT array_agg(con.conname || ' ' || pg_get_constraintdef(con.oid) ORDER BY con.conname)
               FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype <> 'n') AS checks,
            (SELECT array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
               FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attributes,
            obj_description(t.oid, 'pg_type') AS comment
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE NOT ${SYSTEM_SCHEMA} AND ${notExtensionMember('pg_type', 't.oid')}
        AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))`,
  )) {
    const name = qualifiedName(r.nspname, r.typname);
    if (r.typtype === 'e') s.types[name] = withComment({ kind: 'enum' as const, labels: r.labels ?? [] }, r.comment);
    else if (r.typtype === 'd')
      s.types[name] = withComment(
        { kind: 'domain' as const, base: r.base ?? '', notNull: r.typnotnull, default: r.typdefault, constraints: r.checks ?? [] },
        r.comment,
      );
    else s.types[name] = withComment({ kind: 'composite' as const, attributes: r.attributes ?? [] }, r.comment);
  }

  for (const r of await q<{ tgname: string; tgrelid: number; def: string; comment: string | null }>(
    `SELECT tg.tgname, tg.tgrelid, pg_get_triggerdef(tg.oid) AS def, obj_description(tg.oid, 'pg_trigger') AS comment
       FROM pg_trigger tg WHERE NOT tg.tgisinternal AND tg.tgrelid = ANY($1::oid[])`,
    [rels.map((r) => r.oid)],
  )) {
    const table = relName.get(r.tgrelid)!;
    s.triggers[`${table}.${r.tgname}`] = withComment({ table, definition: r.def }, r.comment);
  }
  return s;
}
