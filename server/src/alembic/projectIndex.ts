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
import { numbersSignature } from '../cache/fileSignature';
import { statNumbers } from '../shared/fastStat';
import { createDateOf, messageOf, revisionRangeOf } from './migrationFacts';

export class ProjectIndex {
  /** The files by path, built on the first lookup (a cold index and its first graph need none). */
  private byPath: Map<string, MigrationFile> | undefined;
  /** The files as read, in listing order, until `byPath` is built from them. */
  private readonly read: MigrationFile[] = [];
  /** The files in order, built once after each change (the graph and its problems both read it). */
  private list: MigrationFile[] | undefined;
  private graphCache: RevisionGraph | undefined;
  private problemsCache: Problem[] | undefined;
  /** Bumped on every change that can alter the graph or what it shows. */
  generation = 1;
  /** Files read at start-up without their signature (`signLater`), until signUnsigned. */
  private unsigned: MigrationFile[] = [];

  /** Every file by its path. */
  private get files(): Map<string, MigrationFile> {
    if (!this.byPath) {
      this.byPath = new Map();
      for (let i = 0; i < this.read.length; i++) this.byPath.set(this.read[i].file, this.read[i]);
      this.read.length = 0;
    }
    return this.byPath;
  }

  /** With `signed`, files read from disk record their signatures (for graph snapshots). */
  private constructor(
    readonly project: AlembicProject,
    private readonly signed = false,
  ) {}

  /** Lists and scans every migration of the project (with `signatures`, each file records its signature). */
  static load(project: AlembicProject, opts: { signatures?: boolean } = {}): ProjectIndex {
    const index = new ProjectIndex(project, !!opts.signatures);
    const listing = listMigrationFiles(project);
    for (let i = 0; i < listing.length; i++) {
      const f = listing[i];
      // A listing names each path once: the files are kept in order, mapped by path when asked.
      index.read.push(readMigrationFile(f.file, f.versionLocation, { signature: index.signed, regular: f.regular }));
    }
    return index;
  }

  /**
   * The same, yielding to the event loop every `sliceMs` milliseconds, so a server keeps
   * answering while a large project is read. With `signatures`, every file read from disk
   * records its signature. `listing` is the project's listing when the caller already has
   * it; `pause` is awaited between slices (the server waits there for its output to drain).
   * With `signLater`, the files are read without their signature (no `fstat` each) and signed
   * by signUnsigned once the first answers are out; files read afterwards are signed as read.
   * (Reading on libuv's thread pool instead was slower here: 1.3 s against 0.95 s at 5,000.)
   */
  static async loadInSlices(
    project: AlembicProject,
    opts: {
      signatures?: boolean;
      signLater?: boolean;
      sliceMs?: number;
      listing?: ReturnType<typeof listMigrationFiles>;
      pause?: () => Promise<void>;
    } = {},
  ): Promise<ProjectIndex> {
    const index = new ProjectIndex(project, !!opts.signatures);
    const signNow = index.signed && !opts.signLater;
    const sliceMs = opts.sliceMs ?? 4;
    let sliceEnd = performance.now() + sliceMs;
    let n = 0;
    for (const f of opts.listing ?? listMigrationFiles(project)) {
      const m = readMigrationFile(f.file, f.versionLocation, { signature: signNow, regular: f.regular });
      index.read.push(m);
      if (index.signed && !signNow) index.unsigned.push(m);
      // Short slices: a large answer being written (a graph from a snapshot) drains between them.
      if ((++n & 7) === 0 && performance.now() > sliceEnd) {
        await new Promise((r) => setImmediate(r));
        if (opts.pause) await opts.pause();
        sliceEnd = performance.now() + sliceMs;
      }
    }
    return index;
  }

  /**
   * Signs the files read without their signature (loadInSlices' `signLater`). A file whose
   * change time is more than a second older than `readSince` (epoch ms, taken before the
   * reading began) has not changed since it was read: its signature is taken from `stat`. One
   * that may have (a write during or just before the reading) is read again, and signed when
   * what the graph shows of it is the same (otherwise its change arrives as a file event and the
   * re-read then signs it). A file already replaced since is left alone.
   */
  signUnsigned(readSince: number): void {
    const files = this.unsigned;
    this.unsigned = [];
    for (const m of files) {
      if (this.files.get(m.file) !== m || m.signature !== undefined) continue;
      const st = statNumbers(m.file);
      if (!st) continue;
      if (st[2] < readSince - 1000) {
        m.signature = numbersSignature(st);
        continue;
      }
      const again = readMigrationFile(m.file, m.versionLocation, { signature: true });
      if (again.signature !== undefined && sameAsShown(m, again)) m.signature = again.signature;
    }
  }

  /** All migration files, in listing order (a fresh array: the caller may change it). */
  migrationFiles(): MigrationFile[] {
    return this.fileList().slice();
  }

  private fileList(): MigrationFile[] {
    return (this.list ??= this.byPath ? [...this.byPath.values()] : this.read.slice());
  }

  migrationFile(file: string): MigrationFile | undefined {
    return this.files.get(file);
  }

  get graph(): RevisionGraph {
    this.graphCache ??= new RevisionGraph(this.fileList(), this.generation);
    return this.graphCache;
  }

  /** Graph problems of every file plus the project's configuration problems. */
  problems(): Problem[] {
    this.problemsCache ??= [...this.project.problems, ...graphProblems(this.graph, this.fileList())];
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
    this.list = undefined;
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
    this.list = undefined;
    this.invalidate();
    return true;
  }

  private invalidate(): void {
    this.graphCache = undefined;
    this.problemsCache = undefined;
    this.generation++;
  }
}

/** Two readings of a file that give the same graph and show the same in it. */
function sameAsShown(a: MigrationFile, b: MigrationFile): boolean {
  if (a.readProblem !== b.readProblem || graphKey(a) !== graphKey(b)) return false;
  if (a.readProblem) return true;
  return messageOf(a) === messageOf(b) && createDateOf(a) === createDateOf(b) && JSON.stringify(revisionRangeOf(a)) === JSON.stringify(revisionRangeOf(b));
}
