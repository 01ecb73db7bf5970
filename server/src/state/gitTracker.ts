/**
 * What git knows about each project (projectHistory.ts), kept while HEAD and the refs stay
 * where they were: read after start-up, again when a watched `.git` file (HEAD, refs,
 * packed-refs) changes or the git settings change — but only when the refs' key moved — and
 * when migration files are created or deleted. Reads run one at a time, in the background;
 * nothing runs in an untrusted workspace (a repository's config can run programs) or without git.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { readCacheFile, writeCacheFile } from '../cache/cacheFile';
import type { ProjectIndex } from '../alembic/projectIndex';
import { GitError, openRepo, type GitRepo } from '../git/gitRepo';
import { gitFactsKey, readProjectGitFacts, updateProvenance, type FileProvenance, type GitHistoryOptions, type ProjectGitFacts } from '../git/projectHistory';

/** Why a project has no git facts (shown in tooltips; undefined while reading). */
export type GitStatus = { kind: 'ok'; facts: ProjectGitFacts } | { kind: 'unavailable'; message: string };

export interface GitTrackerDeps {
  /** Workspace Trust: false → git is never started. */
  trusted(): boolean;
  options(project: ProjectIndex): Promise<GitHistoryOptions>;
  /** The facts of a project changed (diagnostics and the tree are refreshed). */
  changed(projectId: string): void;
  log(line: string): void;
  /** Where the provenance is kept between sessions (the client's workspace storage); none: memory only. */
  cacheDir?: string;
}

/** The provenance file: the HEAD it was read at and each file's adding commit. */
interface ProvenanceCache {
  format: number;
  build: string;
  head: string;
  files: Array<[string, FileProvenance]>;
}
const PROVENANCE_FORMAT = 1;

const REFS_DEBOUNCE_MS = 300;

