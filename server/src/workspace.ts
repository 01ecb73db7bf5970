/**
 * The server's loaded state: workspace folders → Alembic projects → their indexes, with open
 * editor buffers overriding disk. It knows nothing of the LSP connection: the server feeds it
 * events and asks which projects changed, so the same model is testable without an editor.
 */
import * as path from 'node:path';
import { discoverProjects } from './alembic/discovery';
import { ProjectIndex } from './alembic/projectIndex';

/** Config files whose change means a folder's projects must be rediscovered. */
export function isConfigFile(file: string): boolean {
  const base = path.basename(file);
  return base === 'alembic.ini' || base === 'pyproject.toml' || base === 'migration-rules.toml' || base.endsWith('.ini');
}

export class Workspace {
  private readonly folders = new Set<string>();
  private readonly projects = new Map<string, ProjectIndex>();
  /** Project id → the workspace folder it was found in. */
  private readonly projectFolder = new Map<string, string>();
  /** Open documents: absolute path → text. */
  private readonly open = new Map<string, string>();
  /** Files read from disk record their signatures (the server saves graph snapshots). */
  signatures = false;

  /** Adds a workspace folder and indexes its projects. Returns their ids. */
  addFolder(folder: string): string[] {
    this.folders.add(folder);
    return this.loadFolder(folder);
  }

  /** Removes a folder and its projects. Returns the ids that went away. */
  removeFolder(folder: string): string[] {
    this.folders.delete(folder);
    return this.dropProjectsOf(folder);
  }

  /** Rediscovers one folder's projects (after a config change). Returns every affected id, old and new. */
  reloadFolder(folder: string): string[] {
    const generations = new Map([...this.projectFolder].filter(([, f]) => f === folder).map(([id]) => [id, this.projects.get(id)!.generation]));
    const old = this.dropProjectsOf(folder);
    const now = this.loadFolder(folder);
    // A project read again keeps counting up: clients ignore a graphChanged whose generation is
    // not newer than the graph they hold.
    for (const id of now) {
      const was = generations.get(id);
      if (was !== undefined) this.projects.get(id)!.generation = was + 1;
    }
    return [...new Set([...old, ...now])];
  }

  private dropProjectsOf(folder: string): string[] {
    const ids = [...this.projectFolder].filter(([, f]) => f === folder).map(([id]) => id);
    for (const id of ids) {
      this.projects.delete(id);
      this.projectFolder.delete(id);
    }
    return ids;
  }

  private loadFolder(folder: string): string[] {
    return discoverProjects(folder).map((project) => this.register(folder, ProjectIndex.load(project, { signatures: this.signatures })));
  }

  /**
   * Adds a folder whose projects the caller has indexed itself (the server's start-up reads
   * them in slices). Open buffers are applied to them. Returns their ids.
   */
  addIndexedFolder(folder: string, indexes: ProjectIndex[]): string[] {
    this.folders.add(folder);
    return indexes.map((index) => this.register(folder, index));
  }

  private register(folder: string, index: ProjectIndex): string {
    const id = index.project.id;
    this.projectFolder.set(id, folder);
    for (const [file, text] of this.open) index.setFile(file, text);
    this.projects.set(id, index);
    return id;
  }

  /** The workspace folder a project was found in. */
  folderOfProject(id: string): string | undefined {
    return this.projectFolder.get(id);
  }

  folderList(): string[] {
    return [...this.folders];
  }

  /** The workspace folder that contains a path (the deepest one). */
  folderOf(file: string): string | undefined {
    let best: string | undefined;
    for (const f of this.folders) {
      if ((file === f || file.startsWith(f + path.sep)) && (!best || f.length > best.length)) best = f;
    }
    return best;
  }

  allProjects(): ProjectIndex[] {
    return [...this.projects.values()];
  }

  project(id: string): ProjectIndex | undefined {
    return this.projects.get(id);
  }

  /** Every project a file is a migration of (normally one; overlapping configs may share files). */
  projectsOfFile(file: string): ProjectIndex[] {
    return this.allProjects().filter((p) => p.versionLocationOf(file) !== undefined);
  }

  openText(file: string): string | undefined {
    return this.open.get(file);
  }

  /** An editor opened or changed a document: its text now wins over disk. */
  setDocument(file: string, text: string): string[] {
    this.open.set(file, text);
    return this.projectsOfFile(file)
      .filter((p) => p.setFile(file, text))
      .map((p) => p.project.id);
  }

  /** An editor closed a document: the file on disk is what counts again. */
  closeDocument(file: string): string[] {
    this.open.delete(file);
    return this.projectsOfFile(file)
      .filter((p) => p.setFile(file))
      .map((p) => p.project.id);
  }

  /**
   * One batch of watcher events. Each folder whose config files changed is rediscovered once,
   * however many of its config events the batch holds, and its migrations' own events are then
   * skipped (the reload read them). Returns the affected project ids.
   */
  fileEvents(changes: ReadonlyArray<{ file: string; kind: 'created' | 'changed' | 'deleted' }>): string[] {
    const reload = new Set<string>();
    for (const c of changes) {
      const folder = isConfigFile(c.file) ? this.folderOf(c.file) : undefined;
      if (folder) reload.add(folder);
    }
    const ids = new Set<string>();
    for (const folder of reload) for (const id of this.reloadFolder(folder)) ids.add(id);
    for (const c of changes) {
      if (isConfigFile(c.file)) continue;
      const folder = this.folderOf(c.file);
      if (folder && reload.has(folder)) continue;
      for (const id of this.fileEvent(c.file, c.kind)) ids.add(id);
    }
    return [...ids];
  }

  /**
   * A file changed on disk (watcher event). Config files rediscover their folder; migrations
   * are re-read unless an editor holds them open. Returns the affected project ids.
   */
  fileEvent(file: string, kind: 'created' | 'changed' | 'deleted'): string[] {
    if (isConfigFile(file)) {
      const folder = this.folderOf(file);
      return folder ? this.reloadFolder(folder) : [];
    }
    if (kind === 'deleted') {
      const affected = this.allProjects()
        .filter((p) => p.removeFile(file))
        .map((p) => p.project.id);
      if (affected.length === 0) {
        // A deleted folder: forget every indexed file below it.
        const prefix = file + path.sep;
        for (const p of this.allProjects()) {
          let any = false;
          for (const m of p.migrationFiles()) if (m.file.startsWith(prefix)) any = p.removeFile(m.file) || any;
          if (any) affected.push(p.project.id);
        }
      }
      return affected;
    }
    if (this.open.has(file)) return [];
    return this.projectsOfFile(file)
      .filter((p) => p.setFile(file))
      .map((p) => p.project.id);
  }
}
