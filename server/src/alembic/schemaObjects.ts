/**
 * What each function of a migration creates and drops, read from its `op.*` calls and from
 * the SQL it executes (found the way lint.ts finds it, parsed with PostgreSQL's grammar), so
 * the rules can apply PostgreSQL's own cascade: dropping a table drops its columns, indexes
 * and constraints; dropping a column drops every index and constraint that involves it;
 * `DROP TABLE … CASCADE` also drops the foreign keys that point at the table.
 * Needs the SQL parser loaded (`ensureSqlParser()`, done by `prepareLinter()`).
 */
import { parseSync } from '../sql/pgParser';
import type { Arg, CallSite, Expr, ParsedMigration } from './migrationParser';
import { argOf } from './downgradeGen';
import { DRIVER, EXECUTE, TEXT, assembled, isTextCall, resolveName } from './lint';
import { decodePythonString, INTERPOLATION_PLACEHOLDER } from '../sql/pythonString';
import { codeSpans } from '../sql/sqlCheck';
import { findSlots, rewrite } from '../sql/sqlSlots';
import type { Range } from './types';

type Call = Expr & { kind: 'call' };

/** One object a function creates. */
export interface CreatedObject {
  /** `table:users`, `index:ix_users_email`, `column:users.email`, `constraint:fk_x`, `type:mood`. */
  key: string;
  /** How a message names it: `table users`. */
  what: string;
  /** The table it belongs to (columns, indexes, constraints). */
  table?: string;
  /** Columns of `table` it involves, as far as they are known (indexes, constraints). */
  columns: string[];
  /** The table a foreign key references. */
  referencedTable?: string;
  /** Created with IF NOT EXISTS: running it again over a leftover is harmless. */
  ifNotExists: boolean;
  /** The op call's name, or the SQL string that creates it. */
  range: Range;
  /** Offset of the creating call: what a later call in the same function may rely on. */
  at: number;
}

/** What a function drops. */
export interface DroppedObjects {
  /** Objects dropped by name, keyed like CreatedObject.key. */
  keys: Set<string>;
  tables: Set<string>;
  /** Tables dropped with CASCADE. */
  cascadeTables: Set<string>;
  /** `table.column` pairs. */
  columns: Set<string>;
}

export interface FunctionObjects {
  created: CreatedObject[];
  dropped: DroppedObjects;
  /** Keys of objects renamed away (their old names), keyed like CreatedObject.key. */
  renamedAway: Set<string>;
  /** Runs SQL that cannot be read (built at run time, not parsable, a DDL construct): it may create or drop anything. */
  opaque: boolean;
  /** Module-level functions it calls (helpers whose drops count for it). */
  calls: Set<string>;
  /** Tables renamed in this function: new name → the names it had before (a drop under the new name drops those). */
  formerNames: Map<string, string[]>;
}

function emptyObjects(): FunctionObjects {
  return {
    created: [],
    dropped: { keys: new Set(), tables: new Set(), cascadeTables: new Set(), columns: new Set() },
    renamedAway: new Set(),
    opaque: false,
    calls: new Set(),
    formerNames: new Map(),
  };
}

/** `t` and the names it had earlier in the function (renamed since). */
function tableNames(f: FunctionObjects, t: string): string[] {
  return [t, ...(f.formerNames.get(t) ?? [])];
}

function dropTable(f: FunctionObjects, t: string, cascade = false): void {
  for (const n of tableNames(f, t)) {
    f.dropped.tables.add(n);
    f.dropped.keys.add(`table:${n}`);
    if (cascade) f.dropped.cascadeTables.add(n);
  }
}

function dropColumn(f: FunctionObjects, t: string, c: string): void {
  for (const n of tableNames(f, t)) {
    f.dropped.columns.add(`${n}.${c}`);
    f.dropped.keys.add(`column:${n}.${c}`);
  }
}

function renameTable(f: FunctionObjects, from: string, to: string): void {
  f.renamedAway.add(`table:${from}`);
  f.formerNames.set(to, tableNames(f, from));
}

/** A name argument: a plain literal or `op.f('…')` / `batch_op.f('…')` (Alembic's "already converted" name marker). */
export function nameOf(a: Arg | undefined): string | undefined {
  let v = a?.value;
  if (v?.kind === 'call' && /^(?:\w+\.)?f$/.test(v.callee) && v.args.length === 1) v = v.args[0].value;
  return v?.kind === 'string' && !v.interpolated ? v.value : undefined;
}

