/**
 * The index of one Alembic project: every migration file's declarations (fast scan), the
 * revision graph built from them, and the project's graph problems. Updates are per file;
 * the graph is rebuilt lazily, once, however many files changed in between (a checkout that
 * touches 1,000 files costs one rebuild).
 */
import * as path from 'node:path';
import type { AlembicProject } from './project';
import { listMigrationFiles } from './discovery';
import { RevisionGraph, graphKey } from './revisionGraph';
import { graphProblems } from './graphProblems';
import { migrationFromText, readMigrationFile } from './migrationFile';
import type { MigrationFile, Problem } from './types';

export class ProjectIndex {
  private readonly files = new Map<string, MigrationFile>();
  private graphCache: RevisionGraph | undefined;
  private problemsCache: Problem[] | undefined;
  /** Bumped on every change that can alter the graph or what it shows. */
  generation = 1;

  /** With `signed`, files read from disk record their signatures (for graph snapshots). */
  private constructor(
    readonly project: AlembicProject,
    private readonly signed = false,
  ) {}

  /** Lists and scans every migration of the project (with `signatures`, each file records its signature). */
  static load(project: AlembicProject, opts: { signatures?: boolean } = {}): ProjectIndex {
    const index = new ProjectIndex(project, !!opts.signatures);
    for (const f of listMigrationFiles(project))
      index.files.set(f.file, readMigrationFile(f.file, f.versionLocation, { signature: index.signed, regular: f.regular }));
    return index;
  }

  /**
   * The same, yielding to the event loop every `sliceMs` milliseconds, so a server keeps
   * answering while a large project is read. With `signatures`, every file read from disk
   * records its signature. `listing` is the project's listing when the caller already has
   * it; `pause` is awaited between slices (the server waits there for its output to drain).
   * (Reading on libuv's thread pool instead was slower here: 1.3 s against 0.95 s at 5,000.)
   */
  static async loadInSlices(
    project: AlembicProject,
    opts: { signatures?: boolean; sliceMs?: number; listing?: ReturnType<typeof listMigrationFiles>; pause?: () => Promise<void> } = {},
  ): Promise<ProjectIndex> {
    const index = new ProjectIndex(project, !!opts.signatures);
    const sliceMs = opts.sliceMs ?? 4;
    let sliceEnd = performance.now() + sliceMs;
    let n = 0;
    for (const f of opts.listing ?? listMigrationFiles(project)) {
      index.files.set(f.file, readMigrationFile(f.file, f.versionLocation, { signature: index.signed, regular: f.regular }));
      // Short slices: a large answer being written (a graph from a snapshot) drains between them.
      if ((++n & 7) === 0 && performance.now() > sliceEnd) {
        await new Promise((r) => setImmediate(r));
        if (opts.pause) await opts.pause();
        sliceEnd = performance.now() + sliceMs;
      }
    }
    return index;
  }

  /** All migration files, in listing order. */
  migrationFiles(): MigrationFile[] {
    return [...this.files.values()];
  }

  migrationFile(file: string): MigrationFile | undefined {
    return this.files.get(file);
  }

  get graph(): RevisionGraph {
    this.graphCache ??= new RevisionGraph(this.migrationFiles(), this.generation);
    return this.graphCache;
  }

  /** Graph problems of every file plus the project's configuration problems. */
  problems(): Problem[] {
    this.problemsCache ??= [...this.project.problems, ...graphProblems(this.graph, this.migrationFiles())];
    return this.problemsCache;
  }

  /**
   * The version location a path belongs to, if it is a migration of this project: a `.py`
   * file directly in a version location, or below one when locations are recursive.
   */
  versionLocationOf(file: string): string | undefined {
    if (!file.endsWith('.py') || path.basename(file) === '__init__.py') return undefined;
    const dir = path.dirname(file);
    for (const loc of this.project.versionLocations) {
      if (dir === loc) return loc;
      if (this.project.recursiveVersionLocations && dir.startsWith(loc + path.sep) && !dir.split(path.sep).includes('__pycache__')) return loc;
    }
    return undefined;
  }

  /**
   * Records new content for a file (an editor buffer, or `undefined` to re-read it from disk).
   * Returns false when the file is not a migration of this project.
   */
  setFile(file: string, text?: string): boolean {
    const loc = this.versionLocationOf(file);
    if (!loc) return false;
    const old = this.files.get(file);
    const next = text === undefined ? readMigrationFile(file, loc, { signature: this.signed }) : migrationFromText(file, loc, text);
    this.files.set(file, next);
    // Same declarations: the graph stands, only what it shows (messages, ranges) changed. Only
    // `down_revision` changed (the usual fix): the graph is updated in place.
    const kept =
      old &&
      this.graphCache &&
      ((graphKey(old) === graphKey(next) && this.graphCache.replaceMigration(old, next)) || this.graphCache.updateDownRevision(old, next));
    if (kept) {
      this.problemsCache = undefined;
      this.generation++;
      return true;
    }
    this.invalidate();
    return true;
  }

  /** Forgets a deleted file. Returns false when it was not indexed. */
  removeFile(file: string): boolean {
    if (!this.files.delete(file)) return false;
    this.invalidate();
    return true;
  }

  private invalidate(): void {
    this.graphCache = undefined;
    this.problemsCache = undefined;
    this.generation++;
  }
}
