/**
 * The README is part of the interface: its commands table, settings table and rule list must
 * name every command of the manifest's palette, every `alembic.*` setting and every rule id.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULES } from '../../server/src/alembic/rules';

const root = path.resolve(__dirname, '..', '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

test('README lists every palette command by its title', () => {
  const hidden = new Set(
    (manifest.contributes.menus.commandPalette ?? []).filter((m: { when?: string }) => m.when === 'false').map((m: { command: string }) => m.command),
  );
  const missing = manifest.contributes.commands
    .filter((c: { command: string }) => !hidden.has(c.command))
    .map((c: { category?: string; title: string }) => `| ${c.category ? `${c.category}: ` : ''}${c.title} |`)
    .filter((row: string) => !readme.includes(row));
  assert.deepEqual(missing, []);
});

test('README documents every setting with its default', () => {
  const props: Record<string, { default: unknown }> = Object.assign(
    {},
    ...[manifest.contributes.configuration].flat().map((c: { properties: object }) => c.properties),
  );
  const missing = Object.entries(props)
    .filter(([k, v]) => !readme.includes(`| \`${k}\` | \`${JSON.stringify(v.default)}\` |`))
    .map(([k]) => k);
  assert.deepEqual(missing, []);
});

test('README links every rule id to its docs page, which exists', () => {
  for (const r of RULES) {
    assert.ok(readme.includes(`[\`${r.id}\`](docs/rules/${r.id}.md)`), r.id);
    assert.ok(fs.existsSync(path.join(root, 'docs', 'rules', `${r.id}.md`)), r.id);
  }
});

test('README images exist', () => {
  for (const m of readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) assert.ok(fs.existsSync(path.join(root, m[1])), m[1]);
});

test('the manifest has every alembic.* setting the client reads, each with a description', () => {
  const props: Record<string, { description?: string; markdownDescription?: string }> = Object.assign(
    {},
    ...[manifest.contributes.configuration].flat().map((c: { properties: object }) => c.properties),
  );
  for (const key of [
    'databaseUrl',
    'versionTable',
    'versionTableSchema',
    'command',
    'xArgs',
    'env',
    'statusRefreshSeconds',
    'confirmDowngrade',
    'lint.rules',
    'trace.server',
  ]) {
    const p = props[`alembic.${key}`];
    assert.ok(p, `alembic.${key}`);
    assert.ok((p.markdownDescription ?? p.description ?? '').length > 20, `alembic.${key} has a description`);
  }
  const read = new Set<string>();
  for (const f of fs.readdirSync(path.join(root, 'client', 'src'), { recursive: true }) as string[]) {
    if (!f.endsWith('.ts')) continue;
    const text = fs.readFileSync(path.join(root, 'client', 'src', f), 'utf8');
    // Settings are read as `<configuration>.get<T>('key', default)` (Maps are read without a type argument).
    if (text.includes("getConfiguration('alembic'"))
      for (const m of text.matchAll(/\.get<[^>]+>\('([\w.]+)'/g)) if (!m[1].startsWith('alembic.')) read.add(m[1]); // alembic.* keys are workspaceState
  }
  assert.ok(read.size >= 5, `found the settings the client reads: ${[...read].join(', ')}`);
  for (const k of read) assert.ok(props[`alembic.${k}`], `alembic.${k} is read by the client but not declared`);
});

test('the walkthrough covers the view, the database, an upgrade and a diagnostic, and its media exist', () => {
  const steps: Array<{ id: string; media?: { markdown?: string; image?: string } }> = manifest.contributes.walkthroughs.flatMap(
    (w: { steps: unknown[] }) => w.steps,
  );
  assert.ok(steps.length >= 4, `${steps.length} steps`);
  for (const s of steps) {
    const m = s.media?.markdown ?? s.media?.image;
    assert.ok(m && fs.existsSync(path.join(root, m)), `${s.id}: ${m}`);
  }
  assert.ok(fs.existsSync(path.join(root, manifest.icon)), manifest.icon);
});

test('every setting that runs or connects is restricted in an untrusted workspace, and every command that writes from templates needs trust', () => {
  const restricted = new Set<string>(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations);
  for (const k of ['command', 'env', 'xArgs', 'databaseUrl', 'confirmDowngrade', 'versionTable', 'versionTableSchema'])
    assert.ok(restricted.has(`alembic.${k}`), `alembic.${k} is restricted`);
  // Whatever the runner, the database monitor and the probe read decides what runs or where it connects.
  const harmless = new Set(['statusRefreshSeconds']);
  for (const f of ['client/src/alembicRunner.ts', 'client/src/databaseMonitor.ts', 'server/src/shared/alembicCli/targetProbe.ts']) {
    const text = fs.readFileSync(path.join(root, f), 'utf8');
    for (const m of text.matchAll(/\.get<[^>]+>\('([\w.]+)'/g)) {
      if (!harmless.has(m[1])) assert.ok(restricted.has(`alembic.${m[1]}`), `${f} reads alembic.${m[1]}, which an untrusted workspace could plant`);
    }
  }
  const commands: Array<{ command: string; enablement?: string }> = manifest.contributes.commands;
  for (const id of ['alembic.createRevision', 'alembic.mergeHeads', 'alembic.createRevisionAutogenerate']) {
    assert.match(commands.find((c) => c.command === id)?.enablement ?? '', /isWorkspaceTrusted/, id);
  }
});

test('every command in the manifest has exactly one factory in client/src/commands/, and none is left unregistered', () => {
  const dir = path.join(root, 'client', 'src', 'commands');
  const defined: string[] = [];
  for (const f of fs.readdirSync(dir)) {
    for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/^ {2}'(alembic\.[\w.]+)': /gm)) defined.push(m[1]);
  }
  const declared = (manifest.contributes.commands as Array<{ command: string }>).map((c) => c.command).sort();
  assert.deepEqual([...defined].sort(), declared);
});