/** Column names in a parse tree (every ColumnRef's last field). */
function columnRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const n of node) columnRefs(n, out);
  } else if (node && typeof node === 'object') {
    const ref = (node as { ColumnRef?: { fields?: Array<{ String?: { sval: string } }> } }).ColumnRef;
    const last = ref?.fields?.at(-1)?.String?.sval;
    if (last) out.push(last);
    else for (const v of Object.values(node)) columnRefs(v, out);
  }
  return out;
}

/** Columns a SQL expression fragment mentions (`lower(email)`, `deleted_at IS NULL`); none when it does not parse. */
function expressionColumns(sql: string): string[] {
  try {
    return columnRefs(parseSync(`SELECT ${sql}`));
  } catch {
    return [];
  }
}

/**
 * Columns an index element or constraint argument names: `'email'`, `sa.text('lower(email)')`,
 * a list of them; f-string fields count as no column.
 */
function columnsOf(text: string, e: Expr | undefined, asExpression = false): string[] {
  if (!e) return [];
  if (e.kind === 'tuple' || e.kind === 'list') return e.items.flatMap((i) => columnsOf(text, i, asExpression));
  if (e.kind === 'string') {
    if (!e.interpolated) return !asExpression && /^\w+$/.test(e.value) ? [e.value] : expressionColumns(e.value);
    return expressionColumns(decodePythonString(text, e.pieces).value).filter((c) => !c.includes(INTERPOLATION_PLACEHOLDER));
  }
  if (e.kind === 'call' && TEXT.test(e.callee)) return columnsOf(text, e.args[0]?.value, true);
  return [];
}

const CONSTRAINT_OPS = new Set(['create_foreign_key', 'create_unique_constraint', 'create_check_constraint', 'create_primary_key']);

/** `op.x(...)` / `batch_op.x(...)` → operation, batch table and argument shift (batch calls have no table argument). */
function operation(site: CallSite): { op: string; batchTable?: string; shift: number } | undefined {
  const m = /^(\w+)\.(\w+)$/.exec(site.call.callee);
  if (!m) return undefined;
  if (m[1] === 'op') return { op: m[2], shift: 0 };
  if (site.batch?.alias === m[1]) return { op: m[2], batchTable: site.batch.table, shift: 1 };
  return undefined;
}

function isTrue(a: Arg | undefined): boolean {
  return a?.value.kind === 'true';
}

/** An `sa.Enum(..., name='mood')` / `postgresql.ENUM(...)` value (directly or through a variable): its type name. */
function enumTypeName(parsed: ParsedMigration, e: Expr, site: CallSite): string | undefined {
  const v = e.kind === 'name' ? resolveName(parsed, e.name, site) : e;
  if (v?.kind !== 'call' || !/(?:^|\.)(?:Enum|ENUM)$/.test(v.callee)) return undefined;
  return nameOf(v.args.find((a) => a.name === 'name'));
}

