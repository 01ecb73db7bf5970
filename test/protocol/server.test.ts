import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DefinitionRequest,
  ReferencesRequest,
  HoverRequest,
  CompletionRequest,
  RenameRequest,
  CodeActionRequest,
  DocumentSymbolRequest,
  WorkspaceSymbolRequest,
  CancellationTokenSource,
  type Diagnostic,
  type TextEdit,
  type WorkspaceEdit,
  type Location,
  type Hover,
  type CompletionItem,
  type CodeAction,
} from 'vscode-languageserver-protocol/node';
import { posOf, textAt } from '../support/sourceText';
import { migrationText } from '../support/generateProject';
import { startServer, uri, DidChangeWatchedFilesNotification, type TestServer } from '../support/lspClient';
import { RevisionGraphRequest, ProjectsRequest, type RevisionGraphResult, unpackRevisionGraph } from '../../server/src/shared/protocol';
import { LineIndex } from '../../server/src/text/sourceText';

const migration = migrationText;

/** Applies single-file text edits (in reverse order) to a text. */
function applyEdits(text: string, edits: TextEdit[]): string {
  const li = new LineIndex(text);
  const sorted = [...edits].sort((a, b) => li.offsetAt(b.range.start) - li.offsetAt(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, li.offsetAt(e.range.start)) + e.newText + out.slice(li.offsetAt(e.range.end));
  return out;
}

let dir: string;
let versions: string;
let server: TestServer;
const files: Record<string, string> = {};

function write(name: string, text: string): string {
  const f = path.join(versions, name);
  fs.writeFileSync(f, text);
  files[name] = text;
  return f;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lsp-'));
  fs.mkdirSync(path.join(dir, 'migrations', 'versions'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = migrations\n');
  versions = path.join(dir, 'migrations', 'versions');
  write('aaa_users.py', migration('aaa111', null, 'create users', "op.create_table('users', sa.Column('id', sa.BigInteger(), primary_key=True))"));
  write('bbb_products.py', migration('bbb222', 'aaa111', 'create products', "op.create_table('products', sa.Column('id', sa.BigInteger(), primary_key=True))"));
  write('ccc_orphan.py', migration('ccc333', 'zzz999', 'orphan points nowhere'));
  server = await startServer(dir);
});

after(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a missing parent is published on the file, with code, docs link and source', async () => {
  const d = await server.waitForDiagnostics(uri(path.join(versions, 'ccc_orphan.py')), (ds) => ds.some((x) => x.code === 'missing-parent'));
  const mp = d.find((x) => x.code === 'missing-parent')!;
  assert.equal(mp.source, 'alembic');
  assert.equal(mp.codeDescription?.href, 'https://example.invalid/docs/rules/missing-parent.md');
  assert.equal(textAt(files['ccc_orphan.py'], mp.range).replace(/['"]/g, ''), 'zzz999');
});

test('alembic/projects and alembic/revisionGraph describe the project', async () => {
  const projects = await server.connection.sendRequest(ProjectsRequest);
  assert.equal(projects.length, 1);
  assert.equal(projects[0].configUri, uri(path.join(dir, 'alembic.ini')));
  const g = unpackRevisionGraph(await server.connection.sendRequest(RevisionGraphRequest, { projectId: projects[0].id })) as RevisionGraphResult;
  const ids = g.nodes.map((n) => n.id).sort();
  assert.deepEqual(ids, ['aaa111', 'bbb222', 'ccc333']);
  const bbb = g.nodes.find((n) => n.id === 'bbb222')!;
  assert.deepEqual(bbb.parents, ['aaa111']);
  assert.equal(bbb.message, 'create products');
  assert.ok(g.nodes.find((n) => n.id === 'ccc333')!.flags.includes('missing-parent'));
});

test("editing one file fixes the graph: the other files' diagnostics clear without reopening them", async () => {
  const orphan = path.join(versions, 'ccc_orphan.py');
  const products = path.join(versions, 'bbb_products.py');
  // Two heads once the orphan is attached to aaa111 beside bbb222: multiple-heads on both heads.
  const attached = files['ccc_orphan.py'].replace("down_revision = 'zzz999'", "down_revision = 'aaa111'");
  await server.open(orphan, files['ccc_orphan.py']);
  await server.change(orphan, attached, 2);
  await server.waitForDiagnostics(uri(products), (ds) => ds.some((x) => x.code === 'multiple-heads'));
  const own = await server.waitForDiagnostics(uri(orphan), (ds) => !ds.some((x) => x.code === 'missing-parent'));
  assert.ok(own.some((x) => x.code === 'multiple-heads'));
  // Now chain it after bbb222: one head, nothing left on either file.
  const chained = files['ccc_orphan.py'].replace("down_revision = 'zzz999'", "down_revision = 'bbb222'").replace('Revises: zzz999', 'Revises: bbb222');
  await server.change(orphan, chained, 3);
  await server.waitForDiagnostics(uri(products), (ds) => !ds.some((x) => x.code === 'multiple-heads'));
  await server.waitForDiagnostics(uri(orphan), (ds) => ds.every((x) => x.code !== 'multiple-heads' && x.code !== 'missing-parent'));
  files['ccc_orphan.py'] = chained;
});

test("go to definition on a down_revision id lands on the parent's revision line", async () => {
  const text = files['bbb_products.py'];
  const loc = (await server.connection.sendRequest(DefinitionRequest.type, {
    textDocument: { uri: uri(path.join(versions, 'bbb_products.py')) },
    position: posOf(text, "down_revision = 'aaa111'", "down_revision = 'a".length),
  })) as Location;
  assert.equal(loc.uri, uri(path.join(versions, 'aaa_users.py')));
  assert.equal(textAt(files['aaa_users.py'], loc.range), "'aaa111'");
});

test("find references on a revision lists its children's down_revision and header mentions", async () => {
  const text = files['aaa_users.py'];
  const locs = (await server.connection.sendRequest(ReferencesRequest.type, {
    textDocument: { uri: uri(path.join(versions, 'aaa_users.py')) },
    position: posOf(text, "revision = 'aaa111'", "revision = 'a".length),
    context: { includeDeclaration: false },
  })) as Location[];
  const where = locs.map((l) => `${path.basename(new URL(l.uri).pathname)}:${textAt(files[path.basename(new URL(l.uri).pathname)], l.range)}`).sort();
  assert.deepEqual(where, ["bbb_products.py:'aaa111'", 'bbb_products.py:aaa111']);
});

test("hover on a down_revision shows the parent's message, id and children", async () => {
  const text = files['bbb_products.py'];
  const h = (await server.connection.sendRequest(HoverRequest.type, {
    textDocument: { uri: uri(path.join(versions, 'bbb_products.py')) },
    position: posOf(text, "down_revision = 'aaa111'", "down_revision = 'aa".length),
  })) as Hover;
  const value = (h.contents as { value: string }).value;
  assert.match(value, /create users/);
  assert.match(value, /`aaa111`/);
  assert.match(value, /Children: `bbb222`/);
  // A link that opens the graph on that revision: the one command the client trusts in hovers.
  const link = /\[Show in graph\]\(command:alembic\.showGraph\?([^ )]+)/.exec(value);
  assert.ok(link, value);
  const [project] = await server.connection.sendRequest(ProjectsRequest);
  assert.deepEqual(JSON.parse(decodeURIComponent(link[1])), [{ projectId: project.id, revision: 'aaa111' }]);
});

test('completion inside down_revision offers revision ids, heads first', async () => {
  const file = path.join(versions, 'ddd_new.py');
  const text = migration('ddd444', '', 'new one');
  await server.open(file, text);
  const items = (await server.connection.sendRequest(CompletionRequest.type, {
    textDocument: { uri: uri(file) },
    position: posOf(text, "down_revision = ''", "down_revision = '".length),
  })) as CompletionItem[];
  const sorted = [...items].sort((a, b) => (a.sortText ?? '').localeCompare(b.sortText ?? ''));
  assert.ok(items.some((i) => i.label === 'aaa111'));
  assert.ok(!items.some((i) => i.label === 'ddd444'), 'a revision does not offer itself');
  assert.equal(sorted[0].label, 'ccc333', 'the head comes first');
});

test("rename a revision id updates the declaration, the child's down_revision and both headers", async () => {
  const text = files['aaa_users.py'];
  const edit = (await server.connection.sendRequest(RenameRequest.type, {
    textDocument: { uri: uri(path.join(versions, 'aaa_users.py')) },
    position: posOf(text, "revision = 'aaa111'", "revision = 'a".length),
    newName: 'a1b2c3d4e5f6',
  })) as WorkspaceEdit;
  const changes = edit.changes!;
  const users = applyEdits(text, changes[uri(path.join(versions, 'aaa_users.py'))]);
  const products = applyEdits(files['bbb_products.py'], changes[uri(path.join(versions, 'bbb_products.py'))]);
  assert.match(users, /revision = 'a1b2c3d4e5f6'/);
  assert.match(users, /Revision ID: a1b2c3d4e5f6/);
  assert.match(products, /down_revision = 'a1b2c3d4e5f6'/);
  assert.match(products, /Revises: a1b2c3d4e5f6/);
  assert.ok(!users.includes('aaa111') && !products.includes('aaa111'));
});

test('a header that disagrees with the code gets a quick fix that rewrites it; applying it clears the problem', async () => {
  const file = path.join(versions, 'eee_header.py');
  const text = migration('eee555', 'ccc333', 'header drift').replace('Revises: ccc333', 'Revises: bbb222');
  await server.open(file, text);
  const ds = await server.waitForDiagnostics(uri(file), (d) => d.some((x) => x.code === 'header-mismatch'));
  const diag = ds.find((x) => x.code === 'header-mismatch')!;
  const actions = (await server.connection.sendRequest(CodeActionRequest.type, {
    textDocument: { uri: uri(file) },
    range: diag.range,
    context: { diagnostics: [diag] },
  })) as CodeAction[];
  const fix = actions.find((a) => /header/i.test(a.title))!;
  assert.ok(fix, `no header fix among ${actions.map((a) => a.title).join(', ')}`);
  const fixed = applyEdits(text, fix.edit!.changes![uri(file)]);
  assert.match(fixed, /Revises: ccc333/);
  await server.change(file, fixed, 2);
  await server.waitForDiagnostics(uri(file), (d) => !d.some((x) => x.code === 'header-mismatch'));
});

test('document symbols list the revision, upgrade, downgrade and their op calls', async () => {
  const syms = (await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: uri(path.join(versions, 'aaa_users.py')) } })) as Array<{
    name: string;
    children?: Array<{ name: string }>;
  }>;
  const names = syms.map((s) => s.name);
  assert.ok(names.includes('revision aaa111'));
  assert.ok(names.includes('upgrade') && names.includes('downgrade'));
  assert.deepEqual(
    syms.find((s) => s.name === 'upgrade')!.children!.map((c) => c.name),
    ['op.create_table'],
  );
});

test('workspace symbols find revisions by id prefix and by message words', async () => {
  const byId = (await server.connection.sendRequest(WorkspaceSymbolRequest.type, { query: 'bbb' })) as Array<{ name: string }>;
  assert.deepEqual(
    byId.map((s) => s.name),
    ['bbb222 create products'],
  );
  const byWords = (await server.connection.sendRequest(WorkspaceSymbolRequest.type, { query: 'users create' })) as Array<{ name: string }>;
  assert.deepEqual(
    byWords.map((s) => s.name),
    ['aaa111 create users'],
  );
});

test('a file created on disk joins the graph and alembic/graphChanged is sent; deleting it removes it', async () => {
  const projects = await server.connection.sendRequest(ProjectsRequest);
  const before = unpackRevisionGraph(await server.connection.sendRequest(RevisionGraphRequest, { projectId: projects[0].id }))!;
  const file = write('fff_created.py', migration('fff666', 'aaa111', 'created on disk'));
  await server.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uri(file), type: 1 }] });
  await server.waitForGraphChange((p) => p.generation > before.generation);
  const after1 = unpackRevisionGraph(await server.connection.sendRequest(RevisionGraphRequest, { projectId: projects[0].id }))!;
  assert.ok(after1.nodes.some((n) => n.id === 'fff666'));
  fs.rmSync(file);
  await server.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uri(file), type: 3 }] });
  await server.waitForGraphChange((p) => p.generation > after1.generation);
  const after2 = unpackRevisionGraph(await server.connection.sendRequest(RevisionGraphRequest, { projectId: projects[0].id }))!;
  assert.ok(!after2.nodes.some((n) => n.id === 'fff666'));
});

