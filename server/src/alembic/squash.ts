/**
 * Squashing a contiguous linear range of revisions FROM..TO into one migration. Pure domain:
 * given the graph and the files' texts, it either refuses (with the reason) or plans the new
 * migration's text and the files that leave the version locations.
 *
 * The squashed migration keeps the NEWEST id of the range (TO's), so a database stamped at TO
 * or past it stays valid and TO's children keep pointing at the same id; its `down_revision` is
 * FROM's, written as FROM wrote it. It replaces TO's file at the same path (git sees TO's file
 * modified and the others removed; file order by name is unchanged). `upgrade()` runs the
 * range's upgrade bodies oldest first, `downgrade()` their downgrade bodies newest first, each
 * under a `# from <id>: <message>` comment; a body that returns early is wrapped in a local
 * function so it cannot skip the bodies after it. Imports are merged (identical statements
 * once; two files binding one name to different things is a refusal); module-level helpers are
 * kept in file order, identical ones once, and a helper whose name is already taken is renamed
 * `<name>_<id prefix>` together with every reference in its own file.
 */
import * as path from 'node:path';
import type { RevisionGraph, RevisionNode } from './revisionGraph';
import { resolveRevisionSpec } from './revisionSpec';
import type { PythonParser, SyntaxNode } from './pythonParser';
import { LineIndex } from '../text/sourceText';
import { pythonRepr } from './newRevision';
import type { AlembicProject } from './project';

/** One revision of the squashed range. */
export interface SquashedRevision {
  id: string;
  /** Absolute path of its file. */
  file: string;
  message: string;
}

/** What squashing FROM..TO writes. */
export interface SquashPlan {
  kind: 'plan';
  /** The range, oldest (FROM) first, newest (TO) last. */
  revisions: SquashedRevision[];
  /** The id the new migration declares: TO's. */
  revision: string;
  /** FROM's `down_revision`, as Python source (`None`, `'ab12'`, `('a', 'b')`). */
  downRevision: string;
  /** Where the new migration goes: TO's file. */
  file: string;
  text: string;
  /** Helpers renamed because their name was taken. */
  renamed: Array<{ revision: string; from: string; to: string }>;
}

export interface SquashRefusal {
  kind: 'refused';
  reason: string;
}

/** The revisions FROM..TO, oldest first, or why that range cannot be squashed. */
export function squashRange(graph: RevisionGraph, from: string, to: string): { kind: 'range'; ids: string[] } | SquashRefusal {
  const one = (spec: string, what: string): string | SquashRefusal => {
    const r = resolveRevisionSpec(graph, spec);
    if (r.kind === 'error') return refused(`${what} ${spec}: ${r.message}`);
    if (r.ids.length !== 1) return refused(`${what} ${spec} names ${r.ids.length ? `${r.ids.length} revisions` : 'no revision'}; give one revision`);
    return r.ids[0];
  };
  const fromId = one(from, 'FROM');
  if (typeof fromId !== 'string') return fromId;
  const toId = one(to, 'TO');
  if (typeof toId !== 'string') return toId;
  if (fromId === toId) return refused(`FROM and TO are the same revision (${fromId}): nothing to squash`);
  if (graph.ancestors(fromId, false).has(toId)) return refused(`${fromId} is newer than ${toId}: give the older revision first (FROM TO)`);
  const chain = [toId];
  let cur = graph.get(toId)!;
  while (cur.id !== fromId) {
    if (cur.downRevisions.length > 1) return refused(`the range is not linear: ${cur.id} merges ${cur.downRevisions.join(', ')}`);
    if (cur.parents.length === 0) return refused(`the range is not linear: ${fromId} is not an ancestor of ${toId} through down_revision`);
    cur = graph.get(cur.parents[0])!;
    chain.push(cur.id);
  }
  const ids = chain.reverse();
  const inside = new Set(ids);
  const issue = graph.issues.find((i) => inside.has(i.id) || (i.others ?? []).some((o) => inside.has(o)));
  if (issue) return refused(`the revision graph has a problem at ${issue.id} (${issue.kind}): run \`alembic-migrations check\` and fix it first`);
  for (const id of ids.slice(0, -1)) {
    const n = graph.get(id)!;
    if (n.children.length > 1) {
      const others = n.children.filter((c) => !inside.has(c));
      return refused(`${id} is a branch point inside the range: ${others.join(', ')} also revise${others.length === 1 ? 's' : ''} it`);
    }
  }
  const squashedAway = new Set(ids.slice(0, -1));
  for (const n of graph.nodes()) {
    if (inside.has(n.id)) continue;
    const hit = n.dependencies.find((d) => squashedAway.has(d));
    if (hit) return refused(`${n.id} depends_on ${hit}, which the squash removes (only ${toId}, the end of the range, stays)`);
  }
  return { kind: 'range', ids };
}