/** What one `op.*` call (or `Enum.create/drop(bind)`) creates or drops, added to `f`. */
function readOpCall(parsed: ParsedMigration, site: CallSite, f: FunctionObjects): void {
  const call = site.call;
  if (call.func.kind === 'attribute' && /^(create|drop)$/.test(call.func.attr)) {
    const type = enumTypeName(parsed, call.func.object, site);
    if (type && call.func.attr === 'drop') f.dropped.keys.add(`type:${type}`);
    else if (type) f.created.push({ key: `type:${type}`, what: `type ${type}`, columns: [], ifNotExists: false, range: call.func.range, at: call.start });
    return;
  }
  const o = operation(site);
  if (!o) return;
  const { op, shift } = o;
  const arg = (i: number, k: string): Arg | undefined => argOf(call, i, k);
  const table = o.batchTable ?? nameOf(arg(0, 'table_name'));
  // A drop whose target is computed (`for col in cols: op.drop_column('t', col)`) may drop anything.
  if (/^drop_/.test(op) && call.args.some((a) => a.name === undefined && /^(name|attribute|call|binary|other)$/.test(a.value.kind) && nameOf(a) === undefined))
    f.opaque = true;
  const create = (key: string, what: string, extra: Partial<CreatedObject> = {}): void => {
    f.created.push({ key, what, columns: [], ifNotExists: isTrue(arg(99, 'if_not_exists')), range: call.func.range, at: call.start, ...extra });
  };
  switch (op) {
    case 'create_table':
      if (table && !o.batchTable) create(`table:${table}`, `table ${table}`);
      return;
    case 'add_column': {
      const col = arg(1 - shift, 'column')?.value;
      const c = col?.kind === 'call' && /(?:^|\.)Column$/.test(col.callee) ? nameOf(col.args[0]) : undefined;
      if (table && c) create(`column:${table}.${c}`, `column ${table}.${c}`, { table, columns: [c] });
      return;
    }
    case 'create_index': {
      const name = nameOf(arg(0, 'index_name'));
      const t = o.batchTable ?? nameOf(arg(1, 'table_name'));
      const columns = [...columnsOf(parsed.text, arg(2 - shift, 'columns')?.value), ...columnsOf(parsed.text, arg(99, 'postgresql_where')?.value, true)];
      if (name) create(`index:${name}`, `index ${name}`, { table: t, columns });
      return;
    }
    case 'rename_table': {
      const from = nameOf(arg(0, 'old_table_name'));
      const to = nameOf(arg(1, 'new_table_name'));
      if (from && to) renameTable(f, from, to);
      else if (from) f.renamedAway.add(`table:${from}`);
      return;
    }
    case 'alter_column': {
      const c = nameOf(arg(1 - shift, 'column_name'));
      if (table && c && arg(99, 'new_column_name')) f.renamedAway.add(`column:${table}.${c}`);
      return;
    }
    case 'drop_table':
      if (table && !o.batchTable) dropTable(f, table);
      return;
    case 'drop_index': {
      const name = nameOf(arg(0, 'index_name'));
      if (name) f.dropped.keys.add(`index:${name}`);
      return;
    }
    case 'drop_column': {
      const c = nameOf(arg(1 - shift, 'column_name'));
      if (table && c) dropColumn(f, table, c);
      return;
    }
    case 'drop_constraint': {
      const name = nameOf(arg(0, 'constraint_name'));
      if (name) f.dropped.keys.add(`constraint:${name}`);
      return;
    }
  }
  if (CONSTRAINT_OPS.has(op)) {
    const name = nameOf(arg(0, 'constraint_name'));
    if (!name) return;
    const fk = op === 'create_foreign_key';
    const t = o.batchTable ?? nameOf(arg(1, fk ? 'source_table' : 'table_name'));
    const columns = fk
      ? columnsOf(parsed.text, arg(3 - shift, 'local_cols')?.value)
      : op === 'create_check_constraint'
        ? columnsOf(parsed.text, arg(2 - shift, 'condition')?.value, true)
        : columnsOf(parsed.text, arg(2 - shift, 'columns')?.value);
    const referencedTable = fk ? nameOf(arg(2 - shift, 'referent_table')) : undefined;
    create(`constraint:${name}`, `constraint ${name}`, { table: t, columns, ...(referencedTable ? { referencedTable } : {}) });
  }
}

/**
 * The SQL text a call executes (`op.execute`, `conn.execute(text(…))`, `sa.DDL(…)`, `exec_driver_sql`,
 * through variables), 'opaque' when it runs something that cannot be read, undefined for
 * calls that run no DDL (not an execute, or a SQLAlchemy query object).
 */
function executedSql(parsed: ParsedMigration, site: CallSite): { sql: string; params: 'text' | 'driver'; range: Range } | 'opaque' | undefined {
  const call = site.call;
  const driver = DRIVER.test(call.callee);
  if (!driver && !EXECUTE.test(call.callee)) return undefined;
  const first = (c: Call): Expr | undefined => {
    const v = c.args.find((a) => a.name === undefined)?.value;
    return v?.kind === 'name' ? (resolveName(parsed, v.name, site) ?? v) : v;
  };
  let value = first(call);
  if (!value) return undefined;
  // `sa.DDL("…")` holds statement text like text() does.
  if (value.kind === 'call' && /(?:^|\.)DDL$/.test(value.callee)) {
    value = first(value);
    if (!value) return undefined;
  }
  if (isTextCall(value)) {
    let t = value as Call;
    while (!TEXT.test(t.callee) && t.func.kind === 'attribute' && t.func.object.kind === 'call') t = t.func.object;
    value = first(t);
    if (!value) return undefined;
  }
  if (value.kind === 'string') {
    if (value.pieces.some((p) => /[bB]/.test(p.prefix))) return undefined;
    return { sql: decodePythonString(parsed.text, value.pieces).value, params: driver ? 'driver' : 'text', range: value.range };
  }
  // `users.update().values(...)`, `select(...)`: data, not schema. SQLAlchemy DDL constructs (`DropTable(...)`) are.
  if (value.kind === 'call' && !assembled(value)) return /(?:^|\.)(?:Create|Drop)\w*$/.test(value.callee) ? 'opaque' : undefined;
  return 'opaque';
}

