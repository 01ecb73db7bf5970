/**
 * Who a run is waiting for: while alembic runs, the extension's own connection to the same
 * database looks for alembic's session (by its application name), and when it waits on a lock,
 * names the sessions blocking it (`pg_blocking_pids`) with what they are doing. It reads
 * pg_stat_activity and pg_locks only: it never cancels or terminates another session.
 */
import type { Client } from 'pg';
import { redactText, type PgConnectionOptions } from './databaseUrl';
import { openConnection } from './versionTable';

export interface Blocker {
  pid: number;
  user: string;
  application: string;
  state: string;
  /** Seconds since the blocker's transaction began (undefined outside a transaction). */
  transactionSeconds?: number;
  query: string;
}

export interface LockWait {
  /** Seconds alembic's statement has waited. */
  waitingSeconds: number;
  /** The table (or other relation) it waits for, when known. */
  relation?: string;
  blockers: Blocker[];
}

function duration(s: number): string {
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** "waiting 4 s for a lock on `orders` held by pid 812 (app_user, psql, idle in transaction for 25 min: UPDATE orders SET …)". */
export function describeWait(w: LockWait): string {
  const on = w.relation ? ` on \`${w.relation}\`` : '';
  const who = w.blockers.map((b) => {
    const tx = b.transactionSeconds !== undefined ? ` for ${duration(b.transactionSeconds)}` : '';
    const q = b.query.replace(/\s+/g, ' ').trim();
    const shown = q.length > 60 ? `${q.slice(0, 59)}…` : q;
    return `pid ${b.pid} (${b.user}, ${b.application || 'no application name'}, ${b.state}${tx}${shown ? `: ${shown}` : ''})`;
  });
  return `waiting ${duration(w.waitingSeconds)} for a lock${on}${who.length ? ` held by ${who.join(' and ')}` : ''}`;
}

/** alembic's session waiting on a lock, and who blocks it; undefined when it is not waiting. */
export async function readLockWait(client: Client, applicationName: string, secrets: readonly string[] = []): Promise<LockWait | undefined> {
  const w = await client.query<{ pid: number; waiting: number; relation: string | null; blockers: number[] }>(
    `SELECT a.pid, extract(epoch FROM now() - a.state_change)::int AS waiting,
            (SELECT l.relation::regclass::text FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted AND l.relation IS NOT NULL LIMIT 1) AS relation,
            pg_blocking_pids(a.pid) AS blockers
       FROM pg_stat_activity a
      WHERE a.application_name = $1 AND a.wait_event_type = 'Lock'
      LIMIT 1`,
    [applicationName],
  );
  const row = w.rows[0];
  if (!row) return undefined;
  const b = row.blockers.length
    ? await client.query<{ pid: number; usename: string; application_name: string; state: string; tx: number | null; query: string }>(
        `SELECT pid, usename, application_name, coalesce(state, '') AS state,
                extract(epoch FROM now() - xact_start)::int AS tx, left(query, 500) AS query
           FROM pg_stat_activity WHERE pid = ANY($1::int[]) ORDER BY xact_start NULLS LAST`,
        [row.blockers],
      )
    : { rows: [] };
  return {
    waitingSeconds: row.waiting,
    ...(row.relation ? { relation: row.relation } : {}),
    blockers: b.rows.map((r) => ({
      pid: r.pid,
      user: r.usename,
      application: r.application_name,
      state: r.state,
      ...(r.tx !== null ? { transactionSeconds: r.tx } : {}),
      query: redactText(r.query, secrets),
    })),
  };
}

/** Polls while a run goes on; `onWait` gets each new description (undefined when the wait ended). */
export class BlockerWatch {
  private timer: NodeJS.Timeout | undefined;
  private client: Client | undefined;
  private last: string | undefined;
  private stopped = false;
  /** The tick under way (connecting or querying), for stop() to wait on. */
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly pg: PgConnectionOptions,
    private readonly applicationName: string,
    private readonly onWait: (text: string | undefined, wait: LockWait | undefined) => void,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    const tick = async (): Promise<void> => {
      if (this.stopped) return;
      try {
        this.client ??= await openConnection(
          { ...this.pg, applicationName: `${this.applicationName}-watch` },
          { connectTimeoutMs: 3000, statementTimeoutMs: 3000 },
        );
        const wait = await readLockWait(this.client, this.applicationName, this.pg.password ? [this.pg.password] : []);
        const text = wait && describeWait(wait);
        if (text !== this.last) {
          this.last = text;
          this.onWait(text, wait);
        }
      } catch {
        // The watch is a help, never a failure of the run: try again next tick on a fresh connection.
        await this.client?.end().catch(() => undefined);
        this.client = undefined;
      }
      if (!this.stopped) this.timer = setTimeout(run, this.intervalMs);
    };
    const run = (): void => {
      this.inflight = tick().finally(() => (this.inflight = undefined));
    };
    this.timer = setTimeout(run, this.intervalMs);
  }

  /** Stops polling and closes the watch's connection (after a tick under way: it may be connecting). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inflight;
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}
