/**
 * `alembic-migrations verify` end to end: the real alembic round-trips real migrations on a
 * throwaway database — created on a real PostgreSQL with --server-url and dropped afterwards, or
 * an embedded PostgreSQL without it. The sample verifies clean; a forgotten index, a downgrade
 * that drops too much, an upgrade whose SQL fails on the third revision, and a merge each give
 * the right rule on the right file; an env.py that hard-codes its URL is refused before alembic
 * runs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { tempDir } from '../support/tempDir';
import { cli } from '../support/cli';
import { readSchemaSnapshot, type SchemaSnapshot } from '../../server/src/shared/schemaSnapshot';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
let pg: TestPostgres;
const alembicCommand = process.env.ALEMBIC_COMMAND;

before(async () => {
  // Debian's alembic (its python3 has SQLAlchemy and psycopg2), whatever is first on PATH.
  process.env.ALEMBIC_COMMAND = '/usr/bin/alembic';
  pg = await startPostgres({ createdb: true });
});
after(async () => {
  if (alembicCommand === undefined) delete process.env.ALEMBIC_COMMAND;
  else process.env.ALEMBIC_COMMAND = alembicCommand;
  await pg?.stop();
});

const STOCK_ENV_PY = `
from logging.config import fileConfig
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
target_metadata = None

def run_migrations_online():
    connectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()

run_migrations_online()
`;

interface Rev {
  id: string;
  parents: string[];
  upgrade: string;
  downgrade: string;
}

/** A project as `alembic init` lays it out, with the stock env.py unless given another. */
function project(name: string, revs: Rev[], envPy = STOCK_ENV_PY): string {
  const dir = path.join(tempDir('verify-'), name);
  fs.mkdirSync(path.join(dir, 'alembic', 'versions'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'alembic.ini'),
    '[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = postgresql+psycopg2://app@db.example.internal/production\n',
  );
  fs.writeFileSync(path.join(dir, 'alembic', 'env.py'), envPy);
  revs.forEach((r, i) => {
    const down = r.parents.length === 0 ? 'None' : r.parents.length === 1 ? `'${r.parents[0]}'` : `(${r.parents.map((p) => `'${p}'`).join(', ')})`;
    fs.writeFileSync(
      path.join(dir, 'alembic', 'versions', `${String(i + 1).padStart(4, '0')}_${r.id}.py`),
      `"""${r.id}\n\nRevision ID: ${r.id}\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = '${r.id}'\ndown_revision = ${down}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n${r.upgrade}\n\n\ndef downgrade():\n${r.downgrade}\n`,
    );
  });
  return dir;
}

const USERS: Rev = {
  id: 'r1users',
  parents: [],
  upgrade: `    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True), sa.Column("email", sa.String(255), nullable=False))`,
  downgrade: `    op.drop_table("users")`,
};

