/** Hover and completion of schema names from a snapshot: the quoted name under the cursor, looked up as a table or a column of the line's table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeColumn, quotedAt, schemaCompletions, schemaHoverFor } from '../../server/src/shared/schemaHover';
import type { SchemaSnapshot } from '../../server/src/shared/schemaSnapshot';

const SNAPSHOT: SchemaSnapshot = {
  schemas: {},
  extensions: {},
  tables: {
    users: {
      kind: 'table',
      columns: {
        id: { type: 'bigint', nullable: false, default: null, identity: 'by default' },
        email: { type: 'character varying(255)', nullable: false, default: null },
        created_at: { type: 'timestamp with time zone', nullable: false, default: 'now()' },
      },
    },
    'audit.events': { kind: 'table', columns: { id: { type: 'integer', nullable: false, default: null } } },
  },
  views: {},
  indexes: { ix_users_email: { table: 'users', definition: 'CREATE UNIQUE INDEX ix_users_email ON public.users USING btree (email)' } },
  constraints: { 'users.users_pkey': { table: 'users', type: 'primary key', definition: 'PRIMARY KEY (id)' } },
  sequences: {},
  functions: {},
  types: {},
  triggers: {},
};

const at = (line: string, inside: string, offset = 1): ReturnType<typeof quotedAt> => quotedAt(line, line.indexOf(inside) + offset);

test('quotedAt: the quoted name under the cursor and the line’s other strings; not a sentence or outside quotes', () => {
  const line = `    op.add_column("users", sa.Column("profile_image", sa.Text(), nullable=True))`;
  assert.deepEqual(at(line, '"users"', 2), { word: 'users', line: ['users', 'profile_image'] });
  assert.deepEqual(at(line, '"profile_image"', 3)?.word, 'profile_image');
  assert.equal(at(line, 'add_column', 0), undefined);
  assert.equal(quotedAt(`op.execute("UPDATE users SET x = 1")`, 14), undefined);
  assert.equal(at(`op.create_table('audit.events')`, "'audit.events'", 3)?.word, 'audit.events');
});

test('a table: its columns with type, nullability and default, its indexes and constraints, and the live size', () => {
  const line = `    op.create_index('ix_users_created', 'users', ['created_at'])`;
  const md = schemaHoverFor(SNAPSHOT, at(line, "'users'", 2)!, () => '12,400 rows, 3.1 MB in the database')!;
  assert.match(md, /^\*\*table `users`\*\* before this migration — 12,400 rows, 3\.1 MB in the database/);
  assert.match(md, /\| `email` \| character varying\(255\) \| not null \| {2}\|/);
  assert.match(md, /\| `created_at` \| timestamp with time zone \| not null \| `now\(\)` \|/);
  assert.match(md, /\| `id` \| bigint \(identity by default\) \|/);
  assert.match(md, /- index `ix_users_email`: `CREATE UNIQUE INDEX ix_users_email ON public\.users USING btree \(email\)`/);
  assert.match(md, /- primary key `users_pkey`: `PRIMARY KEY \(id\)`/);
});

test('a column of the line’s table, with the indexes it is in; a name the table lacks says so; an unknown table gives nothing', () => {
  const line = `    op.alter_column('users', 'email', nullable=True)`;
  assert.equal(
    schemaHoverFor(SNAPSHOT, at(line, "'email'", 2)!),
    '**column `users.email`** before this migration: character varying(255), not null; in `ix_users_email`',
  );
  assert.equal(
    schemaHoverFor(SNAPSHOT, at(`op.drop_column('users', 'nickname')`, "'nickname'", 2)!),
    '`nickname` is not a column of `users` before this migration',
  );
  assert.equal(schemaHoverFor(SNAPSHOT, at(`op.create_table('orders')`, "'orders'", 2)!), undefined);
  assert.equal(describeColumn(SNAPSHOT, 'users', 'id'), '**column `users.id`** before this migration: bigint, not null, identity by default');
});

test('completion: the tables, or the columns once the line names a table', () => {
  assert.deepEqual(
    schemaCompletions(SNAPSHOT, ['ix_new', '']).map((c) => c.label),
    ['users', 'audit.events'],
  );
  assert.deepEqual(
    schemaCompletions(SNAPSHOT, ['users', 'em']).map((c) => `${c.label} ${c.detail}`),
    ['id users.id bigint not null', 'email users.email character varying(255) not null', 'created_at users.created_at timestamp with time zone not null'],
  );
});
