/**
 * Shared value types of the pure domain core. Nothing here imports VS Code or the LSP
 * connection; positions are LSP-compatible (0-based line, UTF-16 character) so adapters
 * pass them through unchanged.
 */

/** 0-based line and UTF-16 code-unit column (LSP's default position encoding). */
import type { Position, Range } from '../text/sourceText';
import type { QuickFacts } from './quickScan';

export type { Position, Range };

/** A string literal found in source: its decoded value and the range of the whole literal (quotes included). */
export interface StringRef {
  value: string;
  range: Range;
  /**
   * The range of the characters between the quotes, when the literal is one plain piece whose
   * source text equals its value (no escapes, no concatenation): what a rename may replace.
   */
  contentRange?: Range;
}

/**
 * The right-hand side of a module-level `revision`/`down_revision`/`branch_labels`/`depends_on`
 * assignment, classified the way Alembic would read it — without guessing at computed values.
 */
export type DeclValue =
  /** `None` */
  | { kind: 'none'; range: Range }
  /** A string, or a tuple/list of strings (`()` and `[]` give an empty `items`). */
  | { kind: 'strings'; shape: 'string' | 'tuple' | 'list'; items: StringRef[]; range: Range }
  /** Anything computed (`(cli.EXPAND_BRANCH,)`, a name, a call…): cannot be resolved statically. */
  | { kind: 'dynamic'; text: string; range: Range };

/** One module-level assignment `name [: annotation] = value`. */
export interface Declaration {
  /** The range of the target name (`down_revision`). */
  nameRange: Range;
  value: DeclValue;
}

export type DeclarationName = 'revision' | 'down_revision' | 'branch_labels' | 'depends_on';

/** A `Key: value` line of the module docstring (`Revision ID`, `Revises`, `Create Date`). */
export interface HeaderField {
  /** The raw text after the colon, trimmed. */
  raw: string;
  /** Revision ids parsed from the value (`Revises: ('a', 'b')` gives two; `Revises:` gives none). */
  ids: StringRef[];
  /** Range of the value text (after the colon), or an empty range just after the colon when blank. */
  range: Range;
}

export interface MigrationHeader {
  revisionId?: HeaderField;
  revises?: HeaderField;
  createDate?: HeaderField;
}

/**
 * What the index needs from one migration file. Produced both by the fast scanner (whole
 * projects) and by the full tree-sitter parse (open or linted files); both must agree.
 */
export interface MigrationDeclarations {
  revision?: Declaration;
  downRevision?: Declaration;
  branchLabels?: Declaration;
  dependsOn?: Declaration;
  header: MigrationHeader;
  /**
   * The migration's message as Alembic computes `Script.doc`: the module docstring stripped,
   * up to its first blank line ('' when there is no docstring).
   */
  message: string;
  /** The whole docstring, stripped (Alembic's `Script.longdoc`), when it differs from `message`. */
  longMessage?: string;
  /** Range of the module docstring, if any. */
  docstringRange?: Range;
  /**
   * Set when the docstring or a declaration's string literal never closes: Python cannot
   * tokenize the file, so Alembic cannot load it (`unparsable-migration`). Everything else is
   * then left empty, so no truncated id reaches the graph.
   */
  syntaxError?: { message: string; range: Range };
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface RelatedLocation {
  /** Absolute file path. */
  file: string;
  range: Range;
  message: string;
}

/** A diagnostic produced by the domain core, keyed by a rule id of RULES.md. */
export interface Problem {
  ruleId: string;
  severity: Severity;
  message: string;
  /** Absolute file path the problem belongs to (a migration, an alembic.ini or a pyproject.toml). */
  file: string;
  range: Range;
  related?: RelatedLocation[];
  /**
   * The first line of the statement the problem belongs to, when it is not `range`'s line (SQL
   * inside a multi-line string): a suppression there counts too, and the quick fix puts it there.
   */
  anchorLine?: number;
  /** The table an operation's finding is about (for its live size before a run), when known. */
  table?: string;
}

export const ZERO_RANGE: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** One migration file as the index holds it: where it is and what it declares. */
export interface MigrationFile {
  /** Absolute path. */
  file: string;
  /** Absolute path of the version location (folder) the file was found under. */
  versionLocation: string;
  /**
   * What it declares, with ranges. For a file the fast path read (`quick`), computed on first
   * use from the kept head of the file: the graph and its views read `quick` instead.
   */
  readonly decls: MigrationDeclarations;
  /** The fast path's facts (quickScan.ts), when the file has the usual shape. */
  readonly quick?: QuickFacts;
  /** The file's signature when it was read from disk, when asked for (graphSnapshot.ts); never set for editor buffers. */
  signature?: string;
  /**
   * Set when the file could not be read as a migration at all (binary, unreadable, too large):
   * the text of an `unparsable-migration` problem. `decls` is then empty.
   */
  readProblem?: string;
}