export class GitTracker {
  private readonly status = new Map<string, GitStatus>();
  private readonly repos = new Map<string, GitRepo | null>();
  /** Files changed on disk since the project's facts were read (compared by text). */
  private readonly touched = new Map<string, Set<string>>();
  private queue: Array<{ project: ProjectIndex; force: boolean }> = [];
  /** Provenance reads (the slow part): after every queued fact read, one project at a time. */
  private provenanceQueue: ProjectIndex[] = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deps: GitTrackerDeps) {}

  factsOf(projectId: string): ProjectGitFacts | undefined {
    const s = this.status.get(projectId);
    return s?.kind === 'ok' ? s.facts : undefined;
  }

  statusOf(projectId: string): GitStatus | undefined {
    return this.status.get(projectId);
  }

  touchedSinceRead(projectId: string): ReadonlySet<string> {
    return this.touched.get(projectId) ?? new Set();
  }

  /** Reads (again) the facts of these projects; `force` reads even when the refs did not move. */
  refresh(projects: readonly ProjectIndex[], force = false): void {
    for (const project of projects) {
      const queued = this.queue.find((q) => q.project.project.id === project.project.id);
      if (queued) {
        queued.project = project;
        queued.force ||= force;
      } else this.queue.push({ project, force });
    }
    void this.drain();
  }

  /** A watched file under `.git` changed: read again (debounced) where the refs moved. */
  refsChanged(projects: () => readonly ProjectIndex[]): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(projects()), REFS_DEBOUNCE_MS);
  }

  /** Working-tree files changed: created or deleted ones change what was added (read again). */
  filesChanged(project: ProjectIndex, changes: ReadonlyArray<{ file: string; kind: 'created' | 'changed' | 'deleted' }>): void {
    const id = project.project.id;
    const set = this.touched.get(id) ?? new Set<string>();
    this.touched.set(id, set);
    for (const c of changes) set.add(c.file);
    if (changes.some((c) => c.kind !== 'changed') && this.status.has(id)) this.refresh([project], true);
  }

  private async readProvenance(project: ProjectIndex): Promise<void> {
    const id = project.project.id;
    const status = this.status.get(id);
    if (status?.kind !== 'ok') return;
    const t0 = performance.now();
    const cacheFile = this.deps.cacheDir
      ? path.join(this.deps.cacheDir, `git-provenance-${crypto.createHash('sha1').update(id).digest('hex').slice(0, 20)}.json`)
      : undefined;
    try {
      // A new session starts from the history kept by the last one (read again only since its HEAD).
      if (!status.facts.provenanceHead && cacheFile) {
        const kept = readCacheFile<ProvenanceCache>(cacheFile, PROVENANCE_FORMAT, status.facts.repo.root);
        if (kept && typeof kept.head === 'string' && Array.isArray(kept.files)) {
          status.facts.provenance = new Map(kept.files.filter((e) => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1]?.commit === 'string'));
          status.facts.provenanceHead = kept.head;
        }
      }
      const { incremental } = await updateProvenance(status.facts, project.project);
      if (cacheFile && status.facts.provenanceHead)
        try {
          const data: ProvenanceCache = {
            format: PROVENANCE_FORMAT,
            build: status.facts.repo.root,
            head: status.facts.provenanceHead,
            files: [...status.facts.provenance],
          };
          writeCacheFile(cacheFile, data);
        } catch (e) {
          this.deps.log(`git: could not keep the history in ${this.deps.cacheDir}: ${(e as Error).message}`);
        }
      this.deps.log(
        `git: ${project.project.name}: history read in ${Math.round(performance.now() - t0)} ms (${incremental ? 'since the last read' : 'whole history'}, ${status.facts.provenance.size} files)`,
      );
      if (this.status.get(id) === status) this.deps.changed(id);
    } catch (e) {
      this.deps.log(`git: ${project.project.name}: the history could not be read: ${(e as Error).message}`);
    }
  }

  forget(projectId: string): void {
    this.status.delete(projectId);
    this.touched.delete(projectId);
  }

  /** Resolves when no read is queued or running (tests, and requests that want fresh facts). */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const next = this.queue.shift();
        if (next) {
          await this.read(next.project, next.force);
          continue;
        }
        const p = this.provenanceQueue.shift();
        if (!p) break;
        await this.readProvenance(p);
      }
    } finally {
      this.running = false;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async repoOf(dir: string): Promise<GitRepo | { message: string }> {
    const hit = this.repos.get(dir);
    if (hit) return hit;
    if (hit === null) return { message: 'not in a git repository' };
    const r = await openRepo(dir, { log: (l) => this.deps.log(l) });
    if (r.kind === 'repo') {
      this.repos.set(dir, r.repo);
      return r.repo;
    }
    if (r.kind === 'not-a-repository') this.repos.set(dir, null);
    return { message: r.message };
  }

  private async read(project: ProjectIndex, force: boolean): Promise<void> {
    const id = project.project.id;
    const set = (s: GitStatus): void => {
      this.status.set(id, s);
      this.deps.changed(id);
    };
    if (!this.deps.trusted()) {
      if (this.status.get(id)?.kind !== 'unavailable') set({ kind: 'unavailable', message: 'git is not run in an untrusted workspace' });
      return;
    }
    try {
      const repo = await this.repoOf(path.dirname(project.project.configFile));
      if (!('root' in repo)) {
        if (this.status.get(id)?.kind !== 'unavailable') set({ kind: 'unavailable', message: repo.message });
        return;
      }
      const options = await this.deps.options(project);
      const before = this.status.get(id);
      if (!force && before?.kind === 'ok' && before.facts.key === (await gitFactsKey(repo, options))) return;
      // Provenance (one git log over the whole history) comes second: the diagnostics do not wait for it.
      const facts = await readProjectGitFacts(repo, project.project, project.migrationFiles(), { ...options, provenance: false });
      if (before?.kind === 'ok' && before.facts.provenanceHead) {
        facts.provenance = before.facts.provenance;
        facts.provenanceHead = before.facts.provenanceHead;
      }
      this.touched.set(id, new Set());
      this.deps.log(`git: ${project.project.name}: base ${facts.base?.name ?? 'none'} read in ${Math.round(facts.readMs)} ms`);
      set({ kind: 'ok', facts });
      if (facts.head && facts.provenanceHead !== facts.head && !this.provenanceQueue.includes(project)) this.provenanceQueue.push(project);
    } catch (e) {
      const message = e instanceof GitError ? e.message : `git could not be read: ${(e as Error).message}`;
      this.deps.log(`git: ${project.project.name}: ${message}`);
      set({ kind: 'unavailable', message });
    }
  }
}
