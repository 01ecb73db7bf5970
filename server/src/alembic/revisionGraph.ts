/**
 * The revision graph, built the way Alembic's RevisionMap builds it (alembic/script/revision.py,
 * checked against 1.8.1): heads are revisions no `down_revision` points at (what `alembic heads`
 * prints — "effective heads"), real heads are also not a `depends_on` target; branch labels
 * propagate to descendants and up to the nearest branch point; `depends_on` names resolve
 * through ids and labels; the topological order is Alembic's, so walks and `history` come out
 * in the same order. Where Alembic would raise (a missing parent, a cycle, a reused label),
 * the graph records a problem and stays usable.
 */
import type { MigrationFile } from './types';
import { quickKey } from './quickScan';

/** One revision of the graph. Arrays are in Alembic's order. */
export interface RevisionNode {
  id: string;
  /** The file that declares it (replaced in place by edits that keep the graph). */
  migration: MigrationFile;
  /** `down_revision` as declared (ids or labels). */
  downRevisions: string[];
  /** `down_revision` resolved to revision ids (labels resolved; unknown names dropped). */
  parents: string[];
  /** `depends_on` as declared. */
  declaredDependsOn: string[];
  /** `depends_on` resolved to revision ids (`_resolved_dependencies`). */
  dependencies: string[];
  /** Dependencies that are not already dependencies of an ancestor (`_normalized_resolved_dependencies`). */
  normalizedDependencies: string[];
  /** Branch labels declared in this file. */
  declaredLabels: string[];
  /** Branch labels after propagation along the branch (`branch_labels` after `_add_branches`). */
  labels: ReadonlySet<string>;
  /** Children through `down_revision` (`nextrev`). */
  children: string[];
  /** Children through `down_revision` or `depends_on` (`_all_nextrev`). */
  allChildren: string[];
  /** Its place in load order (Alembic's map order, where an id declared twice keeps its first place): `nodes()[rank]` is this node. */
  rank: number;
}

export interface GraphIssue {
  kind: 'missing-parent' | 'unknown-dependency' | 'cycle' | 'dependency-cycle' | 'duplicate' | 'label-reused' | 'self-reference';
  /** The revision whose declaration is at fault. */
  id: string;
  /** The name that could not be resolved, the duplicated id, or the reused label. */
  name?: string;
  /** Other revisions involved (cycle members, the other declaration). */
  others?: string[];
  /** For duplicates: the files declaring the same id. */
  files?: string[];
}

function literalIds(m: MigrationFile, key: 'revision' | 'downRevision' | 'branchLabels' | 'dependsOn'): string[] | undefined {
  const v = m.decls[key]?.value;
  if (!v) return key === 'revision' ? undefined : [];
  if (v.kind === 'none') return [];
  if (v.kind === 'dynamic') return key === 'revision' ? undefined : [];
  return v.items.map((i) => i.value);
}

/**
 * What of a file the graph depends on. Two versions of a file with the same key give the same
 * graph, so an edit that keeps it (most edits) needs no rebuild.
 */
export function graphKey(m: MigrationFile): string {
  if (m.readProblem) return `!${m.readProblem}`;
  if (m.quick) return quickKey(m.quick);
  const part = (k: 'revision' | 'downRevision' | 'branchLabels' | 'dependsOn'): string => {
    const v = m.decls[k]?.value;
    return v === undefined ? '-' : v.kind === 'strings' ? `s${v.items.length}:${v.items.map((i) => i.value).join('\u0001')}` : v.kind === 'none' ? 'n' : 'd';
  };
  return `${part('revision')}\u0000${part('downRevision')}\u0000${part('branchLabels')}\u0000${part('dependsOn')}`;
}

/** The revision id a file declares, when it is one plain string literal. */
export function fileRevisionId(m: MigrationFile): string | undefined {
  return idsOf(m).id;
}