/** The throwaway databases the test server still has (there must be none after a run). */
async function leftoverDatabases(): Promise<string[]> {
  const c = new Client(pg.config);
  await c.connect();
  try {
    return (await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE '%\\_verify\\_%'`)).rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

interface VerifyJson {
  database: string;
  summary: { revisions: number; verified: number; errors: number };
  revisions: Array<{
    revision: string;
    file: string;
    status: string;
    note?: string;
    timeMs: { total: number; upgrade: number; snapshot: number; downgrade: number; upgradeAgain: number };
    findings: Array<{ ruleId: string; severity: string; message: string; file: string; range: { start: { line: number; character: number } } }>;
  }>;
}

function verifyJson(r: { code: number; out: string; err: string }): VerifyJson {
  try {
    return JSON.parse(r.out) as VerifyJson;
  } catch {
    assert.fail(`verify printed no JSON (exit ${r.code}):\n${r.out}\n${r.err}`);
  }
}

test('the sample verifies clean on an embedded PostgreSQL, with each revision timed', async () => {
  const dir = tempDir('verify-sample-');
  fs.cpSync(path.join(repoRoot, 'migrations-sample'), dir, { recursive: true, filter: (s) => !s.includes('__pycache__') && !s.includes('broken') });
  const r = await cli(['verify', path.join(dir, 'alembic.ini'), '--format', 'json']);
  const json = verifyJson(r);
  assert.equal(r.code, 0, r.err);
  assert.match(json.database, /^embedded PostgreSQL on 127\.0\.0\.1:\d+$/);
  assert.equal(json.summary.revisions, 12);
  assert.equal(json.summary.verified, 12);
  assert.equal(json.summary.errors, 0);
  // Parents before children: the merge last, each branch after the revision it starts from.
  const order: string[] = json.revisions.map((x) => x.revision);
  assert.equal(order[0], '1f9a3c2b7d10');
  assert.equal(order.at(-1), 'c3f9a1d7e586');
  assert.ok(order.indexOf('3c8b1f04a6e2') < order.indexOf('a1d7e9b5c364'));
  for (const rev of json.revisions) {
    assert.ok(rev.timeMs.upgrade > 0 && rev.timeMs.downgrade > 0 && rev.timeMs.upgradeAgain > 0 && rev.timeMs.snapshot > 0, JSON.stringify(rev));
    assert.ok(rev.timeMs.total >= rev.timeMs.upgrade + rev.timeMs.downgrade + rev.timeMs.upgradeAgain);
  }
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.startsWith('.alembic-verify-')),
    [],
    'the temporary config copy is removed',
  );
});

test('a downgrade that forgets an index, and one that drops too much, are reported on their files', async () => {
  const dir = project('forgetful', [
    {
      ...USERS,
      upgrade: `${USERS.upgrade}\n    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.Text))`,
      downgrade: `    op.drop_table("tags")\n${USERS.downgrade}`,
    },
    {
      id: 'r2orders',
      parents: ['r1users'],
      upgrade: `    op.create_table("orders", sa.Column("id", sa.Integer, primary_key=True))\n    op.create_index("ix_users_email", "users", ["email"], unique=True)`,
      downgrade: `    op.drop_table("orders")`,
    },
    {
      id: 'r3nick',
      parents: ['r1users'],
      upgrade: `    op.add_column("users", sa.Column("nick", sa.Text))`,
      downgrade: `    op.drop_column("users", "nick")\n    op.drop_column("tags", "name")`,
    },
  ]);
  const r = await cli(['verify', dir, '--server-url', pg.url]);
  assert.equal(r.code, 1, r.err);
  const lines = r.out.trim().split('\n');
  assert.deepEqual(lines.map((l) => l.replace(/^.*\/alembic\/versions\//, '')).sort(), [
    '0002_r2orders.py:8:1: error downgrade-leaves-trace after downgrade, index `ix_users_email` remains',
    // The trace makes the next upgrade fail: a rollback followed by a redeploy would too.
    '0002_r2orders.py:8:1: error round-trip-upgrade-failed upgrade failed when run again after the downgrade: relation "ix_users_email" already exists',
    '0003_r3nick.py:8:1: error downgrade-removes-too-much after downgrade, column `tags.name` is gone (it existed before the upgrade)',
  ]);
  assert.match(r.err, /3 problems in 3 revisions round-tripped on 127\.0\.0\.1:\d+/);
  assert.ok(!r.out.includes(pg.password) && !r.err.includes(pg.password), 'the password is printed nowhere');
  assert.deepEqual(await leftoverDatabases(), [], 'the throwaway database is dropped');
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.startsWith('.alembic-verify-')),
    [],
  );
});

test("an upgrade whose SQL fails on the third revision: PostgreSQL's message on that file, its child not run", async () => {
  const dir = project('failing', [
    USERS,
    {
      id: 'r2products',
      parents: ['r1users'],
      upgrade: `    op.create_table("products", sa.Column("id", sa.Integer, primary_key=True))`,
      downgrade: `    op.drop_table("products")`,
    },
    { id: 'r3broken', parents: ['r2products'], upgrade: `    op.execute("ALTER TABLE productz ADD COLUMN price numeric")`, downgrade: `    pass` },
    {
      id: 'r4after',
      parents: ['r3broken'],
      upgrade: `    op.add_column("users", sa.Column("nick", sa.Text))`,
      downgrade: `    op.drop_column("users", "nick")`,
    },
  ]);
  const r = await cli(['verify', dir, '--server-url', pg.url, '--format', 'json']);
  assert.equal(r.code, 1, r.err);
  const json = verifyJson(r);
  const byId = Object.fromEntries(json.revisions.map((x) => [x.revision, x]));
  assert.deepEqual(
    json.revisions.map((x) => [x.revision, x.status]),
    [
      ['r1users', 'verified'],
      ['r2products', 'verified'],
      ['r3broken', 'failed'],
      ['r4after', 'not-run'],
    ],
  );
  const [f] = byId.r3broken.findings;
  assert.equal(f.ruleId, 'round-trip-upgrade-failed');
  assert.equal(f.severity, 'error');
  assert.equal(path.basename(f.file), '0003_r3broken.py');
  assert.match(f.message, /^upgrade failed: relation "productz" does not exist/);
  assert.match(f.message, /statement: ALTER TABLE productz ADD COLUMN price numeric/);
  // On the SQL string inside op.execute, not on the revision line.
  assert.equal(f.range.start.line, 14);
  assert.equal(byId.r4after.note, 'r3broken could not be applied');
  assert.equal(json.summary.errors, 1);

  const schema = await cli(['schema', dir, '--revision', 'r4after', '--server-url', pg.url]);
  assert.equal(schema.code, 1, 'schema at a revision the migrations cannot reach');
  assert.match(schema.err, /the upgrade to r4after failed: relation "productz" does not exist/);
  assert.equal(schema.out, '');
  assert.deepEqual(await leftoverDatabases(), []);
});

test('a branch, its merge and a second base verify clean; --from starts at a revision without round-tripping its ancestors', async () => {
  const dir = project('merged', [
    USERS,
    {
      id: 'r2a',
      parents: ['r1users'],
      upgrade: `    op.create_index("ix_users_email", "users", ["email"])`,
      downgrade: `    op.drop_index("ix_users_email", table_name="users")`,
    },
    { id: 'r2b', parents: ['r1users'], upgrade: `    op.add_column("users", sa.Column("nick", sa.Text))`, downgrade: `    op.drop_column("users", "nick")` },
    {
      id: 'r3merge',
      parents: ['r2a', 'r2b'],
      upgrade: `    op.execute("CREATE VIEW nicks AS SELECT id, nick FROM users")`,
      downgrade: `    op.execute("DROP VIEW nicks")`,
    },
    // A second base: its downgrade (`r9audit@base`) must leave the other tree applied.
    {
      id: 'r9audit',
      parents: [],
      upgrade: `    op.create_table("audit_log", sa.Column("id", sa.Integer, primary_key=True))`,
      downgrade: `    op.drop_table("audit_log")`,
    },
  ]);
  const r = await cli(['verify', dir, '--server-url', pg.url, '--format', 'json']);
  assert.equal(r.code, 0, r.err);
  const json = verifyJson(r);
  assert.deepEqual(
    json.revisions.map((x) => x.status),
    ['verified', 'verified', 'verified', 'verified', 'verified'],
  );
  const order = json.revisions.map((x) => x.revision);
  assert.ok(order.indexOf('r3merge') > order.indexOf('r2a') && order.indexOf('r3merge') > order.indexOf('r2b'), order.join());
  assert.ok(order.indexOf('r2a') > order.indexOf('r1users') && order.indexOf('r2b') > order.indexOf('r1users'), order.join());

  const from = await cli(['verify', dir, '--server-url', pg.url, '--from', 'r2b', '--format', 'json']);
  assert.equal(from.code, 0, from.err);
  assert.deepEqual(
    verifyJson(from).revisions.map((x) => x.revision),
    ['r2b', 'r3merge'],
  );
  assert.match(from.err, /upgrading to r1users \(the parent of --from, no round trip\)/);
  assert.deepEqual(await leftoverDatabases(), []);
});

test('a version table renamed in env.py is not taken for a trace of the first revision', async () => {
  const renamed = STOCK_ENV_PY.replace('target_metadata=target_metadata)', 'target_metadata=target_metadata, version_table="schema_history")');
  assert.notEqual(renamed, STOCK_ENV_PY);
  const dir = project('renamed', [USERS], renamed);
  const r = await cli(['verify', dir, '--server-url', pg.url]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.equal(r.out, '');
});

test('verify refuses, before running alembic, when env.py hard-codes another database', async () => {
  const hardCoded = STOCK_ENV_PY.replace(
    'engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)',
    'create_engine("postgresql+psycopg2://deploy@db.prod.internal:5432/shop")',
  ).replace('from sqlalchemy import engine_from_config, pool', 'from sqlalchemy import create_engine');
  const dir = project('hardcoded', [{ ...USERS, upgrade: `    op.execute("CREATE TABLE touched (id int)")` }], hardCoded);
  const r = await cli(['verify', dir, '--server-url', pg.url]);
  assert.equal(r.code, 2);
  assert.match(r.err, /env\.py would connect to `shop` on `db\.prod\.internal:5432` as `deploy`, not to the throwaway database `hardcoded_verify_[0-9a-f]{8}`/);
  assert.match(
    r.err,
    /it ignores all three overrides verify sets — sqlalchemy\.url in a copy of alembic\.ini, the DATABASE_URL environment variable and -x sqlalchemy\.url=… — so verify refuses/,
  );
  assert.doesNotMatch(r.err, /\[1\/1\]/, 'no revision was run');
  assert.equal(r.out, '');
  assert.deepEqual(await leftoverDatabases(), [], 'the throwaway database is dropped after a refusal too');

  // An env.py that builds its connections at connect time cannot be checked: refused as well.
  const creator = project('creator', [USERS], STOCK_ENV_PY.replace('poolclass=pool.NullPool', 'poolclass=pool.NullPool, creator=lambda: None'));
  const unknown = await cli(['verify', creator, '--server-url', pg.url]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /cannot tell which database env\.py would use \(env\.py builds its connections at connect time \(creator=\)/);
  assert.deepEqual(await leftoverDatabases(), []);
});

test('verify says why it cannot run: a role without CREATEDB, an unknown --from', async () => {
  const dir = project('plain', [USERS]);
  const noCreatedb = await startPostgres();
  try {
    const r = await cli(['verify', dir, '--server-url', noCreatedb.url]);
    assert.equal(r.code, 2);
    assert.match(r.err, /could not create a throwaway database on 127\.0\.0\.1:\d+: permission denied to create database \(the role alembic needs CREATEDB/);
    assert.ok(!r.err.includes(noCreatedb.password));
  } finally {
    await noCreatedb.stop();
  }
  const unknown = await cli(['verify', dir, '--server-url', pg.url, '--from', 'nope']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /--from nope: no such revision/);
  assert.deepEqual(await leftoverDatabases(), []);
  const usage = await cli(['check', dir, '--server-url', pg.url]);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /--server-url applies to verify, schema, drift and squash only/);
});

test('schema --revision is what the catalog and psql \\d show after `alembic upgrade REV`, as JSON and as SQL', async () => {
  const dir = tempDir('schema-sample-');
  fs.cpSync(path.join(repoRoot, 'migrations-sample'), dir, { recursive: true, filter: (s) => !s.includes('__pycache__') && !s.includes('broken') });
  const ini = path.join(dir, 'alembic.ini');
  const r = await cli(['schema', ini, '--revision', '4d2e9a', '--server-url', pg.url, '--format', 'json']);
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out) as { revision: string; schema: SchemaSnapshot };
  assert.equal(json.revision, '4d2e9a7c5b18', 'a unique prefix names the revision');

  // The same migrations run by hand with the real alembic on a database of our own.
  const admin = new Client(pg.config);
  await admin.connect();
  await admin.query('CREATE DATABASE schema_by_hand');
  try {
    const url = pg.url.replace(/\/[^/]+$/, '/schema_by_hand');
    const up = spawnSync('/usr/bin/alembic', ['-c', ini, 'upgrade', '4d2e9a7c5b18'], {
      cwd: dir,
      env: { ...process.env, DATABASE_URL: url },
      encoding: 'utf8',
    });
    assert.equal(up.status, 0, up.stderr);
    const c = new Client({ ...pg.config, database: 'schema_by_hand' });
    await c.connect();
    try {
      assert.deepEqual(json.schema, await readSchemaSnapshot(c));
    } finally {
      await c.end();
    }
    // psql's \d: every column with its type, nullability and default.
    const d = spawnSync('psql', ['-X', '-A', '-t', '-F', '|', '-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', 'schema_by_hand', '-c', '\\d users'], {
      env: { ...process.env, PGPASSWORD: pg.password },
      encoding: 'utf8',
    });
    assert.equal(d.status, 0, d.stderr);
    const rows = d.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('|'));
    assert.ok(rows.length >= 5, d.stdout);
    assert.deepEqual(
      Object.fromEntries(rows.map(([name, type, , notNull, def]) => [name, { type, nullable: notNull !== 'not null', default: def || null }])),
      Object.fromEntries(
        Object.entries(json.schema.tables.users.columns).map(([name, col]) => [
          name,
          // \d shows an identity in the Default column.
          { type: col.type, nullable: col.nullable, default: col.identity ? `generated ${col.identity} as identity` : col.default },
        ]),
      ),
    );
  } finally {
    await admin.query('DROP DATABASE schema_by_hand WITH (FORCE)');
    await admin.end();
  }
  assert.ok(json.schema.indexes.ix_users_email && json.schema.tables.products && !json.schema.tables.reviews, 'the schema at 4d2e9a7c5b18, not at a head');

  const sql = await cli(['schema', ini, '--revision', '4d2e9a7c5b18', '--server-url', pg.url]);
  assert.equal(sql.code, 0, sql.err);
  assert.match(sql.out, /^-- schema-sample-\w+ at revision 4d2e9a7c5b18 /);
  assert.match(sql.out, /\nCREATE TABLE users \(\n(?: {4}.*,\n)* {4}id bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL,\n/);
  assert.match(sql.out, /\nCREATE UNIQUE INDEX ix_users_email ON public\.users USING btree \(email\);\n/);
  assert.match(sql.out, /\nALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY \(id\);\n/);
  assert.doesNotMatch(sql.out, /alembic_version/);
  assert.deepEqual(await leftoverDatabases(), []);
});

test('Ctrl-C stops alembic and still drops the throwaway database and the config copy', async () => {
  const dir = project('interrupted', [USERS, { id: 'r2slow', parents: ['r1users'], upgrade: `    op.execute("SELECT pg_sleep(120)")`, downgrade: `    pass` }]);
  const cliJs = path.join(repoRoot, 'dist', 'cli.js');
  assert.ok(fs.existsSync(cliJs), 'the CLI is built (npm run build)');
  const child = spawn(process.execPath, [cliJs, 'verify', dir, '--server-url', pg.url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`r2slow never started:\n${stderr}`)), 90_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.includes('[2/2] r2slow')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  // Let alembic reach the database and sit in pg_sleep.
  const admin = new Client(pg.config);
  await admin.connect();
  try {
    for (let i = 0; i < 100; i++) {
      const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(120)%'`);
      if (Number(rows[0].n) > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.end();
  }
  const t0 = Date.now();
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 2, stderr);
  assert.ok(Date.now() - t0 < 20_000, `stopped in ${Date.now() - t0} ms`);
  assert.match(stderr, /cancelling/);
  assert.match(stderr, /\(cancelled\)/);
  assert.deepEqual(await leftoverDatabases(), [], 'the throwaway database is dropped');
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.startsWith('.alembic-verify-')),
    [],
  );
  const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
  assert.ok(!ps.split('\n').some((l) => l.includes(dir)), 'no alembic process of the run is left');
});
