/**
 * Writes synthetic Alembic projects to disk for conformance tests and benchmarks: a real
 * alembic.ini, an env.py that works online and offline (`--sql`), script.py.mako, and
 * standard-template migrations with realistic op calls and SQL.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SCRIPT_TEMPLATE } from '../../server/src/alembic/newRevision';

export interface GenRevision {
  id: string;
  down: string[];
  labels?: string[];
  dependsOn?: string[];
  message?: string;
  /** Python lines of upgrade() (indented by the generator). */
  upgrade?: string[];
  downgrade?: string[];
}

const ENV_PY = `import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
if url and url.startswith("postgresql://"):
    url = "postgresql+psycopg2://" + url[len("postgresql://"):]
target_metadata = None


def run_migrations_offline():
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
`;

function pyTuple(ids: string[] | undefined): string {
  if (!ids || ids.length === 0) return 'None';
  if (ids.length === 1) return `'${ids[0]}'`;
  return `(${ids.map((i) => `'${i}'`).join(', ')})`;
}

export function migrationSource(r: GenRevision): string {
  const body = (lines: string[] | undefined): string => (lines && lines.length ? lines.map((l) => `    ${l}`).join('\n') : '    pass');
  return `"""${r.message ?? `revision ${r.id}`}

Revision ID: ${r.id}
Revises: ${r.down.join(', ')}
Create Date: 2024-01-01 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '${r.id}'
down_revision = ${pyTuple(r.down)}
branch_labels = ${r.labels?.length ? `(${r.labels.map((l) => `'${l}',`).join(' ')})` : 'None'}
depends_on = ${pyTuple(r.dependsOn)}


def upgrade():
${body(r.upgrade)}


def downgrade():
${body(r.downgrade)}
`;
}

/** Writes a project; returns the alembic.ini path. */
const LOGGING_INI = `
[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
`;

/**
 * Writes a project; returns the alembic.ini path. `logging` adds alembic's standard logging
 * sections (and env.py applies them), so runs print `Running upgrade …` lines as real projects do.
 */
export function writeProject(dir: string, revisions: GenRevision[], opts: { url?: string; logging?: boolean } = {}): string {
  const versions = path.join(dir, 'migrations', 'versions');
  fs.mkdirSync(versions, { recursive: true });
  const ini = path.join(dir, 'alembic.ini');
  fs.writeFileSync(
    ini,
    `[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = ${opts.url ?? 'postgresql://u@127.0.0.1:1/db'}\n${opts.logging ? LOGGING_INI : ''}`,
  );
  fs.writeFileSync(
    path.join(dir, 'migrations', 'env.py'),
    opts.logging
      ? ENV_PY.replace(
          'config = context.config\n',
          'config = context.config\nif config.config_file_name is not None:\n    fileConfig(config.config_file_name)\n',
        )
      : ENV_PY,
  );
  fs.writeFileSync(path.join(dir, 'migrations', 'script.py.mako'), DEFAULT_SCRIPT_TEMPLATE);
  revisions.forEach((r, i) => {
    fs.writeFileSync(path.join(versions, `${String(i).padStart(5, '0')}_${r.id}.py`), migrationSource(r));
  });
  return ini;
}

/** A deterministic 12-hex id for revision number `n` of a generated project. */
export function genId(n: number, salt = 0): string {
  return crypto.createHash('sha1').update(`${salt}:${n}`).digest('hex').slice(0, 12);
}

/** Realistic bodies for generated migrations (op calls and SQL), so lint work is representative. */
function realisticBody(i: number): { upgrade: string[]; downgrade: string[] } {
  const t = `table_${i}`;
  switch (i % 5) {
    case 0:
      return {
        upgrade: [
          `op.create_table('${t}',`,
          `    sa.Column('id', sa.BigInteger(), primary_key=True),`,
          `    sa.Column('name', sa.Text(), nullable=True),`,
          `    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()')),`,
          ')',
          `op.create_index('ix_${t}_name', '${t}', ['name'])`,
        ],
        downgrade: [`op.drop_index('ix_${t}_name', table_name='${t}')`, `op.drop_table('${t}')`],
      };
    case 1:
      return {
        upgrade: [`op.add_column('users', sa.Column('field_${i}', sa.String(100), nullable=True))`],
        downgrade: [`op.drop_column('users', 'field_${i}')`],
      };
    case 2:
      return { upgrade: [`op.execute("UPDATE users SET field_${i - 1} = lower(field_${i - 1}) WHERE id < 1000")`], downgrade: ['pass'] };
    case 3:
      return {
        upgrade: [
          'with op.get_context().autocommit_block():',
          `    op.create_index('ix_users_f${i}', 'users', ['field_${i - 2}'], postgresql_concurrently=True)`,
        ],
        downgrade: ['with op.get_context().autocommit_block():', `    op.drop_index('ix_users_f${i}', table_name='users', postgresql_concurrently=True)`],
      };
    default:
      return {
        upgrade: [
          `op.execute(sa.text("""\n        INSERT INTO audit_log (event, created_at)\n        VALUES (:event, now())\n    """).bindparams(event='m${i}'))`,
        ],
        downgrade: [`op.execute("DELETE FROM audit_log WHERE event = 'm${i}'")`],
      };
  }
}

/**
 * The benchmark shape: mostly linear, a merge every ~`mergeEvery` revisions (a short side
 * branch merged back), and `finalHeads` heads at the end.
 */
export function benchRevisions(count: number, opts: { mergeEvery?: number; finalHeads?: number; realistic?: boolean } = {}): GenRevision[] {
  const mergeEvery = opts.mergeEvery ?? 50;
  const finalHeads = opts.finalHeads ?? 2;
  const revs: GenRevision[] = [];
  let prev: string | undefined;
  let i = 0;
  const add = (down: string[]): string => {
    const id = genId(i);
    const body = opts.realistic ? realisticBody(i) : {};
    revs.push({ id, down, message: `migration ${i}`, ...body });
    i++;
    return id;
  };
  while (i < count - finalHeads) {
    if (prev && i % mergeEvery === mergeEvery - 3 && i + 3 < count - finalHeads) {
      const a = add([prev]);
      const b = add([prev]);
      prev = add([a, b]);
    } else {
      prev = add(prev ? [prev] : []);
    }
  }
  while (i < count) add(prev ? [prev] : []);
  return revs;
}

/** The text `alembic revision` writes from the stock template (with optional module-level `extra` lines). */
export function migrationText(rev: string, down: string | null, message: string, body = 'pass', extra = ''): string {
  return `"""${message}

Revision ID: ${rev}
Revises: ${down ?? ''}
Create Date: 2024-01-01 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '${rev}'
down_revision = ${down === null ? 'None' : `'${down}'`}
branch_labels = None
depends_on = None
${extra}

def upgrade() -> None:
    ${body}


def downgrade() -> None:
    pass
`;
}
