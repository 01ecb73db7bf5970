/**
 * Every custom `alembic/*` message between the language server and the client, in one place.
 * Both bundles import this module (the client from ../../server/src/shared/protocol), so the two
 * sides cannot drift. Payloads are JSON only: URIs as strings, LSP ranges, tagged unions.
 * docs/protocol.md describes the same messages for other editors.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import type { Range } from 'vscode-languageserver-protocol';

/**
 * `initializationOptions` of the LSP `initialize` request (client → server, once).
 */
export interface InitializationOptions {
  /** Base URI of the rule documentation: diagnostics link to `<docsBaseUri>/<rule-id>.md`. */
  docsBaseUri?: string;
  /**
   * A folder the server may use for graph snapshots (one JSON file per project). With it, a
   * reopened workspace answers `alembic/projects` and `alembic/revisionGraph` from the graph
   * saved last time, when every migration file is unchanged, before the migrations are read
   * again. Without it nothing is written.
   */
  cacheDir?: string;
  /**
   * Whether the workspace is trusted (VS Code's Workspace Trust). When false, the server offers
   * nothing that writes files from the project's own templates (`alembic/newRevision`, the
   * merge-heads quick fix) until `alembic/workspaceTrust` says otherwise. Clients without a notion
   * of trust leave it out (trusted).
   */
  workspaceTrusted?: boolean;
}

/** A problem of a project's configuration, or of the graph as a whole. */
export interface ProjectProblem {
  ruleId: string;
  severity: 'error' | 'warning' | 'information' | 'hint';
  message: string;
  uri: string;
  range: Range;
}

/** One Alembic project found in the workspace. */
export interface ProjectInfo {
  /** Stable id: the URI of the project's alembic.ini (or pyproject.toml). */
  id: string;
  /** Display name: the config file's folder relative to its workspace folder. */
  name: string;
  configUri: string;
  configKind: 'ini' | 'pyproject';
  /** URI of the alembic.ini to pass to `alembic -c` (absent for pyproject-only projects). */
  iniUri?: string;
  /** Folder alembic runs in (the config file's folder). */
  rootUri: string;
  scriptLocationUri?: string;
  versionLocationUris: string[];
  fileTemplate?: string;
  /** Whether the project's config declares a `sqlalchemy.url` (the value itself never crosses the wire). */
  hasSqlalchemyUrl: boolean;
  revisionCount: number;
  generation: number;
  problems: ProjectProblem[];
}

/**
 * `alembic/projects` — client → server request, sent on start and after `alembic/graphChanged`.
 * The server answers with every project found in every workspace folder.
 */
export const ProjectsRequest = new RequestType0<ProjectInfo[], void>('alembic/projects');

export type RevisionFlag = 'head' | 'base' | 'branchpoint' | 'mergepoint' | 'missing-parent' | 'duplicate' | 'effective-head';

export interface RevisionNode {
  id: string;
  message: string;
  createDate?: string;
  uri: string;
  /** Range of the `revision = …` value. */
  range: Range;
  parents: string[];
  children: string[];
  /** Branch labels declared on this revision and inherited along its branch. */
  labels: string[];
  /** Resolved `depends_on` targets. */
  dependencies: string[];
  flags: RevisionFlag[];
}

export interface RevisionGraphParams {
  projectId: string;
}

export interface RevisionGraphResult {
  projectId: string;
  generation: number;
  nodes: RevisionNode[];
  /** What `alembic heads` prints (effective heads), newest first. */
  heads: string[];
  bases: string[];
}

/**
 * A revision as `alembic/revisionGraph` sends it: a 5,000-revision graph is read and sent on
 * every change, so it goes compact — files relative to their version location, the range as
 * numbers, empty lists and flags left out. unpackRevisionGraph gives the RevisionNode.
 */
export interface WireRevision {
  id: string;
  message: string;
  createDate?: string;
  /** The file's URI relative to `locations[loc ?? 0]`. */
  file: string;
  loc?: number;
  /** The revision id's literal: `[line, startChar, endChar]`, or `[startLine, startChar, endLine, endChar]`. */
  at: number[];
  parents?: string[];
  children?: string[];
  labels?: string[];
  dependencies?: string[];
  flags?: RevisionFlag[];
}

/** `alembic/revisionGraph`'s answer (see unpackRevisionGraph). */
export interface RevisionGraphWire {
  projectId: string;
  generation: number;
  /** URIs the nodes' files are relative to (the version locations), each ending with `/`. */
  locations: string[];
  nodes: WireRevision[];
  heads: string[];
  bases: string[];
}

