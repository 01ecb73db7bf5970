/**
 * The shape of an `op.*` rule module (ESLint's rule shape): an id from the catalog, its meta,
 * and hooks that `checkOperations` (opRules.ts) calls — `checkColumnType` once per column type
 * a call declares, `check` once per `op.x(...)` / `batch_op.x(...)` call, `checkFile` once per
 * migration. The modules are in rules/op/.
 */
import type { CallSite, Expr, ParsedMigration } from './migrationParser';
import type { RuleMeta } from './rules';
import type { FunctionObjects } from './schemaObjects';
import type { Range } from './types';

/** Reports a finding: `ruleId` is the reporting module's own id. */
export type Report = (ruleId: string, range: Range, message: string) => void;

/** What every rule may ask about the migration. */
export interface OpFileContext {
  /** The migration without the calls made only on another database (CallSite.dialect). */
  readonly parsed: ParsedMigration;
  /** Objects each function creates and drops (op.* and SQL), by function name. */
  readonly objects: Map<string, FunctionObjects>;
  /** Every operation call, in source order, with its context. */
  readonly operations: ReadonlyArray<{ site: CallSite; context: OpSiteContext }>;
  readonly report: Report;
}

/** The facts of one operation call, computed once for every rule that looks at it. */
export interface OpSiteContext extends OpFileContext {
  /** The operation: `add_column` for `op.add_column(...)` and `batch_op.add_column(...)`. */
  readonly op: string;
  /** Called on a `batch_alter_table` alias: the table is the batch's, not an argument. */
  readonly batch: boolean;
  /** The batch's table, else the first argument (`table_name`). */
  readonly table: string | undefined;
  readonly inUpgrade: boolean;
  /** The callee (`op.drop_column`): where findings about the call as a whole point. */
  readonly name: Range;
  /** Objects of the function the call is in. */
  readonly fn: FunctionObjects | undefined;
  /** Created earlier in the same function (by op.* or SQL): new, so no rows and no readers yet. */
  createdBefore(key: string): boolean;
  /** `table` was created earlier in the same function. */
  isNew(table: string | undefined): boolean;
}

export interface OpRule {
  /** The catalog id (rules.ts) this module reports, and no other. */
  readonly id: string;
  readonly meta: RuleMeta;
  /**
   * Called for every call and name in the arguments of a `create_table`, `add_column` or
   * `alter_column` call — the column types among them (`sa.DateTime()`, `postgresql.TIMESTAMP`,
   * nested ones too) — one by one in source order, before `check`.
   */
  checkColumnType?(type: Expr, context: OpSiteContext): void;
  /** Called for every operation call. */
  check?(site: CallSite, context: OpSiteContext): void;
  /** Called once per migration, after every call was checked. */
  checkFile?(parsed: ParsedMigration, context: OpFileContext): void;
}