test('an alembic.ini created on disk in a new sub-folder brings its project; deleting it takes it away', async () => {
  const sub = path.join(dir, 'added');
  fs.mkdirSync(path.join(sub, 'db', 'versions'), { recursive: true });
  const ini = path.join(sub, 'alembic.ini');
  fs.writeFileSync(ini, '[alembic]\nscript_location = %(here)s/db\n');
  const file = path.join(sub, 'db', 'versions', 'x.py');
  fs.writeFileSync(file, migration('add001', null, 'added project'));
  await server.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
    changes: [
      { uri: uri(ini), type: 1 },
      { uri: uri(file), type: 1 },
    ],
  });
  const count = async (n: number): Promise<string[]> => {
    for (let i = 0; i < 200; i++) {
      const names = (await server.connection.sendRequest(ProjectsRequest)).map((p) => p.name);
      if (names.length === n) return names;
      await new Promise((r) => setTimeout(r, 10));
    }
    return (await server.connection.sendRequest(ProjectsRequest)).map((p) => p.name);
  };
  assert.deepEqual((await count(2)).sort(), ['added', path.basename(dir)].sort());
  fs.rmSync(sub, { recursive: true, force: true });
  await server.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uri(ini), type: 3 }] });
  assert.equal((await count(1)).length, 1);
});