/** What the graph reads of a file, computed once per file object (an edit replaces the object). */
interface FileIds {
  id: string | undefined;
  down: readonly string[];
  deps: readonly string[];
  labels: readonly string[];
}
const NO_IDS: readonly string[] = Object.freeze([]);
const idsCache = new WeakMap<MigrationFile, FileIds>();
function idsOf(m: MigrationFile): FileIds {
  // The fast path's facts have this shape already: no object, no cache entry per file.
  if (m.quick) return m.quick;
  let hit = idsCache.get(m);
  if (!hit) {
    const rev = literalIds(m, 'revision');
    const list = (k: 'downRevision' | 'branchLabels' | 'dependsOn'): readonly string[] => {
      const v = literalIds(m, k);
      return v && v.length ? v : NO_IDS;
    };
    hit = { id: rev && rev.length === 1 ? rev[0] : undefined, down: list('downRevision'), deps: list('dependsOn'), labels: list('branchLabels') };
    idsCache.set(m, hit);
  }
  return hit;
}

/** Shared by every node without labels, dependencies, parents or children until one is added (never mutated). */
const NO_LABELS: ReadonlySet<string> = new Set<string>();
const NO_DEPENDENCIES = NO_IDS as string[];

/** `list` with `item` added once (the shared empty list is replaced, never changed). */
function withItem(list: string[], item: string): string[] {
  if (list === NO_DEPENDENCIES) return [item];
  if (!list.includes(item)) list.push(item);
  return list;
}

/**
 * A child through down_revision: in `children` and `allChildren`, which share one array while
 * they hold the same ids (the usual node: one object fewer for the collector to copy).
 */
function addChild(parent: RevisionNode, id: string): void {
  if (parent.children === NO_DEPENDENCIES && parent.allChildren === NO_DEPENDENCIES) {
    parent.children = parent.allChildren = [id];
    return;
  }
  if (parent.allChildren !== parent.children) parent.allChildren = withItem(parent.allChildren, id);
  parent.children = withItem(parent.children, id);
}

/** `allChildren` as an array of its own, before it is changed apart from `children`. */
function ownAllChildren(n: RevisionNode): void {
  if (n.allChildren === n.children && n.children !== NO_DEPENDENCIES) n.allChildren = n.children.slice();
}

/** A child through depends_on: in `allChildren` only. */
function addDependencyChild(parent: RevisionNode, id: string): void {
  if (parent.allChildren === parent.children && parent.children.includes(id)) return;
  ownAllChildren(parent);
  parent.allChildren = withItem(parent.allChildren, id);
}

