/**
 * `check --format sarif|github|markdown` and `--fail-on`: SARIF validated against the SARIF
 * 2.1.0 JSON schema (vendored, see ../support/sarifSchema.ts), GitHub workflow commands read
 * back with the runner's own unescaping rules,
 * the markdown summary on a real git repository.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeProject, type GenRevision } from '../support/generateProject';
import { commitAll, git, initRepo, writeMigration } from '../support/gitRepo';
import { tempDir } from '../support/tempDir';
import { cli } from '../support/cli';
import { sarifValidator } from '../support/sarifSchema';
import { escapeData, escapeProperty, githubAnnotation } from '../../server/src/cli/githubFormat';
import { escapeMarkdown } from '../../server/src/cli/markdownSummary';
import { RULES } from '../../server/src/alembic/rules';
import type { Problem } from '../../server/src/alembic/types';

const A = 'aaaa00000001';
const B = 'aaaa00000002';

const REVS: GenRevision[] = [
  {
    id: A,
    down: [],
    message: 'create users',
    upgrade: ["op.create_table('users', sa.Column('id', sa.BigInteger(), primary_key=True))"],
    downgrade: ["op.drop_table('users')"],
  },
  {
    id: B,
    down: [A],
    message: 'drop legacy',
    upgrade: [
      "op.drop_column('users', 'legacy')",
      'op.execute("UPDATE users SET active = true")',
      "op.add_column('users', sa.Column('n', sa.Text(), nullable=False))",
    ],
  },
  { id: 'aaaa00000003', down: ['nowhere00001'], message: 'orphan revision' },
  { id: 'aaaa00000004', down: [A], message: 'second head' },
];

interface SarifDoc {
  runs: Array<{
    tool: { driver: { rules: Array<{ id: string; helpUri?: string; defaultConfiguration: { level: string } }> } };
    originalUriBaseIds: Record<string, { uri: string }>;
    results: Array<{
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: Array<{
        physicalLocation: {
          artifactLocation: { uri: string; uriBaseId?: string };
          region: { startLine: number; startColumn: number; endLine: number; endColumn: number };
        };
      }>;
      partialFingerprints: Record<string, string>;
    }>;
  }>;
}

/** Runs the CLI with the working folder at `dir` (paths in the output are relative to it). */
async function cliIn(dir: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await cli(args);
  } finally {
    process.chdir(before);
  }
}

