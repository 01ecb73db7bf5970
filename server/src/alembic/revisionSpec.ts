/**
 * Revision specs as Alembic accepts them (`head`, `heads`, `base`, `current`, ids, unique
 * prefixes, `+N`/`-N`, `<rev>+N`, `<label>@head`, `<label>@+N`, ranges `a:b`), resolved the way
 * RevisionMap does, with Alembic's own error wording so messages match the CLI's `FAILED:` lines.
 */
import type { RevisionGraph } from './revisionGraph';

export type SpecResult =
  /** Resolved revisions; an empty list is `base`. */
  { kind: 'revisions'; ids: string[] } | { kind: 'error'; message: string; candidates?: string[] };

export interface SpecOptions {
  /** The database's current revisions (rows of the version table), for `current` and `+N`/`-N`. */
  current?: string[];
}

class SpecError extends Error {
  constructor(
    message: string,
    readonly candidates?: string[],
  ) {
    super(message);
  }
}

const RELATIVE = /^(?:(.+?)@)?(\w+)?([+-]\d+)$/;

const cantLocate = (id: string): SpecError => new SpecError(`Can't locate revision identified by '${id}'`);
const multipleHeads = (arg: string): SpecError =>
  new SpecError(
    `Multiple head revisions are present for given argument '${arg}'; please specify a specific target revision, '<branchname>@${arg}' to narrow to a specific head, or 'heads' for all heads`,
  );

/** Resolves one spec (not a range) to revision ids. */
export function resolveRevisionSpec(graph: RevisionGraph, spec: string, opts: SpecOptions = {}): SpecResult {
  try {
    return { kind: 'revisions', ids: new Resolver(graph, opts).resolve(spec.trim()) };
  } catch (e) {
    if (e instanceof SpecError) return { kind: 'error', message: e.message, ...(e.candidates ? { candidates: e.candidates } : {}) };
    throw e;
  }
}

/**
 * The revisions `history -r lower:upper` lists (and `upgrade lower:upper` runs), newest first,
 * as Alembic's `iterate_revisions(upper, lower, inclusive)` yields them.
 */
export function revisionsInRange(graph: RevisionGraph, lower: string, upper: string, opts: SpecOptions & { inclusive?: boolean } = {}): SpecResult {
  try {
    return { kind: 'revisions', ids: new Resolver(graph, opts).collectUpgrade(upper || 'heads', lower || 'base', opts.inclusive ?? true) };
  } catch (e) {
    if (e instanceof SpecError) return { kind: 'error', message: e.message };
    throw e;
  }
}

/** The steps `alembic upgrade <target>` runs from `current`, oldest first. */
export function upgradeSteps(graph: RevisionGraph, current: string[], target: string): SpecResult {
  try {
    const r = new Resolver(graph, { current });
    return { kind: 'revisions', ids: r.collectUpgrade(target, current.length ? current : 'base', false).reverse() };
  } catch (e) {
    if (e instanceof SpecError) return { kind: 'error', message: e.message };
    throw e;
  }
}

class Resolver {
  constructor(
    private readonly g: RevisionGraph,
    private readonly opts: SpecOptions,
  ) {}

  resolve(spec: string): string[] {
    if (spec === 'current') return [...(this.opts.current ?? [])];
    const rel = RELATIVE.exec(spec);
    if (rel) return this.relative(rel[1], rel[2], Number(rel[3]));
    return this.getRevisions(spec);
  }

  /** `_resolve_revision_number` + `_revision_for_ident`. */
  getRevisions(spec: string): string[] {
    let label: string | undefined;
    let id = spec;
    const at = spec.indexOf('@');
    if (at >= 0) {
      label = spec.slice(0, at);
      id = spec.slice(at + 1);
    }
    if (id === 'heads') return label ? this.filterForLineage(this.g.heads, label) : [...this.g.realHeads];
    if (id === 'head') {
      const heads = label ? this.filterForLineage(this.g.heads, label) : this.g.heads;
      if (heads.length > 1) throw multipleHeads(label ? `${label}@head` : 'head');
      return heads.slice(0, 1);
    }
    if (id === 'base' || id === '') {
      if (label && id === 'base') return [];
      return [];
    }
    if (/^-\d+$/.test(id)) {
      const heads = label ? this.g.realHeads.filter((h) => this.g.get(h)!.labels.has(label)) : [...this.g.realHeads];
      return heads.map((h) => this.walk(h, Number(id))).filter((x): x is string => x !== undefined && x !== 'base');
    }
    return [this.ident(id, label)];
  }

  private ident(id: string, branch?: string): string {
    const branchRev = branch ? this.resolveBranch(branch) : undefined;
    let rev = this.g.lookup(id)?.id;
    if (rev === undefined) {
      let matches = this.g
        .nodes()
        .map((n) => n.id)
        .filter((x) => x.length > 3 && x.startsWith(id));
      if (branch) matches = this.filterForLineage(matches, branch);
      if (!matches.length) throw cantLocate(id);
      if (matches.length > 1) {
        throw new SpecError(
          `Can't locate revision identified by '${id}' (ambiguous: multiple revisions start with '${id}': ${matches
            .slice(0, 3)
            .map((m) => `'${m}'`)
            .join(', ')}...)`,
          matches,
        );
      }
      rev = matches[0];
    }
    if (branch && branchRev !== undefined && !this.g.sharesLineage(rev, [branchRev])) {
      throw new SpecError(`Revision ${rev} is not a member of branch '${branch}'`);
    }
    return rev;
  }