function refused(reason: string): SquashRefusal {
  return { kind: 'refused', reason };
}

const DECLS = new Set(['revision', 'down_revision', 'branch_labels', 'depends_on']);
/** Names the squashed module defines itself: a helper with one of them is renamed. */
const RESERVED = new Set([...DECLS, 'upgrade', 'downgrade']);

interface ModuleItem {
  kind: 'future' | 'import' | 'helper';
  /** Source text (with the comment lines directly above it, for helpers). */
  text: string;
  /** Names it binds (imports: name → what it is bound to). */
  names: string[];
  bindings?: Map<string, string>;
}

interface Body {
  /** Lines without the body's indentation; those inside a multi-line string (`verbatim`) as written. */
  lines: string[];
  verbatim: Set<number>;
  /** It has a `return` of its own: wrapped so the bodies after it still run. */
  returns: boolean;
}

interface FileParts {
  node: RevisionNode;
  message: string;
  items: ModuleItem[];
  upgrade: Body;
  downgrade: Body;
  /** Every identifier the file uses (a new name must not be one of them). */
  identifiers: Set<string>;
  /** `def upgrade() -> None:` */
  annotated: boolean;
}

class Refusal extends Error {}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function norm(s: string): string {
  return s
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
}

/** Names an assignment's target binds (`a = …`, `a, b = …`, `a: int = …`). */
function assignedNames(left: SyntaxNode | null): string[] {
  if (!left) return [];
  if (left.type === 'identifier') return [left.text];
  if (['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list'].includes(left.type)) return left.namedChildren.flatMap((c) => assignedNames(c));
  return [];
}

function importBindings(n: SyntaxNode): Map<string, string> {
  const out = new Map<string, string>();
  if (n.type === 'import_statement') {
    for (const c of n.namedChildren) {
      if (c.type === 'dotted_name') out.set(c.text.split('.')[0], `module ${c.text.split('.')[0]}`);
      else if (c.type === 'aliased_import') out.set(c.childForFieldName('alias')?.text ?? '', `module ${c.childForFieldName('name')?.text ?? ''}`);
    }
    return out;
  }
  const module = n.childForFieldName('module_name')?.text ?? '';
  for (const c of n.namedChildren) {
    if (c.startIndex === n.childForFieldName('module_name')?.startIndex) continue;
    if (c.type === 'wildcard_import') out.set('*', `from ${module} import *`);
    else if (c.type === 'dotted_name') out.set(c.text, `from ${module} import ${c.text}`);
    else if (c.type === 'aliased_import') out.set(c.childForFieldName('alias')?.text ?? '', `from ${module} import ${c.childForFieldName('name')?.text ?? ''}`);
  }
  return out;
}

