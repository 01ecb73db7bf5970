/**
 * Planning a squash (server/src/alembic/squash.ts): the refusals, and the text of the new
 * migration — checked by the source text it contains, and by parsing it back with the same
 * scanner the index uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RevisionGraph } from '../../server/src/alembic/revisionGraph';
import { scanMigration } from '../../server/src/alembic/migrationScanner';
import { planSquash, squashFileMoves, squashRange, type SquashPlan } from '../../server/src/alembic/squash';
import { loadPythonParser } from '../../server/src/alembic/pythonParser';
import { parseMigration } from '../../server/src/alembic/migrationParser';
import type { AlembicProject } from '../../server/src/alembic/project';
import type { MigrationFile } from '../../server/src/alembic/types';

interface Src {
  id: string;
  down: string | string[] | null;
  up?: string;
  downgrade?: string;
  head?: string;
  tail?: string;
  extra?: string;
}

function source(s: Src): string {
  const d = s.down === null ? 'None' : Array.isArray(s.down) ? `(${s.down.map((x) => `'${x}'`).join(', ')})` : `'${s.down}'`;
  return `"""${s.id} message\n\nRevision ID: ${s.id}\nRevises: ${Array.isArray(s.down) ? s.down.join(', ') : (s.down ?? '')}\nCreate Date: 2024-01-0${s.id.length % 9} 00:00:00\n\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n${s.head ?? ''}\n\n# revision identifiers, used by Alembic.\nrevision = '${s.id}'\ndown_revision = ${d}\nbranch_labels = None\ndepends_on = None\n${s.extra ?? ''}\n\ndef upgrade():\n${s.up ?? `    op.create_table('t_${s.id}', sa.Column('id', sa.Integer()))`}\n\n\ndef downgrade():\n${s.downgrade ?? `    op.drop_table('t_${s.id}')`}\n${s.tail ?? ''}`;
}

function project(srcs: Src[]): { graph: RevisionGraph; texts: Map<string, string> } {
  const texts = new Map<string, string>();
  const files: MigrationFile[] = srcs.map((s, i) => {
    const file = `/p/migrations/versions/${String(i).padStart(3, '0')}_${s.id}.py`;
    const text = source(s);
    texts.set(file, text);
    return { file, versionLocation: '/p/migrations/versions', decls: scanMigration(text) };
  });
  return { graph: new RevisionGraph(files), texts };
}

async function plan(srcs: Src[], from: string, to: string): Promise<ReturnType<typeof planSquash>> {
  const { graph, texts } = project(srcs);
  return planSquash({ graph, from, to, py: await loadPythonParser(), textOf: (f) => texts.get(f) });
}

async function planned(srcs: Src[], from: string, to: string): Promise<SquashPlan> {
  const p = await plan(srcs, from, to);
  assert.equal(p.kind, 'plan', p.kind === 'refused' ? p.reason : '');
  return p;
}

const chain = (n: number): Src[] => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, down: i ? `r${i - 1}` : null }));

/** The body of `def name():` in `text`, up to the next module-level line. */
function bodyOf(text: string, name: string): string {
  const start = text.indexOf(`def ${name}(`);
  assert.ok(start >= 0, `no def ${name} in:\n${text}`);
  const rest = text.slice(text.indexOf('\n', start) + 1);
  const end = rest.search(/^\S/m);
  return end < 0 ? rest : rest.slice(0, end);
}