test('check --format sarif is valid SARIF 2.1.0 with rules, levels, 1-based regions and relative uris', async () => {
  const dir = tempDir('alembic-sarif-');
  writeProject(dir, REVS);
  const r = await cliIn(dir, ['check', '.', '--format', 'sarif']);
  assert.equal(r.code, 1, r.err);
  const doc = JSON.parse(r.out) as SarifDoc;
  const validate = sarifValidator();
  assert.deepEqual(validate(doc), []);
  // The validator does reject what SARIF forbids: a 0-based line, a relative helpUri.
  const broken = JSON.parse(r.out) as SarifDoc;
  broken.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0;
  broken.runs[0].tool.driver.rules[0].helpUri = 'docs/rules/x.md';
  assert.deepEqual(
    validate(broken).map((e) => e.split(' ')[0]),
    ['/runs/0/tool/driver/rules/0/helpUri', '/runs/0/results/0/locations/0/physicalLocation/region/startLine'],
  );
  const run = doc.runs[0];
  assert.equal(doc.runs.length, 1);
  assert.deepEqual(
    run.tool.driver.rules.map((x) => x.id),
    RULES.map((x) => x.id),
  );
  const drop = run.tool.driver.rules.find((x) => x.id === 'ban-drop-column')!;
  assert.equal(drop.defaultConfiguration.level, 'warning');
  assert.match(drop.helpUri!, /^file:\/\/\/.*\/docs\/rules\/ban-drop-column\.md$/);
  assert.ok(fs.existsSync(new URL(drop.helpUri!)), 'helpUri names the shipped docs page');
  assert.equal(run.tool.driver.rules.find((x) => x.id === 'prefer-text-field')!.defaultConfiguration.level, 'none');
  assert.equal(run.originalUriBaseIds['%SRCROOT%'].uri, `file://${fs.realpathSync(dir)}/`);
  // The same problems as the text format, at the same places (1-based line:column).
  const text = (await cliIn(dir, ['check', '.'])).out.trimEnd().split('\n');
  assert.equal(run.results.length, text.length);
  for (const [i, res] of run.results.entries()) {
    const loc = res.locations[0].physicalLocation;
    assert.equal(loc.artifactLocation.uriBaseId, '%SRCROOT%');
    assert.equal(
      `${loc.artifactLocation.uri}:${loc.region.startLine}:${loc.region.startColumn}: ${res.level === 'note' ? 'information' : res.level} ${res.ruleId}`,
      text[i].split(' ').slice(0, 3).join(' '),
    );
    assert.equal(run.tool.driver.rules[res.ruleIndex].id, res.ruleId);
  }
  const drops = run.results.filter((x) => x.ruleId === 'ban-drop-column');
  assert.equal(drops.length, 1);
  const region = drops[0].locations[0].physicalLocation.region;
  const line = fs.readFileSync(path.join(dir, drops[0].locations[0].physicalLocation.artifactLocation.uri), 'utf8').split('\n')[region.startLine - 1];
  assert.equal(line.slice(region.startColumn - 1, region.endColumn - 1), 'op.drop_column', 'end column is exclusive, 1-based');
  assert.equal(run.results.find((x) => x.ruleId === 'adding-required-field')!.level, 'error');
  assert.equal(run.results.find((x) => x.ruleId === 'multiple-heads')!.level, 'warning');
  // --docs-url points every rule somewhere else.
  const hosted = JSON.parse((await cliIn(dir, ['check', '.', '--format', 'sarif', '--docs-url', 'https://example.org/docs/rules/'])).out) as SarifDoc;
  assert.equal(hosted.runs[0].tool.driver.rules[0].helpUri, `https://example.org/docs/rules/${RULES[0].id}.md`);
});

test('SARIF fingerprints survive unrelated edits and change with the offending text', async () => {
  const dir = tempDir('alembic-sarif-fp-');
  writeProject(dir, REVS);
  const prints = async (): Promise<Map<string, string>> => {
    const doc = JSON.parse((await cliIn(dir, ['check', '.', '--format', 'sarif'])).out) as SarifDoc;
    return new Map(
      doc.runs[0].results.map((x) => [`${x.ruleId} ${x.locations[0].physicalLocation.artifactLocation.uri}`, x.partialFingerprints['alembicMigrations/v1']]),
    );
  };
  const before = await prints();
  assert.equal(new Set(before.values()).size, before.size, 'distinct findings, distinct fingerprints');
  const file = path.join(dir, 'migrations', 'versions', `00001_${B}.py`);
  // Lines added above every finding, and the file renamed: no fingerprint moves.
  const edited = fs.readFileSync(file, 'utf8').replace('import sqlalchemy as sa\n', 'import sqlalchemy as sa\n\n# a comment\n# and another\nX = 1\n');
  fs.rmSync(file);
  const renamed = path.join(dir, 'migrations', 'versions', `00001_${B}_renamed.py`);
  fs.writeFileSync(renamed, edited);
  const after = await prints();
  const key = (k: string): string => k.replace('_renamed', '');
  assert.deepEqual(new Map([...after].map(([k, v]) => [key(k), v])), before);
  // The offending statement changed: its finding is a new one; the others keep theirs.
  fs.writeFileSync(renamed, edited.replace('UPDATE users SET active = true', 'UPDATE accounts SET active = true'));
  const changed = await prints();
  const at = (rule: string): string => `${rule} migrations/versions/00001_${B}_renamed.py`;
  assert.notEqual(changed.get(at('update-without-where')), after.get(at('update-without-where')));
  assert.equal(changed.get(at('ban-drop-column')), after.get(at('ban-drop-column')));
});