/** The module-level statements of a file: imports, helpers, the two bodies. */
function splitModule(py: PythonParser, node: RevisionNode, text: string): FileParts {
  const tree = py.parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    const root = tree.rootNode;
    if (root.hasError) throw new Refusal(`${path.basename(node.migration.file)} has a syntax error`);
    const lines = new LineIndex(text);
    const lineStart = (row: number): number => lines.offsetAt({ line: row, character: 0 });
    const items: ModuleItem[] = [];
    const bodies: Partial<Record<'upgrade' | 'downgrade', Body>> = {};
    let annotated = false;
    const statements = root.namedChildren;
    statements.forEach((s, i) => {
      if (s.type === 'comment') return;
      // Comment lines directly above a helper stay with it.
      let first = s;
      for (let j = i - 1; j >= 0 && statements[j].type === 'comment' && statements[j].endPosition.row === first.startPosition.row - 1; j--)
        first = statements[j];
      const helperText = text.slice(lineStart(first.startPosition.row), s.endIndex);
      if (s.type === 'future_import_statement') items.push({ kind: 'future', text: s.text, names: [] });
      else if (s.type === 'import_statement' || s.type === 'import_from_statement') {
        const bindings = importBindings(s);
        items.push({ kind: 'import', text: s.text, names: [...bindings.keys()], bindings });
      } else if (s.type === 'expression_statement') {
        const e = s.namedChildren[0];
        if (s.namedChildren.length === 1 && (e.type === 'string' || e.type === 'concatenated_string')) return; // docstring or a bare string
        if (e.type === 'assignment') {
          const names = assignedNames(e.childForFieldName('left'));
          if (names.length === 1 && DECLS.has(names[0])) return;
          items.push({ kind: 'helper', text: helperText, names });
          return;
        }
        items.push({ kind: 'helper', text: helperText, names: [] });
      } else if (s.type === 'function_definition' && ['upgrade', 'downgrade'].includes(s.childForFieldName('name')?.text ?? '')) {
        const name = s.childForFieldName('name')!.text as 'upgrade' | 'downgrade';
        if (norm(s.childForFieldName('parameters')?.text ?? '()').replace(/\s/g, '') !== '()')
          throw new Refusal(`${name}() of ${node.id} takes parameters (a multi-database template?): squash handles plain upgrade()/downgrade() only`);
        if (s.childForFieldName('return_type')) annotated = true;
        bodies[name] = functionBody(s, text, lines);
      } else if (s.type === 'function_definition' || s.type === 'class_definition') {
        items.push({ kind: 'helper', text: helperText, names: [s.childForFieldName('name')?.text ?? ''] });
      } else if (s.type === 'decorated_definition') {
        items.push({ kind: 'helper', text: helperText, names: [s.childForFieldName('definition')?.childForFieldName('name')?.text ?? ''] });
      } else items.push({ kind: 'helper', text: helperText, names: [] });
    });
    if (!bodies.upgrade || !bodies.downgrade) throw new Refusal(`${node.id} has no module-level ${bodies.upgrade ? 'downgrade' : 'upgrade'}()`);
    const identifiers = new Set(
      root
        .descendantsOfType('identifier')
        .filter(isNameReference)
        .map((n) => n.text),
    );
    return { node, message: node.migration.decls.message, items, upgrade: bodies.upgrade, downgrade: bodies.downgrade, identifiers, annotated };
  } finally {
    tree.delete();
  }
}

/** A function's body lines, indentation removed (lines inside multi-line strings kept as they are). */
function functionBody(def: SyntaxNode, text: string, lines: LineIndex): Body {
  const block = def.childForFieldName('body')!;
  const colon = def.children.filter((c) => c.type === ':' && c.endIndex <= block.startIndex).pop();
  const headerRow = colon ? colon.endPosition.row : def.startPosition.row;
  const returns = block.descendantsOfType('return_statement').some((r) => !enclosing(r, block, ['function_definition', 'lambda', 'class_definition']));
  if (block.startPosition.row === headerRow) return { lines: [block.text.trim()], verbatim: new Set(), returns };
  const firstStmt = block.namedChildren.find((c) => c.type !== 'comment') ?? block;
  const indent = /^[ \t]*/.exec(text.slice(lines.offsetAt({ line: firstStmt.startPosition.row, character: 0 })))![0];
  const start = lines.offsetAt({ line: headerRow + 1, character: 0 });
  const protectedRows = new Set<number>();
  for (const s of block.descendantsOfType('string')) for (let r = s.startPosition.row + 1; r <= s.endPosition.row; r++) protectedRows.add(r);
  const out = text
    .slice(start, block.endIndex)
    .split('\n')
    .map((l, i) => {
      if (protectedRows.has(headerRow + 1 + i)) return l;
      if (l.trim() === '') return '';
      return l.startsWith(indent) ? l.slice(indent.length) : l.trimStart();
    });
  const verbatim = new Set<number>();
  let skipped = 0;
  while (skipped < out.length && out[skipped] === '' && !protectedRows.has(headerRow + 1 + skipped)) skipped++;
  out.forEach((_, i) => {
    if (protectedRows.has(headerRow + 1 + i)) verbatim.add(i - skipped);
  });
  return { lines: out.slice(skipped), verbatim, returns };
}

