/**
 * Every message between the extension and the revision graph webview (*Alembic: Show Revision
 * Graph*), in one place: the panel adapter (client/src/graphView/graphPanel.ts) and the webview
 * script (client/src/graphView/webview/main.ts) both import this module. JSON only.
 */
import type { RevisionFlag } from './protocol';
import type { RevisionState } from './revisionState';

/** The webview's view type (the panel serializer and `webview/context` menus name it). */
export const GRAPH_VIEW_TYPE = 'alembic.graph';

/** What the webview shows of a revision (a slice of the protocol's RevisionNode). */
export interface GraphViewNode {
  id: string;
  message: string;
  createDate?: string;
  parents: string[];
  dependencies: string[];
  labels: string[];
  flags: RevisionFlag[];
  /** Who added its file, when git knows (alembic/gitInfo). */
  author?: string;
}

/** extension → webview: the project's graph (when `nodes` is present) and its state. */
export interface GraphUpdateMessage {
  type: 'update';
  projectId: string;
  projectName: string;
  /** The graph generation: the webview lays out again only when it changes. */
  generation: number;
  /** Absent when only the database state or the problems changed. */
  nodes?: GraphViewNode[];
  /** Each revision's state in the database (absent: unknown). */
  states: Record<string, RevisionState>;
  /** The worst problem of each revision's file, by the rule's severity. */
  problems: Record<string, 'error' | 'warning'>;
  /** One line on the database: `db at 3c8b1f04a6e2`, `unreachable`, … */
  database: string;
}

/** extension → webview: select and reveal a revision (e.g. *Reveal in Graph*). */
export interface GraphRevealMessage {
  type: 'reveal';
  revision: string;
}

export type HostToGraphMessage = GraphUpdateMessage | GraphRevealMessage;

/** webview → extension. */
export type GraphToHostMessage =
  /** The script is listening: send the graph. */
  | { type: 'ready' }
  /** Open the migration at its `revision =` line. */
  | { type: 'open'; revision: string }
  /** Write the SVG the CLI writes (`graph --svg`) to a file the user picks. */
  | { type: 'exportSvg' };

/** What the webview keeps with `setState` and the serializer restores after a reload. */
export interface GraphViewState {
  projectId: string;
  selected?: string;
  scrollTop?: number;
  query?: string;
  /** Folded runs the user opened, by the id of their first revision. */
  expanded?: string[];
}

/** A message from the webview, checked (its content is page-controlled data). */
export function parseGraphToHost(m: unknown): GraphToHostMessage | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const o = m as Record<string, unknown>;
  if (o.type === 'ready' || o.type === 'exportSvg') return { type: o.type };
  if (o.type === 'open' && typeof o.revision === 'string' && o.revision.length < 256) return { type: 'open', revision: o.revision };
  return undefined;
}

/** A restored state, checked (it was written by the page). */
export function parseGraphViewState(s: unknown): GraphViewState | undefined {
  if (typeof s !== 'object' || s === null) return undefined;
  const o = s as Record<string, unknown>;
  if (typeof o.projectId !== 'string') return undefined;
  return {
    projectId: o.projectId,
    ...(typeof o.selected === 'string' ? { selected: o.selected } : {}),
    ...(typeof o.scrollTop === 'number' && Number.isFinite(o.scrollTop) ? { scrollTop: Math.max(0, o.scrollTop) } : {}),
    ...(typeof o.query === 'string' ? { query: o.query } : {}),
    ...(Array.isArray(o.expanded) ? { expanded: o.expanded.filter((x): x is string => typeof x === 'string') } : {}),
  };
}