test('a linear range: TO keeps its id, FROM gives down_revision, upgrades in order, downgrades reversed', async () => {
  const p = await planned(chain(5), 'r1', 'r3');
  assert.deepEqual(
    p.revisions.map((r) => r.id),
    ['r1', 'r2', 'r3'],
  );
  assert.equal(p.revision, 'r3');
  assert.equal(p.file, '/p/migrations/versions/003_r3.py');
  const d = scanMigration(p.text);
  assert.equal(d.revision?.value.kind === 'strings' && d.revision.value.items[0].value, 'r3');
  assert.equal(d.downRevision?.value.kind === 'strings' && d.downRevision.value.items[0].value, 'r0');
  assert.equal(d.branchLabels?.value.kind, 'none');
  assert.equal(d.dependsOn?.value.kind, 'none');
  assert.match(d.message, /^Squash of 3 revisions: r1 message \.\. r3 message$/);
  assert.match(p.text, /^- r1: r1 message\n- r2: r2 message\n- r3: r3 message$/m);
  const up = bodyOf(p.text, 'upgrade');
  assert.ok(up.indexOf("# from r1: r1 message\n    op.create_table('t_r1'") < up.indexOf('# from r2: r2 message'), up);
  assert.ok(up.indexOf("op.create_table('t_r2'") < up.indexOf("op.create_table('t_r3'"), up);
  const down = bodyOf(p.text, 'downgrade');
  assert.ok(down.indexOf("op.drop_table('t_r3')") < down.indexOf("op.drop_table('t_r2')"), down);
  assert.ok(down.indexOf("op.drop_table('t_r2')") < down.indexOf("op.drop_table('t_r1')"), down);
  assert.equal((p.text.match(/^from alembic import op$/gm) ?? []).length, 1, 'imports once');
  assert.equal((p.text.match(/^import sqlalchemy as sa$/gm) ?? []).length, 1);
  assert.match(p.text, /^Revision ID: r3\nRevises: r0\nCreate Date: 2024-01-02 00:00:00$/m);
  // Python can read it: tree-sitter finds no syntax error, and both functions.
  const parsed = await parseMigration(p.text);
  assert.deepEqual(parsed.syntaxErrors, []);
  assert.deepEqual(
    parsed.functions.map((f) => f.name),
    ['upgrade', 'downgrade'],
  );
});

test('FROM at the base keeps down_revision = None; a unique prefix names a revision', async () => {
  const srcs = chain(3).map((s, i) => ({ ...s, id: `abc${i}x`, down: i ? `abc${i - 1}x` : null }));
  const p = await planned(srcs, 'abc0', 'abc2');
  assert.match(p.text, /^down_revision = None$/m);
  assert.match(p.text, /^revision = 'abc2x'$/m);
});

test('FROM may be a merge: its tuple down_revision is kept as written', async () => {
  const srcs: Src[] = [
    { id: 'a', down: null },
    { id: 'b1', down: 'a' },
    { id: 'b2', down: 'a' },
    { id: 'm', down: ['b1', 'b2'] },
    { id: 'n', down: 'm' },
  ];
  const p = await planned(srcs, 'm', 'n');
  assert.match(p.text, /^down_revision = \('b1', 'b2'\)$/m);
  assert.match(p.text, /^Revises: b1, b2$/m);
});