function enclosing(n: SyntaxNode, stop: SyntaxNode, types: string[]): boolean {
  for (let p = n.parent; p && p.startIndex >= stop.startIndex && !(p.startIndex === stop.startIndex && p.endIndex === stop.endIndex); p = p.parent)
    if (types.includes(p.type)) return true;
  return false;
}

/** An identifier that names something (not `x.attr`'s attribute, not `f(name=…)`'s keyword). */
function isNameReference(id: SyntaxNode): boolean {
  const p = id.parent;
  if (p?.type === 'attribute' && p.childForFieldName('attribute')?.startIndex === id.startIndex) return false;
  if (p?.type === 'keyword_argument' && p.childForFieldName('name')?.startIndex === id.startIndex) return false;
  return true;
}

/** `text` with every reference to the names in `renames` replaced (not attribute names, keyword names or imports). */
function renameIdentifiers(py: PythonParser, text: string, renames: Map<string, string>): string {
  const tree = py.parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    const edits: Array<{ start: number; end: number; name: string }> = [];
    for (const id of tree.rootNode.descendantsOfType('identifier')) {
      const to = renames.get(id.text);
      if (!to) continue;
      if (!isNameReference(id)) continue;
      if (enclosing(id, tree.rootNode, ['import_statement', 'import_from_statement'])) continue;
      edits.push({ start: id.startIndex, end: id.endIndex, name: to });
    }
    let out = text;
    for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.name + out.slice(e.end);
    return out;
  } finally {
    tree.delete();
  }
}

function identifierSafe(id: string): string {
  return id.replace(/\W/g, '_');
}

/** A Python triple-quoted docstring body: backslashes and quotes escaped. */
function docText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** The declared value's source text in a file. */
function declSource(node: RevisionNode, text: string, key: 'downRevision'): string | SquashRefusal {
  const d = node.migration.decls[key];
  if (!d) return 'None';
  if (d.value.kind === 'dynamic') return refused(`${node.id}'s down_revision is computed (${d.value.text}): squash needs a literal`);
  const lines = new LineIndex(text);
  return text.slice(lines.offsetAt(d.value.range.start), lines.offsetAt(d.value.range.end));
}

/**
 * Plans squashing FROM..TO (ids, unique prefixes or other single-revision specs; FROM the older).
 * `textOf` gives a migration file's decoded text (undefined when it cannot be read).
 */
