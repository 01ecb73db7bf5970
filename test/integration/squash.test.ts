/**
 * `alembic-migrations squash` end to end, with the real alembic (/usr/bin/alembic) on a real
 * PostgreSQL: a generated 50-revision project (tables, columns, indexes, raw SQL, functions,
 * module-level helpers with clashing names, an early return) squashed 10..30 stays a valid graph
 * for `alembic heads`/`history`, gives the same schema from an empty database, lets a database
 * stamped at the range's end upgrade, and downgrades through the squashed revision. Refusals
 * (merge, branch point, depends_on into the range, a database inside it, no confirmation) leave
 * every file as it was; a squash whose schema differs is undone.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { tempDir } from '../support/tempDir';
import { onTerminal, type TerminalResult } from '../support/terminal';
import { cli } from '../support/cli';
import { genId, writeProject, type GenRevision } from '../support/generateProject';
import { readSchemaSnapshot, type SchemaSnapshot } from '../../server/src/shared/schemaSnapshot';
import { diffSchemas } from '../../server/src/shared/schemaDiff';

const ALEMBIC = '/usr/bin/alembic';
let pg: TestPostgres;
const alembicCommand = process.env.ALEMBIC_COMMAND;
let dbCount = 0;

before(async () => {
  process.env.ALEMBIC_COMMAND = ALEMBIC;
  pg = await startPostgres({ createdb: true });
});
after(async () => {
  if (alembicCommand === undefined) delete process.env.ALEMBIC_COMMAND;
  else process.env.ALEMBIC_COMMAND = alembicCommand;
  await pg?.stop();
});

/** A new empty database on the test server; its URL. */
async function newDatabase(): Promise<string> {
  const name = `squash_${process.pid}_${++dbCount}`;
  const c = new Client(pg.config);
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  return pg.url.replace(/\/[^/?]*$/, `/${name}`);
}

function alembic(ini: string, url: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(ALEMBIC, ['-c', ini, ...args], { cwd: path.dirname(ini), env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: ReturnType<typeof alembic>, what: string): string {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r.stdout;
}

async function snapshot(url: string): Promise<SchemaSnapshot> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await readSchemaSnapshot(c, { versionTable: 'alembic_version' });
  } finally {
    await c.end();
  }
}

async function versionRows(url: string): Promise<string[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ version_num: string }>('SELECT version_num FROM alembic_version')).rows.map((r) => r.version_num);
  } finally {
    await c.end();
  }
}

/** Revision `i`'s body: a varied mix over one growing schema. */
function body(i: number): Pick<GenRevision, 'upgrade' | 'downgrade'> & { extra?: string } {
  if (i === 0)
    return {
      upgrade: ["op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('email', sa.Text(), nullable=False))"],
      downgrade: ["op.drop_table('users')"],
    };
  if (i === 20)
    return {
      upgrade: ["if op.get_bind().dialect.name != 'postgresql':", '    return', "op.add_column('users', sa.Column('c20', sa.Integer(), nullable=True))"],
      downgrade: ["op.drop_column('users', 'c20')"],
    };
  switch (i % 6) {
    case 1:
      return {
        upgrade: [
          `op.create_table('t${i}', sa.Column('id', sa.BigInteger(), primary_key=True), sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id')), sa.Column('name', sa.String(80)))`,
          `op.create_index('ix_t${i}_name', 't${i}', ['name'])`,
        ],
        downgrade: [`op.drop_index('ix_t${i}_name', table_name='t${i}')`, `op.drop_table('t${i}')`],
      };
    case 2:
      return {
        upgrade: [`op.add_column('users', sa.Column('c${i}', sa.Integer(), nullable=True, server_default='0'))`],
        downgrade: [`op.drop_column('users', 'c${i}')`],
      };
    case 3:
      return {
        upgrade: [`op.execute("""\n    CREATE TABLE raw${i} (\n        id integer PRIMARY KEY,\n        note text DEFAULT 'n${i}'\n    )\n""")`],
        downgrade: [`op.execute('DROP TABLE raw${i}')`],
      };
    case 4:
      return {
        upgrade: [`op.create_index('ix_users_c${i - 2}', 'users', ['c${i - 2}'], unique=False)`],
        downgrade: [`op.drop_index('ix_users_c${i - 2}', table_name='users')`],
      };
    case 5:
      // The same helper names in every such file, with different values: the squash renames them.
      return {
        extra: `\nCOLUMNS = ['a${i}', 'b${i}']\n\n\ndef helper_table():\n    return 'helper${i}'\n\n\ndef columns():\n    return [sa.Column(c, sa.Text()) for c in COLUMNS]\n`,
        upgrade: ["op.create_table(helper_table(), sa.Column('id', sa.Integer(), primary_key=True), *columns())"],
        downgrade: ['op.drop_table(helper_table())'],
      };
    default:
      return {
        upgrade: [`op.execute("CREATE FUNCTION f${i}() RETURNS integer LANGUAGE sql AS $$ SELECT ${i} $$")`],
        downgrade: [`op.execute('DROP FUNCTION f${i}()')`],
      };
  }
}

