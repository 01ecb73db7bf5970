/**
 * The round trip of every revision, in dependency order from base (or from `--from`) to the
 * heads: upgrade to the revision, snapshot, downgrade to its parent(s), snapshot and compare
 * with the schema before the upgrade, upgrade again. The order comes from the static graph;
 * alembic is only asked to move the database. Each downgrade names the revision's own branch
 * (`<rev>@<parent>`), so revisions of other branches that are applied stay applied.
 * Pure over its two ports: a runner that moves the database, a snapshot reader.
 */
import * as fs from 'node:fs';
import type { RevisionGraph } from '../alembic/revisionGraph';
import type { Problem } from '../alembic/types';
import { ZERO_RANGE, type Range } from '../alembic/types';
import type { SchemaSnapshot } from '../shared/schemaSnapshot';
import { diffSchemas, describeProperties, objectLabel, type SchemaDifference } from '../shared/schemaDiff';

/** One alembic run: whether it succeeded, its stderr (for PostgreSQL's message), how long it took. */
export interface StepResult {
  ok: boolean;
  stderr: string;
  durationMs: number;
  cancelled?: boolean;
}

export interface MigrationRunner {
  upgrade(target: string): Promise<StepResult>;
  downgrade(target: string): Promise<StepResult>;
}

export interface RevisionTimings {
  upgradeMs: number;
  downgradeMs: number;
  reupgradeMs: number;
  snapshotMs: number;
  totalMs: number;
}

export interface RevisionReport {
  revision: string;
  file: string;
  /** `verified` (round trip done, maybe with findings), `failed` (a step failed), `not-run` (an ancestor failed). */
  status: 'verified' | 'failed' | 'not-run';
  timings: RevisionTimings;
  findings: Problem[];
  /** Why it was not run. */
  note?: string;
}

export interface RoundTripReport {
  revisions: RevisionReport[];
  /** Upgrading to the parents of `--from` first, without round trips. */
  prefixMs: number;
  cancelled: boolean;
}

export interface RoundTripInput {
  graph: RevisionGraph;
  runner: MigrationRunner;
  snapshot: () => Promise<SchemaSnapshot>;
  /** Verify only this revision and its descendants (a revision id or label). */
  from?: string;
  /** Verify only up to this revision (and its ancestors). */
  to?: string;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

/** A `--from`/`--to` that names no revision. */
export class RevisionNotFoundError extends Error {}

/** The revisions to verify, parents before children; `from`'s parents are the prefix to upgrade to first. */
export function verifyPlan(graph: RevisionGraph, opts: { from?: string; to?: string }): { order: string[]; prefix: string[] } {
  const resolve = (name: string, flag: string): string => {
    const n = graph.lookup(name) ?? (graph.has(name) ? graph.get(name) : undefined);
    if (n) return n.id;
    const byPrefix = graph.nodes().filter((x) => x.id.startsWith(name));
    if (byPrefix.length === 1) return byPrefix[0].id;
    throw new RevisionNotFoundError(byPrefix.length > 1 ? `${flag} ${name} is ambiguous` : `${flag} ${name}: no such revision`);
  };
  let ids = new Set(graph.nodes().map((n) => n.id));
  if (opts.to !== undefined && opts.to !== 'heads' && opts.to !== 'head') {
    const to = resolve(opts.to, '--to');
    ids = new Set([to, ...graph.ancestors(to)]);
  }
  let prefix: string[] = [];
  if (opts.from !== undefined && opts.from !== 'base') {
    const from = resolve(opts.from, '--from');
    const keep = new Set([from, ...graph.descendants(from, true)]);
    ids = new Set([...ids].filter((id) => keep.has(id)));
    prefix = graph.get(from)!.parents;
  }
  const order = graph.topologicalSort(ids, graph.heads).reverse();
  return { order, prefix };
}

/** The line of `revision = …` (where round-trip findings are reported). */
function revisionRange(graph: RevisionGraph, id: string): Range {
  return graph.get(id)?.migration.decls.revision?.nameRange ?? ZERO_RANGE;
}

/**
 * PostgreSQL's (or alembic's) message from an alembic run's stderr: the final exception line
 * without SQLAlchemy's `(psycopg2.errors.X)` prefix, the `FAILED:` text, else the last line;
 * and the statement from SQLAlchemy's `[SQL: …]` block when there is one.
 */
export function alembicErrorMessage(stderr: string): { message: string; sql?: string } {
  const lines = stderr.split(/\r?\n/);
  let message: string | undefined;
  for (let i = lines.length - 1; i >= 0 && message === undefined; i--) {
    const l = lines[i];
    const failed = /^FAILED: (.*)$/.exec(l);
    if (failed) message = failed[1];
    const exc = /^(?:[A-Za-z_][\w.]*\.)?([A-Z]\w*(?:Error|Exception|Violation))(?:: (.*))?$/.exec(l);
    if (exc) {
      message = (exc[2] ?? exc[1]).replace(/^\([\w.]+\)\s*/, '');
      // psycopg2 continues the message on the next lines (DETAIL, HINT) until a blank line.
      for (let j = i + 1; j < lines.length && lines[j].trim() && !lines[j].startsWith('['); j++) {
        if (/^(DETAIL|HINT):/.test(lines[j])) message += ` ${lines[j].trim()}`;
      }
    }
  }
  const sql = /\[SQL: ([\s\S]*?)\]\n/.exec(stderr + '\n')?.[1].trim();
  const last = lines
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('INFO '))
    .at(-1);
  return { message: message ?? last ?? 'alembic failed without a message', ...(sql ? { sql } : {}) };
}