export function planSquash(input: {
  graph: RevisionGraph;
  from: string;
  to: string;
  py: PythonParser;
  textOf: (file: string) => string | undefined;
}): SquashPlan | SquashRefusal {
  const { graph, py } = input;
  const range = squashRange(graph, input.from, input.to);
  if (range.kind === 'refused') return range;
  const nodes = range.ids.map((id) => graph.get(id)!);
  for (const n of nodes) {
    for (const k of ['downRevision', 'branchLabels', 'dependsOn'] as const) {
      const v = n.migration.decls[k]?.value;
      if (v?.kind === 'dynamic')
        return refused(
          `${n.id} computes its ${k === 'downRevision' ? 'down_revision' : k === 'branchLabels' ? 'branch_labels' : 'depends_on'} (${v.text}): squash needs literals`,
        );
    }
  }
  const texts = new Map<string, string>();
  for (const n of nodes) {
    const t = input.textOf(n.migration.file);
    if (t === undefined) return refused(`cannot read ${n.migration.file}`);
    texts.set(n.id, stripBom(t).replace(/\r\n?/g, '\n'));
  }
  const first = nodes[0];
  const last = nodes[nodes.length - 1];
  const down = declSource(first, texts.get(first.id)!, 'downRevision');
  if (typeof down !== 'string') return down;

  try {
    let parts = nodes.map((n) => splitModule(py, n, texts.get(n.id)!));
    // Imports first: every file's, so a helper never shadows a name another file imports.
    const imported = new Map<string, { what: string; id: string }>();
    for (const p of parts)
      for (const item of p.items)
        for (const [name, what] of item.bindings ?? []) {
          const had = imported.get(name);
          if (had && had.what !== what)
            throw new Refusal(`imports clash: \`${name}\` is \`${had.what}\` in ${had.id} and \`${what}\` in ${p.node.id}; import it under one name first`);
          imported.set(name, { what, id: p.node.id });
        }
    const allIdentifiers = new Set(parts.flatMap((p) => [...p.identifiers]));
    // Another file naming it without defining it means something else by it (a builtin, a
    // local): the helper is renamed so that file keeps its meaning.
    const usedUnboundElsewhere = (name: string, owner: FileParts): boolean =>
      parts.some((q) => q !== owner && q.identifiers.has(name) && !q.items.some((i) => i.names.includes(name)));
    const helperOwners = new Map<string, string>();
    const renamed: SquashPlan['renamed'] = [];
    const keptHelpers = new Map<string, Set<string>>(); // revision → helper texts kept from it
    const seenHelpers = new Set<string>();
    parts = parts.map((p) => {
      // A helper is "the same" as an earlier one only with this file's renames applied (a
      // helper reading a renamed constant is not the same any more): decided until stable.
      let renames = new Map<string, string>();
      let kept = new Set<string>();
      let owners = helperOwners;
      for (let round = 0; ; round++) {
        const next = new Map<string, string>();
        const nextKept = new Set<string>();
        const nextOwners = new Map(helperOwners);
        const seen = new Set(seenHelpers);
        for (const item of p.items) {
          if (item.kind !== 'helper') continue;
          const key = norm(renames.size ? renameIdentifiers(py, item.text, renames) : item.text);
          if (item.names.length && item.names.every((n) => nextOwners.get(n) === key)) continue; // the same helper again
          if (item.names.length === 0 && seen.has(key)) continue;
          nextKept.add(item.text);
          seen.add(key);
          for (const name of item.names) {
            if (!nextOwners.has(name) && !imported.has(name) && !RESERVED.has(name) && !usedUnboundElsewhere(name, p)) {
              nextOwners.set(name, key);
              continue;
            }
            let candidate = renames.get(name);
            if (!candidate) {
              candidate = `${name}_${identifierSafe(p.node.id.slice(0, 8))}`;
              for (let i = 2; allIdentifiers.has(candidate) || nextOwners.has(candidate) || imported.has(candidate); i++)
                candidate = `${name}_${identifierSafe(p.node.id.slice(0, 8))}_${i}`;
            }
            next.set(name, candidate);
            nextOwners.set(candidate, key);
          }
        }
        const stable = next.size === renames.size && [...next].every(([k, v]) => renames.get(k) === v);
        renames = next;
        kept = nextKept;
        owners = nextOwners;
        if (stable || round > 20) {
          for (const k of seen) seenHelpers.add(k);
          break;
        }
      }
      for (const [k, v] of owners) helperOwners.set(k, v);
      for (const [from, to] of renames) {
        allIdentifiers.add(to);
        renamed.push({ revision: p.node.id, from, to });
      }
      if (!renames.size) {
        keptHelpers.set(p.node.id, kept);
        return p;
      }
      // Rename in the whole file, then read it again: helpers and bodies come out renamed.
      const before = p.items.filter((i) => i.kind === 'helper').map((i) => i.text);
      const again = splitModule(py, p.node, renameIdentifiers(py, texts.get(p.node.id)!, renames));
      const afterHelpers = again.items.filter((i) => i.kind === 'helper').map((i) => i.text);
      keptHelpers.set(p.node.id, new Set(afterHelpers.filter((_, i) => kept.has(before[i]))));
      return again;
    });

    const futures: string[] = [];
    const imports: string[] = [];
    const helpers: string[] = [];
    for (const p of parts) {
      for (const item of p.items) {
        const list = item.kind === 'future' ? futures : item.kind === 'import' ? imports : undefined;
        if (list) {
          const key = item.text.replace(/\s+/g, ' ');
          if (!list.some((x) => x.replace(/\s+/g, ' ') === key)) list.push(item.text);
        } else if (keptHelpers.get(p.node.id)?.has(item.text)) helpers.push(`# from ${p.node.id}\n${item.text}`);
      }
    }
    const labels = unique(nodes.flatMap((n) => n.declaredLabels));
    const inside = new Set(range.ids);
    const dependsOn = unique(nodes.flatMap((n) => n.declaredDependsOn.filter((d) => !inside.has(graph.lookup(d)?.id ?? d))));
    const annotated = parts.some((p) => p.annotated) ? ' -> None' : '';
    const section = (p: FileParts, which: 'upgrade' | 'downgrade'): string[] => {
      const body = p[which];
      const head = `    # from ${p.node.id}: ${oneLine(p.message) || '(no message)'}`;
      const indented = (pad: string): string[] => body.lines.map((l, i) => (l && !body.verbatim.has(i) ? pad + l : l));
      if (!body.returns) return [head, ...indented('    ')];
      const fn = `_${which}_${identifierSafe(p.node.id)}`;
      return [head, `    def ${fn}():`, ...indented('        '), `    ${fn}()`];
    };
    const joinSections = (ss: string[][]): string => ss.map((s) => s.join('\n').replace(/\s+$/, '')).join('\n\n');
    const createDate = last.migration.decls.header.createDate?.raw;
    const revises = first.parents.length ? first.downRevisions.join(', ') : '';
    const doc = [
      `Squash of ${nodes.length} revisions: ${oneLine(first.migration.decls.message)} .. ${oneLine(last.migration.decls.message)}`,
      '',
      `Revision ID: ${last.id}`,
      `Revises: ${revises}`,
      `Create Date: ${createDate ?? ''}`,
      '',
      'Squashed revisions, oldest first:',
      ...nodes.map((n) => `- ${n.id}: ${oneLine(n.migration.decls.message)}`),
    ];
    const text = [
      `"""${docText(doc.join('\n'))}\n"""`,
      ...futures,
      ...imports,
      '',
      '',
      '# revision identifiers, used by Alembic.',
      `revision = ${pythonRepr(last.id)}`,
      `down_revision = ${down}`,
      `branch_labels = ${labels.length ? pythonRepr({ tuple: labels }) : 'None'}`,
      `depends_on = ${dependsOn.length === 0 ? 'None' : dependsOn.length === 1 ? pythonRepr(dependsOn[0]) : pythonRepr({ tuple: dependsOn })}`,
      ...(helpers.length ? ['', '', helpers.join('\n\n\n')] : []),
      '',
      '',
      `def upgrade()${annotated}:`,
      joinSections(parts.map((p) => section(p, 'upgrade'))),
      '',
      '',
      `def downgrade()${annotated}:`,
      joinSections([...parts].reverse().map((p) => section(p, 'downgrade'))),
      '',
    ].join('\n');
    return {
      kind: 'plan',
      revisions: nodes.map((n) => ({ id: n.id, file: n.migration.file, message: n.migration.decls.message })),
      revision: last.id,
      downRevision: down,
      file: last.migration.file,
      text,
      renamed,
    };
  } catch (e) {
    if (e instanceof Refusal) return refused(e.message);
    throw e;
  }
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Where the squashed files go: moved to `archive`, or deleted. */
export interface SquashFileMoves {
  kind: 'moves';
  /** Absolute archive folder (absent with `delete`). */
  archive?: string;
  /** Every file of the range, TO's included (its old text; the new one takes its path). */
  moves: Array<{ from: string; to: string }>;
  deletes: string[];
}

/**
 * The archive for a plan: `archiveDir` (absolute), else `squashed_migrations` beside the
 * script location. It must lie inside the project (the config's folder or the script
 * location's parent) and outside every version location, so Alembic never loads the old files.
 */
export function squashFileMoves(project: AlembicProject, plan: SquashPlan, opts: { archiveDir?: string; delete?: boolean }): SquashFileMoves | SquashRefusal {
  const files = plan.revisions.map((r) => r.file);
  if (opts.delete) return { kind: 'moves', moves: [], deletes: files };
  const base = project.scriptLocation ? path.dirname(project.scriptLocation) : project.rootDir;
  const archive = path.resolve(opts.archiveDir ?? path.join(base, 'squashed_migrations'));
  const within = (child: string, parent: string): boolean => {
    const rel = path.relative(parent, child);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  };
  if (!within(archive, project.rootDir) && !within(archive, base))
    return refused(`the archive ${archive} is outside the project (${project.rootDir}); squash writes only inside the project`);
  const loc = project.versionLocations.find((l) => within(archive, l));
  if (loc) return refused(`the archive ${archive} is inside the version location ${loc}: Alembic would still load the squashed files`);
  const names = new Set<string>();
  for (const f of files) {
    if (names.has(path.basename(f))) return refused(`two squashed files are named ${path.basename(f)}: they cannot share the archive folder`);
    names.add(path.basename(f));
  }
  return { kind: 'moves', archive, moves: files.map((f) => ({ from: f, to: path.join(archive, path.basename(f)) })), deletes: [] };
}
