/**
 * The "Revision graph" rules of RULES.md: problems that need the whole project to see
 * (missing parents, duplicates, cycles, several heads, unknown dependencies) and the per-file
 * checks of what a migration declares (ids, header, computed values, unreadable files).
 */
import { ruleInfo } from './rules';
import { fileRevisionId, type RevisionGraph } from './revisionGraph';
import type { Declaration, MigrationFile, Problem, Range, Severity, StringRef } from './types';
import { ZERO_RANGE } from './types';
import { messageOf } from './migrationFacts';

function severity(id: string): Severity {
  const s = ruleInfo(id)?.defaultSeverity;
  return s && s !== 'off' ? s : 'warning';
}

function problem(ruleId: string, file: string, range: Range, message: string, related?: Problem['related']): Problem {
  return { ruleId, severity: severity(ruleId), message, file, range, ...(related?.length ? { related } : {}) };
}

function items(d: Declaration | undefined): StringRef[] {
  return d?.value.kind === 'strings' ? d.value.items : [];
}

/** The range of the string naming `name` in a declaration (the whole value when not found). */
function rangeOfName(d: Declaration | undefined, name: string): Range {
  return items(d).find((i) => i.value === name)?.range ?? d?.value.range ?? ZERO_RANGE;
}

function revisionRange(m: MigrationFile): Range {
  return m.decls.revision?.value.range ?? m.decls.revision?.nameRange ?? ZERO_RANGE;
}

const ILLEGAL = /[@\-+:\s]/;

/** Per-file problems, cached by file object: an edit replaces the object, so only it is re-checked. */
const fileProblemCache = new WeakMap<MigrationFile, Problem[]>();
const NO_PROBLEMS: Problem[] = [];

/** Problems of one file that need no graph. */
export function fileProblems(m: MigrationFile): Problem[] {
  // The fast path saw a valid id and a header that agrees: nothing to check with ranges.
  if (m.quick?.clean) return NO_PROBLEMS;
  let hit = fileProblemCache.get(m);
  if (!hit) {
    hit = computeFileProblems(m);
    fileProblemCache.set(m, hit);
  }
  return hit;
}

function computeFileProblems(m: MigrationFile): Problem[] {
  const out: Problem[] = [];
  if (m.readProblem) return [problem('unparsable-migration', m.file, ZERO_RANGE, `Not a readable migration: ${m.readProblem}.`)];
  const d = m.decls;
  if (d.syntaxError) return [problem('unparsable-migration', m.file, d.syntaxError.range, d.syntaxError.message)];
  if (!d.revision) {
    out.push(
      problem(
        'unparsable-migration',
        m.file,
        ZERO_RANGE,
        'This file is in a versions folder but declares no `revision = "…"`, so Alembic cannot load it. Add the revision identifiers or move the file out of the versions folder.',
      ),
    );
  }
  for (const [name, decl] of [
    ['revision', d.revision],
    ['down_revision', d.downRevision],
    ['branch_labels', d.branchLabels],
    ['depends_on', d.dependsOn],
  ] as const) {
    if (decl?.value.kind === 'dynamic') {
      out.push(
        problem(
          'dynamic-revision-value',
          m.file,
          decl.value.range,
          `\`${name}\` is computed (\`${decl.value.text.slice(0, 60)}\`), so it cannot be resolved without running Python; links and graph checks skip it.`,
        ),
      );
    }
  }
  const rev = d.revision?.value;
  if (rev?.kind === 'strings') {
    if (rev.items.length !== 1) {
      out.push(problem('invalid-revision-id', m.file, rev.range, '`revision` must be a single string.'));
    } else {
      const id = rev.items[0].value;
      if (id === '' || ILLEGAL.test(id)) {
        out.push(
          problem(
            'invalid-revision-id',
            m.file,
            rev.items[0].range,
            id === ''
              ? 'The revision id is empty.'
              : `Revision id '${id}' contains ${[...new Set(id.match(/[@\-+:\s]/g))].map((c) => (c.trim() ? `'${c}'` : 'whitespace')).join(', ')}; Alembic reserves @ - + : for revision specs.`,
          ),
        );
      }
    }
  }
  // The header is documentation Alembic never reads: trust the code, report the drift.
  const id = fileRevisionId(m);
  const hId = d.header.revisionId;
  if (id !== undefined && hId && hId.ids.length && hId.ids[0].value !== id) {
    out.push(problem('header-mismatch', m.file, hId.range, `The docstring says Revision ID ${hId.ids[0].value}, but the code declares revision = '${id}'.`));
  }
  const down = d.downRevision?.value;
  if (d.header.revises && down && down.kind !== 'dynamic') {
    const code = down.kind === 'none' ? [] : down.items.map((i) => i.value);
    const header = d.header.revises.ids.map((i) => i.value);
    if ([...code].sort().join('\u0000') !== [...header].sort().join('\u0000')) {
      out.push(
        problem(
          'header-mismatch',
          m.file,
          d.header.revises.range,
          `The docstring says Revises: ${header.join(', ') || '(nothing)'}, but the code declares down_revision = ${code.length ? code.join(', ') : 'None'}.`,
        ),
      );
    }
  }
  return out;
}