  private resolveBranch(label: string): string {
    const byName = this.g.lookup(label);
    if (byName) return byName.id;
    try {
      return this.ident(label);
    } catch {
      throw new SpecError(`Can't locate revision identified by '${label}'`);
    }
  }

  private filterForLineage(targets: string[], against: string): string[] {
    const shares = this.g.lookup(against)
      ? [against]
      : (() => {
          try {
            return [this.ident(against)];
          } catch {
            return [against];
          }
        })();
    return targets.filter((t) => this.g.get(t)?.labels.has(against) || this.g.sharesLineage(t, shares));
  }

  /** `_walk`: steps up (> 0) or down (< 0); undefined past either end, 'base' below the first revision. */
  walk(start: string | undefined, steps: number, label?: string): string | undefined {
    let cur: string | undefined = start;
    for (let i = 0; i < Math.abs(steps); i++) {
      let next: string[];
      if (steps > 0) {
        if (cur === 'base') return undefined;
        next = cur === undefined ? this.g.bases : (this.g.get(cur)?.children ?? []);
        if (label) next = this.filterForLineage(next, label);
      } else {
        if (cur === 'base') return undefined;
        next = cur === undefined ? this.g.heads : (this.g.get(cur)?.parents ?? []);
        if (!next.length) next = ['base'];
      }
      if (!next.length) return undefined;
      if (next.length > 1) throw new SpecError('Ambiguous walk');
      cur = next[0];
    }
    return cur;
  }

  private relative(label: string | undefined, symbol: string | undefined, n: number): string[] {
    const current = this.opts.current ?? [];
    const notProduce = (): SpecError => new SpecError(`Relative revision ${n > 0 ? '+' : ''}${n} didn't produce ${Math.abs(n)} migrations`);
    if (n > 0) {
      if (symbol === undefined) {
        let starts: Array<string | undefined> = current.length ? current : [undefined];
        if (label) {
          const onBranch = current.filter((c) => this.filterForLineage([c], label).length > 0);
          starts = onBranch.length ? onBranch : [undefined];
        }
        if (starts.length > 1) throw new SpecError('Ambiguous upgrade from multiple current revisions');
        const r = this.walk(starts[0], n, label);
        if (r === undefined || r === 'base') throw notProduce();
        return [r];
      }
      const start = symbol === 'base' ? undefined : this.single(symbol);
      const r = this.walk(start, n, label);
      if (r === undefined || r === 'base') throw notProduce();
      return [r];
    }
    if (symbol === undefined) {
      // `-N` relative to the database's current revision (downgrade -1).
      if (!current.length) throw notProduce();
      if (current.length > 1) throw new SpecError('Ambiguous walk');
      const r = this.walk(current[0], n);
      if (r === undefined) throw notProduce();
      return r === 'base' ? [] : [r];
    }
    const start = this.single(label ? `${label}@${symbol}` : symbol);
    const r = this.walk(start, n);
    if (r === undefined) throw notProduce();
    return r === 'base' ? [] : [r];
  }

  private single(spec: string): string {
    const ids = this.getRevisions(spec);
    if (ids.length > 1) throw multipleHeads(spec);
    if (!ids.length) throw cantLocate(spec);
    return ids[0];
  }

  /** `_collect_upgrade_revisions` + `_topological_sort`: newest first. */
  collectUpgrade(upper: string, lower: string | string[], inclusive: boolean): string[] {
    const targets = typeof upper === 'string' && RELATIVE.test(upper) ? this.relative(...relParts(upper)) : this.getRevisions(upper);
    const current = Array.isArray(lower) ? lower : lower === 'base' || lower === '' ? [] : this.resolve(lower);
    const required = new Set<string>(targets);
    for (const t of targets) for (const a of this.g.ancestors(t)) required.add(a);
    if (current.some((c) => !required.has(c))) {
      throw new SpecError(
        `Requested range ${Array.isArray(lower) ? lower.join(',') : lower}:${upper} does not refer to ancestor/descendant revisions along the same branch`,
      );
    }
    const currentSet = new Set<string>(current);
    for (const c of current) for (const a of this.g.ancestors(c)) currentSet.add(a);
    // From base (nothing current), every required revision is needed: no copy of them.
    let needs = currentSet.size ? new Set([...required].filter((x) => !currentSet.has(x))) : required;
    if (inclusive) for (const c of current) needs.add(c);
    if (current.length) {
      const below = new Set<string>();
      for (const c of current) {
        below.add(c);
        for (const d of this.g.descendants(c)) below.add(d);
      }
      needs = new Set([...needs].filter((x) => below.has(x)));
    }
    return this.g.topologicalSort(needs, targets);
  }
}

function relParts(spec: string): [string | undefined, string | undefined, number] {
  const m = RELATIVE.exec(spec)!;
  return [m[1], m[2], Number(m[3])];
}

/** Splits `a:b` into its two ends (either may be empty), or undefined when there is no colon. */
export function splitRange(range: string): { lower: string; upper: string } | undefined {
  const i = range.indexOf(':');
  if (i < 0) return undefined;
  return { lower: range.slice(0, i).trim(), upper: range.slice(i + 1).trim() };
}
