/**
 * Team-defined rules (`[[tool.alembic-migrations.custom-rules]]`, migration-rules.toml): SQL
 * regexes reported at the matched text inside the Python string, op rules with argument
 * regexes and `in`, their configuration errors on the exact TOML line, suppressions and
 * severities like built-ins, and their place in the CLI's SARIF rules.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lintMigration, prepareLinter } from '../../server/src/alembic/lint';
import { parseMigration } from '../../server/src/alembic/migrationParser';
import { compileCustomRules, readCustomRules, type CustomRuleSpec } from '../../server/src/alembic/customRules';
import { readProject } from '../../server/src/alembic/project';
import { LineIndex } from '../../server/src/text/sourceText';
import type { Problem } from '../../server/src/alembic/types';
import { migrationSource, writeProject } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { cli } from '../support/cli';
import { sarifValidator } from '../support/sarifSchema';
import type { Diagnostic } from 'vscode-languageserver/node';
import { Workspace } from '../../server/src/workspace';
import { DocumentCache } from '../../server/src/state/documentCache';
import { SettingsStore } from '../../server/src/state/settingsStore';
import { DiagnosticsPublisher } from '../../server/src/state/diagnosticsPublisher';
import { loadPythonParser } from '../../server/src/alembic/pythonParser';

before(() => prepareLinter());

const NO_SERIAL: CustomRuleSpec = {
  id: 'no-serial',
  message: 'Use GENERATED … AS IDENTITY instead of SERIAL',
  severity: 'error',
  sql: '\\bSERIAL\\b',
  in: 'upgrade',
};
const NO_AUDIT_DROP: CustomRuleSpec = {
  id: 'keep-audit-tables',
  message: 'Audit tables are kept forever',
  severity: 'warning',
  op: 'drop_table',
  args: { table: '^audit_' },
  in: 'upgrade',
};

const migration = (up: string[], down: string[] = ['pass']): string =>
  migrationSource({ id: 'bbbb00000001', down: ['aaaa00000000'], message: 'team rules sample', upgrade: up, downgrade: down });

async function lintWith(text: string, specs: CustomRuleSpec[]): Promise<Array<Problem & { text: string }>> {
  const li = new LineIndex(text);
  const custom = compileCustomRules(specs, (id) => specs.find((s) => s.id === id)!.severity);
  return lintMigration(await parseMigration(text), '/p/versions/x.py', { custom })
    .filter((p) => custom.ids.has(p.ruleId) || p.ruleId === 'unused-suppression')
    .map((p) => ({ ...p, text: text.slice(li.offsetAt(p.range.start), li.offsetAt(p.range.end)) }));
}

test('a sql rule reports the matched text inside the string, once per matching statement', async () => {
  const text = migration([
    'op.execute("CREATE TABLE a (id serial PRIMARY KEY); SELECT 1; CREATE TABLE b (n BIGSERIAL, m SERIAL)")',
    'op.execute(sa.text("""',
    '        CREATE TABLE c (',
    '            id \\x53ERIAL',
    '        )"""))',
    "op.execute('SELECT 1 -- not serializable')",
  ]);
  const found = await lintWith(text, [NO_SERIAL]);
  assert.deepEqual(
    found.map((p) => `${p.ruleId} ${p.text}`),
    ['no-serial serial', 'no-serial SERIAL', 'no-serial \\x53ERIAL'],
    'case-insensitive, per statement (BIGSERIAL is not \\bSERIAL\\b), through escapes',
  );
  const line = text.split('\n')[found[1].range.start.line];
  assert.equal(line.slice(found[1].range.start.character, found[1].range.end.character), 'SERIAL');
  assert.match(found[0].message, /GENERATED … AS IDENTITY/);
  assert.ok(found.every((p) => p.file === '/p/versions/x.py'));
  // `in`: upgrade by default; downgrade or both when asked.
  const down = migration(['pass'], ['op.execute("CREATE TABLE a (id serial)")']);
  assert.deepEqual(await lintWith(down, [NO_SERIAL]), []);
  assert.equal((await lintWith(down, [{ ...NO_SERIAL, in: 'downgrade' }])).length, 1);
  assert.equal((await lintWith(down, [{ ...NO_SERIAL, in: 'both' }])).length, 1);
  assert.deepEqual(await lintWith(text.replace(/def upgrade/, 'def downgrade_helper'), [{ ...NO_SERIAL, in: 'downgrade' }]), []);
});

test('an op rule matches the operation and its arguments (positional, keyword, alias), on the callee', async () => {
  const text = migration([
    "op.drop_table('audit_log')",
    "op.drop_table('users')",
    "op.drop_table(table_name='Audit_events')",
    "op.drop_column('audit_x', 'c')",
    'with op.batch_alter_table("audit_y") as batch_op:',
    "    batch_op.drop_column('legacy')",
  ]);
  assert.deepEqual(
    (await lintWith(text, [NO_AUDIT_DROP])).map((p) => `${p.text} @${p.range.start.line}`),
    [
      `op.drop_table @${text.split('\n').findIndex((l) => l.includes("'audit_log'"))}`,
      `op.drop_table @${text.split('\n').findIndex((l) => l.includes('Audit_events'))}`,
    ],
  );
  const column: CustomRuleSpec = { ...NO_AUDIT_DROP, id: 'keep-audit-columns', op: 'drop_column', args: { table: '^audit_', column_name: '^(c|legacy)$' } };
  assert.deepEqual(
    (await lintWith(text, [column])).map((p) => p.text),
    ['op.drop_column', 'batch_op.drop_column'],
    'a batch operation takes its table from the batch',
  );
  const typed: CustomRuleSpec = { ...NO_AUDIT_DROP, id: 'no-int-ids', op: 'add_column', args: { column: '_id$', '1': 'sa\\.Integer\\(' } };
  const adds = migration(["op.add_column('t', sa.Column('user_id', sa.Integer()))", "op.add_column('t', sa.Column('user_id', sa.BigInteger()))"]);
  assert.equal((await lintWith(adds, [typed])).length, 1, 'positional index and the column alias, on source text');
  assert.deepEqual(await lintWith(adds, [{ ...typed, args: { nope: '.' } }]), [], 'an argument the call does not have never matches');
});

test('suppressions apply to custom rules; an unused one is reported as unused, not as unknown', async () => {
  const text = migration([
    'op.execute("CREATE TABLE a (id serial)")  # alembic: ignore[no-serial]',
    "op.drop_table('users')  # alembic: ignore[keep-audit-tables]",
  ]);
  const found = await lintWith(text, [NO_SERIAL, NO_AUDIT_DROP]);
  assert.deepEqual(
    found.map((p) => `${p.ruleId}: ${p.message}`),
    ['unused-suppression: This suppression of keep-audit-tables suppresses nothing: remove it.'],
  );
  const off = await lintWith(text, [NO_SERIAL, { ...NO_AUDIT_DROP, severity: 'off' }]);
  assert.deepEqual(
    off.map((p) => p.ruleId),
    [],
    'a rule turned off: its suppression is neither used nor unknown',
  );
});

const PYPROJECT = `[tool.alembic]
script_location = "%(here)s/migrations"

[[tool.alembic-migrations.custom-rules]]
id = "no-serial"
message = "Use GENERATED … AS IDENTITY instead of SERIAL"
severity = "error"
sql = "\\\\bSERIAL\\\\b"

[[tool.alembic-migrations.custom-rules]]
id = "keep-audit-tables"
message = "Audit tables are kept forever"
op = "drop_table"
args = { table = "^audit_" }
in = "both"
`;

test('pyproject.toml: custom rules read with defaults; errors on the exact line, the bad rule dropped', () => {
  const dir = tempDir('custom-rules-');
  const file = path.join(dir, 'pyproject.toml');
  fs.mkdirSync(path.join(dir, 'migrations', 'versions'), { recursive: true });
  const bad = `
[[tool.alembic-migrations.custom-rules]]
id = "ban-drop-table"
message = "clash"
op = "drop_table"

[[tool.alembic-migrations.custom-rules]]
id = "bad-regex"
message = "x"
sql = "(unclosed"

[[tool.alembic-migrations.custom-rules]]
id = "bad-severity"
message = "x"
severity = "loud"
sql = "x"

[[tool.alembic-migrations.custom-rules]]
id = "no-message"
sql = "x"

[[tool.alembic-migrations.custom-rules]]
id = "both-kinds"
message = "x"
sql = "x"
op = "drop_table"

[[tool.alembic-migrations.custom-rules]]
id = "bad-args"
message = "x"
op = "drop_table"
args = { table = "[" }

[[tool.alembic-migrations.custom-rules]]
id = "no-serial"
message = "again"
sql = "x"

[[tool.alembic-migrations.custom-rules]]
id = "bad-in"
message = "x"
sql = "x"
in = "sideways"

[[tool.alembic-migrations.custom-rules]]
id = "Not An Id"
message = "x"
sql = "x"

[[tool.alembic-migrations.custom-rules]]
id = "typo-key"
message = "x"
sql = "x"
severtiy = "error"
`;
  fs.writeFileSync(file, PYPROJECT + bad);
  const project = readProject(file);
  assert.deepEqual(
    project.customRules.map((r) => `${r.id} ${r.severity} ${r.in} ${r.sql ?? r.op}`),
    ['no-serial error upgrade \\bSERIAL\\b', 'keep-audit-tables warning both drop_table', 'typo-key warning upgrade x'],
  );
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const at = (p: Problem): string => lines[p.range.start.line].trim();
  const config = project.problems.filter((p) => p.ruleId === 'invalid-project-config');
  assert.deepEqual(
    config.map((p) => `${p.severity} ${at(p)} | ${p.message.replace(/^pyproject\.toml: /, '')}`),
    [
      "error id = \"ban-drop-table\" | custom rule 'ban-drop-table': 'ban-drop-table' is a built-in rule id (configure it under [tool.alembic-migrations.rules] instead); the rule is ignored.",
      "error sql = \"(unclosed\" | custom rule 'bad-regex': 'sql' is not a valid regex: /(unclosed/i: Unterminated group; the rule is ignored.",
      'error severity = "loud" | custom rule \'bad-severity\': \'severity\' must be one of off, info, warning, error (got "loud"); the rule is ignored.',
      "error [[tool.alembic-migrations.custom-rules]] | custom rule 'no-message': 'message' must be a non-empty string; the rule is ignored.",
      "error op = \"drop_table\" | custom rule 'both-kinds': give either 'sql' (a regex) or 'op' (an operation name), not both or neither; the rule is ignored.",
      'error args = { table = "[" } | custom rule \'bad-args\': args.table is not a valid regex: /[/i: Unterminated character class; the rule is ignored.',
      "error id = \"no-serial\" | custom rule 'no-serial': 'no-serial' is defined twice; the rule is ignored.",
      'error in = "sideways" | custom rule \'bad-in\': \'in\' must be "upgrade", "downgrade" or "both" (got "sideways"); the rule is ignored.',
      'error id = "Not An Id" | custom rule #11: \'id\' must be a lower-case id like "no-serial" (got "Not An Id"); the rule is ignored.',
      'warning severtiy = "error" | custom rule #12: unknown key \'severtiy\' (expected id, message, severity, sql or op, args, in); it is ignored.',
    ],
  );
  assert.ok(config.every((p) => p.file === file));
  // Not an array of tables: one problem on the key's line.
  const inline = readCustomRules(file, 'x = 1\ncustom-rules = "no"\n', 'no', { inToolTable: true });
  assert.deepEqual([inline.rules, inline.problems.map((p) => p.range.start.line)], [[], [1]]);
});

test('migration-rules.toml beside alembic.ini, for projects without pyproject.toml', async () => {
  const dir = tempDir('custom-rules-toml-');
  writeProject(dir, [{ id: 'aaaa00000001', down: [], message: 'create audit log', upgrade: ['op.execute("CREATE TABLE audit_log (id serial)")'] }]);
  fs.writeFileSync(path.join(dir, 'migration-rules.toml'), '[[custom-rules]]\nid = "no-serial"\nmessage = "No SERIAL"\nsql = "serial"\nseverity = "info"\n');
  const project = readProject(path.join(dir, 'alembic.ini'));
  assert.deepEqual(
    project.customRules.map((r) => r.id),
    ['no-serial'],
  );
  const r = await cli(['check', dir]);
  assert.match(r.out, /00000_aaaa00000001\.py:\d+:\d+: information no-serial No SERIAL/);
  fs.writeFileSync(path.join(dir, 'migration-rules.toml'), '[[custom-rules]]\nid = "no-serial"\nmessage = "No SERIAL"\nsql = "serial"\nseverity = "bogus"\n');
  const broken = await cli(['check', dir]);
  assert.match(broken.out, /migration-rules\.toml:5:1: error invalid-project-config migration-rules\.toml: custom rule 'no-serial': 'severity' must be one of/);
});

test('check: custom rules with severities from [tool.alembic-migrations.rules], listed in SARIF, cached apart', async () => {
  const dir = tempDir('custom-rules-cli-');
  writeProject(dir, [
    {
      id: 'aaaa00000001',
      down: [],
      message: 'create audit log',
      upgrade: ['op.execute("CREATE TABLE audit_log (id SERIAL PRIMARY KEY)")'],
      downgrade: ["op.drop_table('audit_log')"],
    },
  ]);
  fs.writeFileSync(path.join(dir, 'pyproject.toml'), PYPROJECT);
  const r = await cli(['check', dir]);
  assert.equal(r.code, 1, 'no-serial is an error');
  const src = fs.readFileSync(path.join(dir, 'migrations', 'versions', '00000_aaaa00000001.py'), 'utf8').split('\n');
  const hit = /:(\d+):(\d+): error no-serial Use GENERATED/.exec(r.out)!;
  assert.equal(src[Number(hit[1]) - 1].slice(Number(hit[2]) - 1, Number(hit[2]) - 1 + 6), 'SERIAL', 'the exact column of the match');
  assert.match(r.out, /warning keep-audit-tables Audit tables are kept forever/, 'in = "both" reaches downgrade()');
  const sarif = JSON.parse((await cli(['check', dir, '--format', 'sarif'])).out) as {
    runs: Array<{
      tool: { driver: { rules: Array<{ id: string; shortDescription: { text: string }; defaultConfiguration: { level: string } }> } };
      results: Array<{ ruleId: string; ruleIndex: number }>;
    }>;
  };
  assert.deepEqual(sarifValidator()(sarif), []);
  const rules = sarif.runs[0].tool.driver.rules;
  const custom = rules.filter((x) => x.id === 'no-serial' || x.id === 'keep-audit-tables');
  assert.deepEqual(
    custom.map((x) => [x.id, x.shortDescription.text, x.defaultConfiguration.level]),
    [
      ['no-serial', 'Use GENERATED … AS IDENTITY instead of SERIAL', 'error'],
      ['keep-audit-tables', 'Audit tables are kept forever', 'warning'],
    ],
  );
  for (const res of sarif.runs[0].results) assert.equal(rules[res.ruleIndex].id, res.ruleId);
  // Configured like a built-in: off, or another severity; and a cached run sees a changed rule.
  const cacheDir = path.join(dir, '.cache');
  assert.equal((await cli(['check', dir, '--cache-location', cacheDir])).code, 1);
  fs.appendFileSync(path.join(dir, 'pyproject.toml'), '\n[tool.alembic-migrations.rules]\nno-serial = "off"\nkeep-audit-tables = "error"\n');
  const configured = await cli(['check', dir, '--cache-location', cacheDir]);
  assert.doesNotMatch(configured.out, /no-serial|invalid-project-config/);
  assert.match(configured.out, /error keep-audit-tables/);
  fs.writeFileSync(path.join(dir, 'pyproject.toml'), PYPROJECT.replace('\\\\bSERIAL\\\\b', 'PRIMARY KEY'));
  const changed = await cli(['check', dir, '--cache-location', cacheDir]);
  assert.match(changed.out, /error no-serial/, 'a changed rule is not answered from the cache');
  const line = /:(\d+):(\d+): error no-serial/.exec(changed.out)!;
  assert.equal(src[Number(line[1]) - 1].slice(Number(line[2]) - 1, Number(line[2]) - 1 + 11), 'PRIMARY KEY');
});

test('the language server publishes custom rules like built-in ones, without a docs link', async () => {
  const dir = tempDir('custom-rules-lsp-');
  writeProject(dir, [
    {
      id: 'aaaa00000001',
      down: [],
      message: 'create audit log',
      upgrade: ['op.execute("CREATE TABLE audit_log (id SERIAL PRIMARY KEY)")', 'op.execute("UPDATE audit_log SET id = 1")'],
      downgrade: ["op.drop_table('audit_log')"],
    },
  ]);
  fs.writeFileSync(path.join(dir, 'pyproject.toml'), PYPROJECT);
  const ws = new Workspace();
  const [id] = ws.addFolder(dir);
  const documents = new DocumentCache(() => undefined);
  documents.python = await loadPythonParser();
  const published = new Map<string, Diagnostic[]>();
  await new Promise<void>((resolve) => {
    const pub = new DiagnosticsPublisher(ws, documents, new SettingsStore(undefined, 'file:///docs/rules', () => undefined), {
      diagnostics: (uri, d) => void published.set(uri, d),
      graphChanged: () => resolve(),
      warn: () => undefined,
      logError: (w, e) => {
        throw new Error(`${w}: ${String(e)}`);
      },
      flushed: () => undefined,
    });
    pub.markDirty([id]);
  });
  const diagnostics = [...published.values()].flat();
  const serial = diagnostics.find((d) => d.code === 'no-serial')!;
  assert.equal(serial.severity, 1, 'error');
  assert.equal(serial.codeDescription, undefined, 'no page for a team rule');
  assert.equal(diagnostics.find((d) => d.code === 'keep-audit-tables')?.severity, 2);
  assert.equal(
    diagnostics.find((d) => d.code === 'update-without-where')?.codeDescription?.href,
    'file:///docs/rules/update-without-where.md',
    'built-ins keep theirs',
  );
});