test('a checkout that rewrites many files at once ends in one correct graph', async () => {
  const projects = await server.connection.sendRequest(ProjectsRequest);
  const start = unpackRevisionGraph(await server.connection.sendRequest(RevisionGraphRequest, { projectId: projects[0].id }))!;
  const changes = [];
  let prev = 'ccc333';
  for (let i = 0; i < 300; i++) {
    const id = `bulk${String(i).padStart(4, '0')}`;
    changes.push({ uri: uri(write(`bulk_${i}.py`, migration(id, prev, `bulk ${i}`))), type: 1 as const });
    prev = id;
  }
  await server.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes });
  await server.waitForGraphChange((p) => p.generation > start.generation);
  const g = unpackRevisionGraph(await server.connection.sendRequest(RevisionGraphRequest, { projectId: projects[0].id }))!;
  assert.ok(g.nodes.some((n) => n.id === 'bulk0299'));
  assert.ok(g.heads.includes('bulk0299'));
});

test('a cancelled graph request is answered with RequestCancelled or a result, never hangs', async () => {
  const projects = await server.connection.sendRequest(ProjectsRequest);
  const source = new CancellationTokenSource();
  const pending = server.connection.sendRequest(RevisionGraphRequest, { projectId: projects[0].id }, source.token);
  source.cancel();
  const outcome = await pending.then(
    () => 'answered',
    (e: { code?: number }) => (e.code === -32800 ? 'cancelled' : `error ${e.code}`),
  );
  assert.ok(outcome === 'answered' || outcome === 'cancelled', outcome);
});

