/**
 * `alembic heads` and `alembic history` output, byte for byte (alembic/script/base.py
 * `Script._head_only` / `log_entry`, command.py `heads` / `history`), so scripts that parse
 * Alembic's output can switch to the CLI without changes.
 */
import type { RevisionGraph, RevisionNode } from './revisionGraph';
import { revisionsInRange, splitRange } from './revisionSpec';
import { longMessageOf, messageOf } from './migrationFacts';

export type FormatResult = string | { error: string };

interface LineOptions {
  includeBranches: boolean;
  includeDoc: boolean;
  includeParents: boolean;
  treeIndicators: boolean;
  current?: Set<string>;
}

function formatDownRevision(n: RevisionNode): string {
  return n.downRevisions.length ? n.downRevisions.join(', ') : '<base>';
}

function headOnly(n: RevisionNode, o: LineOptions): string {
  let text = n.id;
  if (o.includeParents) {
    text = n.declaredDependsOn.length ? `${formatDownRevision(n)} (${n.declaredDependsOn.join(', ')}) -> ${text}` : `${formatDownRevision(n)} -> ${text}`;
  }
  if (o.includeBranches && n.labels.size) text += ` (${[...n.labels].join(', ')})`;
  const realHead = n.allChildren.length === 0;
  const head = n.children.length === 0;
  text += realHead ? ' (head)' : '';
  text += head && !realHead ? ' (effective head)' : '';
  text += o.current?.has(n.id) ? ' (current)' : '';
  if (o.treeIndicators) {
    // g.isBranchPoint / isMergePoint, read off the node at hand (history asks for every one).
    text += n.children.length > 1 ? ' (branchpoint)' : '';
    text += n.downRevisions.length > 1 ? ' (mergepoint)' : '';
  }
  if (o.includeDoc) text += `, ${messageOf(n.migration)}`;
  return text;
}

function longdoc(n: RevisionNode): string {
  return longMessageOf(n.migration);
}

function logEntry(g: RevisionGraph, n: RevisionNode, current?: Set<string>): string {
  let e = `Rev: ${n.id}${n.children.length === 0 ? ' (head)' : ''}${g.isBranchPoint(n.id) ? ' (branchpoint)' : ''}${g.isMergePoint(n.id) ? ' (mergepoint)' : ''}${current?.has(n.id) ? ' (current)' : ''}\n`;
  e += g.isMergePoint(n.id) ? `Merges: ${formatDownRevision(n)}\n` : `Parent: ${formatDownRevision(n)}\n`;
  if (n.declaredDependsOn.length) e += `Also depends on: ${n.declaredDependsOn.join(', ')}\n`;
  if (g.isBranchPoint(n.id)) e += `Branches into: ${n.children.join(', ')}\n`;
  if (n.labels.size) e += `Branch names: ${[...n.labels].join(', ')}\n`;
  e += `Path: ${n.migration.file}\n`;
  e += `\n${longdoc(n)
    .split('\n')
    .map((p) => `    ${p}`)
    .join('\n')}\n`;
  return e;
}

/** `alembic heads [--verbose] [--resolve-dependencies]`. */
export function formatHeads(g: RevisionGraph, opts: { verbose?: boolean; resolveDependencies?: boolean } = {}): FormatResult {
  const ids = opts.resolveDependencies ? g.realHeads : g.heads;
  let out = '';
  for (const id of ids) {
    const n = g.get(id)!;
    out += (opts.verbose ? logEntry(g, n) : headOnly(n, { includeBranches: true, includeDoc: false, includeParents: false, treeIndicators: false })) + '\n';
  }
  return out;
}

/** `alembic history [-r a:b] [--verbose] [--indicate-current]`, newest first. */
export function formatHistory(g: RevisionGraph, opts: { range?: string; verbose?: boolean; current?: string[] } = {}): FormatResult {
  let lower = '';
  let upper = '';
  if (opts.range !== undefined) {
    const r = splitRange(opts.range);
    if (!r) return { error: 'History range requires [start]:[end], [start]:, or :[end]' };
    ({ lower, upper } = r);
  }
  const ids = revisionsInRange(g, lower || 'base', upper || 'heads', { current: opts.current, inclusive: true });
  if (ids.kind === 'error') return { error: ids.message };
  const current = opts.current ? new Set(opts.current) : undefined;
  let out = '';
  for (const id of ids.ids) {
    const n = g.get(id)!;
    out +=
      (opts.verbose ? logEntry(g, n, current) : headOnly(n, { includeBranches: true, includeDoc: true, includeParents: true, treeIndicators: true, current })) +
      '\n';
  }
  return out;
}
