/**
 * Runs inside a real VS Code extension host (code-server 4.100.3, or @vscode/test-electron),
 * with the packaged extension, a copy of migrations-sample as the workspace, a real PostgreSQL
 * named by DATABASE_URL and the real alembic (`alembic.command` in the user settings).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import { Client } from 'pg';
import type { AlembicExtensionApi } from '../../../client/src/extension';

const EXTENSION_ID = 'alembic-migrations.alembic-migrations';

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

function root(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f.uri.fsPath;
}

function migration(idPart: string, folder = path.join('alembic', 'versions')): vscode.Uri {
  const dir = path.join(root(), folder);
  const name = fs.readdirSync(dir).find((f) => f.includes(idPart));
  assert.ok(name, `a migration named *${idPart}* in ${dir}`);
  return vscode.Uri.file(path.join(dir, name));
}

async function versionRows(): Promise<string[]> {
  const url = process.env.DATABASE_URL;
  assert.ok(url, 'DATABASE_URL is set for the extension host');
  const c = new Client({ connectionString: url.replace(/^postgresql\+\w+:/, 'postgresql:') });
  await c.connect();
  try {
    const r = await c.query<{ version_num: string }>('SELECT version_num FROM alembic_version').catch(() => ({ rows: [] as Array<{ version_num: string }> }));
    return r.rows.map((x) => x.version_num).sort();
  } finally {
    await c.end();
  }
}

describe('Alembic Migrations in a real extension host', function () {
  let api: AlembicExtensionApi;
  let sampleId: string;

  before(async function () {
    this.timeout(120_000);
    const ext = vscode.extensions.getExtension<AlembicExtensionApi | undefined>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    const exported = await ext.activate();
    assert.ok(exported, 'activate returned its API (activation succeeded)');
    api = exported;
    await api.ready;
    const sample = await waitFor('the sample project', () =>
      api.store.projects().find((p) => vscode.Uri.parse(p.configUri).fsPath === path.join(root(), 'alembic.ini')),
    );
    sampleId = sample.id;
  });

  it('activates on alembic.ini and finds the three projects of the workspace', () => {
    const names = api.store
      .projects()
      .map((p) => p.name)
      .sort();
    // The sample, its broken sub-project, and the 10-revision chain the e2e runner adds (long/).
    assert.deepEqual(names, [path.basename(root()), 'broken', 'long'].sort(), 'the root project is named after its folder');
    const sample = api.store.project(sampleId)!;
    assert.equal(sample.revisionCount, 12);
  });

  it('every command of the manifest is registered', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const declared = (ext.packageJSON.contributes.commands as Array<{ command: string }>).map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      declared.filter((c) => !registered.has(c)),
      [],
    );
  });

  it("publishes the broken sample's rule ids as diagnostics with docs links", async () => {
    const uri = migration('0007_autoincrement', path.join('broken', 'alembic', 'versions'));
    await vscode.window.showTextDocument(uri);
    const diags = await waitFor('sqlite-syntax on 0007', () => {
      const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'alembic');
      return d.some((x) => codeOf(x) === 'sqlite-syntax') ? d : undefined;
    });
    const d = diags.find((x) => codeOf(x) === 'sqlite-syntax')!;
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    const target = typeof d.code === 'object' ? d.code.target.toString() : '';
    assert.match(target, /sqlite-syntax\.md$/);
    // Cross-file graph rules arrive without opening the other files.
    const missing = migration('0002_missing_parent', path.join('broken', 'alembic', 'versions'));
    await waitFor(
      'missing-parent on 0002 (never opened)',
      () => vscode.languages.getDiagnostics(missing).some((x) => codeOf(x) === 'missing-parent') || undefined,
    );
  });

  it('the revision tree lists the sample heads first, down to base, with the merge expandable', () => {
    const top = api.tree.getChildren();
    const project = top.find((n) => n.kind === 'project' && n.project.id === sampleId);
    assert.ok(project, 'one root per project when there are two');
    const rows = api.tree.getChildren(project);
    const ids = rows.map((r) => (r.kind === 'revision' ? r.row.revision : ''));
    assert.equal(ids.length, 12);
    assert.equal(ids[0], 'c3f9a1d7e586');
    assert.equal(ids[ids.length - 1], '1f9a3c2b7d10');
    const merge = rows[0];
    const item = api.tree.getTreeItem(merge);
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const parents = api.tree.getChildren(merge).map((r) => (r.kind === 'revision' ? r.row.revision : ''));
    assert.deepEqual(parents.sort(), ['9c6d8f4a0b53', 'b2e8f0c6d475']);
  });

  it('CodeLenses above revision = offer the state and the run actions', async () => {
    const uri = migration('3c8b1f04a6e2');
    await vscode.workspace.openTextDocument(uri);
    const lenses = await waitFor('code lenses', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      return l?.some((x) => x.command?.title === 'Upgrade to here') ? l : undefined;
    });
    const titles = lenses.map((l) => l.command?.title);
    assert.ok(titles.includes('Show SQL'), titles.join(' | '));
    assert.ok(titles.includes('○ pending') || titles.includes('✓ applied') || titles.includes('● current'), titles.join(' | '));
    assert.equal(lenses[0].range.start.line, 15 - 1, 'on the revision = line');
  });

  it('Upgrade to Here runs the real alembic and the state read with pg follows', async function () {
    this.timeout(120_000);
    await vscode.commands.executeCommand('alembic.tree.upgradeHere', { projectId: sampleId, revision: '2a7e5d91c3b4' });
    assert.deepEqual(await versionRows(), ['2a7e5d91c3b4']);
    const db = api.database.get(sampleId);
    assert.deepEqual(db?.rows, ['2a7e5d91c3b4'], JSON.stringify(db?.status));
    const states = api.tree.states(sampleId);
    assert.equal(states.get('2a7e5d91c3b4'), 'current');
    assert.equal(states.get('1f9a3c2b7d10'), 'applied');
    assert.equal(states.get('3c8b1f04a6e2'), 'pending');
  });

  it('hover on a down_revision id shows the parent migration', async () => {
    const uri = migration('3c8b1f04a6e2');
    const doc = await vscode.workspace.openTextDocument(uri);
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.startsWith('down_revision'));
    const col = doc.lineAt(line).text.indexOf('2a7e5d91c3b4') + 3;
    const hovers = await waitFor('a hover', async () => {
      const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(line, col));
      return h?.length ? h : undefined;
    });
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /create products table/i);
    assert.match(text, /current/i, 'the hover knows the database state');
  });

  it('a migration created on disk joins the tree live (alembic/graphChanged), and leaves it when deleted', async () => {
    const file = path.join(root(), 'alembic', 'versions', '2024_03_01_e2e0a1b2c3d4_live_update.py');
    fs.writeFileSync(
      file,
      `"""live update\n\nRevision ID: e2e0a1b2c3d4\nRevises: c3f9a1d7e586\n"""\nrevision = 'e2e0a1b2c3d4'\ndown_revision = 'c3f9a1d7e586'\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n`,
    );
    try {
      await waitFor('the new head in the tree', () => {
        const project = api.tree.getChildren().find((n) => n.kind === 'project' && n.project.id === sampleId);
        const rows = project ? api.tree.getChildren(project) : [];
        return rows[0]?.kind === 'revision' && rows[0].row.revision === 'e2e0a1b2c3d4';
      });
    } finally {
      fs.rmSync(file);
    }
    await waitFor('the tree without it', () => api.store.graph(sampleId)?.nodes.every((n) => n.id !== 'e2e0a1b2c3d4'));
  });

  it('a crashed language server is restarted and gets the graph and the database state back', async function () {
    this.timeout(60_000);
    const uri = migration('3c8b1f04a6e2');
    const doc = await vscode.workspace.openTextDocument(uri);
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.startsWith('down_revision'));
    const pos = new vscode.Position(line, doc.lineAt(line).text.indexOf('2a7e5d91c3b4') + 3);
    // The server is a child of this extension host, started with dist/server.js.
    const ps = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    const server = ps
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .find((f) => f.some((a) => a.endsWith(path.join('dist', 'server.js'))));
    assert.ok(server, `the language server among this host's children:\n${ps}`);
    process.kill(Number(server[0]), 'SIGKILL');
    const text = await waitFor(
      'a hover from the restarted server that knows the database state',
      async () => {
        const again = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
        if (again.includes(`${server[0]} `) && again.split('\n').some((l) => l.trim().startsWith(`${server[0]} `))) return undefined;
        const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, pos);
        const t = (h ?? []).flatMap((x) => x.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
        return /create products table/i.test(t) && /current/i.test(t) ? t : undefined;
      },
      15_000,
    ); // well under alembic.statusRefreshSeconds (30): the restart itself must bring the state back
    assert.match(text, /current/);
    assert.equal(api.store.graph(sampleId)?.nodes.length, 12);
  });

  it('Show Revision Graph opens one webview panel per project, and again brings the same one forward', async () => {
    const graphTabs = (): vscode.Tab[] =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('alembic.graph'));
    await vscode.commands.executeCommand('alembic.showGraph', { projectId: sampleId });
    const tab = await waitFor('the graph tab', () => graphTabs()[0]);
    assert.equal(tab.label, `Revisions: ${api.store.project(sampleId)!.name}`);
    await vscode.commands.executeCommand('alembic.showGraph', { projectId: sampleId });
    assert.equal(graphTabs().length, 1, 'one panel per project');
    await vscode.window.tabGroups.close(graphTabs());
  });

  it("Go to Definition on a down_revision id opens the parent's revision = line", async () => {
    const uri = migration('3c8b1f04a6e2');
    const doc = await vscode.workspace.openTextDocument(uri);
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.startsWith('down_revision'));
    const col = doc.lineAt(line).text.indexOf('2a7e5d91c3b4') + 1;
    const defs = await vscode.commands.executeCommand<Array<vscode.Location | vscode.LocationLink>>(
      'vscode.executeDefinitionProvider',
      uri,
      new vscode.Position(line, col),
    );
    const target = defs[0] && ('targetUri' in defs[0] ? defs[0].targetUri : defs[0].uri);
    assert.ok(target && path.basename(target.fsPath).includes('2a7e5d91c3b4'));
  });
});

function codeOf(d: vscode.Diagnostic): string | undefined {
  return typeof d.code === 'object' ? String(d.code.value) : d.code === undefined ? undefined : String(d.code);
}