test('hostile files (random bytes, 5 MB, deep nesting) leave the server answering', async () => {
  let junk = '';
  for (let i = 0; i < 50_000; i++) junk += String.fromCharCode((i * 7919) % 256);
  const hostile = [
    write('zz_junk.py', junk),
    write('zz_big.py', migration('big001', 'aaa111', 'big', 'op.execute("SELECT 1")\n    '.repeat(120_000) + 'pass')),
    write('zz_deep.py', `revision = 'deep01'\ndown_revision = 'aaa111'\nx = ${'('.repeat(5000)}1${')'.repeat(5000)}\n`),
  ];
  fs.writeFileSync(path.join(versions, 'zz_binary.py'), Buffer.from([0, 1, 2, 3, 255, 0, 7]));
  await server.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
    changes: [...hostile, path.join(versions, 'zz_binary.py')].map((f) => ({ uri: uri(f), type: 1 as const })),
  });
  await server.open(hostile[2], fs.readFileSync(hostile[2], 'utf8'));
  const projects = await server.connection.sendRequest(ProjectsRequest);
  const g = unpackRevisionGraph(await server.connection.sendRequest(RevisionGraphRequest, { projectId: projects[0].id }))!;
  assert.ok(g.nodes.some((n) => n.id === 'big001'));
  assert.ok(g.nodes.some((n) => n.id === 'deep01'));
  const d: Diagnostic[] = await server.waitForDiagnostics(uri(path.join(versions, 'zz_binary.py')), (ds) => ds.some((x) => x.code === 'unparsable-migration'));
  assert.ok(d.length > 0);
  const h = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri: uri(hostile[2]) }, position: { line: 1, character: 18 } });
  assert.ok(h, 'the server still answers hovers');
});

