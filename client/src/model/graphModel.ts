/**
 * What the client derives from a project's revision graph (as the server sends it) and the
 * database's applied revisions: each revision's state, the rows of the revision tree, the order
 * of revision pickers, and what a downgrade or stamp would revert. Pure: no VS Code, no I/O.
 */
import type { GitInfoResult, LocateRevisionResult, RevisionGraphResult, RevisionNode } from '../../../server/src/shared/protocol';
import { provenanceText } from '../../../server/src/shared/provenance';
import { appliedRevisions, revisionState, shortId, type AncestryGraph, type RevisionState } from '../../../server/src/shared/revisionState';

export { shortId, type RevisionState };

/** An index over one graph answer: lookups and ancestor walks without recomputing per call. */
export class GraphView implements AncestryGraph {
  readonly byId = new Map<string, RevisionNode>();
  private readonly ancestorCache = new Map<string, Set<string>>();

  constructor(readonly graph: RevisionGraphResult) {
    for (const n of graph.nodes) if (!this.byId.has(n.id)) this.byId.set(n.id, n);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get nodes(): RevisionNode[] {
    return this.graph.nodes;
  }

  /** Heads `upgrade heads` would reach (the status bar's GraphInfo). */
  get heads(): string[] {
    return this.graph.heads;
  }

  private messageMap: Map<string, string> | undefined;
  /** Revision id → message (the status bar's GraphInfo), built once per graph. */
  get messages(): Map<string, string> {
    this.messageMap ??= new Map([...this.byId].map(([id, n]) => [id, n.message]));
    return this.messageMap;
  }

  /** Every revision below `id` (parents and dependencies, transitively), `id` excluded. */
  ancestors(id: string): Set<string> {
    const cached = this.ancestorCache.get(id);
    if (cached) return cached;
    const out = new Set<string>();
    const stack = [id];
    while (stack.length) {
      const n = this.byId.get(stack.pop()!);
      if (!n) continue;
      for (const p of [...n.parents, ...n.dependencies]) {
        if (!out.has(p)) {
          out.add(p);
          stack.push(p);
        }
      }
    }
    this.ancestorCache.set(id, out);
    return out;
  }

  /** Every revision above `id` (children, transitively), `id` excluded. */
  descendants(id: string): Set<string> {
    const out = new Set<string>();
    const stack = [id];
    while (stack.length) {
      const n = this.byId.get(stack.pop()!);
      if (!n) continue;
      for (const c of n.children) {
        if (!out.has(c)) {
          out.add(c);
          stack.push(c);
        }
      }
    }
    return out;
  }

  /** The revisions the database has applied: the version-table rows and all their ancestors. */
  appliedSet(versionRows: readonly string[]): Set<string> {
    return appliedRevisions(this, versionRows);
  }

  /** Each revision's state, given the version-table rows (undefined = database state unknown). */
  states(versionRows: readonly string[] | undefined): Map<string, RevisionState> {
    const out = new Map<string, RevisionState>();
    const applied = versionRows && this.appliedSet(versionRows);
    for (const n of this.graph.nodes) out.set(n.id, revisionState(this, versionRows, n.id, applied));
    return out;
  }

  /** Pending revisions in upgrade order (parents first). */
  pending(versionRows: readonly string[]): RevisionNode[] {
    const applied = this.appliedSet(versionRows);
    return this.graph.nodes.filter((n) => !applied.has(n.id)).reverse();
  }
}

/** One row of the revision tree. Ids derive from the path to the row, so they are unique and stable. */
export interface TreeRow {
  /** Unique among all rows of all projects: `<projectId>#<revision>` or `<parentRow>>parent:<revision>`. */
  key: string;
  revision: string;
  projectId: string;
  /** `id (label, …)`. */
  label: string;
  /** Message, state words and create date. */
  description: string;
  state: RevisionState;
  /** Icon choice: the state, `broken` / `duplicate` for graph problems, `from-branch` for another branch's migration. */
  icon: RevisionState | 'broken' | 'duplicate' | 'from-branch';
  markers: Array<'head' | 'base' | 'mergepoint' | 'branchpoint' | 'missing-parent' | 'duplicate'>;
  /** Merge points list their parents as children; other rows are leaves. */
  collapsible: boolean;
  /** Markdown tooltip. */
  tooltip: string;
  /** `revision`, `revision.current`, … for menus (`viewItem =~ /^revision/`). */
  contextValue: string;
}

const STATE_WORD: Record<RevisionState, string> = { current: 'current', applied: 'applied', pending: 'pending', unknown: '' };

function dateOnly(createDate: string | undefined): string {
  if (!createDate) return '';
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}))?/.exec(createDate);
  return m ? (m[2] ? `${m[1]} ${m[2]}` : m[1]) : createDate;
}

