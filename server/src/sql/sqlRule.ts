/**
 * The shape of a SQL rule module (ESLint's rule shape): an id from the catalog, its meta, and
 * hooks that `checkSql` (sqlCheck.ts) calls — `checkText` once per SQL text before it is
 * parsed, `check` once per parsed statement, `checkAlterCommand` once per command of an
 * `ALTER TABLE`. The modules are in rules/.
 */
import type { RuleMeta } from '../alembic/rules';

/** UTF-16 offsets into the text being checked. */
export interface SqlRange {
  start: number;
  end: number;
}

/** Reports a finding: `ruleId` is the reporting module's own id. */
export type SqlReport = (ruleId: string, range: SqlRange, message: string) => void;

/** Where the SQL runs, as the migration tells it. */
export interface SqlContext {
  /** The statement runs inside `with op.get_context().autocommit_block():`. */
  insideAutocommitBlock: boolean;
  /** Tables created earlier in the same migration (no existing rows, no concurrent readers). */
  tablesCreated: Set<string>;
  /** The migration function the SQL is in (`upgrade`, `downgrade`, a helper), when known. */
  functionName?: string;
}

/** The whole SQL text, before parsing. */
export interface SqlTextContext extends SqlContext {
  /** Spans of the text outside string literals, quoted identifiers, dollar quotes and comments. */
  readonly code: ReadonlyArray<[number, number]>;
  readonly report: SqlReport;
}

/** One statement of the parse tree: `UpdateStmt` and its node. */
export interface SqlStatement {
  readonly kind: string;
  readonly node: Record<string, unknown>;
}

/** One `ALTER TABLE` command. */
export interface AlterCommand {
  /** `AT_AddColumn`, `AT_DropColumn`, … */
  readonly subtype: string;
  readonly node: Record<string, unknown>;
  /**
   * Its keyword in the statement (ADD, DROP, TYPE, SET NOT NULL): the nth of the statement for
   * the nth command of its kind; the statement's keyword for other commands.
   */
  readonly keyword: SqlRange;
}

/** The facts of one statement, computed once for every rule that looks at it. */
export interface SqlStatementContext extends SqlContext {
  /** The text the statement was parsed from (with its slots filled in); offsets index it. */
  readonly text: string;
  /** The statement's first character (past leading whitespace) and its end. */
  readonly start: number;
  readonly end: number;
  /** The statement's first token: where findings about the statement as a whole point. */
  readonly keyword: SqlRange;
  /** The table named by the statement's `relation` (ALTER TABLE, CREATE INDEX, UPDATE…). */
  readonly relation: string | undefined;
  /** `table` was created earlier in the same migration. */
  isNew(table: string | undefined): boolean;
  /** The `nth` match of `re` (case-insensitive) in the statement; the keyword when there is none. */
  at(re: RegExp, nth?: number): SqlRange;
  readonly report: SqlReport;
}

export interface SqlRuleMeta extends RuleMeta {
  /**
   * Fires on something missing (no WHERE, no CONCURRENTLY): a finding is dropped when an
   * f-string field in the statement may supply what is missing.
   */
  absence?: boolean;
  /** A finding of `checkText` explains why the text does not parse: no syntax error then. */
  explainsSyntaxError?: boolean;
}

export interface SqlRule {
  /** The catalog id (rules.ts) this module reports, and no other. */
  readonly id: string;
  readonly meta: SqlRuleMeta;
  /** Called for every SQL text, before parsing (and for fragments that are expressions). */
  checkText?(sql: string, context: SqlTextContext): void;
  /** Called for every statement of the parse tree. */
  check?(statement: SqlStatement, context: SqlStatementContext): void;
  /**
   * Called for every command of an `ALTER TABLE` statement, command by command (so findings
   * come in the statement's order), after `check`.
   */
  checkAlterCommand?(command: AlterCommand, context: SqlStatementContext): void;
}