test('multiple heads offer a merge revision that follows script.py.mako; missing parents offer the current heads', async () => {
  const left = write('m1_left.py', migration('left0001', 'aaa111', 'left head'));
  const right = write('m2_right.py', migration('right002', 'aaa111', 'right head'));
  fs.writeFileSync(
    path.join(dir, 'migrations', 'script.py.mako'),
    '"""${message}\n\nRevision ID: ${up_revision}\nRevises: ${down_revision | comma,n}\nCreate Date: ${create_date}\n\n"""\nrevision = ${repr(up_revision)}\ndown_revision = ${repr(down_revision)}\nbranch_labels = ${repr(branch_labels)}\ndepends_on = ${repr(depends_on)}\n',
  );
  await server.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [left, right].map((f) => ({ uri: uri(f), type: 1 as const })) });
  const ds = await server.waitForDiagnostics(uri(left), (d) => d.some((x) => x.code === 'multiple-heads'));
  const diag = ds.find((x) => x.code === 'multiple-heads')!;
  assert.ok(diag.relatedInformation && diag.relatedInformation.length >= 1, 'the other heads are related information');
  const actions = (await server.connection.sendRequest(CodeActionRequest.type, {
    textDocument: { uri: uri(left) },
    range: diag.range,
    context: { diagnostics: [diag] },
  })) as CodeAction[];
  const merge = actions.find((a) => a.title.startsWith('Create a merge revision'))!;
  assert.ok(merge, actions.map((a) => a.title).join(' | '));
  const changes = merge.edit!.documentChanges as Array<{ kind?: string; uri?: string; textDocument?: { uri: string }; edits?: TextEdit[] }>;
  const created = changes.find((c) => c.kind === 'create')!;
  const text = changes.find((c) => c.edits)!.edits![0].newText;
  assert.match(text, /^down_revision = \(/m);
  for (const h of unpackRevisionGraph(
    await server.connection.sendRequest(RevisionGraphRequest, { projectId: (await server.connection.sendRequest(ProjectsRequest))[0].id }),
  )!.heads) {
    if (h !== 'aaa111') assert.ok(text.includes(`'${h}'`), `merge names head ${h}`);
  }
  // Apply it as an editor would: write the file, tell the server.
  const mergeFile = new URL(created.uri!).pathname;
  fs.writeFileSync(mergeFile, text);
  await server.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: created.uri!, type: 1 as const }] });
  await server.waitForDiagnostics(uri(left), (d) => !d.some((x) => x.code === 'multiple-heads'));

  const orphanFile = write('m3_orphan.py', migration('orph0003', 'gone0000', 'orphan again'));
  await server.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uri(orphanFile), type: 1 as const }] });
  const od = await server.waitForDiagnostics(uri(orphanFile), (d) => d.some((x) => x.code === 'missing-parent'));
  const mp = od.find((x) => x.code === 'missing-parent')!;
  const fixes = (await server.connection.sendRequest(CodeActionRequest.type, {
    textDocument: { uri: uri(orphanFile) },
    range: mp.range,
    context: { diagnostics: [mp] },
  })) as CodeAction[];
  const repoint = fixes.find((a) => a.title.startsWith('Point down_revision at head'))!;
  assert.ok(repoint, fixes.map((a) => a.title).join(' | '));
  const fixed = applyEdits(files['m3_orphan.py'], repoint.edit!.changes![uri(orphanFile)]);
  assert.doesNotMatch(fixed, /gone0000'/);
  for (const f of [left, right, mergeFile, orphanFile]) fs.rmSync(f);
  await server.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
    changes: [left, right, mergeFile, orphanFile].map((f) => ({ uri: uri(f), type: 3 as const })),
  });
});

test('generate downgrade() from upgrade() reverses the operations in reverse order', async () => {
  const file = path.join(versions, 'gen_down.py');
  const text = migration(
    'gendown1',
    'aaa111',
    'generate my downgrade',
    [
      "op.create_table('tags', sa.Column('id', sa.BigInteger(), primary_key=True))",
      "    op.add_column('users', sa.Column('nickname', sa.Text(), nullable=True))",
      "    op.create_index('ix_users_nickname', 'users', ['nickname'])",
      "    op.alter_column('users', 'name', new_column_name='full_name')",
    ].join('\n'),
  );
  await server.open(file, text);
  const pos = posOf(text, 'def downgrade', 4);
  const actions = (await server.connection.sendRequest(CodeActionRequest.type, {
    textDocument: { uri: uri(file) },
    range: { start: pos, end: pos },
    context: { diagnostics: [] },
  })) as CodeAction[];
  const gen = actions.find((a) => a.title === 'Generate downgrade() from upgrade()')!;
  assert.ok(gen, actions.map((a) => a.title).join(' | '));
  const out = applyEdits(text, gen.edit!.changes![uri(file)]);
  const body = out.slice(out.indexOf('def downgrade'));
  const order = [
    "op.alter_column('users', 'full_name', new_column_name='name')",
    "op.drop_index('ix_users_nickname', table_name='users')",
    "op.drop_column('users', 'nickname')",
    "op.drop_table('tags')",
  ];
  let at = 0;
  for (const line of order) {
    const i = body.indexOf(line);
    assert.ok(i > at, `${line} in order in:\n${body}`);
    at = i;
  }
});