/** The graph the client works with, from what the server sent. */
export function unpackRevisionGraph(w: RevisionGraphWire): RevisionGraphResult;
export function unpackRevisionGraph(w: RevisionGraphWire | null): RevisionGraphResult | null;
export function unpackRevisionGraph(w: RevisionGraphWire | null): RevisionGraphResult | null {
  if (!w) return null;
  const nodes = w.nodes.map((n): RevisionNode => ({
    id: n.id,
    message: n.message,
    ...(n.createDate !== undefined ? { createDate: n.createDate } : {}),
    uri: w.locations[n.loc ?? 0] + n.file,
    range:
      n.at.length === 3
        ? { start: { line: n.at[0], character: n.at[1] }, end: { line: n.at[0], character: n.at[2] } }
        : { start: { line: n.at[0], character: n.at[1] }, end: { line: n.at[2], character: n.at[3] } },
    parents: n.parents ?? [],
    children: n.children ?? [],
    labels: n.labels ?? [],
    dependencies: n.dependencies ?? [],
    flags: n.flags ?? [],
  }));
  return { projectId: w.projectId, generation: w.generation, nodes, heads: w.heads, bases: w.bases };
}

/**
 * `alembic/revisionGraph` — client → server request for one project's graph. Cancellable.
 * The client asks again when `alembic/graphChanged` reports a newer generation.
 */
export const RevisionGraphRequest = new RequestType<RevisionGraphParams, RevisionGraphWire | null, void>('alembic/revisionGraph');

export interface GraphChangedParams {
  projectId: string;
  generation: number;
}

/**
 * `alembic/graphChanged` — server → client notification after a project's graph changed
 * (an edit, a file created/deleted/renamed, a checkout, a config change; debounced). The
 * client refreshes its tree view, CodeLenses and status bar.
 */
export const GraphChangedNotification = new NotificationType<GraphChangedParams>('alembic/graphChanged');

export type DatabaseState =
  | { kind: 'unknown' }
  | {
      kind: 'ok';
      revisions: string[];
      database: string;
      readAt: string;
      /** The biggest tables (PostgreSQL's row estimate, at least 10,000 rows), read every few minutes. */
      largeTables?: Array<{ name: string; rows: number; bytes: number }>;
    }
  | { kind: 'error'; reason: 'unreachable' | 'auth-failed' | 'database-missing' | 'timeout' | 'not-configured' | 'untrusted' | 'error'; message: string };

export interface WorkspaceTrustParams {
  trusted: boolean;
}

/**
 * `alembic/workspaceTrust` — client → server notification when the user trusts the workspace
 * (trust is never withdrawn without a reload). The server then offers new-revision writes.
 */
export const WorkspaceTrustNotification = new NotificationType<WorkspaceTrustParams>('alembic/workspaceTrust');

export interface DatabaseStateParams {
  projectId: string;
  state: DatabaseState;
}

/**
 * `alembic/databaseState` — client → server notification with the revisions stored in the
 * project's version table (read with `pg`), after each refresh. The server uses it in hovers
 * (applied / pending / current) and, when git and `start-after` cannot tell, to decide which
 * migrations shipped (lint scope): diagnostics are republished when its revisions change.
 */
export const DatabaseStateNotification = new NotificationType<DatabaseStateParams>('alembic/databaseState');

export interface NewRevisionParams {
  projectId: string;
  /** The `-m` message. */
  message: string;
  /** `down_revision`: [] for a new base, one id, or several (a merge). */
  parents: string[];
  branchLabel?: string;
  dependsOn?: string[];
  /** The version location to write into (default: the project's first). */
  versionLocationUri?: string;
}

export type NewRevisionResult =
  | {
      kind: 'ok';
      /** Where the file should be created (nothing is written by the server). */
      uri: string;
      text: string;
      revision: string;
    }
  | { kind: 'error'; message: string };

/**
 * `alembic/newRevision` — client → server request for the file `alembic revision` (or `alembic
 * merge`) would write, rendered from the project's `script.py.mako` and `file_template` with a
 * fresh id. The server writes nothing: the client creates the file and opens it, so the new
 * revision is an ordinary, undoable file creation. No Python involved.
 */
export const NewRevisionRequest = new RequestType<NewRevisionParams, NewRevisionResult, void>('alembic/newRevision');

export interface RevisionRisksParams {
  projectId: string;
  /** The revisions a run is about to apply. */
  revisions: string[];
}

/** One flagged operation of a revision about to run. */
export interface RevisionRisk {
  revision: string;
  ruleId: string;
  severity: 'error' | 'warning' | 'information' | 'hint';
  message: string;
  /** The table it touches, when known (the client reads its live size). */
  table?: string;
}

/**
 * `alembic/revisionRisks` — client → server request before an upgrade: the operations of those
 * revisions that lock or rewrite live tables (the rules of RISK_EFFECTS, as configured), so the
 * confirmation can show each table's size and what PostgreSQL will do.
 */