function mdEscape(s: string): string {
  return s.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, '\\$1');
}

/** The tree row of a revision; `parentKey` makes nested rows unique per path. */
export function treeRow(view: GraphView, states: Map<string, RevisionState>, node: RevisionNode, parentKey: string, git?: GitInfoResult): TreeRow {
  const state = states.get(node.id) ?? 'unknown';
  const markers: TreeRow['markers'] = [];
  const f = new Set(node.flags);
  if (f.has('head') || f.has('effective-head')) markers.push('head');
  if (f.has('base')) markers.push('base');
  if (f.has('mergepoint')) markers.push('mergepoint');
  if (f.has('branchpoint')) markers.push('branchpoint');
  if (f.has('missing-parent')) markers.push('missing-parent');
  if (f.has('duplicate')) markers.push('duplicate');
  const broken = f.has('missing-parent');
  const icon: TreeRow['icon'] = broken ? 'broken' : f.has('duplicate') ? 'duplicate' : state;
  const label = node.labels.length ? `${shortId(node.id)} (${node.labels.join(', ')})` : shortId(node.id);
  const words = [
    STATE_WORD[state],
    markers.includes('head') ? 'head' : '',
    markers.includes('mergepoint') ? `merge of ${node.parents.length}` : '',
    markers.includes('branchpoint') ? `branches to ${node.children.length}` : '',
    broken ? 'missing parent' : '',
    git?.revisions[node.id]?.addedOnBranch ? 'this branch' : '',
  ].filter(Boolean);
  const description = [
    node.message || '(no message)',
    words.length ? `· ${words.join(', ')}` : '',
    dateOnly(node.createDate) ? `· ${dateOnly(node.createDate)}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const rel = (ids: string[]): string => (ids.length ? ids.map((i) => `\`${i}\` ${mdEscape(view.byId.get(i)?.message ?? '(missing)')}`).join(', ') : '—');
  const tooltip = [
    `**${mdEscape(node.message || '(no message)')}**`,
    '',
    `Revision \`${node.id}\`${state !== 'unknown' ? ` — ${state}` : ''}`,
    '',
    `Parents: ${node.parents.length ? rel(node.parents) : '<base>'}`,
    '',
    `Children: ${rel(node.children)}`,
    ...(node.dependencies.length ? ['', `Depends on: ${rel(node.dependencies)}`] : []),
    ...(node.labels.length ? ['', `Branch labels: ${node.labels.map((l) => `\`${l}\``).join(', ')}`] : []),
    ...(node.createDate ? ['', `Created ${mdEscape(node.createDate)}`] : []),
    ...(git?.revisions[node.id] ? ['', `Git: ${mdEscape(provenanceText(git.revisions[node.id], git.base))}`] : []),
  ].join('\n');
  return {
    key: `${parentKey}>${node.id}`,
    revision: node.id,
    projectId: view.graph.projectId,
    label,
    description,
    state,
    icon,
    markers,
    collapsible: node.parents.length > 1,
    tooltip,
    contextValue: `revision.${state}${markers.includes('head') ? '.head' : ''}`,
  };
}

export interface TopRowOptions {
  /** Provenance and branch facts (tooltips, "this branch"). */
  git?: GitInfoResult;
  /** Only the revisions added on this branch (the tree's filter). */
  onlyThisBranch?: boolean;
  /** Database revisions this checkout lacks, located by git: their chains are shown first, greyed. */
  fromBranches?: ReadonlyMap<string, LocateRevisionResult>;
}

/** The top-level rows of a project: every revision, heads first down to base (alembic history order). */
export function topRows(view: GraphView, states: Map<string, RevisionState>, projectKey: string, opts: TopRowOptions = {}): TreeRow[] {
  const nodes = opts.onlyThisBranch && opts.git ? view.nodes.filter((n) => opts.git?.revisions[n.id]?.addedOnBranch) : view.nodes;
  const foreign = [...(opts.fromBranches ?? [])].flatMap(([revision, located]) => fromBranchRows(view.graph.projectId, projectKey, revision, located));
  return [...foreign, ...nodes.map((n) => treeRow(view, states, n, projectKey, opts.git))];
}

/**
 * Rows for a database revision this checkout does not have: the missing chain as git found it
 * on another branch (newest first), greyed, "from branch `feature/x`"; or one row saying git
 * has it nowhere.
 */
export function fromBranchRows(projectId: string, projectKey: string, revision: string, located: LocateRevisionResult): TreeRow[] {
  const base = { projectId, state: 'unknown' as const, icon: 'from-branch' as const, markers: [], collapsible: false };
  if (located.kind !== 'found' || !located.chain) {
    return [
      {
        ...base,
        key: `${projectKey}>from-branch>${revision}`,
        revision,
        label: shortId(revision),
        description: `in the database · ${located.kind === 'not-found' ? 'git has it on no branch' : 'not in this checkout'}`,
        tooltip: `The database is at \`${revision}\`, which no migration of this checkout declares.\n\n${mdEscape(located.message ?? '')}`,
        contextValue: 'fromBranch.missing',
      },
    ];
  }
  const chain = located.chain;
  const where = located.locations
    .slice(0, 5)
    .map((l) => `- \`${mdEscape(l.ref)}\` — ${mdEscape(l.path)} (${l.commit.slice(0, 7)})`)
    .join('\n');
  return chain.migrations.map((m) => ({
    ...base,
    key: `${projectKey}>from-branch>${revision}>${m.id}`,
    revision: m.id,
    label: shortId(m.id),
    description: `${m.message || '(no message)'} · from branch ${chain.ref}${m.id === revision ? ' · in the database' : ''}`,
    tooltip: [
      `**${mdEscape(m.message || '(no message)')}**`,
      '',
      `Revision \`${m.id}\` — not in this checkout; ${m.id === revision ? 'the database is at it' : 'applied in the database below its revision'}.`,
      '',
      `From branch \`${mdEscape(chain.ref)}\` (${chain.commit.slice(0, 7)}); ${chain.commonAncestors.length ? `joins this checkout at ${chain.commonAncestors.map((c) => `\`${shortId(c)}\``).join(', ')}` : 'goes down to base'}.`,
      '',
      'Git has it in:',
      where,
    ].join('\n'),
    contextValue: 'fromBranch',
  }));
}