/** The line in the migration where the failing statement is written, when its text is there. */
function statementRange(file: string, sql: string | undefined, fallback: Range): Range {
  if (!sql) return fallback;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
  const needle = sql.split('\n')[0].trim().slice(0, 60);
  if (needle.length < 8) return fallback;
  const at = text.indexOf(needle);
  if (at < 0) return fallback;
  const before = text.slice(0, at).split('\n');
  const line = before.length - 1;
  const character = before[line].length;
  return { start: { line, character }, end: { line, character: character + needle.length } };
}

function problem(graph: RevisionGraph, id: string, ruleId: string, message: string, range?: Range): Problem {
  return { ruleId, severity: 'error', message, file: graph.get(id)!.migration.file, range: range ?? revisionRange(graph, id) };
}

/** "after downgrade, index `ix_users_email` remains" and its kin. */
export function differenceFinding(d: SchemaDifference): { ruleId: string; message: string } {
  switch (d.change) {
    case 'only-in-b':
      return { ruleId: 'downgrade-leaves-trace', message: `after downgrade, ${objectLabel(d)} remains` };
    case 'only-in-a':
      return { ruleId: 'downgrade-removes-too-much', message: `after downgrade, ${objectLabel(d)} is gone (it existed before the upgrade)` };
    case 'changed':
      return {
        ruleId: 'downgrade-leaves-trace',
        message: `after downgrade, ${objectLabel(d)} is not as before: ${describeProperties(d, { a: 'before the upgrade', b: 'after the downgrade' })}`,
      };
  }
}

