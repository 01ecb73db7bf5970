/** Reading the arguments of an operation call, for the rules in this folder. */
import type { Arg, CallSite, Expr, ParsedMigration } from '../../migrationParser';
import { argOf } from '../../downgradeGen';
import type { OpSiteContext } from '../../opRule';

export type Call = Expr & { kind: 'call' };

export function kw(call: Call, name: string): Arg | undefined {
  return call.args.find((a) => a.name === name);
}

export function isTrue(a: Arg | undefined): boolean {
  return a?.value.kind === 'true';
}

export function isFalse(a: Arg | undefined): boolean {
  return a?.value.kind === 'false';
}

/** A `sa.Column(...)`/`Column(...)` expression. */
export function isColumn(e: Expr | undefined): e is Call {
  return e?.kind === 'call' && /(?:^|\.)Column$/.test(e.callee);
}

export function exprText(parsed: ParsedMigration, e: Expr): string {
  return parsed.text.slice(e.start, e.end);
}

/** Longest source excerpt a message quotes: one finding stays one line in any output. */
const MAX_QUOTE = 60;

/** Source text as a message quotes it: whitespace runs (newlines too) collapsed, long text cut with `…`. */
export function quoteSource(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= MAX_QUOTE ? flat : flat.slice(0, MAX_QUOTE - 1).trimEnd() + '…';
}

export function typeName(e: Expr): string {
  const n = e.kind === 'call' ? e.callee : e.kind === 'name' ? e.name : '';
  return n.split('.').pop() ?? '';
}

/** The `sa.Column(...)` an `add_column` adds to a live table in `upgrade()` (one created earlier in the migration is new, not live). */
export function columnAddedToLiveTable(site: CallSite, context: OpSiteContext): Call | undefined {
  if (context.op !== 'add_column' || !context.inUpgrade || context.isNew(context.table)) return undefined;
  const col = argOf(site.call, context.batch ? 0 : 1, 'column')?.value;
  return isColumn(col) ? col : undefined;
}
