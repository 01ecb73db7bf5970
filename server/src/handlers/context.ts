/**
 * What request handlers may read: exactly what they use, read-only. The server's state
 * implements it; unit tests give handlers a small fake (Prisma's `(state, params) → result`).
 */
import type { DatabaseState, RevisionGraphWire } from '../shared/protocol';
import type { ParsedMigration } from '../alembic/migrationParser';
import type { ProjectIndex } from '../alembic/projectIndex';
import type { AlembicProject } from '../alembic/project';
import type { Problem } from '../alembic/types';
import type { Workspace } from '../workspace';
import type { GitStatus } from '../state/gitTracker';

export interface HandlerContext {
  /** The projects and their indexes. */
  readonly workspace: Pick<Workspace, 'projectsOfFile' | 'folderOfProject' | 'allProjects'>;
  /** Workspace Trust as the client reports it: nothing is written from templates without it. */
  readonly trusted: boolean;
  /** The full parse of a file's current text (open buffer, else disk). */
  parsed(file: string): ParsedMigration | undefined;
  /** The lint problems last published for a file (quick fixes use their hints). */
  lintProblemsOf(file: string): Problem[];
  /** What git knows about a project (by its config path); undefined while it is read. */
  gitStatus(projectId: string): GitStatus | undefined;
  /** The database state the client reported for a project (by its protocol id). */
  databaseState(projectId: string): DatabaseState;
  /** The protocol id of a project: its config file's URI. */
  projectUri(project: ProjectIndex): string;
  projectByUri(uri: string): ProjectIndex | undefined;
  /** The projects found at start-up, before they are indexed. */
  readonly startupProjects: readonly AlembicProject[];
  /** A project's graph as its snapshot holds it (start-up only; undefined when none matches the disk). */
  snapshotGraph(projectPath: string): RevisionGraphWire | undefined;
}
