/**
 * The server's use of graph snapshots (alembic/graphSnapshot.ts). At start-up, projects whose
 * saved graph still matches the disk answer `alembic/projects` and `alembic/revisionGraph`
 * from it while their migrations are read; afterwards each project's graph is saved again a
 * few seconds after it last changed. Without a cache folder (the client sends one in
 * `initializationOptions.cacheDir`) nothing is read or written.
 */
import type { AlembicProject } from '../alembic/project';
import { readSnapshot, writeSnapshot } from './graphSnapshot';
import { statSignature } from './fileSignature';
import { decodeSource, MAX_MIGRATION_BYTES } from '../alembic/migrationFile';
import { readRegularFile } from '../shared/regularFile';
import type { RevisionGraphWire } from '../shared/protocol';
import type { ProjectIndex } from '../alembic/projectIndex';

/** How long a project's graph must stay unchanged before it is saved. */
const SAVE_DELAY_MS = 3000;
/**
 * Saves at most this often while the user edits (a save at 5,000 revisions blocks the server
 * for ~0.1 s); shutdown saves whatever changed since.
 */
const MIN_SAVE_INTERVAL_MS = 30_000;

/** What the store saves from: the indexed projects and the open buffers. */
export interface SnapshotSource {
  projects(): ProjectIndex[];
  openText: (file: string) => string | undefined;
}

export class SnapshotStore {
  private readonly served = new Map<string, RevisionGraphWire>();
  /** The files and signatures a served snapshot was made from, to compare with what was then read. */
  private readonly servedFiles = new Map<string, { files: string[]; signatures: string[] }>();
  private readonly saved = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private lastSave = -Infinity;

  /** `payload` is what `alembic/revisionGraph` answers for a project: what is saved. */
  constructor(
    private readonly cacheDir: string,
    private readonly build: string,
    private readonly payload: (p: ProjectIndex) => RevisionGraphWire,
    private readonly log: (what: string, e: unknown) => void,
    private readonly info: (message: string) => void = () => undefined,
  ) {}

  /** At start-up: keeps a project's snapshot for early answers if it matches `listing` on disk. */
  load(project: AlembicProject, listing: readonly string[]): boolean {
    const snap = readSnapshot<RevisionGraphWire>(this.cacheDir, this.build, project, listing);
    const g = snap?.payload;
    if (!snap || !g || !Array.isArray(g.nodes)) return false;
    // The index about to be read starts at generation 1 and holds the same graph.
    this.served.set(project.id, { ...g, generation: 1 });
    this.servedFiles.set(project.id, { files: snap.files, signatures: snap.signatures });
    this.saved.set(project.id, 1);
    this.info(
      `[alembic] ${project.name}: ${g.nodes.length} revisions shown from the graph saved last time; every migration is unchanged and is being read again`,
    );
    return true;
  }

  /** The start-up graph of a project, until `loaded()`. */
  graph(projectId: string): RevisionGraphWire | undefined {
    return this.served.get(projectId);
  }

  /**
   * Every project is indexed: answers come from the index from now on. A project whose files
   * changed between the snapshot check and their reading (before file watching began) gets a
   * new generation, so the client asks again instead of keeping the snapshot's graph.
   */
  loaded(indexes: ProjectIndex[]): void {
    for (const index of indexes) {
      const was = this.servedFiles.get(index.project.id);
      if (!was) continue;
      const now = index.migrationFiles();
      const same = now.length === was.files.length && now.every((m, i) => m.file === was.files[i] && m.signature === was.signatures[i]);
      if (!same) {
        index.generation++;
        this.info(`[alembic] ${index.project.name}: migrations changed while they were read; the graph is sent again`);
      }
    }
    this.served.clear();
    this.servedFiles.clear();
  }

  /** Saves, after a quiet period, the graphs that changed since they were last saved. */
  schedule(source: SnapshotSource): void {
    if (this.timer) clearTimeout(this.timer);
    const delay = Math.max(SAVE_DELAY_MS, this.lastSave + MIN_SAVE_INTERVAL_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.saveChanged(source);
    }, delay);
    this.timer.unref();
  }

  /** Saves now what changed (at shutdown). */
  saveChanged(source: SnapshotSource): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const p of source.projects()) {
      if (this.saved.get(p.project.id) === p.generation) continue;
      this.lastSave = performance.now();
      try {
        this.save(p, this.payload(p), source.openText);
        this.saved.set(p.project.id, p.generation);
      } catch (e) {
        this.log(`saving the graph snapshot of ${p.project.name}`, e);
      }
    }
  }

  private save(p: ProjectIndex, graph: RevisionGraphWire, openText: (file: string) => string | undefined): void {
    const files = p.migrationFiles().map((m) => ({ file: m.file, signature: m.signature ?? bufferSignature(m.file, openText(m.file)) }));
    writeSnapshot(this.cacheDir, this.build, p.project, files, graph);
  }
}

/**
 * The signature of a file held in an editor buffer, when the buffer equals the file on disk
 * (stat first: a write after it leaves a newer signature than the one recorded). A buffer
 * with unsaved changes has none, so the snapshot will not be used.
 */
function bufferSignature(file: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const signature = statSignature(file);
  try {
    return decodeSource(readRegularFile(file, MAX_MIGRATION_BYTES)) === text ? signature : undefined;
  } catch {
    return undefined;
  }
}
