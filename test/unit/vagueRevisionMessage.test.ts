/**
 * `vague-revision-message`: messages that must fire and near misses that must not, where the
 * finding points, suppression and configuration, the cheap pre-check that lets an otherwise
 * empty migration reach the lint, and the quick fix (docstring and file name).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-languageserver-protocol';
import type { TextDocumentEdit, RenameFile } from 'vscode-languageserver/node';
import { vaguenessOf, suggestedMessage } from '../../server/src/alembic/rules/op/vagueRevisionMessage';
import { lintMigration, mayHaveFindings, prepareLinter } from '../../server/src/alembic/lint';
import { parseMigration, type ParsedMigration } from '../../server/src/alembic/migrationParser';
import { resolveRuleConfig } from '../../server/src/alembic/ruleConfig';
import { discoverProjects } from '../../server/src/alembic/discovery';
import { ProjectIndex } from '../../server/src/alembic/projectIndex';
import { codeActions } from '../../server/src/handlers/codeActions';
import type { HandlerContext } from '../../server/src/handlers/context';
import { migrationSource } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { pathToUri, uriToPath } from '../../server/src/uris';
import type { Range } from '../../server/src/alembic/types';

before(() => prepareLinter());

const MUST_FIRE: Array<[string, RegExp]> = [
  ['empty message', /placeholder/],
  ['Empty message', /placeholder/],
  ['update database', /too vague/],
  ['update_database', /too vague/],
  ['Update DB', /too vague/],
  ['fix stuff', /too vague/],
  ['fix_stuff', /too vague/],
  ['Fix stuff.', /too vague/],
  ['schema changes', /too vague/],
  ['new migration', /too vague/],
  ['changes', /single word/],
  ['wip', /work in progress/],
  ['WIP: add users table', /work in progress/],
  ['users', /single word/],
  ['fix', /single word/],
  ['initial', /single word/], // not a base migration
  ['2024-01-31', /only a date/],
  ['20240131', /only a date/],
  ['2024_01_31 12:30', /only a date/],
  ['31.01.2024', /only a date/],
  ['migration 2024-01-31', /only a date/],
  ['#42 (3)', /no words/],
  ['   ', /is empty/],
];

const NEAR_MISS = [
  'add user profile table',
  'remove_deprecated_product_fields',
  'add_indexes_for_search_performance',
  'fix orders total rounding',
  'update users email index',
  'database update for invoices', // names its subject
  'merge heads',
  'add 2024 pricing table',
  'backfill orders.created_at from 2024-01-31',
  'Änderung der Kundentabelle', // non-ASCII words
];

test('vague messages fire with their reason; descriptive ones (near misses) do not', () => {
  for (const [message, why] of MUST_FIRE) assert.match(vaguenessOf(message) ?? '(none)', why, message);
  for (const message of NEAR_MISS) assert.equal(vaguenessOf(message), undefined, message);
  assert.equal(vaguenessOf('initial', { base: true }), undefined, 'the first migration may be "initial"');
  assert.equal(vaguenessOf('baseline', { base: true }), undefined);
  assert.equal(vaguenessOf('merge', { merge: true }), undefined, 'a merge revision may be "merge"');
  assert.match(vaguenessOf('merge') ?? '', /single word/);
});

const source = (message: string, body = "op.add_column('users', sa.Column('email', sa.Text()))", down: string[] = ['aaaa00000000']): string =>
  migrationSource({ id: 'bbbb00000001', down, message, upgrade: [body], downgrade: ["op.drop_column('users', 'email')"] });

async function lint(text: string): Promise<{ parsed: ParsedMigration; found: ReturnType<typeof lintMigration> }> {
  const parsed = await parseMigration(text);
  return { parsed, found: lintMigration(parsed, '/p/versions/x.py').filter((p) => p.ruleId === 'vague-revision-message') };
}

test('the finding points at the message in the docstring, with its default severity', async () => {
  const text = source('update database');
  const { parsed, found } = await lint(text);
  assert.equal(found.length, 1);
  const f = found[0];
  assert.equal(f.severity, 'information');
  assert.equal(text.slice(parsed.lines.offsetAt(f.range.start), parsed.lines.offsetAt(f.range.end)), 'update database');
  assert.match(f.message, /^The message "update database" is too vague: `alembic history`/);
  assert.deepEqual((await lint(source('add email to users'))).found, []);
  assert.deepEqual((await lint(source('initial', 'pass', []))).found, [], 'a base migration may be "initial"');
  // A message on the line after the quotes, and a single-quoted docstring.
  const later = text.replace('"""update database', '"""\n  fix stuff');
  const l = await lint(later);
  assert.equal(later.slice(l.parsed.lines.offsetAt(l.found[0].range.start), l.parsed.lines.offsetAt(l.found[0].range.end)), 'fix stuff');
  assert.equal((await lint(text.replace('"""update database', "'''wip").replace('\n\n"""\n', "\n\n'''\n"))).found.length, 1);
  // No docstring at all (hand-written files): nothing to rename, nothing reported.
  assert.deepEqual((await lint(text.slice(text.indexOf('"""', 3) + 3))).found, []);
});

test('suppressions and severity configuration apply', async () => {
  const text = source('update database');
  assert.deepEqual((await lint(`# alembic: ignore[vague-revision-message]\n${text}`)).found, [], 'on the line above');
  const all = lintMigration(await parseMigration(`${text}\n# alembic: ignore-file[vague-revision-message]\n`), '/p/versions/x.py');
  assert.deepEqual(
    all.map((p) => p.ruleId),
    [],
    'ignore-file, and the suppression counts as used',
  );
  const found = (await lint(text)).found;
  assert.deepEqual(resolveRuleConfig({ projectRules: { 'vague-revision-message': 'off' } }).apply(found), []);
  assert.equal(resolveRuleConfig({ projectRules: { 'vague-revision-message': 'warning' } }).apply(found)[0].severity, 'warning');
});

test('a migration with only `pass` and a vague message still reaches the lint; a descriptive one is skipped', () => {
  const empty = (message: string): string => migrationSource({ id: 'bbbb00000001', down: ['aaaa00000000'], message });
  assert.equal(mayHaveFindings(empty('empty message')), true);
  assert.equal(mayHaveFindings(empty('add users')), false);
  assert.equal(mayHaveFindings(`# -*- coding: utf-8 -*-\n\n${empty('wip')}`), true, 'comments before the docstring');
  assert.equal(mayHaveFindings(empty('update database').replace(/"""/g, "'''")), true);
  assert.equal(mayHaveFindings(`"""\n    fix stuff\n\nRevision ID: x\n"""\nrevision = 'x'\n`), true, 'the message on the line after the quotes');
});

test('suggested messages name what upgrade() does', async () => {
  const body = [
    "op.create_table('orders', sa.Column('id', sa.BigInteger(), primary_key=True))",
    "    op.add_column('users', sa.Column('email', sa.Text()))",
    "    op.create_index('ix_users_email', 'users', ['email'])",
    '    with op.batch_alter_table("items") as batch_op:',
    "        batch_op.drop_column('legacy')",
  ].join('\n');
  assert.equal(suggestedMessage(await parseMigration(source('wip', body))), 'create orders table, add email to users, add index ix_users_email and 1 more');
  assert.equal(suggestedMessage(await parseMigration(source('wip', "op.drop_column('users', 'legacy')"))), 'drop users.legacy');
  assert.equal(suggestedMessage(await parseMigration(source('wip', 'pass'))), undefined);
});

function context(dir: string, parsed: Map<string, ParsedMigration>): HandlerContext & { index: ProjectIndex } {
  const index = ProjectIndex.load(discoverProjects(dir)[0]);
  return {
    index,
    workspace: { projectsOfFile: (f) => (index.versionLocationOf(f) !== undefined ? [index] : []), folderOfProject: () => dir, allProjects: () => [index] },
    trusted: true,
    parsed: (f) => parsed.get(f),
    lintProblemsOf: () => [],
    databaseState: () => ({ kind: 'unknown' }),
    gitStatus: () => undefined,
    projectUri: (p) => pathToUri(p.project.id),
    projectByUri: (u) => (uriToPath(u) === index.project.id ? index : undefined),
    startupProjects: [],
    snapshotGraph: () => undefined,
  };
}

test('the quick fix renames the message, and the file when its name follows file_template', async () => {
  const dir = tempDir('vague-fix-');
  const versions = path.join(dir, 'migrations', 'versions');
  fs.mkdirSync(versions, { recursive: true });
  fs.writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/migrations\n');
  const templated = path.join(versions, 'bbbb00000001_update_database.py');
  const handNamed = path.join(versions, '0002_my_name.py');
  fs.writeFileSync(templated, source('update database'));
  fs.writeFileSync(
    handNamed,
    source('fix stuff', "op.drop_table('sessions')")
      .replace(/bbbb00000001/g, 'cccc00000002')
      .replace(/aaaa00000000/g, 'bbbb00000001'),
  );
  const parsed = new Map<string, ParsedMigration>();
  for (const f of [templated, handNamed]) parsed.set(f, await parseMigration(fs.readFileSync(f, 'utf8')));
  const ctx = context(dir, parsed);
  const token = new CancellationTokenSource().token;
  const actionsFor = (file: string): ReturnType<typeof codeActions> => {
    const finding = lintMigration(parsed.get(file)!, file).find((p) => p.ruleId === 'vague-revision-message')!;
    const diagnostic = { range: finding.range, message: finding.message, code: finding.ruleId, source: 'alembic' };
    return codeActions(ctx, { textDocument: { uri: pathToUri(file) }, range: finding.range, context: { diagnostics: [diagnostic] } }, token);
  };
  const [rename] = actionsFor(templated)!.filter((a) => a.title.startsWith('Rename the message'));
  assert.equal(rename.title, 'Rename the message to "add email to users" (and the file to bbbb00000001_add_email_to_users.py)');
  const [docEdit, fileEdit] = rename.edit!.documentChanges! as [TextDocumentEdit, RenameFile];
  const text = fs.readFileSync(templated, 'utf8');
  const lines = parsed.get(templated)!.lines;
  const e = docEdit.edits[0] as { range: Range; newText: string };
  assert.equal(
    text.slice(0, lines.offsetAt(e.range.start)) + e.newText + text.slice(lines.offsetAt(e.range.end)),
    text.replace('"""update database', '"""add email to users'),
  );
  assert.deepEqual(
    [fileEdit.kind, uriToPath(fileEdit.oldUri), uriToPath(fileEdit.newUri)],
    ['rename', templated, path.join(versions, 'bbbb00000001_add_email_to_users.py')],
  );
  // A name chosen by hand is kept: only the docstring changes.
  const [kept] = actionsFor(handNamed)!.filter((a) => a.title.startsWith('Rename the message'));
  assert.equal(kept.title, 'Rename the message to "drop sessions table"');
  assert.deepEqual(Object.keys(kept.edit!.changes!), [pathToUri(handNamed)]);
});
