/**
 * The diagnostic rule catalog (../shared/design/RULES.md). The ids are the product's interface:
 * users write them in suppressions and configuration, and each has docs/rules/<id>.md.
 */
import type { Severity } from './types';

export type RuleSetting = Severity | 'off';

/**
 * `git`: rules that compare the working tree with a base branch (reported only when one is given);
 * `naming`: what a migration says about itself (its message), checked with the lint;
 * `verify`: results of running the migrations on a throwaway database (`alembic-migrations verify`).
 */
export type RuleCategory = 'graph' | 'operations' | 'sql' | 'git' | 'naming' | 'verify' | 'meta';

export interface RuleInfo {
  id: string;
  category: RuleCategory;
  defaultSeverity: RuleSetting;
  /** One line: what the rule catches. */
  summary: string;
}

const rule = (id: string, category: RuleCategory, defaultSeverity: RuleSetting, summary: string): RuleInfo => ({ id, category, defaultSeverity, summary });

export const RULES: readonly RuleInfo[] = [
  rule('missing-parent', 'graph', 'error', '`down_revision` names a revision that exists nowhere in the project'),
  rule('duplicate-revision', 'graph', 'error', 'the same revision id is declared in two files'),
  rule('revision-cycle', 'graph', 'error', 'a cycle through `down_revision`/`depends_on`'),
  rule('multiple-heads', 'graph', 'warning', 'more than one head that is not the head of its own labelled branch'),
  rule('unknown-dependency', 'graph', 'error', '`depends_on` names an unknown revision or branch label'),
  rule('invalid-revision-id', 'graph', 'error', 'empty revision id or one containing `@ - + :` or whitespace'),
  rule('header-mismatch', 'graph', 'information', 'docstring `Revision ID:`/`Revises:` disagrees with the code'),
  rule('dynamic-revision-value', 'graph', 'information', 'a revision value is computed and cannot be resolved statically'),
  rule('unparsable-migration', 'graph', 'warning', 'a file in a versions directory has no readable `revision`'),

  rule('adding-required-field', 'operations', 'error', '`add_column` with `nullable=False` and no `server_default`'),
  rule('adding-not-nullable-field', 'operations', 'warning', '`alter_column(..., nullable=False)` scans the table under ACCESS EXCLUSIVE'),
  rule('adding-field-with-volatile-default', 'operations', 'warning', '`add_column` with a volatile `server_default`'),
  rule('changing-column-type', 'operations', 'warning', '`alter_column(..., type_=...)` rewrites the table'),
  rule('renaming-column', 'operations', 'warning', 'renaming a column breaks running code'),
  rule('renaming-table', 'operations', 'warning', 'renaming a table breaks running code'),
  rule('ban-drop-column', 'operations', 'warning', '`drop_column` in an upgrade'),
  rule('ban-drop-table', 'operations', 'warning', '`drop_table` in an upgrade'),
  rule('require-concurrent-index-creation', 'operations', 'warning', '`create_index` on an existing table without `postgresql_concurrently=True`'),
  rule('require-concurrent-index-deletion', 'operations', 'warning', '`drop_index` without `postgresql_concurrently=True`'),
  rule('concurrent-index-in-transaction', 'operations', 'error', 'a concurrent index operation outside `autocommit_block()`'),
  rule('constraint-missing-not-valid', 'operations', 'warning', 'a foreign key or check constraint on an existing table without `NOT VALID`'),
  rule('disallowed-unique-constraint', 'operations', 'warning', '`create_unique_constraint` on an existing table'),
  rule('prefer-timestamptz', 'operations', 'information', '`sa.DateTime()` without `timezone=True`, or `TIMESTAMP WITHOUT TIME ZONE`'),
  rule('ban-char-field', 'operations', 'information', '`sa.CHAR` / `CHAR(n)`'),
  rule('prefer-bigint-over-int', 'operations', 'off', '`sa.Integer` primary keys / `int4` ids'),
  rule('prefer-text-field', 'operations', 'off', '`sa.String(n)` / `VARCHAR(n)`'),
  rule('identifier-too-long', 'operations', 'error', 'an identifier over 63 bytes (PostgreSQL truncates silently)'),
  rule('empty-downgrade', 'operations', 'warning', '`upgrade()` changes the schema but `downgrade()` is empty'),
  rule('downgrade-not-reversing', 'operations', 'information', 'an object created in `upgrade()` is not removed in `downgrade()`'),
  rule('offline-unsafe-data-access', 'operations', 'warning', '`op.get_bind()` results used without an `is_offline_mode()` guard'),
  rule('model-import', 'operations', 'information', 'the migration imports application models'),

  rule('sql-syntax-error', 'sql', 'error', 'not valid PostgreSQL'),
  rule('sqlite-syntax', 'sql', 'error', 'SQLite syntax in a PostgreSQL-only project'),
  rule('update-without-where', 'sql', 'warning', '`UPDATE` with no `WHERE`'),
  rule('delete-without-where', 'sql', 'warning', '`DELETE` with no `WHERE`'),
  rule('offset-pagination', 'sql', 'warning', '`LIMIT … OFFSET …` batching'),
  rule('transaction-nesting', 'sql', 'error', '`BEGIN`/`COMMIT`/`ROLLBACK` inside a migration transaction'),
  rule('ban-truncate-cascade', 'sql', 'error', '`TRUNCATE … CASCADE`'),
  rule('ban-drop-database', 'sql', 'error', '`DROP DATABASE`'),
  rule('sql-string-interpolation', 'sql', 'warning', 'SQL built with f-strings, `%`, `.format()` or `+`'),
  rule('non-literal-sql', 'sql', 'information', 'SQL passed as a value the server cannot see'),

  rule('stale-down-revision', 'git', 'warning', 'a migration added on this branch revises a revision that is no longer a head of the base branch'),
  rule('edited-shipped-migration', 'git', 'warning', 'a migration on the base branch or in a release tag had its code changed'),

  rule('round-trip-upgrade-failed', 'verify', 'error', '`upgrade()` failed on a throwaway database'),
  rule('round-trip-downgrade-failed', 'verify', 'error', '`downgrade()` failed on a throwaway database'),
  rule('downgrade-leaves-trace', 'verify', 'error', 'after upgrade + downgrade the schema has an object it did not have before'),
  rule('downgrade-removes-too-much', 'verify', 'error', 'after upgrade + downgrade an object that existed before is gone'),
  rule(
    'vague-revision-message',
    'naming',
    'information',
    'a message that says nothing: "update database", "fix stuff", "wip", "empty message", one word, a date only',
  ),

  rule('unused-suppression', 'meta', 'information', 'an `# alembic: ignore[...]` that suppresses nothing'),
  // Not in RULES.md's tables: a problem of the project's configuration itself (alembic.ini /
  // pyproject.toml / rule settings), reported on the config file so it has a home in Problems.
  rule('invalid-project-config', 'meta', 'error', 'alembic.ini / pyproject.toml / rule configuration that cannot be used'),
];

const byId = new Map(RULES.map((r) => [r.id, r]));

export function ruleInfo(id: string): RuleInfo | undefined {
  return byId.get(id);
}

/** What a rule module says about itself (ESLint's `meta`), op.* and SQL rules alike. */
export interface RuleMeta {
  category: RuleCategory;
  /** One line: what the rule catches. */
  description: string;
}

/**
 * The meta of a catalog rule, read from the catalog so each text lives in one place. An id
 * missing from the catalog is a programming error, caught when the rule modules load.
 */
export function catalogMeta(id: string): RuleMeta {
  const info = byId.get(id);
  if (!info) throw new Error(`'${id}' is not in the rule catalog (rules.ts)`);
  return { category: info.category, description: info.summary };
}

export function isRuleId(id: string): boolean {
  return byId.has(id);
}

/** Where a rule's documentation lives, relative to the repository root. */
export function ruleDocPath(id: string): string {
  return `docs/rules/${id}.md`;
}