export const RevisionRisksRequest = new RequestType<RevisionRisksParams, RevisionRisk[], void>('alembic/revisionRisks');

/** The commit that added a migration file, as git has it. */
export interface RevisionProvenance {
  commit: string;
  author: string;
  /** Author date, ISO 8601. */
  date: string;
  subject: string;
}

/** What git says about one revision of the working tree. */
export interface RevisionGitInfo {
  /** The commit that added its file; absent when the file is not committed yet. */
  added?: RevisionProvenance;
  /** The base branch has the file. */
  onBase: boolean;
  /** Added on this branch (not in its merge base with the base branch). */
  addedOnBranch: boolean;
  /** Shipped: on the base branch or in a release tag (lint scope). */
  shipped: boolean;
}

export interface GitInfoParams {
  projectId: string;
}

export interface GitInfoResult {
  projectId: string;
  /** Why git says nothing (no git, no repository, untrusted workspace); absent when it does. */
  unavailable?: string;
  /** The base branch the revisions are compared with, or why there is none. */
  base?: string;
  baseProblem?: string;
  /** By revision id. */
  revisions: Record<string, RevisionGitInfo>;
}

/**
 * `alembic/gitInfo` — client → server request: provenance and branch facts of a project's
 * revisions (read once per HEAD/ref position, in the background). Null while git is being read.
 */
export const GitInfoRequest = new RequestType<GitInfoParams, GitInfoResult | null, void>('alembic/gitInfo');

export interface GitChangedParams {
  projectId: string;
}

/** `alembic/gitChanged` — server → client notification: git's facts of a project were read again. */
export const GitChangedNotification = new NotificationType<GitChangedParams>('alembic/gitChanged');

export interface LocateRevisionParams {
  projectId: string;
  /** A revision id no file of the working tree declares (e.g. the database's). */
  revision: string;
}

/** A place git has a file declaring the revision. */
export interface RevisionGitLocation {
  /** Repository path of the file. */
  path: string;
  commit: string;
  /** The branch, remote-tracking branch or reflog entry (`HEAD@{3}`) reaching the commit. */
  ref: string;
}

/** A migration of another branch that this checkout lacks. */
export interface BranchMigration {
  id: string;
  message: string;
  parents: string[];
  /** Repository path at the commit it was read from. */
  repoPath: string;
  /** Where the file would be in this checkout (Restore writes it there, never over a file). */
  uri: string;
  text: string;
}

export interface LocateRevisionResult {
  kind: 'found' | 'not-found' | 'unavailable';
  /** Why not found or unavailable. */
  message?: string;
  locations: RevisionGitLocation[];
  /**
   * From the revision down to what this checkout has, read at the first location's commit:
   * the missing migrations (newest first) and the revisions of this checkout the chain stops at
   * (empty: it goes down to base).
   */
  chain?: { ref: string; commit: string; migrations: BranchMigration[]; commonAncestors: string[] };
}

/**
 * `alembic/locateRevision` — client → server request for a revision the checkout does not
 * have: where git has it (branches, remote branches, reflog) and the missing chain's files.
 */
export const LocateRevisionRequest = new RequestType<LocateRevisionParams, LocateRevisionResult, void>('alembic/locateRevision');

export interface SquashPlanParams {
  projectId: string;
  /** The oldest revision of the range (an id, a unique prefix or a label). */
  from: string;
  /** The newest revision of the range: the squashed migration keeps its id and its file. */
  to: string;
  /** Delete the squashed files instead of moving them to the archive folder. */
  delete?: boolean;
}

export type SquashPlanResult =
  | {
      kind: 'ok';
      /** The id the new migration keeps (TO's). */
      revision: string;
      /** The squashed range, oldest first. */
      revisions: Array<{ id: string; message: string; uri: string }>;
      /** TO's file: the new text replaces it. */
      uri: string;
      text: string;
      /** Every file of the range (TO's too) to its place in the archive folder; empty with `delete`. */
      moves: Array<{ fromUri: string; toUri: string }>;
      /** With `delete`: every file of the range. */
      deletes: string[];
      archiveUri?: string;
      /** Helpers renamed because their name was taken. */
      renamed: Array<{ revision: string; from: string; to: string }>;
    }
  | { kind: 'refused'; message: string };

/**
 * `alembic/squashPlan` — client → server request for squashing the linear range FROM..TO into one
 * migration (what `alembic-migrations squash` does). The server writes nothing: it answers with
 * the new text of TO's file and the file moves (or deletions), or why the range cannot be
 * squashed (not linear, a branch point or a `depends_on` into it, or the database the client
 * last reported sits inside it). The client confirms and applies it as one WorkspaceEdit.
 */
export const SquashPlanRequest = new RequestType<SquashPlanParams, SquashPlanResult, void>('alembic/squashPlan');