interface RawStmt {
  stmt: Record<string, Record<string, unknown>>;
}
type Node = Record<string, unknown>;

function lastName(items: unknown): string | undefined {
  return ((items as Array<{ String?: { sval: string } }>) ?? []).at(-1)?.String?.sval;
}

/** What one SQL text creates and drops, added to `f`. */
/** The SQL with each bind parameter replaced by a value, as the checker's first try does. */
function withParameters(sql: string, params: 'text' | 'driver'): string {
  const slots = findSlots(sql, codeSpans(sql), [], params);
  return rewrite(
    sql,
    slots,
    slots.map(() => 0),
  ).text;
}

function readSql(sql: string, params: 'text' | 'driver', range: Range, at: number, f: FunctionObjects): void {
  let stmts: RawStmt[];
  try {
    stmts = (parseSync(withParameters(sql, params)) as { stmts?: RawStmt[] }).stmts ?? [];
  } catch {
    f.opaque = true;
    return;
  }
  const known = (n: string | undefined): n is string => {
    if (n === undefined) return false;
    // An f-string field in a name: the object is only known at run time.
    if (n.includes(INTERPOLATION_PLACEHOLDER)) {
      f.opaque = true;
      return false;
    }
    return true;
  };
  const create = (key: string, what: string, extra: Partial<CreatedObject> = {}): void => {
    f.created.push({ key, what, columns: [], ifNotExists: false, range, at, ...extra });
  };
  for (const { stmt } of stmts) {
    const [kind, body] = Object.entries(stmt)[0] as [string, Node];
    const rel = (body.relation as { relname?: string } | undefined)?.relname;
    switch (kind) {
      case 'CreateStmt':
        if (known(rel)) create(`table:${rel}`, `table ${rel}`, { ifNotExists: !!body.if_not_exists });
        break;
      case 'IndexStmt': {
        const name = body.idxname as string | undefined;
        if (known(name) && known(rel)) {
          const columns = [
            ...columnRefs(body.indexParams),
            ...((body.indexParams as Array<{ IndexElem: { name?: string } }>) ?? []).map((p) => p.IndexElem.name).filter((n): n is string => !!n),
            ...columnRefs(body.whereClause),
            ...((body.indexIncludingParams as Array<{ IndexElem: { name?: string } }>) ?? []).map((p) => p.IndexElem.name).filter((n): n is string => !!n),
          ];
          create(`index:${name}`, `index ${name}`, { table: rel, columns, ifNotExists: !!body.if_not_exists });
        }
        break;
      }
      case 'CreateEnumStmt':
      case 'CreateRangeStmt': {
        const name = lastName(body.typeName);
        if (known(name)) create(`type:${name}`, `type ${name}`);
        break;
      }
      case 'CompositeTypeStmt': {
        const name = (body.typevar as { relname?: string } | undefined)?.relname;
        if (known(name)) create(`type:${name}`, `type ${name}`);
        break;
      }
      case 'AlterTableStmt': {
        if (body.objtype !== 'OBJECT_TABLE' || !known(rel)) break;
        for (const c of (body.cmds as Array<{ AlterTableCmd: Node }>) ?? []) {
          const cmd = c.AlterTableCmd;
          const def = cmd.def as { ColumnDef?: Node; Constraint?: Node } | undefined;
          switch (cmd.subtype) {
            case 'AT_AddColumn': {
              const col = def?.ColumnDef?.colname as string | undefined;
              if (known(col)) create(`column:${rel}.${col}`, `column ${rel}.${col}`, { table: rel, columns: [col], ifNotExists: !!cmd.missing_ok });
              break;
            }
            case 'AT_AddConstraint': {
              const k = def?.Constraint ?? {};
              const name = k.conname as string | undefined;
              if (!known(name)) break;
              const keys = (((k.fk_attrs ?? k.keys) as Array<{ String?: { sval: string } }> | undefined) ?? [])
                .map((x) => x.String?.sval)
                .filter((n): n is string => !!n);
              const referenced = (k.pktable as { relname?: string } | undefined)?.relname;
              create(`constraint:${name}`, `constraint ${name}`, {
                table: rel,
                columns: [...keys, ...columnRefs(k.raw_expr)],
                ...(referenced ? { referencedTable: referenced } : {}),
              });
              break;
            }
            case 'AT_DropColumn':
              if (known(cmd.name as string)) dropColumn(f, rel, cmd.name as string);
              break;
            case 'AT_DropConstraint':
              if (known(cmd.name as string)) f.dropped.keys.add(`constraint:${cmd.name as string}`);
              break;
          }
        }
        break;
      }
      case 'RenameStmt': {
        const kinds: Record<string, string> = {
          OBJECT_TABLE: 'table',
          OBJECT_INDEX: 'index',
          OBJECT_TYPE: 'type',
          OBJECT_COLUMN: 'column',
          OBJECT_TABCONSTRAINT: 'constraint',
        };
        const k = kinds[body.renameType as string];
        const old =
          k === 'type'
            ? lastName((body.object as { List?: { items: unknown } } | undefined)?.List?.items)
            : k === 'column'
              ? `${rel}.${body.subname as string}`
              : k === 'constraint'
                ? (body.subname as string)
                : rel;
        if (k === 'table' && known(old) && known(body.newname as string)) renameTable(f, old, body.newname as string);
        else if (k && known(old)) f.renamedAway.add(`${k}:${old}`);
        break;
      }
      case 'DropStmt': {
        const type = body.removeType as string;
        const cascade = body.behavior === 'DROP_CASCADE';
        for (const o of (body.objects as Node[]) ?? []) {
          const name = o.List ? lastName((o.List as { items: unknown }).items) : o.TypeName ? lastName((o.TypeName as { names: unknown }).names) : undefined;
          if (!known(name)) continue;
          if (type === 'OBJECT_TABLE') dropTable(f, name, cascade);
          else if (type === 'OBJECT_INDEX') f.dropped.keys.add(`index:${name}`);
          else if (type === 'OBJECT_TYPE') f.dropped.keys.add(`type:${name}`);
        }
        break;
      }
    }
  }
}

