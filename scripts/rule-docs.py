# One-off authoring aid kept for maintenance: writes docs/rules/<id>.md from the texts below.
# The pages are the product's documentation (diagnostics link to them); edit the texts here.
import json, os, re, subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = subprocess.run(['node', '-e', "const r=require('./out/server/src/alembic/rules.js');console.log(JSON.stringify(r.RULES))"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
RULES = {r['id']: r for r in json.loads(out)}

D = {}
def rule(id, what, why, fix, example=None):
    D[id] = (what, why, fix, example)

rule('missing-parent', 'A `down_revision` names a revision that no migration in the project declares.',
 'Alembic cannot build its revision map: every command fails with "Can\'t locate revision identified by …" — usually after a file was deleted, renamed across branches, or a branch was rebased.',
 'Point `down_revision` at the revision it should follow (the quick fix offers the current heads), or restore the missing file.')
rule('duplicate-revision', 'Two files declare the same revision id (or reuse a branch label).',
 'Alembic keeps only one of them; which one depends on directory order, so environments silently disagree about what ran.',
 'Give one of the files a fresh id (`Rename` the id from the editor updates every reference).')
rule('revision-cycle', 'A cycle through `down_revision` / `depends_on`.',
 'Alembic cannot order the migrations and refuses to run.', 'Break the cycle: one of the members must not depend on the others.')
rule('multiple-heads', 'More than one head that is not the head of its own labelled branch.',
 '`alembic upgrade head` fails ("Multiple head revisions are present") until the heads are merged; it is the usual result of two developers adding migrations in parallel.',
 'Create a merge revision (quick fix, or `alembic merge heads`). Intentionally independent branches should carry their own `branch_labels`.')
rule('unknown-dependency', '`depends_on` names neither a revision nor a branch label of the project.',
 'Alembic fails while building the revision map.', 'Fix the id or label, or remove the dependency.')
rule('invalid-revision-id', 'A revision id that is empty or contains `@ - + :` or whitespace.',
 'Alembic reserves those characters for revision specs (`label@head`, `+1`, `a:b`); such ids cannot be targeted from the command line.',
 'Use a plain id; Alembic generates 12 hex digits.')
rule('header-mismatch', 'The docstring header (`Revision ID:` / `Revises:`) disagrees with the code.',
 'Alembic never reads the header, but people do: a stale header sends reviewers to the wrong parent.',
 'Trust the code; the quick fix rewrites the header from `revision` / `down_revision`.')
rule('dynamic-revision-value', '`revision`, `down_revision`, `branch_labels` or `depends_on` is computed rather than a literal.',
 'The extension reads migrations without running Python, so it cannot resolve the value: links, graph checks and the tree skip it.',
 'Prefer literals. If the value must be computed (shared constants), suppress this information diagnostic.')
rule('unparsable-migration', 'A `.py` file in a versions folder has no readable `revision`, or is binary / too large.',
 'Alembic imports every `.py` file there and fails on files that are not migrations.',
 'Move helpers out of the versions folder, or give the file its revision identifiers.')
rule('adding-required-field', '`op.add_column` with `nullable=False` and no `server_default`.',
 'On a table with rows PostgreSQL must fill the new column; without a default the ALTER fails, or (with a volatile default) rewrites the table under an ACCESS EXCLUSIVE lock.',
 'Expand / migrate / contract: add the column nullable (or with a constant `server_default`, instant since PostgreSQL 11), backfill in batches, then make it NOT NULL in a later migration.',
 'op.add_column("users", sa.Column("status", sa.Text(), nullable=True))\n# later migration, after the backfill:\nop.alter_column("users", "status", nullable=False)')
rule('adding-not-nullable-field', '`op.alter_column(..., nullable=False)`.',
 '`SET NOT NULL` scans the whole table while holding ACCESS EXCLUSIVE: no reads or writes until it finishes.',
 'On PostgreSQL 12+: add `CHECK (col IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` it in a later migration (no write lock), then `SET NOT NULL` uses the validated check and is instant; drop the check afterwards.',
 'op.create_check_constraint("ck_users_status_nn", "users", "status IS NOT NULL", postgresql_not_valid=True)\n# next migration\nop.execute("ALTER TABLE users VALIDATE CONSTRAINT ck_users_status_nn")\nop.alter_column("users", "status", nullable=False)\nop.drop_constraint("ck_users_status_nn", "users", type_="check")')
rule('adding-field-with-volatile-default', '`add_column` whose `server_default` is volatile or time-based (`now()`, `gen_random_uuid()`, `random()`, `clock_timestamp()`, `nextval()` …).',
 'A volatile default forces a full table rewrite under ACCESS EXCLUSIVE; `now()` avoids the rewrite but stamps every existing row with the migration\'s time, which is rarely what the data means.',
 'Add the column without a default, set the default for new rows (`ALTER … SET DEFAULT`), and backfill existing rows in batches.')
rule('changing-column-type', '`alter_column(..., type_=...)`.',
 'Most type changes rewrite the table and every index under ACCESS EXCLUSIVE.',
 'Expand / migrate / contract: add a column of the new type, write both, backfill, switch reads, drop the old column. (Widening `varchar(n)` or `varchar` → `text` is safe and may be suppressed.)')
rule('renaming-column', '`alter_column(..., new_column_name=...)`.',
 'The rename is instant, but every running instance of the application still uses the old name and starts failing.',
 'Expand / migrate / contract: add the new column, write both, backfill, switch reads, then drop the old one — as the seed guide\'s three-step email swap does.')
rule('renaming-table', '`op.rename_table`.', 'Running code still queries the old name and fails.',
 'Create the new table (or a view under the old name) and migrate in steps.')
rule('ban-drop-column', '`drop_column` in `upgrade()`.', 'Code still reading the column breaks; the data is gone for good.',
 'Contract step only: first deploy code that no longer uses the column, then drop it in its own migration (suppress the diagnostic there, deliberately).')
rule('ban-drop-table', '`drop_table` in `upgrade()` for a table not created in the same migration.', 'Running code breaks and the data is lost.',
 'Stop using the table, back it up, then drop it in a separate contract migration.')
rule('require-concurrent-index-creation', '`create_index` (or `CREATE INDEX`) without `CONCURRENTLY` on a table not created in the same migration.',
 'A plain CREATE INDEX blocks every INSERT, UPDATE and DELETE on the table until the index is built — minutes on a large table.',
 'Build it concurrently, outside the migration\'s transaction.',
 'with op.get_context().autocommit_block():\n    op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)')
rule('require-concurrent-index-deletion', '`drop_index` without `postgresql_concurrently=True`, in `upgrade()` or `downgrade()` (a rollback on a live table locks it just the same). Quiet when the same function created the index or its table, or also drops the table or one of the indexed columns.',
 'DROP INDEX takes ACCESS EXCLUSIVE on the table.', 'Drop it concurrently inside `autocommit_block()`.',
 'with op.get_context().autocommit_block():\n    op.drop_index("ix_old", table_name="users", postgresql_concurrently=True)')
rule('concurrent-index-in-transaction', '`postgresql_concurrently=True` (or `CONCURRENTLY` in SQL) outside `with op.get_context().autocommit_block():`.',
 'PostgreSQL refuses `CREATE/DROP INDEX CONCURRENTLY` inside a transaction block, and Alembic runs each migration in one: the migration fails.',
 'Wrap the operation in `autocommit_block()`.')
rule('constraint-missing-not-valid', '`create_foreign_key` / `create_check_constraint` on an existing table without `postgresql_not_valid=True`.',
 'Adding the constraint validates every row while blocking writes.',
 'Add it `NOT VALID` (instant), then `VALIDATE CONSTRAINT` in a later migration — validation does not block writes.')
rule('disallowed-unique-constraint', '`create_unique_constraint` on an existing table.', 'The unique index is built while writes are blocked.',
 'Create a unique index concurrently, then attach it: `ALTER TABLE t ADD CONSTRAINT uq UNIQUE USING INDEX ix`.')
rule('prefer-timestamptz', '`sa.DateTime()` without `timezone=True`, or `TIMESTAMP WITHOUT TIME ZONE`.',
 'A timestamp without time zone stores wall-clock time with no offset; values written from servers in different zones cannot be compared.',
 'Use `sa.DateTime(timezone=True)` (timestamptz).')
rule('ban-char-field', '`sa.CHAR` / `CHAR(n)`.', 'CHAR pads with spaces, compares surprisingly, and is no faster than text in PostgreSQL.', 'Use `sa.Text()` or `sa.String()`.')
rule('prefer-bigint-over-int', '`sa.Integer` primary keys / `int4` ids (off by default).', 'An int4 id runs out at 2.1 billion; changing the type later rewrites the table.', 'Use `sa.BigInteger()` with `sa.Identity()`.')
rule('prefer-text-field', '`sa.String(n)` / `VARCHAR(n)` (off by default).', 'Changing the limit later needs a lock or rewrite; the limit is rarely a real invariant.', 'Use `sa.Text()`, with a CHECK constraint when a limit matters.')
rule('identifier-too-long', 'A table, column, index or constraint name over 63 bytes.', 'PostgreSQL silently truncates it, so later operations by the full name (drop, rename) miss.', 'Shorten the name (Alembic\'s naming conventions can generate short ones).')
rule('empty-downgrade', '`upgrade()` changes the schema but `downgrade()` is empty or `pass`.',
 '`alembic downgrade` reports success and leaves the schema changed: rollbacks lie.', 'Write the reverse operations (the quick fix generates the mechanical ones).')
rule('downgrade-not-reversing', 'An object created in `upgrade()` (by an `op.*` call or by SQL such as `CREATE TABLE`/`CREATE INDEX`) is not removed in `downgrade()`. Removal counts PostgreSQL\'s own cascade: `DROP TABLE [IF EXISTS] x` in SQL drops `x`, and dropping a table or a column drops the indexes and constraints on it.',
 'Downgrades leave debris that makes the next upgrade fail.', 'Make `downgrade()` the mirror of `upgrade()`.')
rule('offline-unsafe-data-access', '`op.get_bind()` results fetched or inspected without an `is_offline_mode()` guard.',
 '`alembic upgrade --sql` renders SQL without a database: reading from the bind crashes it.', 'Guard data reads with `if not context.is_offline_mode():`, or express the change as plain SQL.')
rule('model-import', 'The migration imports application models.',
 'Migrations must describe the schema as it was; today\'s models change and old migrations break.', 'Use `sa.table()` / `sa.column()` inside the migration.')
rule('sql-syntax-error', 'A SQL string that is not valid PostgreSQL, according to PostgreSQL\'s own parser (libpg-query). Parameters are not syntax: `:name` binds (a list after `IN`), `%s`/`%(name)s` and `$1` for SQL handed to a connection, are checked as values; an f-string field is tried as a value, a list, a name or a fragment, and the string is an error only when no shape parses. SQL under a test for another database (`if bind.dialect.name == "mysql":`, the `else` of `== "postgresql"`) is not checked as PostgreSQL.',
 'The migration fails halfway at deploy time.', 'Fix the SQL; the diagnostic points at the exact character inside the Python string.')
rule('sqlite-syntax', 'SQLite-isms: `AUTOINCREMENT`, `PRAGMA`, `INSERT OR REPLACE/IGNORE`, backtick identifiers, `datetime(\'now\')`.',
 'The project is PostgreSQL-only; these fail or mean something else there.',
 'Use `GENERATED BY DEFAULT AS IDENTITY` / `sa.Identity()`, `SET`, `INSERT … ON CONFLICT`, double-quoted identifiers, `now()`.')
rule('update-without-where', '`UPDATE` with no `WHERE`.', 'Rewrites every row in one transaction: long row locks, table bloat, replication lag.',
 'Add the WHERE you meant, or batch by key ranges (`WHERE id BETWEEN … AND …`).')
rule('delete-without-where', '`DELETE` with no `WHERE`.', 'Removes every row.', 'Add the WHERE you meant; use TRUNCATE deliberately if that is the intent.')
rule('offset-pagination', '`LIMIT … OFFSET …` batching.', 'Each batch rescans all previous rows (quadratic), and without ORDER BY batches overlap or skip rows.', 'Batch by key ranges: `WHERE id > :last ORDER BY id LIMIT :n`.')
rule('transaction-nesting', '`BEGIN` / `COMMIT` / `ROLLBACK` inside a migration.', 'Alembic already runs each migration in a transaction; these end it early or nest it.', 'Use `with op.get_context().autocommit_block():` for statements that must run outside a transaction.')
rule('ban-truncate-cascade', '`TRUNCATE … CASCADE`.', 'Also empties every table with a foreign key to this one, recursively.', 'Truncate the tables you mean, explicitly.')
rule('ban-drop-database', '`DROP DATABASE`.', 'Has no place in a migration.', 'Remove it.')
rule('sql-string-interpolation', 'SQL built with f-strings, `%`, `.format()` or `+` from values.', 'An injection risk, and the checker cannot see the final SQL.',
 'Use bind parameters.', 'op.execute(sa.text("UPDATE users SET plan = :plan WHERE id = :id").bindparams(plan="pro", id=7))')
rule('non-literal-sql', 'SQL passed as a value the checker cannot see (built at run time), or an f-string whose fields could not be settled to a shape that parses.', 'It is not checked.', 'Use a literal (a module constant is followed), or suppress.')
rule('unused-suppression', 'An `# alembic: ignore[...]` that suppresses nothing (or names an unknown rule).', 'Stale suppressions hide future problems.', 'Remove it.')
rule('invalid-project-config', 'alembic.ini / pyproject.toml / rule settings that cannot be used (missing `script_location`, missing folders, unknown rule ids, bad severities).', 'Alembic (or the extension) cannot find or read the migrations as configured.', 'Fix the named key.')

for id, r in RULES.items():
    what, why, fix, ex = D[id]
    sev = r['defaultSeverity']
    lines = [f'# `{id}`', '', f'Default severity: **{sev}** · category: {r["category"]}', '', '## What it catches', '', what, '', '## Why it hurts on PostgreSQL', '', why, '', '## What to do instead', '', fix, '']
    if ex:
        lines += ['```python', ex, '```', '']
    lines += ['## Suppress or configure', '', f'On the line (or alone on the line above): `# alembic: ignore[{id}]`; for the whole file: `# alembic: ignore-file[{id}]`.', '',
              'Change its severity (`off`, `info`, `warning`, `error`) in `pyproject.toml`:', '', '```toml', '[tool.alembic-migrations.rules]', f'{id} = "warning"', '```', '',
              f'or in VS Code settings: `"alembic.lint.rules": {{ "{id}": "warning" }}` (settings win over the project file).', '']
    open(os.path.join(ROOT, 'docs', 'rules', f'{id}.md'), 'w').write('\n'.join(lines))

idx = ['# Rules', '', '| id | default | catches |', '|---|---|---|']
for id, r in RULES.items():
    what = D[id][0].replace('|', '\\|')
    idx.append(f'| [`{id}`]({id}.md) | {r["defaultSeverity"]} | {what} |')
open(os.path.join(ROOT, 'docs', 'rules', 'README.md'), 'w').write('\n'.join(idx) + '\n')
print(len(RULES), 'pages')
