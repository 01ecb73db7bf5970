/**
 * A schema snapshot written as SQL a person reads (the `schema --format sql` output, and the
 * editor's "schema at this revision" document): schemas, extensions, types, sequences, tables
 * with their columns, constraints, indexes, views, functions, triggers and comments, in that
 * order and sorted by name within each. For reading, not for restoring. Pure.
 */
import type { SchemaSnapshot } from './schemaSnapshot';

const SIMPLE = /^[a-z_][a-z0-9_$]*$/;
// The reserved words most likely to be names in a schema; others are quoted by PostgreSQL's own output anyway.
const RESERVED = new Set([
  'user',
  'order',
  'group',
  'table',
  'select',
  'where',
  'from',
  'to',
  'check',
  'default',
  'limit',
  'offset',
  'primary',
  'references',
  'column',
  'end',
]);

/** `users`, `"Order"`, `audit.events`: each part quoted when PostgreSQL would need it. */
export function quoteName(qualified: string): string {
  return qualified
    .split('.')
    .map((p) => (SIMPLE.test(p) && !RESERVED.has(p) ? p : `"${p.replace(/"/g, '""')}"`))
    .join('.');
}

const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export function snapshotToSql(s: SchemaSnapshot, header?: string): string {
  const out: string[] = [];
  const comments: string[] = [];
  const comment = (what: string, text: string | undefined): void => {
    if (text) comments.push(`COMMENT ON ${what} IS ${literal(text)};`);
  };
  if (header) out.push(...header.split('\n').map((l) => `-- ${l}`), '');

  for (const [name, v] of Object.entries(s.schemas)) {
    if (name !== 'public') out.push(`CREATE SCHEMA ${quoteName(name)};`);
    comment(`SCHEMA ${quoteName(name)}`, v.comment);
  }
  for (const [name, v] of Object.entries(s.extensions))
    out.push(`CREATE EXTENSION ${quoteName(name)} WITH SCHEMA ${quoteName(v.schema)}; -- version ${v.version}`);
  for (const [name, t] of Object.entries(s.types)) {
    if (t.kind === 'enum') out.push(`CREATE TYPE ${quoteName(name)} AS ENUM (${t.labels.map(literal).join(', ')});`);
    else if (t.kind === 'domain')
      out.push(
        `CREATE DOMAIN ${quoteName(name)} AS ${t.base}${t.notNull ? ' NOT NULL' : ''}${t.default !== null ? ` DEFAULT ${t.default}` : ''}${t.constraints.map((c) => ` CONSTRAINT ${c}`).join('')};`,
      );
    else out.push(`CREATE TYPE ${quoteName(name)} AS (${t.attributes.join(', ')});`);
    comment(`TYPE ${quoteName(name)}`, t.comment);
  }
  for (const [name, q] of Object.entries(s.sequences)) {
    out.push(
      `CREATE SEQUENCE ${quoteName(name)} AS ${q.type} START ${q.start} INCREMENT ${q.increment} MINVALUE ${q.min} MAXVALUE ${q.max}${q.cycle ? ' CYCLE' : ''}${q.ownedBy ? ` OWNED BY ${quoteName(q.ownedBy)}` : ''};`,
    );
    comment(`SEQUENCE ${quoteName(name)}`, q.comment);
  }
  if (out.length && out[out.length - 1] !== '') out.push('');

  // Indexes that back a primary key, unique or exclusion constraint come with the constraint.
  const constraintIndexes = new Set(
    Object.entries(s.constraints)
      .filter(([, c]) => c.type === 'primary key' || c.type === 'unique' || c.type === 'exclusion')
      .map(([key, c]) => `${c.table.includes('.') ? c.table.slice(0, c.table.indexOf('.') + 1) : ''}${key.slice(c.table.length + 1)}`),
  );
  for (const [name, t] of Object.entries(s.tables)) {
    const kind = t.kind === 'table' ? (t.unlogged ? 'UNLOGGED TABLE' : 'TABLE') : t.kind === 'foreign table' ? 'FOREIGN TABLE' : 'TABLE';
    const cols = Object.entries(t.columns).map(([col, c]) => {
      const parts = [`    ${quoteName(col)} ${c.type}`];
      if (c.collation) parts.push(`COLLATE ${quoteName(c.collation)}`);
      if (c.identity) parts.push(`GENERATED ${c.identity.toUpperCase()} AS IDENTITY`);
      if (c.generated !== undefined) parts.push(`GENERATED ALWAYS AS (${c.generated}) STORED`);
      if (!c.nullable) parts.push('NOT NULL');
      if (c.default !== null) parts.push(`DEFAULT ${c.default}`);
      comment(`COLUMN ${quoteName(name)}.${quoteName(col)}`, c.comment);
      return parts.join(' ');
    });
    out.push(`CREATE ${kind} ${quoteName(name)} (`, cols.join(',\n'), `)${t.kind === 'partitioned table' ? ' PARTITION BY …' : ''};`);
    comment(`TABLE ${quoteName(name)}`, t.comment);
    for (const [key, c] of Object.entries(s.constraints)) {
      if (c.table !== name) continue;
      const con = key.slice(name.length + 1);
      out.push(`ALTER TABLE ${quoteName(name)} ADD CONSTRAINT ${quoteName(con)} ${c.definition}${c.notValid ? ' NOT VALID' : ''};`);
      comment(`CONSTRAINT ${quoteName(con)} ON ${quoteName(name)}`, c.comment);
    }
    for (const [idx, i] of Object.entries(s.indexes)) {
      if (i.table !== name || constraintIndexes.has(idx)) continue;
      out.push(`${i.definition};`);
      comment(`INDEX ${quoteName(idx)}`, i.comment);
    }
    out.push('');
  }
  for (const [name, v] of Object.entries(s.views)) {
    out.push(`CREATE ${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${quoteName(name)} AS`, v.definition.endsWith(';') ? v.definition : `${v.definition};`);
    for (const i of Object.values(s.indexes)) if (i.table === name) out.push(`${i.definition};`);
    comment(`${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${quoteName(name)}`, v.comment);
    out.push('');
  }
  for (const [name, f] of Object.entries(s.functions)) {
    out.push(f.kind === 'aggregate' ? `-- aggregate ${name} returns ${f.definition}` : f.definition.endsWith(';') ? f.definition : `${f.definition};`, '');
    comment(`${f.kind === 'procedure' ? 'PROCEDURE' : f.kind === 'aggregate' ? 'AGGREGATE' : 'FUNCTION'} ${name}`, f.comment);
  }
  for (const t of Object.values(s.triggers)) out.push(`${t.definition};`);
  for (const [key, t] of Object.entries(s.triggers)) comment(`TRIGGER ${quoteName(key.slice(t.table.length + 1))} ON ${quoteName(t.table)}`, t.comment);
  if (comments.length) out.push('', ...comments);
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim() + '\n'
  );
}