/** The 50-revision project; returns alembic.ini and the ids. */
function project50(): { ini: string; dir: string; ids: string[] } {
  const dir = tempDir('squash-');
  const revs: GenRevision[] = [];
  const extras = new Map<string, string>();
  for (let i = 0; i < 50; i++) {
    const id = genId(i, 18);
    const b = body(i);
    revs.push({ id, down: i ? [revs[i - 1].id] : [], message: `step ${i}`, upgrade: b.upgrade, downgrade: b.downgrade });
    if (b.extra) extras.set(id, b.extra);
  }
  const ini = writeProject(dir, revs, { url: 'postgresql://nobody@127.0.0.1:1/none' });
  // Module-level helpers go after the declarations, as people write them.
  for (const f of fs.readdirSync(path.join(dir, 'migrations', 'versions'))) {
    const id = /_([0-9a-f]{12})\.py$/.exec(f)?.[1];
    const extra = id && extras.get(id);
    if (!extra) continue;
    const file = path.join(dir, 'migrations', 'versions', f);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('\n\ndef upgrade():', `${extra}\n\ndef upgrade():`));
  }
  return { ini, dir, ids: revs.map((r) => r.id) };
}

function listing(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

test('50 revisions, squash 10..30: alembic heads/history, the same schema from empty, a database at the end upgrades', async (t) => {
  const { ini, dir, ids } = project50();
  const versions = path.join(dir, 'migrations', 'versions');
  const [emptyBefore, stampedAtEnd, emptyAfter] = [await newDatabase(), await newDatabase(), await newDatabase()];
  ok(alembic(ini, emptyBefore, 'upgrade', 'head'), 'upgrade head before the squash');
  const expected = await snapshot(emptyBefore);
  assert.ok(
    Object.keys(expected.tables).length > 15 && Object.keys(expected.functions).length > 5,
    `a real schema: ${Object.keys(expected.tables).length} tables`,
  );
  // A database at the range's end (the id the squash keeps), migrated with the old files.
  ok(alembic(ini, stampedAtEnd, 'upgrade', ids[30]), 'upgrade to the range end');

  const t0 = performance.now();
  const r = await cli(['squash', ids[10], ids[30], ini, '--yes', '--server-url', pg.url, '--database-url', stampedAtEnd]);
  const squashMs = performance.now() - t0;
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^squash 21 revisions into ${ids[30]} \\(`, 'm'));
  assert.match(r.out, /helper helper_table of \w+ renamed helper_table_\w+/);
  assert.match(r.err, new RegExp(`squash: verified: the schema at ${ids[30]} is the same before and after`));
  assert.ok(!r.err.includes(pg.password), 'no password in the output');
  t.diagnostic(`squash 10..30 of 50 with verification: ${Math.round(squashMs)} ms`);

  // The files: 30 migrations left, the 21 old ones in the archive, TO's name kept.
  const left = fs.readdirSync(versions).filter((f) => f.endsWith('.py'));
  assert.equal(left.length, 30);
  const archived = fs.readdirSync(path.join(dir, 'squashed_migrations'));
  assert.equal(archived.length, 21);
  const toFile = left.find((f) => f.includes(ids[30]))!;
  assert.ok(archived.includes(toFile), 'TO’s old text is archived under the same name');
  const squashed = fs.readFileSync(path.join(versions, toFile), 'utf8');
  assert.match(squashed, new RegExp(`^revision = '${ids[30]}'$`, 'm'));
  assert.match(squashed, new RegExp(`^down_revision = '${ids[9]}'$`, 'm'));

  // The real alembic reads the graph: one head, and the history goes 9 -> 30 -> 31.
  assert.equal(ok(alembic(ini, emptyAfter, 'heads'), 'heads').trim(), `${ids[49]} (head)`);
  const history = ok(alembic(ini, emptyAfter, 'history'), 'history')
    .trim()
    .split('\n');
  assert.equal(history.length, 30);
  assert.ok(history.includes(`${ids[9]} -> ${ids[30]}, Squash of 21 revisions: step 10 .. step 30`), history.join('\n'));
  assert.ok(history.includes(`${ids[30]} -> ${ids[31]}, step 31`));
  for (const id of ids.slice(10, 30)) assert.ok(!history.some((l) => l.includes(id)), `${id} is gone`);

  // From empty: the same schema as before the squash.
  ok(alembic(ini, emptyAfter, 'upgrade', 'head'), 'upgrade head after the squash');
  assert.deepEqual(diffSchemas(expected, await snapshot(emptyAfter)), []);
  // The database at the range's end upgrades cleanly and ends with the same schema.
  ok(alembic(ini, stampedAtEnd, 'upgrade', 'head'), 'upgrade from the range end');
  assert.deepEqual(await versionRows(stampedAtEnd), [ids[49]]);
  assert.deepEqual(diffSchemas(expected, await snapshot(stampedAtEnd)), []);
  // The squashed downgrade runs the old downgrades in reverse: down to 9 and up again.
  ok(alembic(ini, emptyAfter, 'downgrade', ids[9]), 'downgrade through the squashed revision');
  assert.deepEqual(await versionRows(emptyAfter), [ids[9]]);
  ok(alembic(ini, emptyAfter, 'upgrade', 'head'), 'upgrade again');
  assert.deepEqual(diffSchemas(expected, await snapshot(emptyAfter)), []);
});

/** A small linear project for the refusals: r0..r5 plus `more`. */
function small(more: GenRevision[] = [], extra: (id: string) => string[] = () => []): { ini: string; dir: string } {
  const dir = tempDir('squash-refuse-');
  const revs: GenRevision[] = [];
  for (let i = 0; i < 6; i++)
    revs.push({
      id: `r${i}`,
      down: i ? [`r${i - 1}`] : [],
      message: `step ${i}`,
      upgrade: [`op.create_table('s${i}', sa.Column('id', sa.Integer(), primary_key=True))`, ...extra(`r${i}`)],
      downgrade: [`op.drop_table('s${i}')`],
    });
  const ini = writeProject(dir, [...revs, ...more], { url: 'postgresql://nobody@127.0.0.1:1/none' });
  return { ini, dir };
}

async function refused(ini: string, dir: string, args: string[], code: number, reason: RegExp): Promise<void> {
  const before = listing(dir);
  const r = await cli(['squash', ...args, ini, '--yes', '--no-verify']);
  assert.equal(r.code, code, r.err);
  assert.match(r.err, reason);
  assert.deepEqual(listing(dir), before, 'no file changed');
}

test('refusals: a merge in the range, a branch point inside it, depends_on into it — nothing changes', async () => {
  const merged = small([
    { id: 'b1', down: ['r5'], message: 'b1' },
    { id: 'b2', down: ['r5'], message: 'b2' },
    { id: 'm', down: ['b1', 'b2'], message: 'merge' },
    { id: 'n', down: ['m'], message: 'after' },
  ]);
  await refused(merged.ini, merged.dir, ['r5', 'n'], 1, /not linear: m merges b1, b2/);
  const branchy = small([{ id: 'side', down: ['r2'], message: 'side' }]);
  await refused(branchy.ini, branchy.dir, ['r1', 'r4'], 1, /r2 is a branch point inside the range: side also revises it/);
  const deps = small([{ id: 'other', down: ['r5'], dependsOn: ['r3'], message: 'other' }]);
  await refused(deps.ini, deps.dir, ['r1', 'r4'], 1, /other depends_on r3, which the squash removes/);
  await refused(deps.ini, deps.dir, ['r4', 'r1'], 1, /r4 is newer than r1/);
});

test('a database inside the range is refused; one at the range end or before it is not', async () => {
  const { ini, dir } = small();
  const db = await newDatabase();
  ok(alembic(ini, db, 'upgrade', 'r2'), 'upgrade to r2');
  const before = listing(dir);
  const r = await cli(['squash', 'r1', 'r4', ini, '--yes', '--no-verify', '--database-url', db]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /the database 127\.0\.0\.1:\d+\/squash_\d+_\d+ \(--database-url\) is at r2, inside the range: upgrade it to r4 or past it first/);
  assert.ok(!r.err.includes(pg.password));
  assert.deepEqual(listing(dir), before);
  // DATABASE_URL is read the same way.
  process.env.DATABASE_URL = db;
  try {
    const e = await cli(['squash', 'r1', 'r4', ini, '--yes', '--no-verify']);
    assert.equal(e.code, 1);
    assert.match(e.err, /\(DATABASE_URL\) is at r2, inside the range/);
  } finally {
    delete process.env.DATABASE_URL;
  }
  // At r1's parent: squashing r1..r4 is fine for it.
  ok(alembic(ini, db, 'downgrade', 'r0'), 'downgrade to r0');
  const fine = await cli(['squash', 'r1', 'r4', ini, '--yes', '--no-verify', '--database-url', db]);
  assert.equal(fine.code, 0, fine.err);
  ok(alembic(ini, db, 'upgrade', 'head'), 'upgrade through the squash');
  assert.deepEqual(await versionRows(db), ['r5']);
  // An unreachable --database-url is an error: the user asked for that check.
  const { ini: ini2 } = small();
  const u = await cli(['squash', 'r1', 'r4', ini2, '--yes', '--no-verify', '--database-url', 'postgresql://x:secret-pw@127.0.0.1:1/db']);
  assert.equal(u.code, 2);
  assert.match(u.err, /cannot read the database's revision/);
  assert.ok(!u.err.includes('secret-pw'));
});

test('without --yes and without a terminal, squash refuses and changes nothing', async () => {
  const { ini, dir } = small();
  const before = listing(dir);
  const r = await cli(['squash', 'r1', 'r4', ini, '--no-verify']);
  assert.equal(r.code, 2);
  assert.match(r.err, /confirm on a terminal, or pass --yes/);
  assert.match(r.out, /^squash 4 revisions into r4/m);
  assert.deepEqual(listing(dir), before);
});

test('on a terminal it asks: "n" changes nothing, "y" squashes', async () => {
  // The built CLI on a real pseudo-terminal (support/terminal.ts), the answer typed at the prompt.
  const cliJs = path.join(__dirname, '..', '..', '..', 'dist', 'cli.js');
  const { ini, dir } = small();
  const before = listing(dir);
  const ask = (answer: string): Promise<TerminalResult> =>
    onTerminal([process.execPath, cliJs, 'squash', 'r1', 'r3', ini, '--no-verify'], [{ expect: 'Squash? [y/N] ', send: `${answer}\n` }], process.env, 30_000);
  const no = await ask('n');
  assert.equal(no.stuck, undefined, no.screen);
  assert.match(no.screen, /nothing changed/);
  assert.equal(no.code, 1);
  assert.deepEqual(listing(dir), before);
  const yes = await ask('y');
  assert.equal(yes.code, 0, yes.screen);
  assert.match(yes.screen, /squashed 3 revisions into r3/);
  assert.deepEqual(
    fs.readdirSync(path.join(dir, 'migrations', 'versions')).filter((f) => f.endsWith('.py')),
    ['00000_r0.py', '00003_r3.py', '00004_r4.py', '00005_r5.py'],
  );
});

test('--delete removes the old files; --archive puts them elsewhere in the project', async () => {
  const a = small();
  const d = await cli(['squash', 'r1', 'r3', a.ini, '--yes', '--no-verify', '--delete']);
  assert.equal(d.code, 0, d.err);
  const files = [...listing(a.dir).keys()].filter((f) => f.endsWith('.py') && f.includes('versions'));
  assert.equal(files.length, 4);
  assert.ok(!fs.existsSync(path.join(a.dir, 'squashed_migrations')));
  assert.deepEqual(
    fs.readdirSync(a.dir).filter((f) => f.startsWith('.alembic-squash')),
    [],
  );
  const b = small();
  const e = await cli(['squash', 'r1', 'r3', b.ini, '--yes', '--no-verify', '--archive', path.join(b.dir, 'old', 'squashed')]);
  assert.equal(e.code, 0, e.err);
  assert.equal(fs.readdirSync(path.join(b.dir, 'old', 'squashed')).length, 3);
  const c = small();
  const outside = await cli(['squash', 'r1', 'r3', c.ini, '--yes', '--no-verify', '--archive', tempDir('elsewhere-')]);
  assert.equal(outside.code, 1);
  assert.match(outside.err, /outside the project/);
  // A folder of the project that is a link to somewhere else is outside too.
  fs.symlinkSync(tempDir('elsewhere-'), path.join(c.dir, 'linked'));
  const linked = await cli(['squash', 'r1', 'r3', c.ini, '--yes', '--no-verify', '--archive', path.join(c.dir, 'linked', 'old')]);
  assert.equal(linked.code, 1, linked.err);
  assert.match(linked.err, /leads outside the project through a symbolic link/);
});

test('a squash whose schema differs is undone: every file back as it was', async () => {
  // r3 reads a module constant by name through globals(): renaming it (r2 has one too) changes what it reads.
  const { ini, dir } = small([], (id) => (id === 'r3' ? ["op.create_table(globals()['NAME'], sa.Column('id', sa.Integer(), primary_key=True))"] : []));
  const versions = path.join(dir, 'migrations', 'versions');
  for (const [f, v] of [
    ['00002_r2.py', 'from_r2'],
    ['00003_r3.py', 'from_r3'],
  ]) {
    const file = path.join(versions, f);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('\n\ndef upgrade():', `\nNAME = '${v}'\n\n\ndef upgrade():`));
  }
  const before = listing(dir);
  const r = await cli(['squash', 'r1', 'r4', ini, '--yes', '--server-url', pg.url]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /from_r3|from_r2/);
  assert.match(r.err, /the schema at r4 differs after the squash .*; the squash is undone, nothing changed/);
  assert.deepEqual(listing(dir), before);
});
