/**
 * The `op.*` operation rules (RULES.md "Operations") on a parsed migration, with PostgreSQL's
 * locking in mind: what runs against an existing table in `upgrade()` and what a populated
 * table does with it. Tables created earlier in the same function are new (no rows, no
 * readers), so operations on them are not flagged.
 */
import type { Arg, CallSite, Expr, FunctionInfo, ParsedMigration } from './migrationParser';
import { argOf, stringArg } from './downgradeGen';
import { ruleInfo } from './rules';
import { cascades, droppedBy, nameOf, removes, schemaObjects, type FunctionObjects } from './schemaObjects';
import type { Problem, Range, Severity } from './types';

type Call = Expr & { kind: 'call' };

function severity(id: string): Severity {
  const s = ruleInfo(id)?.defaultSeverity;
  return s && s !== 'off' ? s : 'warning';
}

/** Operation name and table of an `op.x(...)` / `batch_op.x(...)` call; undefined for anything else. */
function operation(site: CallSite): { op: string; table?: string; batch: boolean } | undefined {
  const m = /^(\w+)\.(\w+)$/.exec(site.call.callee);
  if (!m) return undefined;
  if (m[1] === 'op') return { op: m[2], table: undefined, batch: false };
  if (site.batch?.alias === m[1]) return { op: m[2], table: site.batch.table, batch: true };
  return undefined;
}

function kw(call: Call, name: string): Arg | undefined {
  return call.args.find((a) => a.name === name);
}

function isTrue(a: Arg | undefined): boolean {
  return a?.value.kind === 'true';
}

function isFalse(a: Arg | undefined): boolean {
  return a?.value.kind === 'false';
}

/** A `sa.Column(...)`/`Column(...)` expression. */
function isColumn(e: Expr | undefined): e is Call {
  return e?.kind === 'call' && /(?:^|\.)Column$/.test(e.callee);
}