/** The children of a merge row: its parents, keyed under the merge row. */
export function parentRows(view: GraphView, states: Map<string, RevisionState>, row: TreeRow): TreeRow[] {
  const node = view.byId.get(row.revision);
  if (!node || node.parents.length < 2) return [];
  return node.parents
    .map((p) => view.byId.get(p))
    .filter((n): n is RevisionNode => !!n)
    .map((n) => ({ ...treeRow(view, states, n, `${row.key}>parent`), collapsible: false }));
}

/** Revision picker order: heads first, then the rest newest first; each with its state. */
export function pickerOrder(view: GraphView, states: Map<string, RevisionState>): Array<{ node: RevisionNode; state: RevisionState; isHead: boolean }> {
  const heads = new Set(view.graph.heads);
  const all = view.nodes.map((node) => ({ node, state: states.get(node.id) ?? 'unknown', isHead: heads.has(node.id) }));
  return [...all.filter((x) => x.isHead), ...all.filter((x) => !x.isHead)];
}

/** What a downgrade or stamp would do, for the confirmation. */
export type DowngradePlan = { kind: 'ok'; reverted: RevisionNode[] } | { kind: 'error'; message: string };

/**
 * The revisions `alembic downgrade <target>` reverts from the given version-table rows:
 * `base`, `-N`, or a revision id (the target itself stays applied). Newest first.
 */
export function downgradePlan(view: GraphView, versionRows: readonly string[], target: string): DowngradePlan {
  const applied = view.appliedSet(versionRows);
  if (applied.size === 0) return { kind: 'error', message: 'The database is at base: there is nothing to downgrade.' };
  let keep: Set<string>;
  if (target === 'base') keep = new Set();
  else if (/^-\d+$/.test(target)) {
    if (versionRows.length !== 1) return { kind: 'error', message: 'Several heads are applied: a relative downgrade is ambiguous; pick a revision.' };
    let steps = Number(target.slice(1));
    let at: string | undefined = versionRows[0];
    while (at && steps > 0) {
      const n = view.byId.get(at);
      if (!n) break;
      if (n.parents.length > 1) return { kind: 'error', message: `${shortId(at)} is a merge: a relative downgrade from it is ambiguous; pick a revision.` };
      at = n.parents[0];
      steps--;
    }
    if (steps > 0) return { kind: 'error', message: `The database is fewer than ${target.slice(1)} steps above base.` };
    keep = at ? new Set([at, ...view.ancestors(at)]) : new Set();
  } else {
    const node = view.byId.get(target);
    if (!node) return { kind: 'error', message: `No migration declares '${target}'.` };
    if (!applied.has(target)) return { kind: 'error', message: `${shortId(target)} is not applied: downgrade targets must be applied revisions.` };
    keep = new Set([target, ...view.ancestors(target)]);
  }
  // Branches the target does not touch stay applied (alembic downgrades only the target's lineage).
  const reverted = view.nodes.filter(
    (n) => applied.has(n.id) && !keep.has(n.id) && (target === 'base' || /^-/.test(target) || view.ancestors(n.id).has(target) || n.id === target),
  );
  if (reverted.length === 0) return { kind: 'error', message: 'Nothing would be reverted.' };
  return { kind: 'ok', reverted };
}
