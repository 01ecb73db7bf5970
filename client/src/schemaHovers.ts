/**
 * Hover and completion of table and column names inside a migration's `op.*` strings, from the
 * schema as it was **before** that migration: the snapshot at its parent revision, built once
 * on a throwaway database by the bundled CLI (`schema --revision <parent> --format json`) and
 * cached per revision and the text of every migration below it (workspace storage). Until it
 * is built, the hover offers to build it; nothing runs on its own. Trusted workspaces only.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ProjectInfo } from '../../server/src/shared/protocol';
import { emptySnapshot, type SchemaSnapshot } from '../../server/src/shared/schemaSnapshot';
import { quotedAt, schemaCompletions, schemaHoverFor } from '../../server/src/shared/schemaHover';
import { humanBytes, humanRows, tableSizes, type TableSize } from '../../server/src/shared/db/tableSizes';
import { shortId } from '../../server/src/shared/revisionState';
import { cliReason, runBundledCli } from './cliProcess';
import type { Ctx } from './ctx';
import type { GraphView } from './model/graphModel';
import { throwawayEnv } from './cliProcess';

export const LOAD_SCHEMA_COMMAND = 'alembic.loadSchemaBefore';

/** Lines where a quoted name is a schema object: op.* calls and the sa.* pieces inside them. */
const SCHEMA_LINE =
  /\bop\.\w+\(|\bsa\.(Column|ForeignKey|Index|UniqueConstraint|PrimaryKeyConstraint)\(|\btable_name\s*=|\bsource_table\s*=|\breferent_table\s*=/;

export class SchemaHovers implements vscode.HoverProvider, vscode.CompletionItemProvider {
  private readonly memory = new Map<string, SchemaSnapshot>();

  constructor(private readonly ctx: Ctx) {}

  /** The project, revision and parent of a migration file; undefined for other files and for merges. */
  private migrationOf(doc: vscode.TextDocument): { project: ProjectInfo; revision: string; parent: string | undefined } | undefined {
    const project = this.ctx.store.projectOfUri(doc.uri);
    const view = project && this.ctx.views.view(project.id);
    const node = view?.nodes.find((n) => n.uri === doc.uri.toString());
    if (!project || !view || !node || node.parents.length > 1) return undefined;
    return { project, revision: node.id, parent: node.parents[0] };
  }

  /** Keys already hashed, per graph generation: a hover must not re-read every migration below it. */
  private readonly keys = new Map<string, string | undefined>();

  /** The cache key: the revision and the text of it and every migration below it. */
  private key(project: ProjectInfo, revision: string): string | undefined {
    const view = this.ctx.views.view(project.id);
    const generation = this.ctx.store.graph(project.id)?.generation;
    if (!view || generation === undefined) return undefined;
    // The server re-reads a migration (and counts up the generation) whenever one changes.
    const memo = `${project.id}\0${generation}\0${revision}`;
    if (this.keys.has(memo)) return this.keys.get(memo);
    if (this.keys.size > 256) this.keys.clear();
    const key = this.hashChain(view, project, revision);
    this.keys.set(memo, key);
    return key;
  }

  private hashChain(view: GraphView, project: ProjectInfo, revision: string): string | undefined {
    const ids = [revision, ...view.ancestors(revision)].sort();
    const h = crypto.createHash('sha256').update(project.id).update('\0').update(revision);
    for (const id of ids) {
      const node = view.byId.get(id);
      if (!node) return undefined;
      try {
        h.update('\0')
          .update(id)
          .update('\0')
          .update(fs.readFileSync(vscode.Uri.parse(node.uri).fsPath));
      } catch {
        return undefined;
      }
    }
    return h.digest('hex').slice(0, 32);
  }

  private cacheFile(key: string): string | undefined {
    const dir = this.ctx.extension.storageUri?.fsPath;
    return dir ? path.join(dir, 'schema-snapshots', `${key}.json`) : undefined;
  }

  /** The snapshot before `revision`'s migration (at its parent), if built; the empty schema before a base. */
  private snapshotBefore(project: ProjectInfo, parent: string | undefined): SchemaSnapshot | undefined {
    if (parent === undefined) return emptySnapshot();
    const key = this.key(project, parent);
    if (!key) return undefined;
    const inMemory = this.memory.get(key);
    if (inMemory) return inMemory;
    const file = this.cacheFile(key);
    try {
      const st = file ? fs.lstatSync(file) : undefined;
      if (!file || !st?.isFile()) return undefined;
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { schema?: SchemaSnapshot };
      if (!parsed.schema || typeof parsed.schema.tables !== 'object') return undefined;
      this.memory.set(key, parsed.schema);
      return parsed.schema;
    } catch {
      return undefined;
    }
  }

  /** Builds and caches the snapshot at `revision` (the command behind the hover's link). */
  async load(arg: { projectId: string; revision?: string } | undefined): Promise<void> {
    if (!arg?.revision || !vscode.workspace.isTrusted) return;
    const revision = arg.revision;
    const project = this.ctx.store.project(arg.projectId);
    if (!project?.iniUri) return;
    const key = this.key(project, revision);
    const setup = await this.ctx.runner.setupOf(project);
    if (!key || !setup) return;
    const cfg = vscode.workspace.getConfiguration('alembic', vscode.Uri.parse(project.rootUri));
    const serverUrl = cfg.get<string>('verify.serverUrl', '').trim();
    const env = throwawayEnv(setup);
    const secrets = this.ctx.database.secretsInUse();
    const run = await runBundledCli(
      this.ctx.extension,
      ['schema', vscode.Uri.parse(project.iniUri).fsPath, '--revision', revision, '--format', 'json', ...(serverUrl ? ['--server-url', serverUrl] : [])],
      {
        cwd: vscode.Uri.parse(project.rootUri).fsPath,
        env,
        title: `Alembic: building the schema at ${shortId(revision)} for hovers`,
        progressPrefix: 'schema: ',
        secrets,
        log: this.ctx.log,
      },
    );
    if (run.cancelled) return;
    let schema: SchemaSnapshot | undefined;
    try {
      schema = run.code === 0 ? (JSON.parse(run.out) as { schema: SchemaSnapshot }).schema : undefined;
    } catch {
      schema = undefined;
    }
    if (!schema) {
      void vscode.window.showErrorMessage(`Alembic: the schema at ${shortId(revision)} could not be built — ${cliReason(run, secrets)}`);
      return;
    }
    this.memory.set(key, schema);
    const file = this.cacheFile(key);
    if (file) {
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify({ revision: revision, schema }), { flag: 'wx' });
        fs.renameSync(tmp, file);
      } catch (e) {
        this.ctx.log.warn(`[schema] the snapshot of ${revision} is not kept on disk: ${(e as Error).message}`);
      }
    }
    vscode.window.setStatusBarMessage(`Alembic: the schema at ${shortId(revision)} is ready — hover a table or column`, 5000);
  }

  /** Live sizes for the hover, when the status bar's database is at or past the parent. */
  private async sizes(project: ProjectInfo, parent: string | undefined, table: string): Promise<TableSize | undefined> {
    const db = this.ctx.database.get(project.id);
    const view = this.ctx.views.view(project.id);
    if (!db?.pg || !db.rows || !view || parent === undefined) return undefined;
    const applied = view.appliedSet(db.rows);
    if (!applied.has(parent)) return undefined;
    const r = await tableSizes(db.pg, [table]);
    return r.kind === 'ok' ? r.sizes.get(table) : undefined;
  }

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    if (!vscode.workspace.isTrusted) return undefined;
    const line = doc.lineAt(pos.line).text;
    if (!SCHEMA_LINE.test(line)) return undefined;
    const q = quotedAt(line, pos.character);
    const m = q && this.migrationOf(doc);
    if (!q || !m) return undefined;
    const snapshot = this.snapshotBefore(m.project, m.parent);
    if (!snapshot) {
      const args = encodeURIComponent(JSON.stringify([{ projectId: m.project.id, revision: m.parent }]));
      const md = new vscode.MarkdownString(
        `Schema before this migration (at ${shortId(m.parent!)}): [Build it](command:${LOAD_SCHEMA_COMMAND}?${args} "upgrade a throwaway database to ${m.parent}, once") to see \`${q.word}\` as it is there.`,
      );
      md.isTrusted = { enabledCommands: [LOAD_SCHEMA_COMMAND] };
      return new vscode.Hover(md);
    }
    let rows: string | undefined;
    if (snapshot.tables[q.word]) {
      const size = await this.sizes(m.project, m.parent, q.word).catch(() => undefined);
      if (size) rows = `${size.rows !== undefined ? `${humanRows(size.rows)}, ` : ''}${humanBytes(size.bytes)} in the database`;
    }
    const text = schemaHoverFor(snapshot, q, () => rows);
    return text ? new vscode.Hover(new vscode.MarkdownString(text)) : undefined;
  }

  provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position): vscode.CompletionItem[] | undefined {
    if (!vscode.workspace.isTrusted) return undefined;
    const line = doc.lineAt(pos.line).text;
    if (!SCHEMA_LINE.test(line)) return undefined;
    // Inside a string: an odd number of quotes before the cursor.
    const before = line.slice(0, pos.character);
    if ((before.match(/['"]/g) ?? []).length % 2 === 0) return undefined;
    const m = this.migrationOf(doc);
    const snapshot = m && this.snapshotBefore(m.project, m.parent);
    if (!snapshot) return undefined;
    const strings = [...line.matchAll(/(['"])([^'"\n]*)\1/g)].map((x) => x[2]);
    return schemaCompletions(snapshot, strings).map((c) => {
      const item = new vscode.CompletionItem(c.label, c.kind === 'table' ? vscode.CompletionItemKind.Struct : vscode.CompletionItemKind.Field);
      item.detail = `${c.detail} (before this migration)`;
      return item;
    });
  }
}

const perCtx = new WeakMap<Ctx, SchemaHovers>();

/** The extension's schema hovers (one per extension; the *Build it* command uses the same cache). */
export function schemaHoversOf(ctx: Ctx): SchemaHovers {
  let h = perCtx.get(ctx);
  if (!h) {
    h = new SchemaHovers(ctx);
    perCtx.set(ctx, h);
  }
  return h;
}

/** The hover and completion providers (the *Build it* command is alembic.loadSchemaBefore in commands/verify.ts). */
export function registerSchemaHovers(ctx: Ctx): vscode.Disposable[] {
  const hovers = schemaHoversOf(ctx);
  const selector = { scheme: 'file', language: 'python' };
  return [vscode.languages.registerHoverProvider(selector, hovers), vscode.languages.registerCompletionItemProvider(selector, hovers, "'", '"')];
}
