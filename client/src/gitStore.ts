/**
 * The client's copy of what git knows, from the server: provenance per revision
 * (`alembic/gitInfo`, refreshed on `alembic/gitChanged`), and for each database revision this
 * checkout lacks, where git has it (`alembic/locateRevision`, asked once per revision until git
 * or the graph changes). Fires `onDidLocate` the first time such a revision is found, so the
 * user is told once, with actions.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { GitChangedNotification, GitInfoRequest, LocateRevisionRequest, type GitInfoResult, type LocateRevisionResult } from '../../server/src/shared/protocol';
import type { GraphStore } from './graphStore';
import type { DatabaseMonitor } from './databaseMonitor';

export class GitStore implements vscode.Disposable {
  private readonly infos = new Map<string, GitInfoResult>();
  private readonly located = new Map<string, Map<string, LocateRevisionResult>>();
  private readonly asking = new Set<string>();
  private readonly told = new Set<string>();
  private readonly emitter = new vscode.EventEmitter<string>();
  private readonly locateEmitter = new vscode.EventEmitter<{ projectId: string; revision: string; result: LocateRevisionResult }>();
  private readonly disposables: vscode.Disposable[] = [this.emitter, this.locateEmitter];
  /** Fires with a project id when its git facts or located revisions changed. */
  readonly onDidChange = this.emitter.event;
  /** A database revision this checkout lacks was located for the first time (once per project and revision). */
  readonly onDidLocate = this.locateEmitter.event;

  constructor(
    private readonly client: LanguageClient,
    private readonly store: GraphStore,
    private readonly database: DatabaseMonitor,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      client.onNotification(GitChangedNotification, (p) => {
        this.located.delete(p.projectId);
        void this.refresh(p.projectId);
      }),
      store.onDidChange((id) => {
        for (const p of id ? [id] : store.projects().map((x) => x.id)) {
          this.located.delete(p);
          void this.refresh(p);
        }
      }),
      database.onDidChange(() => {
        for (const p of store.projects()) void this.locateMissing(p.id);
      }),
    );
  }

  info(projectId: string): GitInfoResult | undefined {
    return this.infos.get(projectId);
  }

  /** Database revisions this checkout lacks, with where git has them (only those asked so far). */
  fromBranches(projectId: string): ReadonlyMap<string, LocateRevisionResult> {
    return this.located.get(projectId) ?? new Map();
  }

  /** The located chain that holds `revision` (a "from branch" row's revision), if any. */
  chainHolding(projectId: string, revision: string): { databaseRevision: string; result: LocateRevisionResult } | undefined {
    for (const [databaseRevision, result] of this.fromBranches(projectId)) {
      if (databaseRevision === revision || result.chain?.migrations.some((m) => m.id === revision)) return { databaseRevision, result };
    }
    return undefined;
  }

  private async refresh(projectId: string): Promise<void> {
    try {
      const info = await this.client.sendRequest(GitInfoRequest, { projectId });
      if (info) this.infos.set(projectId, info);
      else this.infos.delete(projectId);
      this.emitter.fire(projectId);
      await this.locateMissing(projectId);
    } catch (e) {
      this.log.warn(`[git] ${projectId}: ${(e as Error).message}`);
    }
  }

  /** Asks git where the database's revisions that no file declares live (once each). */
  private async locateMissing(projectId: string): Promise<void> {
    const rows = this.database.get(projectId)?.rows;
    const graph = this.store.graph(projectId);
    if (!rows || !graph) return;
    const known = new Set(graph.nodes.map((n) => n.id));
    const missing = rows.filter((r) => !known.has(r));
    const have = this.located.get(projectId) ?? new Map<string, LocateRevisionResult>();
    for (const r of [...have.keys()]) if (!missing.includes(r)) have.delete(r);
    this.located.set(projectId, have);
    for (const revision of missing) {
      const key = `${projectId}\n${revision}`;
      // A result that could not ask git (not read yet, a failed run) is asked again next time.
      if ((have.has(revision) && have.get(revision)?.kind !== 'unavailable') || this.asking.has(key)) continue;
      this.asking.add(key);
      try {
        const result = await this.client.sendRequest(LocateRevisionRequest, { projectId, revision });
        if (result.kind === 'unavailable' && /not been read yet/.test(result.message ?? '')) continue; // asked again on gitChanged
        have.set(revision, result);
        this.emitter.fire(projectId);
        // Told once, and only what git answered: an unavailable answer may become a found one.
        if (result.kind !== 'unavailable' && !this.told.has(key)) {
          this.told.add(key);
          this.locateEmitter.fire({ projectId, revision, result });
        }
      } catch (e) {
        this.log.warn(`[git] locating ${revision}: ${(e as Error).message}`);
      } finally {
        this.asking.delete(key);
      }
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