/** The runner's reading of a workflow command line (actions/runner ActionCommand.TryParseV2). */
function parseCommand(line: string): { command: string; props: Record<string, string>; message: string } {
  const m = /^::([^ :]+)(?: ([^:]*))?::(.*)$/.exec(line);
  assert.ok(m, `a workflow command: ${line}`);
  const unescapeProp = (s: string): string => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
  const unescapeData = (s: string): string => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  const props: Record<string, string> = {};
  for (const kv of (m[2] ?? '').split(',').filter(Boolean)) {
    const eq = kv.indexOf('=');
    props[kv.slice(0, eq)] = unescapeProp(kv.slice(eq + 1));
  }
  return { command: m[1], props, message: unescapeData(m[3]) };
}

test('GitHub escaping: %, CR, LF in data; also : and , in properties; the runner reads back the original', () => {
  assert.equal(escapeData('100% done\r\nnext: a, b'), '100%25 done%0D%0Anext: a, b');
  assert.equal(escapeProperty('a:b,c%d\ne'), 'a%3Ab%2Cc%25d%0Ae');
  assert.equal(escapeData('%0A is literal'), '%250A is literal', 'an escape sequence in the input stays literal');
  const problem: Problem = {
    ruleId: 'team:rule,x',
    severity: 'information',
    message: 'Fails at 50%: a, b\nand ::error::injected\r\nsecond line %0A',
    file: '/p/x.py',
    range: { start: { line: 2, character: 4 }, end: { line: 3, character: 1 } },
  };
  const out = githubAnnotation(problem, 'dir,with:odd/na%me.py');
  assert.equal(out.split('\n').length, 2, 'one line');
  const parsed = parseCommand(out.trimEnd());
  assert.equal(parsed.command, 'notice');
  assert.deepEqual(parsed.props, { file: 'dir,with:odd/na%me.py', line: '3', col: '5', endLine: '4', endColumn: '2', title: 'team:rule,x' });
  assert.equal(parsed.message, problem.message);
  assert.match(
    githubAnnotation({ ...problem, message: 'a ##[error]b \u001b[31m' }, 'x.py'),
    /::a ##\\\[error\]b \\x1b\[31m\n$/,
    'legacy commands and escapes neutralised',
  );
});

test('check --format github: one command per problem, error/warning/notice, paths relative to the working folder', async () => {
  const dir = tempDir('alembic-gh-');
  writeProject(dir, REVS);
  const r = await cliIn(dir, ['check', '.', '--format', 'github']);
  assert.equal(r.code, 1);
  const lines = r.out.trimEnd().split('\n').map(parseCommand);
  const text = (await cliIn(dir, ['check', '.'])).out.trimEnd().split('\n');
  assert.equal(lines.length, text.length);
  const drop = lines.find((l) => l.props.title === 'ban-drop-column')!;
  assert.equal(drop.command, 'warning');
  assert.equal(drop.props.file, `migrations/versions/00001_${B}.py`);
  assert.equal(`${drop.props.file}:${drop.props.line}:${drop.props.col}`, text.find((t) => t.includes('ban-drop-column'))!.split(': ')[0]);
  assert.equal(lines.find((l) => l.props.title === 'missing-parent')!.command, 'error');
  assert.match(r.err, /problems \(\d+ errors?, \d+ warnings?\)/, 'the summary stays on stderr');
});