test('refusals name the reason', async () => {
  const branchy: Src[] = [...chain(4), { id: 'side', down: 'r1' }];
  const p1 = await plan(branchy, 'r0', 'r3');
  assert.equal(p1.kind, 'refused');
  assert.match(p1.kind === 'refused' ? p1.reason : '', /r1 is a branch point inside the range: side also revises it/);
  // The branch point may be TO itself: its children keep pointing at it.
  assert.equal((await plan(branchy, 'r0', 'r1')).kind, 'plan');

  const merged: Src[] = [
    { id: 'a', down: null },
    { id: 'b1', down: 'a' },
    { id: 'b2', down: 'a' },
    { id: 'm', down: ['b1', 'b2'] },
    { id: 'n', down: 'm' },
  ];
  const p2 = await plan(merged, 'a', 'n');
  assert.match(p2.kind === 'refused' ? p2.reason : '', /not linear: m merges b1, b2/);
  const p3 = await plan(merged, 'b1', 'b2');
  assert.match(p3.kind === 'refused' ? p3.reason : '', /not linear: b1 is not an ancestor of b2/);

  const deps: Src[] = [...chain(4), { id: 'other', down: null, extra: "depends_on = 'r1'" }];
  const p4 = await plan(deps, 'r0', 'r2');
  assert.match(p4.kind === 'refused' ? p4.reason : '', /other depends_on r1, which the squash removes/);
  // depends_on TO is fine: TO's id stays.
  assert.equal((await plan(deps, 'r0', 'r1')).kind, 'plan');

  const p5 = await plan(chain(4), 'r3', 'r1');
  assert.match(p5.kind === 'refused' ? p5.reason : '', /r3 is newer than r1: give the older revision first/);
  const p6 = await plan(chain(4), 'r2', 'r2');
  assert.match(p6.kind === 'refused' ? p6.reason : '', /same revision/);
  const p7 = await plan(chain(4), 'zz', 'r2');
  assert.match(p7.kind === 'refused' ? p7.reason : '', /FROM zz: Can't locate revision identified by 'zz'/);
});

test('depends_on pointing outside the range is kept; inside it is dropped; labels merged', async () => {
  const srcs: Src[] = [{ id: 'x', down: null }, ...chain(4).map((s) => s)];
  srcs[2] = { ...srcs[2], extra: "depends_on = ('x', 'r0')" };
  srcs[3] = { ...srcs[3], extra: "depends_on = 'r1'\nbranch_labels = ('feature',)" };
  const p = await planned(srcs, 'r1', 'r3');
  assert.match(p.text, /^depends_on = \('x', 'r0'\)$/m);
  assert.match(p.text, /^branch_labels = \('feature',\)$/m);
});

test('helpers are kept; a clashing one is renamed with its references; identical ones once', async () => {
  const helper = (v: string): string => `\n\ndef helper():\n    return '${v}'\n\nLIMIT = 10\n`;
  const srcs: Src[] = [
    { id: 'r0', down: null },
    { id: 'r1', down: 'r0', extra: helper('one'), up: "    op.execute(helper())\n    op.execute(f'SELECT {LIMIT}')" },
    { id: 'r2', down: 'r1', extra: helper('two'), up: '    op.execute(helper())\n    x = sa.table("t")\n    x.helper = helper\n    op.f(helper=1)' },
    { id: 'r3', down: 'r2', extra: helper('one'), up: '    op.execute(helper())' },
  ];
  const p = await planned(srcs, 'r1', 'r3');
  // r3's helper is r1's, word for word: kept once, not renamed.
  assert.deepEqual(p.renamed, [{ revision: 'r2', from: 'helper', to: 'helper_r2' }]);
  assert.equal((p.text.match(/^def helper\(\):$/gm) ?? []).length, 1);
  assert.match(p.text, /# from r3: r3 message\n {4}op\.execute\(helper\(\)\)/);
  // r2's helper and every reference in r2's body, not attribute or keyword names.
  assert.match(p.text, /^def helper_r2\(\):\n {4}return 'two'$/m);
  assert.match(p.text, /# from r2: r2 message\n {4}op\.execute\(helper_r2\(\)\)\n {4}x = sa\.table\("t"\)\n {4}x\.helper = helper_r2\n {4}op\.f\(helper=1\)/);
  assert.match(p.text, /# from r1: r1 message\n {4}op\.execute\(helper\(\)\)/);
  // LIMIT = 10 is the same in every file: kept once, never renamed.
  assert.equal((p.text.match(/^LIMIT = 10$/gm) ?? []).length, 1);
  assert.deepEqual((await parseMigration(p.text)).syntaxErrors, []);
});

test('a helper identical in text but reading a renamed constant is renamed too', async () => {
  const extra = (v: string): string => `\n\nNAME = '${v}'\n\n\ndef table():\n    return NAME\n`;
  const srcs: Src[] = [
    { id: 'r0', down: null, extra: extra('a'), up: '    op.create_table(table())' },
    { id: 'r1', down: 'r0', extra: extra('b'), up: '    op.create_table(table())' },
  ];
  const p = await planned(srcs, 'r0', 'r1');
  assert.deepEqual(p.renamed, [
    { revision: 'r1', from: 'NAME', to: 'NAME_r1' },
    { revision: 'r1', from: 'table', to: 'table_r1' },
  ]);
  assert.match(p.text, /^def table_r1\(\):\n {4}return NAME_r1$/m);
  assert.match(p.text, /# from r1: r1 message\n {4}op\.create_table\(table_r1\(\)\)/);
});

test('a helper named like an import of another file is renamed, so the import keeps its meaning', async () => {
  const srcs: Src[] = [
    { id: 'r0', down: null, extra: '\n\ndef text(s):\n    return s\n', up: "    op.execute(text('SELECT 1'))" },
    { id: 'r1', down: 'r0', head: 'from sqlalchemy import text', up: "    op.execute(text('SELECT 2'))" },
  ];
  const p = await planned(srcs, 'r0', 'r1');
  assert.match(p.text, /^from sqlalchemy import text$/m);
  assert.match(p.text, /^def text_r0\(s\):/m);
  assert.match(p.text, /# from r0: r0 message\n {4}op\.execute\(text_r0\('SELECT 1'\)\)/);
  assert.match(p.text, /# from r1: r1 message\n {4}op\.execute\(text\('SELECT 2'\)\)/);
});

test('a helper shadowing a builtin another file uses is renamed', async () => {
  const srcs: Src[] = [
    { id: 'r0', down: null, extra: '\n\ndef filter(rows):\n    return rows\n', up: '    op.execute(filter("SELECT 1"))' },
    { id: 'r1', down: 'r0', up: '    op.execute(",".join(filter(None, ["a", ""])))' },
    // Only an attribute and a keyword named `table`: r2's helper `table` keeps its name.
    { id: 'r2', down: 'r1', extra: '\n\ndef table():\n    return "t"\n', up: '    op.create_table(table())' },
    { id: 'r3', down: 'r2', up: '    sa.table("x")\n    op.f(table=1)' },
  ];
  const p = await planned(srcs, 'r0', 'r3');
  assert.deepEqual(p.renamed, [{ revision: 'r0', from: 'filter', to: 'filter_r0' }]);
  assert.match(p.text, /^def table\(\):$/m);
  assert.match(p.text, /# from r1: r1 message\n {4}op\.execute\(",".join\(filter\(None/);
  assert.match(p.text, /# from r0: r0 message\n {4}op\.execute\(filter_r0\("SELECT 1"\)\)/);
});

test('imports binding one name to different things are refused', async () => {
  const srcs: Src[] = [
    { id: 'r0', down: null, head: 'from sqlalchemy import text' },
    { id: 'r1', down: 'r0', head: 'from myapp.sql import text' },
  ];
  const p = await plan(srcs, 'r0', 'r1');
  assert.match(p.kind === 'refused' ? p.reason : '', /imports clash: `text` is `from sqlalchemy import text` in r0 and `from myapp.sql import text` in r1/);
});

test('a body that returns early is wrapped, so the bodies after it still run; strings keep their lines', async () => {
  const srcs: Src[] = [
    { id: 'r0', down: null, up: "    if op.get_bind().dialect.name != 'postgresql':\n        return\n    op.execute('''\n  SELECT 1\n''')" },
    { id: 'r1', down: 'r0', up: '    def inner():\n        return 1\n    op.execute(str(inner()))' },
  ];
  const p = await planned(srcs, 'r0', 'r1');
  const up = p.text.slice(p.text.indexOf('def upgrade'), p.text.indexOf('def downgrade'));
  assert.match(
    up,
    / {4}def _upgrade_r0\(\):\n {8}if op\.get_bind\(\)\.dialect\.name != 'postgresql':\n {12}return\n {8}op\.execute\('''\n {2}SELECT 1\n'''\)\n {4}_upgrade_r0\(\)/,
  );
  // A return inside a nested function is not an early return of the body.
  assert.match(up, /# from r1: r1 message\n {4}def inner\(\):\n {8}return 1\n {4}op\.execute/);
  assert.deepEqual((await parseMigration(p.text)).syntaxErrors, []);
});

test('bodies indented with two spaces or tabs come out with four; -> None is kept', async () => {
  const srcs: Src[] = [
    { id: 'r0', down: null, up: "  op.execute('a')\n  if True:\n    op.execute('b')" },
    { id: 'r1', down: 'r0', up: "\top.execute('c')" },
  ];
  const { graph, texts } = project(srcs);
  for (const [f, t] of texts) texts.set(f, t.replace('def upgrade():', 'def upgrade() -> None:'));
  const p = planSquash({ graph, from: 'r0', to: 'r1', py: await loadPythonParser(), textOf: (f) => texts.get(f) });
  assert.equal(p.kind, 'plan');
  const text = p.kind === 'plan' ? p.text : '';
  assert.match(
    text,
    /def upgrade\(\) -> None:\n {4}# from r0: r0 message\n {4}op\.execute\('a'\)\n {4}if True:\n {6}op\.execute\('b'\)\n\n {4}# from r1: r1 message\n {4}op\.execute\('c'\)/,
  );
});

test('upgrade() with parameters, a missing downgrade() or a syntax error is refused', async () => {
  const p1 = await plan(
    [
      { id: 'r0', down: null },
      { id: 'r1', down: 'r0', tail: '\n\ndef upgrade(engine_name):\n    pass\n' },
    ],
    'r0',
    'r1',
  );
  assert.match(p1.kind === 'refused' ? p1.reason : '', /upgrade\(\) of r1 takes parameters/);
  const { graph, texts } = project([
    { id: 'r0', down: null },
    { id: 'r1', down: 'r0' },
  ]);
  const [f0] = texts.keys();
  texts.set(f0, texts.get(f0)!.replace(/def downgrade\(\):[\s\S]*$/, ''));
  const p2 = planSquash({ graph, from: 'r0', to: 'r1', py: await loadPythonParser(), textOf: (f) => texts.get(f) });
  assert.match(p2.kind === 'refused' ? p2.reason : '', /r0 has no module-level downgrade\(\)/);
  texts.set(f0, texts.get(f0)! + '\ndef downgrade(:\n');
  const p3 = planSquash({ graph, from: 'r0', to: 'r1', py: await loadPythonParser(), textOf: (f) => texts.get(f) });
  assert.match(p3.kind === 'refused' ? p3.reason : '', /000_r0\.py has a syntax error/);
});

test('squashRange walks TO back to FROM through down_revision', () => {
  const { graph } = project(chain(6));
  assert.deepEqual(squashRange(graph, 'r1', 'r4'), { kind: 'range', ids: ['r1', 'r2', 'r3', 'r4'] });
  assert.equal(squashRange(graph, 'head', 'r4').kind, 'refused');
});

test('file moves: archive beside the script location, inside the project, outside the version locations', async () => {
  const p = await planned(chain(3), 'r0', 'r2');
  const proj = { rootDir: '/p', scriptLocation: '/p/migrations', versionLocations: ['/p/migrations/versions'] } as AlembicProject;
  const m = squashFileMoves(proj, p, {});
  assert.deepEqual(m, {
    kind: 'moves',
    archive: '/p/squashed_migrations',
    moves: [
      { from: '/p/migrations/versions/000_r0.py', to: '/p/squashed_migrations/000_r0.py' },
      { from: '/p/migrations/versions/001_r1.py', to: '/p/squashed_migrations/001_r1.py' },
      { from: '/p/migrations/versions/002_r2.py', to: '/p/squashed_migrations/002_r2.py' },
    ],
    deletes: [],
  });
  assert.deepEqual(squashFileMoves(proj, p, { delete: true }), { kind: 'moves', moves: [], deletes: p.revisions.map((r) => r.file) });
  const inside = squashFileMoves(proj, p, { archiveDir: '/p/migrations/versions/old' });
  assert.match(inside.kind === 'refused' ? inside.reason : '', /inside the version location \/p\/migrations\/versions/);
  const outside = squashFileMoves(proj, p, { archiveDir: '/tmp/elsewhere' });
  assert.match(outside.kind === 'refused' ? outside.reason : '', /outside the project/);
});