/** What every module-level function creates and drops, by function name. */
export function schemaObjects(parsed: ParsedMigration): Map<string, FunctionObjects> {
  const out = new Map<string, FunctionObjects>();
  const moduleFunctions = new Set(parsed.functions.map((f) => f.name));
  for (const site of parsed.calls) {
    if (site.functionName === undefined) continue;
    let f = out.get(site.functionName);
    if (!f) out.set(site.functionName, (f = emptyObjects()));
    if (site.call.func.kind === 'name' && moduleFunctions.has(site.call.callee)) f.calls.add(site.call.callee);
    const sql = executedSql(parsed, site);
    if (sql === 'opaque') f.opaque = true;
    else if (sql) readSql(sql.sql, sql.params, sql.range, site.call.start, f);
    else readOpCall(parsed, site, f);
  }
  return out;
}

/** What `name` drops, including the module functions it calls (transitively), and whether any of it is opaque. */
export function droppedBy(objects: Map<string, FunctionObjects>, name: string): { dropped: DroppedObjects; opaque: boolean } {
  const all = emptyObjects();
  const seen = new Set<string>();
  const visit = (n: string): void => {
    if (seen.has(n)) return;
    seen.add(n);
    const f = objects.get(n);
    if (!f) return;
    all.opaque ||= f.opaque;
    for (const k of ['keys', 'tables', 'cascadeTables', 'columns'] as const) for (const x of f.dropped[k]) all.dropped[k].add(x);
    for (const c of f.calls) visit(c);
  };
  visit(name);
  return { dropped: all.dropped, opaque: all.opaque };
}

/** Whether dropping `d` removes `o`: by name, or by PostgreSQL's cascade (cascades). */
export function removes(d: DroppedObjects, o: CreatedObject): boolean {
  return d.keys.has(o.key) || cascades(d, o) || droppedByConventionName(d, o);
}

/**
 * A constraint created as `name` on `table` but dropped as `ck_<table>_<name>`: SQLAlchemy
 * naming conventions (`"ck": "ck_%(table_name)s_%(constraint_name)s"`) turn the given name into
 * that, and downgrades name the result.
 */
function droppedByConventionName(d: DroppedObjects, o: CreatedObject): boolean {
  if (!o.table || !o.key.startsWith('constraint:')) return false;
  const suffix = `_${o.table}_${o.key.slice('constraint:'.length)}`;
  for (const k of d.keys) if (k.startsWith('constraint:') && k.endsWith(suffix) && /^constraint:[a-z]+_/.test(k)) return true;
  return false;
}

/** Whether dropping `d` removes `o` with something else: its table, one of its columns, or (CASCADE) the table it references. */
export function cascades(d: DroppedObjects, o: CreatedObject): boolean {
  if (o.table && !o.key.startsWith('table:')) {
    if (d.tables.has(o.table)) return true;
    if (o.columns.some((c) => d.columns.has(`${o.table}.${c}`))) return true;
  }
  return !!o.referencedTable && d.cascadeTables.has(o.referencedTable);
}