/** Walks the plan; never throws for a failing migration (that is a finding), only for a failing snapshot. */
export async function roundTrip(input: RoundTripInput): Promise<RoundTripReport> {
  const { graph, runner } = input;
  const { order, prefix } = verifyPlan(graph, input);
  const report: RoundTripReport = { revisions: [], prefixMs: 0, cancelled: false };
  const say = input.onProgress ?? (() => undefined);
  const applied = new Set<string>();
  const markApplied = (id: string): void => {
    applied.add(id);
    for (const a of graph.ancestors(id)) applied.add(a);
  };

  const t0 = performance.now();
  for (const p of prefix) {
    say(`upgrading to ${p} (the parent of --from, no round trip)`);
    const r = await runner.upgrade(p);
    if (!r.ok) {
      const { message } = alembicErrorMessage(r.stderr);
      report.cancelled = !!r.cancelled;
      report.revisions.push({
        revision: p,
        file: graph.get(p)!.migration.file,
        status: 'failed',
        timings: { upgradeMs: r.durationMs, downgradeMs: 0, reupgradeMs: 0, snapshotMs: 0, totalMs: r.durationMs },
        findings: r.cancelled ? [] : [problem(graph, p, 'round-trip-upgrade-failed', `upgrade failed: ${message}`)],
      });
      return report;
    }
    markApplied(p);
  }
  report.prefixMs = performance.now() - t0;

  const blocked = new Map<string, string>();
  let before: SchemaSnapshot | undefined;
  const snap = async (t: RevisionTimings): Promise<SchemaSnapshot> => {
    const s0 = performance.now();
    const s = await input.snapshot();
    t.snapshotMs += performance.now() - s0;
    return s;
  };

  for (const [i, id] of order.entries()) {
    const node = graph.get(id)!;
    const file = node.migration.file;
    const timings: RevisionTimings = { upgradeMs: 0, downgradeMs: 0, reupgradeMs: 0, snapshotMs: 0, totalMs: 0 };
    const entry: RevisionReport = { revision: id, file, status: 'verified', timings, findings: [] };
    report.revisions.push(entry);
    const failedAncestor = [...graph.ancestors(id)].find((a) => blocked.has(a));
    if (input.signal?.aborted || report.cancelled) {
      entry.status = 'not-run';
      entry.note = 'cancelled';
      continue;
    }
    if (failedAncestor) {
      entry.status = 'not-run';
      entry.note = `${failedAncestor} could not be applied`;
      blocked.set(id, failedAncestor);
      continue;
    }
    const r0 = performance.now();
    say(`[${i + 1}/${order.length}] ${id}`);
    // Parents outside the plan (the other side of a merge after --from) are applied first, so
    // the schema "before" is the one the revision really starts from.
    for (const p of node.parents) {
      if (applied.has(p)) continue;
      const r = await runner.upgrade(p);
      if (!r.ok) {
        entry.status = 'not-run';
        entry.note = `its parent ${p} could not be applied: ${alembicErrorMessage(r.stderr).message}`;
        blocked.set(id, p);
        before = undefined;
        break;
      }
      markApplied(p);
      before = undefined;
    }
    if (entry.status === 'not-run') continue;
    before ??= await snap(timings);

    const up = await runner.upgrade(id);
    timings.upgradeMs = up.durationMs;
    if (!up.ok) {
      if (up.cancelled) report.cancelled = true;
      else {
        const { message, sql } = alembicErrorMessage(up.stderr);
        const range = statementRange(file, sql, revisionRange(graph, id));
        entry.findings.push(problem(graph, id, 'round-trip-upgrade-failed', `upgrade failed: ${message}${sql ? ` (statement: ${oneLine(sql)})` : ''}`, range));
      }
      entry.status = 'failed';
      blocked.set(id, id);
      // PostgreSQL rolled the failed migration back; the schema is still `before`.
      timings.totalMs = performance.now() - r0;
      continue;
    }
    markApplied(id);
    const after = await snap(timings);

    const target = `${id}@${node.parents[0] ?? 'base'}`;
    const down = await runner.downgrade(target);
    timings.downgradeMs = down.durationMs;
    if (!down.ok) {
      if (down.cancelled) report.cancelled = true;
      else {
        const { message, sql } = alembicErrorMessage(down.stderr);
        const range = statementRange(file, sql, revisionRange(graph, id));
        entry.findings.push(
          problem(graph, id, 'round-trip-downgrade-failed', `downgrade failed: ${message}${sql ? ` (statement: ${oneLine(sql)})` : ''}`, range),
        );
      }
      entry.status = 'failed';
      // The failed downgrade was rolled back: the revision is still applied, its children can run.
      before = after;
      timings.totalMs = performance.now() - r0;
      continue;
    }
    const downSnap = await snap(timings);
    for (const d of diffSchemas(before, downSnap, { ignoreProperties: ['notValid'] })) {
      const f = differenceFinding(d);
      entry.findings.push(problem(graph, id, f.ruleId, f.message));
    }

    const again = await runner.upgrade(id);
    timings.reupgradeMs = again.durationMs;
    if (!again.ok) {
      if (again.cancelled) report.cancelled = true;
      else {
        const { message } = alembicErrorMessage(again.stderr);
        entry.findings.push(problem(graph, id, 'round-trip-upgrade-failed', `upgrade failed when run again after the downgrade: ${message}`));
      }
      entry.status = 'failed';
      blocked.set(id, id);
      before = undefined;
    } else {
      // After a clean round trip the schema after the second upgrade is the one after the first;
      // after findings it may not be (a column dropped too much stays dropped): read it again.
      before = entry.findings.length ? undefined : after;
    }
    timings.totalMs = performance.now() - r0;
  }
  return report;
}

function oneLine(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