test('--fail-on: warnings fail only when asked; errors always; a bad value is a usage error', async () => {
  const dir = tempDir('alembic-failon-');
  writeProject(dir, [REVS[0], { ...REVS[1], upgrade: ["op.drop_column('users', 'legacy')"] }]);
  assert.equal((await cli(['check', dir])).code, 0, 'warnings only');
  assert.equal((await cli(['check', dir, '--fail-on', 'error'])).code, 0);
  assert.equal((await cli(['check', dir, '--fail-on', 'warning'])).code, 1);
  assert.equal((await cli(['check', dir, '--fail-on=warning', '--format', 'sarif'])).code, 1);
  const clean = tempDir('alembic-failon-clean-');
  writeProject(clean, [REVS[0]]);
  assert.equal((await cli(['check', clean, '--fail-on', 'warning'])).code, 0);
  const errors = tempDir('alembic-failon-err-');
  writeProject(errors, REVS);
  assert.equal((await cli(['check', errors, '--fail-on', 'error'])).code, 1);
  assert.equal((await cli(['check', errors, '--fail-on', 'warning'])).code, 1);
  const bad = await cli(['check', dir, '--fail-on', 'info']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--fail-on must be warning or error/);
  assert.equal((await cli(['heads', dir, '--fail-on', 'warning'])).code, 2);
  assert.equal((await cli(['check', dir, '--docs-url', 'docs/rules'])).code, 2, 'not an absolute URL');
});

test('check --format markdown --since: a section per new or changed migration, problems and its SQL collapsed', async () => {
  const dir = tempDir('alembic-md-');
  writeProject(dir, [{ id: A, down: [], message: 'old', upgrade: ["op.drop_column('users', 'legacy')"] }]);
  initRepo(dir);
  commitAll(dir, 'old');
  git(dir, 'checkout', '-q', '-b', 'feature');
  writeMigration(dir, {
    id: B,
    down: [A],
    message: 'archive <users> | rows',
    upgrade: ["op.drop_table('sessions')", 'op.execute("UPDATE users SET archived = true WHERE id < 10")', "op.create_index('ix_u', 'users', ['email'])"],
  });
  writeMigration(dir, { id: 'aaaa00000003', down: [B], message: 'select one', upgrade: ['op.execute("SELECT 1 -- ```")'] });
  const r = await cli(['check', dir, '--since', 'main', '--format', 'markdown']);
  assert.equal(r.code, 0, r.err);
  const md = r.out;
  assert.doesNotMatch(md, /00000_aaaa00000001|legacy/, 'an old migration is not listed');
  const sections = md.split(/^### /m).slice(1);
  assert.equal(sections.length, 2, md);
  const [archive, clean] = sections;
  assert.match(archive, new RegExp(`^\`[^\`]*${B}\\.py\` · \`${B}\` · archive &lt;users&gt; \\\\\\| rows\n`), 'heading escaped');
  assert.match(archive, /\| warning \| \d+ \| \[`ban-drop-table`\]\(file:\/\/\/[^)]*ban-drop-table\.md\) \| Dropping a table/);
  assert.match(archive, /<details><summary>SQL of <code>upgrade\(\)<\/code>/);
  assert.match(
    archive,
    /```sql\n-- op\.drop_table\('sessions'\)\n\nUPDATE users SET archived = true WHERE id < 10;\n\n-- op\.create_index\('ix_u', 'users', \['email'\]\)\n```\n\n<\/details>/,
  );
  assert.match(clean, /No problems\./);
  assert.match(clean, /````sql\nSELECT 1 -- ```;\n````/, 'a fence the SQL cannot close');
  assert.match(md, /^\*\*\d+ problems?\*\* \(.*\); 2 migrations added or changed since `main`\./m);
});

test('check --format markdown without --since: migrations with problems, other files in a table of their own', async () => {
  const dir = tempDir('alembic-md-all-');
  writeProject(dir, REVS);
  fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.alembic-migrations.rules]\nno-such-rule = "off"\n');
  const md = (await cli(['check', dir, '--format', 'markdown'])).out;
  const headings = md.match(/^### .*$/gm)!;
  assert.deepEqual(
    headings.map((h) => /_(\w+)\.py`/.exec(h)?.[1] ?? h),
    [B, 'aaaa00000003', 'aaaa00000004', '### Configuration and other files'],
  );
  assert.match(md, /\| warning \| pyproject\.toml:2 \| \[`invalid-project-config`\]|\| warning \| [^|]*pyproject\.toml:2 \| \[`invalid-project-config`\]/);
  assert.equal(escapeMarkdown('a|b <i>@team\nnext'), 'a\\|b &lt;i&gt;&#64;team next');
});