/** Every graph-rule problem of a project (per-file checks included). */
export function graphProblems(g: RevisionGraph, files: MigrationFile[]): Problem[] {
  const out: Problem[] = [];
  // Indexed, and no spread of the (usually empty) list: this runs once per file as cold code.
  for (let i = 0; i < files.length; i++) {
    const found = fileProblems(files[i]);
    for (let j = 0; j < found.length; j++) out.push(found[j]);
  }
  const fileOf = (id: string): MigrationFile | undefined => g.get(id)?.migration;
  for (const issue of g.issues) {
    const m = fileOf(issue.id);
    switch (issue.kind) {
      case 'missing-parent':
        if (m)
          out.push(
            problem(
              'missing-parent',
              m.file,
              rangeOfName(m.decls.downRevision, issue.name!),
              `down_revision names '${issue.name}', which no migration in this project declares: Alembic fails with "Can't locate revision identified by '${issue.name}'". Point it at an existing revision (the current head is the usual choice) or restore the missing file.`,
            ),
          );
        break;
      case 'unknown-dependency':
        if (m)
          out.push(
            problem(
              'unknown-dependency',
              m.file,
              rangeOfName(m.decls.dependsOn, issue.name!),
              `depends_on names '${issue.name}', which is neither a revision nor a branch label of this project.`,
            ),
          );
        break;
      case 'duplicate': {
        const decls = files.filter((f) => fileRevisionId(f) === issue.id);
        for (const f of decls) {
          const others = decls.filter((o) => o !== f);
          out.push(
            problem(
              'duplicate-revision',
              f.file,
              revisionRange(f),
              `Revision id '${issue.id}' is also declared in ${others.map((o) => o.file.split(/[\\/]/).pop()).join(', ')}; Alembic keeps only one of them. Give one file a fresh id.`,
              others.map((o) => ({ file: o.file, range: revisionRange(o), message: `'${issue.id}' also declared here` })),
            ),
          );
        }
        break;
      }
      case 'label-reused':
        if (m)
          out.push(
            problem(
              'duplicate-revision',
              m.file,
              rangeOfName(m.decls.branchLabels, issue.name!),
              `Branch label '${issue.name}' is already used by revision ${issue.others![0]}; Alembic refuses to load the project.`,
              issue.others!.map((o) => ({ file: fileOf(o)!.file, range: revisionRange(fileOf(o)!), message: `'${issue.name}' first used here` })),
            ),
          );
        break;
      case 'self-reference':
        if (m) out.push(problem('revision-cycle', m.file, revisionRange(m), `Revision '${issue.id}' names itself as a parent or dependency.`));
        break;
      case 'cycle':
      case 'dependency-cycle': {
        if (!m) break;
        const members = [issue.id, ...(issue.others ?? [])];
        out.push(
          problem(
            'revision-cycle',
            m.file,
            m.decls.downRevision?.value.range ?? revisionRange(m),
            `Revision '${issue.id}' is part of a ${issue.kind === 'cycle' ? 'down_revision' : 'depends_on'} cycle: ${members.join(' → ')}. Alembic cannot order these migrations.`,
            (issue.others ?? [])
              .map((o) => fileOf(o))
              .filter((f): f is MigrationFile => !!f)
              .map((f) => ({ file: f.file, range: revisionRange(f), message: 'also in the cycle' })),
          ),
        );
        break;
      }
    }
  }
  out.push(...multipleHeads(g));
  return out;
}

/**
 * More than one head that is not the only head of its own labelled branch: `alembic upgrade
 * head` fails. Heads that each carry a branch label no other head carries are independent
 * branches on purpose (e.g. one graph per version location) and are fine.
 */
function multipleHeads(g: RevisionGraph): Problem[] {
  // A head cut off by a missing parent is reported as missing-parent, not as another head.
  const broken = [...new Set(g.issues.filter((i) => i.kind === 'missing-parent').map((i) => i.id))];
  // One walk down from the broken revisions finds every head they cut off.
  const cutOff = broken.length ? g.reachableFrom(broken) : undefined;
  const heads = cutOff ? g.realHeads.filter((h) => !cutOff.has(h)) : g.realHeads;
  if (heads.length < 2) return [];
  const labelCount = new Map<string, number>();
  for (const h of heads) for (const l of g.get(h)!.labels) labelCount.set(l, (labelCount.get(l) ?? 0) + 1);
  const independent = (h: string): boolean => [...g.get(h)!.labels].some((l) => labelCount.get(l) === 1);
  const offending = heads.filter((h) => !independent(h));
  if (offending.length < 2) return [];
  const list = offending.map((h) => `${h} (${messageOf(g.get(h)!.migration).split('\n')[0]})`).join(', ');
  return offending.map((h) => {
    const m = g.get(h)!.migration;
    return problem(
      'multiple-heads',
      m.file,
      revisionRange(m),
      `This project has ${offending.length} heads: ${list}. \`alembic upgrade head\` fails until they are merged; create a merge revision (quick fix) or run \`alembic merge heads\`.`,
      offending.filter((o) => o !== h).map((o) => ({ file: g.get(o)!.migration.file, range: revisionRange(g.get(o)!.migration), message: `head ${o}` })),
    );
  });
}