test('workspace folders added and removed at runtime bring and take their projects', async () => {
  const other = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lsp-other-'));
  fs.mkdirSync(path.join(other, 'db', 'versions'), { recursive: true });
  fs.writeFileSync(path.join(other, 'alembic.ini'), '[alembic]\nscript_location = db\n');
  fs.writeFileSync(path.join(other, 'db', 'versions', 'x.py'), migration('other001', null, 'other project'));
  const folder = { uri: uri(other), name: 'other' };
  await server.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [folder], removed: [] } });
  const waitProjects = async (n: number): Promise<number> => {
    for (let i = 0; i < 100; i++) {
      const p = await server.connection.sendRequest(ProjectsRequest);
      if (p.length === n) return n;
      await new Promise((r) => setImmediate(r));
    }
    return (await server.connection.sendRequest(ProjectsRequest)).length;
  };
  assert.equal(await waitProjects(2), 2);
  await server.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [], removed: [folder] } });
  assert.equal(await waitProjects(1), 1);
  fs.rmSync(other, { recursive: true, force: true });
});

test('definition from depends_on, from the docstring header and from a branch label lands on the revision line; completion offers labels', async () => {
  const core = path.join(versions, 'lbl_core.py');
  const coreText = `"""core branch\n\nRevision ID: lbl001\nRevises: bbb222\n"""\nrevision = 'lbl001'\ndown_revision = 'bbb222'\nbranch_labels = ('core',)\ndepends_on = None\n`;
  const user = path.join(versions, 'lbl_user.py');
  const userText = `"""uses core\n\nRevision ID: dep002\nRevises: lbl001\n"""\nrevision = 'dep002'\ndown_revision = 'lbl001'\nbranch_labels = None\ndepends_on = ('aaa111', 'core')\n`;
  await server.open(core, coreText);
  await server.open(user, userText);
  const definitionAt = async (needle: string, delta: number): Promise<Location> => {
    const loc = (await server.connection.sendRequest(DefinitionRequest.type, {
      textDocument: { uri: uri(user) },
      position: posOf(userText, needle, delta),
    })) as Location | null;
    assert.ok(loc, `no definition at ${needle}`);
    return loc;
  };
  const fromDepends = await definitionAt("('aaa111'", 3);
  assert.equal(fromDepends.uri, uri(path.join(versions, 'aaa_users.py')));
  assert.equal(textAt(files['aaa_users.py'], fromDepends.range).replace(/['"]/g, ''), 'aaa111');
  const fromHeader = await definitionAt('Revises: lbl001', 'Revises: '.length + 2);
  assert.equal(fromHeader.uri, uri(core));
  assert.equal(textAt(coreText, fromHeader.range).replace(/['"]/g, ''), 'lbl001');
  const fromLabel = await definitionAt("'core')", 2);
  assert.equal(fromLabel.uri, uri(core), 'a label names the revision that declares it');
  const items = (await server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: uri(user) }, position: posOf(userText, "'core')", 1) })) as
    CompletionItem[] | { items: CompletionItem[] };
  const labels = (Array.isArray(items) ? items : items.items).map((i) => i.label);
  assert.ok(labels.includes('core') && labels.includes('core@head'), labels.join(', '));
});

test('a suppression quick fix silences the rule on that line, and the problem leaves', async () => {
  const file = path.join(versions, 'sup_index.py');
  const text = migration('sup001', 'bbb222', 'index on users', "op.create_index('ix_users_email', 'users', ['email'])");
  await server.open(file, text);
  const ds = await server.waitForDiagnostics(uri(file), (d) => d.some((x) => x.code === 'require-concurrent-index-creation'));
  const diag = ds.find((x) => x.code === 'require-concurrent-index-creation')!;
  const actions = (await server.connection.sendRequest(CodeActionRequest.type, {
    textDocument: { uri: uri(file) },
    range: diag.range,
    context: { diagnostics: [diag] },
  })) as CodeAction[];
  const fix = actions.find((a) => a.title === 'Suppress require-concurrent-index-creation on this line');
  assert.ok(fix, actions.map((a) => a.title).join(', '));
  const fixed = applyEdits(text, fix.edit!.changes![uri(file)]);
  assert.match(fixed, /op\.create_index\('ix_users_email', 'users', \['email'\]\) {2}# alembic: ignore\[require-concurrent-index-creation\]/);
  await server.change(file, fixed, 2);
  await server.waitForDiagnostics(uri(file), (d) => !d.some((x) => x.code === 'require-concurrent-index-creation' || x.code === 'unused-suppression'));
});

test('settings are pulled per folder and re-read on change; an edited alembic.ini is re-read; 1,000 files changed at once give one graphChanged', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lsp-cfg-'));
  try {
    const vdir = path.join(root, 'migrations', 'versions');
    fs.mkdirSync(vdir, { recursive: true });
    fs.writeFileSync(path.join(root, 'alembic.ini'), '[alembic]\nscript_location = migrations\n');
    const orphan = path.join(vdir, 'orphan.py');
    fs.writeFileSync(orphan, migration('orph01', 'nowhere1', 'orphan'));
    const linted = path.join(vdir, 'linted.py');
    fs.writeFileSync(linted, migration('lint01', 'orph01', 'a lint finding', 'op.execute("DELETE FROM t")'));
    const settings: Record<string, unknown> = { lint: { rules: {} } };
    const s2 = await startServer(root, { settings });
    try {
      await s2.waitForDiagnostics(uri(orphan), (d) => d.some((x) => x.code === 'missing-parent'));
      // Lint findings come once the parsers are loaded: start-up is over, nothing else is pending.
      await s2.waitForDiagnostics(uri(linted), (d) => d.some((x) => x.code === 'delete-without-where'));
      settings.lint = { rules: { 'missing-parent': 'off' } };
      await s2.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      await s2.waitForDiagnostics(uri(orphan), (d) => !d.some((x) => x.code === 'missing-parent'));

      // A second version location named in alembic.ini: its migration joins once the ini change is seen.
      const more = path.join(root, 'more');
      fs.mkdirSync(more);
      fs.writeFileSync(path.join(more, 'extra.py'), migration('extra1', null, 'in another location'));
      fs.writeFileSync(
        path.join(root, 'alembic.ini'),
        '[alembic]\nscript_location = migrations\nversion_locations = %(here)s/migrations/versions %(here)s/more\n',
      );
      const graphOf = async (): Promise<RevisionGraphResult> => {
        const [p] = await s2.connection.sendRequest(ProjectsRequest);
        return unpackRevisionGraph(await s2.connection.sendRequest(RevisionGraphRequest, { projectId: p.id }))!;
      };
      const beforeIni = await graphOf();
      await s2.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uri(path.join(root, 'alembic.ini')), type: 2 }] });
      // The project is read again, and its generation still goes up (clients ignore older ones).
      await s2.waitForGraphChange((p) => p.generation > beforeIni.generation);
      assert.ok(
        (await graphOf()).nodes.some((n) => n.id === 'extra1'),
        'the migration of the new version location is in the graph',
      );

      // A checkout that writes 1,000 migrations: one batch of watcher events, one graphChanged.
      const start = await graphOf();
      const changes = [];
      let prev = 'extra1';
      for (let i = 0; i < 1000; i++) {
        const id = `chk${String(i).padStart(5, '0')}`;
        const f = path.join(vdir, `chk_${i}.py`);
        fs.writeFileSync(f, migration(id, prev, `checkout ${i}`));
        changes.push({ uri: uri(f), type: 1 as const });
        prev = id;
      }
      const before = s2.graphChanges.length;
      await s2.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes });
      await s2.waitForGraphChange((p) => p.generation > start.generation);
      const after = await graphOf(); // a round trip: any further notification would have arrived before it
      assert.equal(s2.graphChanges.length - before, 1, 'one graphChanged for the whole checkout');
      assert.equal(after.nodes.length, start.nodes.length + 1000);
      assert.ok(after.heads.includes('chk00999'));
    } finally {
      await s2.stop();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