function addLabel(n: RevisionNode, label: string): void {
  if (n.labels === NO_LABELS) n.labels = new Set([label]);
  else (n.labels as Set<string>).add(label);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function removeItem(list: string[], item: string): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

/** Inserts into a list kept in load order (children lists are, as the constructor builds them). */
function insertByRank(list: string[], item: string, rank: (x: string) => number): void {
  const r = rank(item);
  let i = list.length;
  while (i > 0 && rank(list[i - 1]) > r) i--;
  list.splice(i, 0, item);
}

export class RevisionGraph {
  private readonly map = new Map<string, RevisionNode>();
  /** Labels → node; with `map`, Alembic's map_ after `_map_branch_labels` (see byName). */
  private readonly byLabel = new Map<string, RevisionNode>();
  private readonly labelOwner = new Map<string, string>();
  /** Replaced (never mutated) when an edit updates the graph in place. */
  heads: string[];
  realHeads: string[];
  bases: string[];
  realBases: string[];
  issues: GraphIssue[] = [];
  private readonly duplicates = new Set<string>();
  /** The nodes in load order (their ranks index it). */
  private readonly nodeList: RevisionNode[];
  private ancestorCache = new Map<string, Set<string>>();

  /** A revision id's place in load order. */
  private rankOf(id: string): number | undefined {
    return this.map.get(id)?.rank;
  }

  /** A revision id, else a branch label, to its node. */
  private byName(name: string): RevisionNode | undefined {
    return this.map.get(name) ?? this.byLabel.get(name);
  }

  constructor(
    files: MigrationFile[],
    readonly generation = 0,
  ) {
    /** Every declaration in file order; those the map kept are the graph's nodes. */
    const declared: RevisionNode[] = [];
    const bases: RevisionNode[] = [];
    const realBases: RevisionNode[] = [];
    /** Files of ids declared more than once (the first declaration first). */
    const duplicateFiles = new Map<string, string[]>();
    // Indexed loops throughout: this runs once per index as cold code, where `for…of` allocates.
    for (let f = 0; f < files.length; f++) {
      const m = files[f];
      if (m.readProblem) continue;
      const ids = idsOf(m);
      const id = ids.id;
      if (id === undefined) continue;
      const down = ids.down;
      const deps = ids.deps;
      const labels = ids.labels;
      const selfRef = down.includes(id) || deps.includes(id);
      if (selfRef) {
        this.issues.push({ kind: 'self-reference', id, name: id });
      }
      // Declared lists are shared with the file's cache (never mutated); resolved lists are fresh.
      const node: RevisionNode = {
        id,
        migration: m,
        downRevisions: (selfRef ? down.filter((d) => d !== id) : down) as string[],
        parents: NO_DEPENDENCIES,
        declaredDependsOn: (selfRef ? deps.filter((d) => d !== id) : deps) as string[],
        dependencies: NO_DEPENDENCIES,
        normalizedDependencies: NO_DEPENDENCIES,
        declaredLabels: labels as string[],
        labels: labels.length ? new Set(labels) : NO_LABELS,
        children: NO_DEPENDENCIES,
        allChildren: NO_DEPENDENCIES,
        rank: this.map.size,
      };
      const earlier = this.map.get(id);
      if (earlier) {
        node.rank = earlier.rank;
        const list = duplicateFiles.get(id);
        if (list) list.push(m.file);
        else duplicateFiles.set(id, [earlier.migration.file, m.file]);
      }
      this.map.set(id, node);
      declared.push(node);
      if (node.downRevisions.length === 0) bases.push(node);
      if (node.downRevisions.length === 0 && node.declaredDependsOn.length === 0) realBases.push(node);
    }
    for (const [id, list] of [...duplicateFiles].sort((a, b) => this.map.get(a[0])!.rank - this.map.get(b[0])!.rank)) {
      this.duplicates.add(id);
      this.issues.push({ kind: 'duplicate', id, name: id, files: list });
    }
    // Only the node the map kept (the last declaration) takes part in the graph.
    const live = (n: RevisionNode): boolean => this.map.get(n.id) === n;
    const nodes = [...this.map.values()];
    this.nodeList = nodes;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      for (let j = 0; j < node.declaredLabels.length; j++) {
        const label = node.declaredLabels[j];
        const taken = this.byName(label);
        if (taken) {
          this.issues.push({ kind: 'label-reused', id: node.id, name: label, others: [taken.id] });
          continue;
        }
        this.byLabel.set(label, node);
        this.labelOwner.set(label, node.id);
      }
    }
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      for (let j = 0; j < node.declaredDependsOn.length; j++) {
        const dep = node.declaredDependsOn[j];
        const target = this.byName(dep);
        if (target) {
          if (node.dependencies === NO_DEPENDENCIES) node.dependencies = [target.id];
          else if (!node.dependencies.includes(target.id)) node.dependencies.push(target.id);
        } else this.issues.push({ kind: 'unknown-dependency', id: node.id, name: dep });
      }
    }
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      const downs = node.downRevisions;
      for (let j = 0; j < downs.length; j++) {
        const down = downs[j];
        const parent = this.byName(down);
        if (!parent) {
          this.issues.push({ kind: 'missing-parent', id: node.id, name: down });
          continue;
        }
        // One parent named by its id (the usual node): the declared list is the resolved one
        // (shared, like the declared lists; an edit replaces `parents`, never changes it).
        node.parents = downs.length === 1 && parent.id === down ? downs : withItem(node.parents, parent.id);
      }
      // A child through down_revision (then no head of either kind), or through depends_on
      // only (then no head of the dependency graph).
      for (let j = 0; j < node.parents.length; j++) addChild(this.map.get(node.parents[j])!, node.id);
      for (let j = 0; j < node.dependencies.length; j++) addDependencyChild(this.map.get(node.dependencies[j])!, node.id);
    }
    this.normalizeDependencies();
    const heads: string[] = [];
    const realHeads: string[] = [];
    for (let i = 0; i < declared.length; i++) {
      const n = declared[i];
      if (!live(n)) continue;
      if (!n.children.length) heads.push(n.id);
      if (!n.allChildren.length) realHeads.push(n.id);
    }
    this.heads = heads;
    this.realHeads = realHeads;
    this.bases = bases.filter(live).map((n) => n.id);
    this.realBases = realBases.filter(live).map((n) => n.id);
    this.detectCycles();
    this.addBranches();
  }

  /** `_normalized_resolved_dependencies`: drop dependencies an ancestor already has. */
  private normalizeDependencies(): void {
    for (let i = 0; i < this.nodeList.length; i++) {
      const node = this.nodeList[i];
      if (!node.dependencies.length) continue;
      const normalized = new Set(node.dependencies);
      for (const a of this.walk([node.id], (n) => n.parents)) {
        if (a === node.id) continue;
        for (const d of this.map.get(a)!.dependencies) normalized.delete(d);
      }
      node.normalizedDependencies = node.dependencies.filter((d) => normalized.has(d));
    }
  }

  /**
   * Applies an edit that changes only a file's `down_revision` (same id, labels and
   * dependencies) without rebuilding: the edit the user makes most while fixing a graph.
   * The result equals a rebuild from the new files (test/unit/graph.test.ts checks this on
   * random edits). Returns false, changing nothing, when the edit is outside what this path
   * handles (duplicates, cycles, self references, other declarations changed): the caller
   * then rebuilds.
   */
  updateDownRevision(old: MigrationFile, next: MigrationFile): boolean {
    if (old.readProblem || next.readProblem || this.duplicates.size) return false;
    const a = idsOf(old),
      b = idsOf(next);
    const id = a.id;
    if (id === undefined || b.id !== id) return false;
    const node = this.map.get(id);
    if (!node || node.migration !== old) return false;
    if (!sameList(a.labels, b.labels) || !sameList(a.deps, b.deps)) return false;
    if (a.down.includes(id) || b.down.includes(id) || a.deps.includes(id)) return false;
    if (this.issues.some((i) => i.kind === 'cycle' || i.kind === 'dependency-cycle')) return false;
    // Resolve the new parents first; a parent below this revision would close a cycle.
    const parents: string[] = [];
    const missing: string[] = [];
    for (const down of b.down) {
      const parent = this.byName(down);
      if (!parent) missing.push(down);
      else if (!parents.includes(parent.id)) parents.push(parent.id);
    }
    if (parents.length) {
      const below = new Set(this.walk([id], (n) => n.allChildren));
      if (parents.some((p) => below.has(p))) return false;
    }
    for (const pid of node.parents) {
      const parent = this.map.get(pid)!;
      ownAllChildren(parent);
      removeItem(parent.children, id);
      if (!node.dependencies.includes(pid)) removeItem(parent.allChildren, id);
    }
    node.migration = next;
    node.downRevisions = b.down as string[];
    node.parents = parents;
    const rank = (x: string): number => this.map.get(x)!.rank;
    for (const pid of parents) {
      const parent = this.map.get(pid)!;
      // Shared lists take the id once: inserted into both, as separate lists would be.
      if (parent.children === NO_DEPENDENCIES) parent.children = [];
      if (parent.allChildren === NO_DEPENDENCIES) parent.allChildren = [];
      insertByRank(parent.children, id, rank);
      if (!parent.allChildren.includes(id)) insertByRank(parent.allChildren, id, rank);
    }
    this.issues = this.issues.filter((i) => !(i.kind === 'missing-parent' && i.id === id));
    for (const name of missing) this.issues.push({ kind: 'missing-parent', id, name });
    const heads: string[] = [],
      realHeads: string[] = [],
      bases: string[] = [],
      realBases: string[] = [];
    for (const n of this.map.values()) {
      if (!n.children.length) heads.push(n.id);
      if (!n.allChildren.length) realHeads.push(n.id);
      if (!n.downRevisions.length) {
        bases.push(n.id);
        if (!n.declaredDependsOn.length) realBases.push(n.id);
      }
    }
    this.heads = heads;
    this.realHeads = realHeads;
    this.bases = bases;
    this.realBases = realBases;
    this.normalizeDependencies();
    if (this.labelOwner.size) {
      for (const n of this.map.values()) n.labels = n.declaredLabels.length ? new Set(n.declaredLabels) : NO_LABELS;
      this.addBranches();
    }
    this.ancestorCache = new Map();
    return true;
  }

  /** Iterative DFS over `next`, in Alembic's `_iterate_related_revisions` order. */
  private walk(start: string[], next: (n: RevisionNode) => readonly string[]): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    const todo: string[] = [];
    for (const s of start) {
      todo.push(s);
      while (todo.length) {
        const id = todo.pop()!;
        if (seen.has(id)) continue;
        seen.add(id);
        const n = this.map.get(id);
        if (!n) continue;
        const nx = next(n);
        for (let i = 0; i < nx.length; i++) todo.push(nx[i]);
        out.push(id);
      }
    }
    return out;
  }

  /**
   * What `walk([id], …)` gives through `parents` (and `normalizedDependencies`), in the same
   * order, without a list per node (`history` walks every revision this way, as cold code).
   */
  private walkDown(id: string, includeDependencies: boolean): Set<string> {
    // Seen as a bitset over the load order (an id without a node leads nowhere: no need to mark it).
    const seen = new Uint8Array(this.nodeList.length);
    const out = new Set<string>();
    const todo: string[] = [id];
    while (todo.length) {
      const n = this.map.get(todo.pop()!);
      if (!n || seen[n.rank]) continue;
      seen[n.rank] = 1;
      for (let i = 0; i < n.parents.length; i++) todo.push(n.parents[i]);
      if (includeDependencies) for (let i = 0; i < n.normalizedDependencies.length; i++) todo.push(n.normalizedDependencies[i]);
      out.add(n.id);
    }
    return out;
  }

  /** The nodes reachable from `start` through `next` (start included), as a bitset over the load order. */
  private reach(start: readonly string[], next: (n: RevisionNode) => readonly string[]): { bits: Uint8Array; count: number } {
    const bits = new Uint8Array(this.nodeList.length);
    const stack: number[] = [];
    let count = 0;
    // The start ids are the first list taken, then the `next` of each node taken off the stack.
    for (let ids: readonly string[] | undefined = start; ids; ids = stack.length ? next(this.nodeList[stack.pop()!]) : undefined) {
      for (let i = 0; i < ids.length; i++) {
        const r = this.rankOf(ids[i]);
        if (r === undefined || bits[r]) continue;
        bits[r] = 1;
        count++;
        stack.push(r);
      }
    }
    return { bits, count };
  }

  /**
   * True when the graph through `edges` has no cycle (Kahn's algorithm: every node is removed
   * once nothing above it is left). One pass over the edges; the usual graph needs no more.
   */
  private acyclic(edges: (n: RevisionNode) => readonly string[]): boolean {
    const nodes = this.nodeList;
    // The edges as ranks, looked up once (compressed rows: node i's targets are to[from[i]…from[i+1]]).
    const from = new Int32Array(nodes.length + 1);
    const to: number[] = [];
    const above = new Int32Array(nodes.length);
    for (let i = 0; i < nodes.length; i++) {
      from[i] = to.length;
      const e = edges(nodes[i]);
      for (let j = 0; j < e.length; j++) {
        const r = this.rankOf(e[j]);
        if (r === undefined) continue;
        to.push(r);
        above[r]++;
      }
    }
    from[nodes.length] = to.length;
    const ready = new Int32Array(nodes.length);
    let top = 0;
    for (let i = 0; i < nodes.length; i++) if (above[i] === 0) ready[top++] = i;
    let removed = 0;
    while (top) {
      const i = ready[--top];
      removed++;
      for (let k = from[i]; k < from[i + 1]; k++) if (--above[to[k]] === 0) ready[top++] = to[k];
    }
    return removed === nodes.length;
  }

  private detectCycles(): void {
    if (!this.nodeList.length) return;
    const check = (
      heads: string[],
      bases: string[],
      down: (n: RevisionNode) => string[],
      up: (n: RevisionNode) => string[],
      kind: 'cycle' | 'dependency-cycle',
    ): boolean => {
      // No cycle, no issue: the reachability walks below only look for one.
      if (this.acyclic(down)) return false;
      const all = this.nodeList.map((n) => n.id);
      const fromHeads = this.reach(heads, down);
      const fromBases = this.reach(bases, up);
      if (fromHeads.count === all.length && fromBases.count === all.length) return false;
      const members = all.filter((_id, i) => !(fromHeads.bits[i] && fromBases.bits[i]));
      // Revisions cut off only by a missing parent are not a cycle: keep those on a real cycle.
      const onCycle = this.cycleMembers(members, down);
      const cyclic = members.filter((id) => onCycle.has(id));
      for (const id of cyclic) this.issues.push({ kind, id, others: cyclic.filter((x) => x !== id) });
      return cyclic.length > 0;
    };
    const anyDependencies = this.nodeList.some((n) => n.dependencies.length > 0);
    // Without depends_on the dependency graph is the down_revision graph: one check suffices.
    if (
      !check(
        this.heads,
        this.bases,
        (n) => n.parents,
        (n) => n.children,
        'cycle',
      ) &&
      anyDependencies
    ) {
      check(
        this.realHeads,
        this.realBases,
        (n) => (n.dependencies.length ? [...n.parents, ...n.dependencies] : n.parents),
        (n) => n.allChildren,
        'dependency-cycle',
      );
    }
  }

  /**
   * The members of `ids` that lie on a cycle through `next` (strongly connected components of
   * size > 1, found with an iterative Tarjan: linear time, no recursion limit).
   */
  private cycleMembers(ids: string[], next: (n: RevisionNode) => readonly string[]): Set<string> {
    const inScope = new Set(ids);
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const onStack = new Set<string>();
    const stack: string[] = [];
    const out = new Set<string>();
    let counter = 0;
    for (const root of ids) {
      if (index.has(root)) continue;
      const work: Array<{ id: string; edges: readonly string[]; i: number }> = [];
      const enter = (id: string): void => {
        index.set(id, counter);
        low.set(id, counter++);
        stack.push(id);
        onStack.add(id);
        const n = this.map.get(id);
        work.push({ id, edges: n ? next(n).filter((x) => inScope.has(x)) : [], i: 0 });
      };
      enter(root);
      while (work.length) {
        const top = work[work.length - 1];
        if (top.i < top.edges.length) {
          const w = top.edges[top.i++];
          if (!index.has(w)) enter(w);
          else if (onStack.has(w)) low.set(top.id, Math.min(low.get(top.id)!, index.get(w)!));
          continue;
        }
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1].id;
          low.set(parent, Math.min(low.get(parent)!, low.get(top.id)!));
        }
        if (low.get(top.id) === index.get(top.id)) {
          const scc: string[] = [];
          let w: string;
          do {
            w = stack.pop()!;
            onStack.delete(w);
            scc.push(w);
          } while (w !== top.id);
          if (scc.length > 1) for (const x of scc) out.add(x);
        }
      }
    }
    return out;
  }

  /** `_add_branches`: labels flow to descendants, and up from the branch to the nearest branch or merge point. */
  private addBranches(): void {
    for (const node of this.map.values()) {
      if (!node.declaredLabels.length) continue;
      let last: RevisionNode = node;
      for (const id of this.walk([node.id], (n) => n.children)) {
        const d = this.map.get(id)!;
        for (const l of node.labels) addLabel(d, l);
        last = d;
      }
      let parent: RevisionNode | undefined = last;
      const seen = new Set<string>();
      while (parent && parent.allChildren.length <= 1 && parent.downRevisions.length <= 1 && !seen.has(parent.id)) {
        seen.add(parent.id);
        for (const l of node.labels) addLabel(parent, l);
        parent = parent.parents.length ? this.map.get(parent.parents[0]) : undefined;
      }
    }
  }

  /**
   * Swaps in a re-read file whose declarations are unchanged (same `graphKey`): messages and
   * ranges update without rebuilding the graph. Returns false when the file is not a node.
   */
  replaceMigration(old: MigrationFile, next: MigrationFile): boolean {
    const id = fileRevisionId(old);
    const node = id === undefined ? undefined : this.map.get(id);
    if (!node || node.migration !== old) return false;
    node.migration = next;
    return true;
  }

  // ---- queries -------------------------------------------------------------------------

  get size(): number {
    return this.map.size;
  }

  has(id: string): boolean {
    return this.map.has(id);
  }

  get(id: string): RevisionNode | undefined {
    return this.map.get(id);
  }

  /** Nodes in load order (Alembic's map order). */
  nodes(): RevisionNode[] {
    return [...this.map.values()];
  }

  /** Nodes newest first, in the order `alembic history` lists them. */
  nodesNewestFirst(): RevisionNode[] {
    return this.topologicalSort(new Set(this.map.keys()), this.heads).map((id) => this.map.get(id)!);
  }

  /**
   * Newest first in some valid order (children before parents), in linear time: for views
   * that need an order but not Alembic's exact one (`nodesNewestFirst` is exact but costs
   * an ancestor walk per merge).
   */
  nodesChildrenFirst(): RevisionNode[] {
    const nodes = this.nodeList;
    // Children left to place per node (by load rank), and the ready stack, as typed arrays: a
    // graph answer orders every revision this way, as cold code.
    const pending = new Int32Array(nodes.length);
    const ready = new Int32Array(nodes.length);
    let top = 0;
    for (let i = 0; i < nodes.length; i++) pending[i] = nodes[i].children.length;
    for (let i = nodes.length - 1; i >= 0; i--) if (pending[i] === 0) ready[top++] = i;
    const out: RevisionNode[] = [];
    while (top) {
      const n = nodes[ready[--top]];
      out.push(n);
      for (let i = n.parents.length - 1; i >= 0; i--) {
        const r = this.rankOf(n.parents[i]);
        if (r !== undefined && --pending[r] === 0) ready[top++] = r;
      }
    }
    // Nodes on cycles never become ready: append them in load order.
    if (out.length < nodes.length) {
      const seen = new Set(out);
      for (let i = 0; i < nodes.length; i++) if (!seen.has(nodes[i])) out.push(nodes[i]);
    }
    return out;
  }

  isDuplicate(id: string): boolean {
    return this.duplicates.has(id);
  }

  isBranchPoint(id: string): boolean {
    return (this.map.get(id)?.children.length ?? 0) > 1;
  }

  isMergePoint(id: string): boolean {
    return (this.map.get(id)?.downRevisions.length ?? 0) > 1;
  }

  /** Every branch label declared in the project. */
  labels(): string[] {
    return [...this.labelOwner.keys()];
  }

  /** The revision that declares a branch label. */
  labelRevision(label: string): string | undefined {
    return this.labelOwner.get(label);
  }

  declaredLabels(id: string): string[] {
    return this.map.get(id)?.declaredLabels ?? [];
  }

  /** Labels of a revision after propagation (what `alembic heads` prints in parentheses). */
  labelsOf(id: string): string[] {
    return [...(this.map.get(id)?.labels ?? [])];
  }

  /** A revision id, or a label, resolved to a node. */
  lookup(name: string): RevisionNode | undefined {
    return this.byName(name);
  }

  /** Ancestors through `down_revision` and normalized `depends_on` (Alembic's default), the revision excluded. */
  ancestors(id: string, includeDependencies = true): Set<string> {
    const key = `${includeDependencies ? 1 : 0}${id}`;
    let hit = this.ancestorCache.get(key);
    if (!hit) {
      hit = this.walkDown(id, includeDependencies);
      hit.delete(id);
      if (this.ancestorCache.size > 2000) this.ancestorCache = new Map();
      this.ancestorCache.set(key, hit);
    }
    return hit;
  }

  /** The given revisions and everything below them (through `down_revision`, or also `depends_on`). */
  reachableFrom(ids: string[], includeDependencies = false): Set<string> {
    return new Set(this.walk(ids, (n) => (includeDependencies ? n.allChildren : n.children)));
  }

  descendants(id: string, includeDependencies = false): Set<string> {
    const out = this.reachableFrom([id], includeDependencies);
    out.delete(id);
    return out;
  }

  /** Alembic's `_shares_lineage`: one is an ancestor or descendant of (or labelled as) the other. */
  sharesLineage(target: string, against: string[], includeDependencies = false): boolean {
    const t = this.map.get(target);
    if (!t) return false;
    const ids = against.map((a) => this.byName(a)?.id).filter((x): x is string => !!x);
    if (against.some((a) => t.labels.has(a))) return true;
    const related = new Set([...this.ancestors(target, includeDependencies), ...this.descendants(target, includeDependencies), target]);
    return ids.some((i) => related.has(i));
  }

  /**
   * Alembic's `_topological_sort`: revisions come after their down revisions, walking from
   * the heads down, preferring to finish one branch before switching (newest first).
   */
  topologicalSort(todoIds: Set<string>, heads: string[]): string[] {
    const todo = new Set(todoIds);
    const idx = (id: string): number => this.rankOf(id) ?? Number.MAX_SAFE_INTEGER;
    const current = [...new Set(heads.filter((h) => todo.has(h)))].sort((a, b) => idx(a) - idx(b));
    // Ancestor sets as bitsets over the nodes' load order (a Set of ids per branch, rebuilt at
    // every merge point, made `history` quadratic in practice: 0.6 s at 5,000 revisions).
    // The edges down (parents, then normalized dependencies) as compressed rows over the load
    // order: node i's are below[from[i]…from[i+1]]. Built and walked with indexed loops: this
    // runs once per `history`, as cold code.
    const nodes = this.nodeList;
    const size = nodes.length;
    const from = new Int32Array(size + 1);
    const below: number[] = [];
    for (let i = 0; i < size; i++) {
      from[i] = below.length;
      const n = nodes[i];
      for (let j = 0; j < n.parents.length; j++) below.push(this.rankOf(n.parents[j])!);
      for (let j = 0; j < n.normalizedDependencies.length; j++) below.push(this.rankOf(n.normalizedDependencies[j])!);
    }
    from[size] = below.length;
    const stack = new Int32Array(size + 1);
    const ancestorsOf = (id: string): Uint8Array => {
      const bits = new Uint8Array(size);
      const start = this.rankOf(id);
      if (start === undefined) return bits;
      let top = 0;
      stack[top++] = start;
      bits[start] = 1;
      while (top) {
        const x = stack[--top];
        for (let k = from[x]; k < from[x + 1]; k++) {
          const p = below[k];
          if (!bits[p]) {
            bits[p] = 1;
            stack[top++] = p;
          }
        }
      }
      return bits;
    };
    const ancestorsByIdx = current.map(ancestorsOf);
    const output: string[] = [];
    let ci = 0;
    // The branch at `ci` has nothing left to walk down to.
    const dropBranch = (): void => {
      current.splice(ci, 1);
      ancestorsByIdx.splice(ci, 1);
      ci = Math.max(ci - 1, 0);
    };
    let guard = 0;
    const limit = (todo.size + 1) * (current.length + 2) * 4 + 1000;
    while (current.length && guard++ < limit) {
      const candidate = current[ci];
      const at = this.rankOf(candidate)!;
      let blocked = false;
      for (let h = 0; h < ancestorsByIdx.length; h++) {
        if (h !== ci && ancestorsByIdx[h][at]) {
          ci = h;
          blocked = true;
          break;
        }
      }
      if (blocked) continue;
      if (todo.has(candidate)) {
        output.push(candidate);
        todo.delete(candidate);
      }
      const rev = this.map.get(candidate)!;
      // The usual revision (one parent at most, no dependency): what the general step below
      // does, without its lists.
      if (rev.normalizedDependencies.length === 0 && rev.parents.length <= 1) {
        const p = rev.parents.length ? rev.parents[0] : undefined;
        if (p === undefined || !todo.has(p) || current.includes(p)) dropBranch();
        else {
          current[ci] = p;
          if (rev.downRevisions.length === 1) ancestorsByIdx[ci][at] = 0;
          else ancestorsByIdx[ci] = ancestorsOf(p);
        }
        continue;
      }
      const downs = [...new Set([...rev.parents, ...rev.normalizedDependencies])];
      const add = downs.filter((r) => todo.has(r) && !current.includes(r));
      if (!add.length) dropBranch();
      else if (!rev.normalizedDependencies.length && rev.downRevisions.length === 1) {
        current[ci] = add[0];
        ancestorsByIdx[ci][at] = 0;
      } else {
        current[ci] = add[0];
        current.push(...add.slice(1));
        ancestorsByIdx[ci] = ancestorsOf(add[0]);
        ancestorsByIdx.push(...add.slice(1).map(ancestorsOf));
      }
    }
    // Anything left (cycles, revisions unreachable from the given heads): keep load order.
    for (const id of todo) output.push(id);
    return output;
  }
}