const VOLATILE = /\b(now|gen_random_uuid|uuid_generate_v[14]|random|clock_timestamp|timeofday|nextval|statement_timestamp|transaction_timestamp)\s*\(|\bcurrent_timestamp\b/i;

function exprText(parsed: ParsedMigration, e: Expr): string {
  return parsed.text.slice(e.start, e.end);
}

/** Longest source excerpt a message quotes: one finding stays one line in any output. */
const MAX_QUOTE = 60;

/** Source text as a message quotes it: whitespace runs (newlines too) collapsed, long text cut with `…`. */
export function quoteSource(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= MAX_QUOTE ? flat : flat.slice(0, MAX_QUOTE - 1).trimEnd() + '…';
}

/** Types in an expression tree: `sa.DateTime(...)`, `DateTime`, `postgresql.TIMESTAMP()`. */
function typeCalls(e: Expr, out: Expr[] = []): Expr[] {
  if (e.kind === 'call') {
    out.push(e);
    for (const a of e.args) typeCalls(a.value, out);
  } else if (e.kind === 'name') out.push(e);
  return out;
}

function typeName(e: Expr): string {
  const n = e.kind === 'call' ? e.callee : e.kind === 'name' ? e.name : '';
  return n.split('.').pop() ?? '';
}

/** Operations whose arguments name database objects. */
const NAMING_OPS = new Set(['create_table', 'add_column', 'alter_column', 'rename_table', 'create_index', 'create_foreign_key',
  'create_check_constraint', 'create_unique_constraint', 'create_primary_key', 'create_exclude_constraint']);

export function checkOperations(parsed: ParsedMigration, file: string): Problem[] {
  parsed = { ...parsed, calls: parsed.calls.filter((s) => s.dialect !== 'other') }; // not PostgreSQL's operations (CallSite.dialect)
  const out: Problem[] = [];
  const report = (ruleId: string, range: Range, message: string): void => {
    out.push({ ruleId, severity: severity(ruleId), message, file, range });
  };
  const objects = schemaObjects(parsed);
  const here = (site: CallSite): FunctionObjects | undefined => (site.functionName === undefined ? undefined : objects.get(site.functionName));
  /** Created earlier in the same function (by op.* or SQL): new, so no rows and no readers yet. */
  const createdBefore = (site: CallSite, key: string): boolean => !!here(site)?.created.some((c) => c.key === key && c.at < site.call.start);
  const isNew = (site: CallSite, table: string | undefined): boolean => !!table && createdBefore(site, `table:${table}`);
  let upgradeChanges = false;

  for (const site of parsed.calls) {
    const o = operation(site);
    if (!o) continue;
    const call = site.call;
    const name = call.func.range;
    const inUpgrade = site.functionName === 'upgrade';
    const table = o.batch ? o.table : stringArg(call, 0, 'table_name');
    if (inUpgrade && !/^(execute|get_bind|get_context|f|inline_literal|batch_alter_table)$/.test(o.op)) upgradeChanges = true;
    const shift = o.batch ? 1 : 0;

    // Column types anywhere in the call (create_table columns, add_column, alter_column type_=).
    if (/^(create_table|add_column|alter_column)$/.test(o.op)) {
      for (const t of call.args.flatMap((a) => typeCalls(a.value))) {
        const tn = typeName(t);
        if ((tn === 'DateTime' || tn === 'TIMESTAMP') && !(t.kind === 'call' && isTrue(kw(t, 'timezone')))) {
          report('prefer-timestamptz', t.range, `${quoteSource(exprText(parsed, t))} stores a timestamp without time zone: use \`sa.DateTime(timezone=True)\` (timestamptz), which PostgreSQL stores as an absolute instant.`);
        }
        if (tn === 'CHAR' || tn === 'NCHAR') report('ban-char-field', t.range, 'CHAR(n) pads with spaces and is no faster than text in PostgreSQL: use sa.Text() or sa.String().');
        if ((tn === 'String' || tn === 'VARCHAR' || tn === 'Unicode') && t.kind === 'call' && t.args.some((a) => a.name === undefined || a.name === 'length')) {
          report('prefer-text-field', t.range, 'A length limit on a string column needs a table rewrite (or ACCESS EXCLUSIVE lock) to change later: prefer sa.Text() with a CHECK constraint if a limit is needed.');
        }
      }
    }

    if (NAMING_OPS.has(o.op)) {
      // The object's own name (first argument, unless batch), new names, and column names.
      const names: Expr[] = [];
      const first = call.args.filter((a) => a.name === undefined)[o.batch ? -1 : 0];
      if (first && !o.batch) names.push(first.value);
      for (const a of call.args) {
        if (a.name === 'new_column_name' || a.name === 'new_table_name') names.push(a.value);
        if (isColumn(a.value) && a.value.args[0]) names.push(a.value.args[0].value);
      }
      for (const e of names) {
        if (e.kind !== 'string') continue;
        const bytes = Buffer.byteLength(e.value, 'utf8');
        if (bytes > 63) report('identifier-too-long', e.range, `'${e.value}' is ${bytes} bytes: PostgreSQL silently truncates identifiers to 63 bytes, so later operations by this name miss.`);
      }
    }

    for (const a of call.args) {
      const col = a.value;
      if (!isColumn(col)) continue;
      const colName = col.args[0]?.value.kind === 'string' ? (col.args[0].value as { value: string }).value : '';
      const typ = col.args.find((x, i) => i > 0 && x.name === undefined)?.value;
      if (typ && /^(Integer|INTEGER|INT)$/.test(typeName(typ)) && (isTrue(kw(col, 'primary_key')) || /^(id|.*_id)$/.test(colName))) {
        report('prefer-bigint-over-int', typ.range, `An integer id runs out at 2,147,483,647 and widening it later rewrites the table: use sa.BigInteger() for ${colName || 'ids'}.`);
      }
    }

    switch (o.op) {
      case 'add_column': {
        if (!inUpgrade || isNew(site, table)) break;
        const col = argOf(call, 1 - shift, 'column')?.value;
        if (!isColumn(col)) break;
        const nullable = kw(col, 'nullable');
        const notNull = isFalse(nullable) || isTrue(kw(col, 'primary_key'));
        const def = kw(col, 'server_default');
        if (notNull && !def) {
          report('adding-required-field', (nullable ?? kw(col, 'primary_key'))!.range, `Adding a NOT NULL column without a server_default fails on a populated ${table ?? 'table'}. Add it nullable (or with a server_default), backfill it, then set NOT NULL in a later migration.`);
        }
        if (def && VOLATILE.test(exprText(parsed, def.value))) {
          report('adding-field-with-volatile-default', def.range, `A volatile server_default (${quoteSource(exprText(parsed, def.value))}) makes PostgreSQL rewrite the whole ${table ?? 'table'} under ACCESS EXCLUSIVE (or gives every existing row the migration's timestamp). Add the column without a default, then set the default and backfill in batches.`);
        }
        break;
      }
      case 'alter_column': {
        if (!inUpgrade || isNew(site, table)) break;
        const nullable = kw(call, 'nullable');
        if (isFalse(nullable)) report('adding-not-nullable-field', nullable!.range, 'SET NOT NULL scans the whole table under ACCESS EXCLUSIVE. On PostgreSQL 12+, first add `CHECK (col IS NOT NULL) NOT VALID`, VALIDATE it in another migration, then SET NOT NULL (instant) and drop the check.');
        const type = kw(call, 'type_');
        if (type) report('changing-column-type', type.range, 'Changing a column type rewrites the table under ACCESS EXCLUSIVE for most type changes: add a new column, backfill, switch reads, then drop the old one (expand / migrate / contract).');
        const rename = kw(call, 'new_column_name');
        if (rename) report('renaming-column', rename.range, 'Renaming a column breaks every running instance that still uses the old name: add the new column, write both, backfill, switch reads, then drop the old one.');
        break;
      }
      case 'rename_table':
        if (inUpgrade) report('renaming-table', name, 'Renaming a table breaks every running instance that still uses the old name: create a view with the old name, or migrate in steps.');
        break;
      case 'drop_column':
        if (inUpgrade && !isNew(site, table)) report('ban-drop-column', name, 'Dropping a column breaks running code that still reads it: first deploy code that no longer uses it, then drop it in a later contract migration.');
        break;
      case 'drop_table': {
        const t = stringArg(call, 0, 'table_name');
        if (inUpgrade && !isNew(site, t)) report('ban-drop-table', name, 'Dropping a table breaks running code and loses its data: stop using it first, back it up, then drop it in a later contract migration.');
        break;
      }
      case 'create_index': {
        const t = o.batch ? o.table : stringArg(call, 1, 'table_name');
        const concurrent = isTrue(kw(call, 'postgresql_concurrently'));
        if (concurrent && !site.inAutocommitBlock) {
          report('concurrent-index-in-transaction', kw(call, 'postgresql_concurrently')!.range, 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block: wrap the call in `with op.get_context().autocommit_block():`.');
        } else if (!concurrent && inUpgrade && !isNew(site, t)) {
          report('require-concurrent-index-creation', name, `Building an index on ${t ?? 'an existing table'} without CONCURRENTLY blocks writes until it finishes: pass postgresql_concurrently=True inside \`with op.get_context().autocommit_block():\`.`);
        }
        break;
      }
      case 'drop_index': {
        const concurrent = isTrue(kw(call, 'postgresql_concurrently'));
        const t = o.batch ? o.table : stringArg(call, 1, 'table_name');
        const index = nameOf(argOf(call, 0, 'index_name'));
        // Quiet when nothing live is locked: the index or its table is new in this function; or
        // when this function drops the index's table or one of its columns anyway (that locks
        // the table the same, and would drop the index with it).
        const fn = here(site);
        // The index as this migration creates it somewhere (downgrade() re-creating what upgrade() drops): its columns.
        const known = index === undefined ? [] : [...objects.values()].flatMap((f) => f.created.filter((x) => x.key === `index:${index}`));
        const quiet = (index !== undefined && createdBefore(site, `index:${index}`)) || isNew(site, t)
          || (!!t && !!fn?.dropped.tables.has(t)) || (!!fn && known.some((x) => cascades(fn.dropped, x)));
        if (concurrent && !site.inAutocommitBlock) {
          report('concurrent-index-in-transaction', kw(call, 'postgresql_concurrently')!.range, 'DROP INDEX CONCURRENTLY cannot run inside a transaction block: wrap the call in `with op.get_context().autocommit_block():`.');
        } else if (!concurrent && (inUpgrade || site.functionName === 'downgrade') && !quiet) {
          report('require-concurrent-index-deletion', name, `DROP INDEX takes an ACCESS EXCLUSIVE lock on ${t ?? 'the table'}${inUpgrade ? '' : ' (a downgrade runs against the live table too)'}: pass postgresql_concurrently=True inside \`with op.get_context().autocommit_block():\`.`);
        }
        break;
      }
      case 'create_foreign_key':
      case 'create_check_constraint': {
        const t = o.batch ? o.table : stringArg(call, 1, o.op === 'create_foreign_key' ? 'source_table' : 'table_name');
        if (inUpgrade && !isNew(site, t) && !isTrue(kw(call, 'postgresql_not_valid'))) {
          report('constraint-missing-not-valid', name, 'Adding a constraint to an existing table scans it while blocking writes: pass postgresql_not_valid=True, then `ALTER TABLE … VALIDATE CONSTRAINT …` in a later migration (it does not block writes).');
        }
        break;
      }
      case 'create_unique_constraint': {
        const t = o.batch ? o.table : stringArg(call, 1, 'table_name');
        if (inUpgrade && !isNew(site, t)) report('disallowed-unique-constraint', name, 'A unique constraint builds its index while blocking writes: create a unique index CONCURRENTLY (in an autocommit block), then `ADD CONSTRAINT … UNIQUE USING INDEX …`.');
        break;
      }
    }
  }

  const down = parsed.functions.find((f) => f.name === 'downgrade');
  if (down && !down.isEmpty && !refusesToRun(parsed, down)) out.push(...notReversed(objects, file));
  out.push(...offlineUnsafe(parsed, file));
  if (upgradeChanges && down?.isEmpty) {
    report('empty-downgrade', down.nameRange, 'upgrade() changes the schema but downgrade() does nothing, so `alembic downgrade` silently leaves the changes in place. Write the reverse operations (quick fix: generate them).');
  }
  for (const imp of parsed.imports) {
    const segs = imp.module.split('.');
    if (/^(sqlalchemy|alembic|sqlmodel|typing|__future__)$/.test(segs[0])) continue;
    if (segs.some((s) => s === 'models' || s === 'model')) {
      report('model-import', imp.range, `Importing ${imp.module} ties this migration to today's models: when they change, old migrations break. Describe tables with sa.table()/sa.column() inside the migration instead.`);
    }
  }
  return out;
}

/**
 * A function whose first statement is `raise` (after comments and a docstring): a downgrade
 * written that way declares the migration irreversible, so it has nothing to remove.
 */
function refusesToRun(parsed: ParsedMigration, fn: FunctionInfo): boolean {
  const body = parsed.text.slice(parsed.lines.offsetAt(fn.bodyRange.start), parsed.lines.offsetAt(fn.bodyRange.end));
  return /^(?:\s+|#[^\n]*|[rRuU]?("""|''')[\s\S]*?\1|[rRuU]?("|')[^\n]*?\2)*raise\b/.test(body);
}

/**
 * Objects `upgrade()` creates (op.* or SQL) that `downgrade()` leaves: not dropped by name,
 * nor with their table or one of their columns (PostgreSQL's cascade). Silent when the
 * downgrade runs SQL that cannot be read, and for `IF NOT EXISTS` creations (re-running them
 * over a leftover is harmless).
 */
function notReversed(objects: Map<string, FunctionObjects>, file: string): Problem[] {
  const up = objects.get('upgrade');
  const down = droppedBy(objects, 'downgrade');
  if (!up || down.opaque) return [];
  const out: Problem[] = [];
  for (const o of up.created) {
    // Dropped or renamed away in upgrade() (a replacement of an object that existed before,
    // or a scratch table), or removed by downgrade().
    if (o.ifNotExists || removes(up.dropped, o) || up.renamedAway.has(o.key) || removes(down.dropped, o)) continue;
    out.push({ ruleId: 'downgrade-not-reversing', severity: severity('downgrade-not-reversing'), file, range: o.range,
      message: `upgrade() creates ${o.what}, but downgrade() does not remove it: a downgrade followed by an upgrade fails on the leftover.` });
  }
  return out;
}

const FETCH = /^(fetchall|fetchone|fetchmany|scalar|scalars|scalar_one|scalar_one_or_none|first|one|one_or_none|all|mappings|keys)$/;

/** Data read through `op.get_bind()` with no `is_offline_mode()` guard: `alembic upgrade --sql` crashes on it. */
function offlineUnsafe(parsed: ParsedMigration, file: string): Problem[] {
  const binds = new Set(parsed.assignments.filter((a) => a.value.kind === 'call' && /^op\.get_bind$/.test(a.value.callee)).map((a) => a.name));
  const isBind = (e: Expr | undefined): boolean => !!e && ((e.kind === 'name' && binds.has(e.name)) || (e.kind === 'call' && e.callee === 'op.get_bind'));
  const out: Problem[] = [];
  for (const site of parsed.calls) {
    if (site.guardedMode === 'online') continue;
    const c = site.call;
    let hit = false;
    if (/^(sa\.|sqlalchemy\.)?inspect$/.test(c.callee) && isBind(c.args[0]?.value)) hit = true;
    if (c.func.kind === 'attribute' && FETCH.test(c.func.attr)) {
      const inner = c.func.object;
      if (inner.kind === 'call' && /(?:^|\.)execute$/.test(inner.callee)) {
        const target = inner.func.kind === 'attribute' ? inner.func.object : inner.func.kind === 'name' ? ({ ...inner.func, name: inner.func.name.replace(/\.execute$/, '') } as Expr) : undefined;
        if (isBind(target)) hit = true;
      }
    }
    if (hit) {
      out.push({ ruleId: 'offline-unsafe-data-access', severity: severity('offline-unsafe-data-access'), file, range: c.range,
        message: 'Reading data through op.get_bind() fails in offline mode (`alembic upgrade --sql` has no database): guard it with `if not context.is_offline_mode():`, or write the change as plain SQL.' });
    }
  }
  return out;
}
