/**
 * The status bar as a pure function of a small state union: text, tooltip and click command.
 */
import { appliedRevisions, shortId } from '../../../server/src/shared/revisionState';

export type DbStatus =
  | { kind: 'not-configured' }
  | { kind: 'untrusted' }
  | { kind: 'loading' }
  | { kind: 'unreachable' | 'auth-failed' | 'database-missing' | 'timeout' | 'error'; message: string; database?: string }
  | { kind: 'ok'; revisions: string[]; database: string; readAt: Date };

export interface GraphInfo {
  /** Heads `upgrade heads` would reach. */
  heads: string[];
  /** Every revision id with its message. */
  messages: Map<string, string>;
  /** Ancestors of a revision (revision excluded). */
  ancestors(id: string): Set<string>;
}

export interface StatusView {
  text: string;
  tooltip: string;
  command: string;
}

const short = shortId;

/** Revisions of the graph the database has not applied (ancestors of the applied heads are applied). */
export function pendingCount(graph: GraphInfo, applied: string[]): number {
  const done = appliedRevisions({ has: (id) => graph.messages.has(id), ancestors: (id) => graph.ancestors(id) }, applied);
  return [...graph.messages.keys()].filter((id) => !done.has(id)).length;
}

export function statusView(db: DbStatus, graph: GraphInfo | undefined): StatusView {
  const command = 'alembic.statusActions';
  switch (db.kind) {
    case 'not-configured':
      return {
        text: '$(database) not configured',
        tooltip: 'No database URL: set alembic.databaseUrl or DATABASE_URL, or click to configure.',
        command: 'alembic.configureDatabase',
      };
    case 'untrusted':
      return {
        text: '$(shield) restricted',
        tooltip: 'Workspace Trust: no database connection and no alembic run in an untrusted workspace.',
        command: 'workbench.trust.manage',
      };
    case 'loading':
      return { text: '$(sync~spin) alembic', tooltip: 'Reading the version table…', command };
    case 'ok': {
      const when = `read ${db.readAt.toLocaleTimeString()}`;
      const lines = db.revisions.map((r) => `- \`${r}\` ${graph?.messages.get(r) ?? '(not in this project)'}`);
      const tooltip = [`**${db.database}**`, '', ...(lines.length ? lines : ['empty: no revision applied']), '', when].join('\n');
      if (db.revisions.length === 0) return { text: '$(database) base (empty)', tooltip, command };
      if (graph && db.revisions.some((r) => !graph.messages.has(r))) {
        const unknown = db.revisions.find((r) => !graph.messages.has(r))!;
        return { text: `$(warning) ${short(unknown)} (unknown revision)`, tooltip, command };
      }
      if (db.revisions.length > 1) return { text: `$(database) ${db.revisions.length} heads applied`, tooltip, command };
      const rev = db.revisions[0];
      const pending = graph ? pendingCount(graph, db.revisions) : 0;
      if (pending === 0) return { text: `$(database) ${short(rev)} (head)`, tooltip, command };
      return { text: `$(database) ${short(rev)} · ${pending} pending`, tooltip, command };
    }
    default:
      return {
        text: `$(error) ${db.kind === 'auth-failed' ? 'auth failed' : db.kind === 'database-missing' ? 'no database' : db.kind}`,
        tooltip: `${db.database ? `**${db.database}**\n\n` : ''}${db.message}`,
        command,
      };
  }
}
