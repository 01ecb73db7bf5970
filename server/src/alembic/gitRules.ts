/**
 * The rules that compare the working tree with a base branch (RULES-NEXT.md): a branch's first
 * migrations revising a revision the base has moved past (`stale-down-revision`), and shipped
 * migrations whose code was changed (`edited-shipped-migration`). Pure: the git side (which
 * files were added, the base's graph, the shipped texts) is read by server/src/git/.
 */
import { ruleInfo } from './rules';
import { fileRevisionId, type RevisionGraph } from './revisionGraph';
import { firstCodeChange } from './codeLines';
import type { MigrationFile, Problem, Range, Severity } from './types';
import { ZERO_RANGE } from './types';

function severity(id: string): Severity {
  const s = ruleInfo(id)?.defaultSeverity;
  return s && s !== 'off' ? s : 'warning';
}

/** What the base branch looks like. */
export interface BaseBranch {
  /** The name the user knows it by (`main`, `origin/main`). */
  name: string;
  graph: RevisionGraph;
}

function headText(graph: RevisionGraph, id: string): string {
  const message = graph.get(id)?.migration.decls.message;
  return message ? `\`${id}\` (${message})` : `\`${id}\``;
}

/**
 * `stale-down-revision`: for each migration added on this branch (`added`: working-tree paths
 * not in the merge base) whose parent is not itself added on this branch — the branch's first
 * migrations — every `down_revision` that is not a head of the base's graph.
 */
export function staleDownRevisions(files: readonly MigrationFile[], added: ReadonlySet<string>, base: BaseBranch): Problem[] {
  if (base.graph.size === 0) return []; // the project is new on this branch: nothing to be stale against
  const addedIds = new Set(files.filter((m) => added.has(m.file)).flatMap((m) => fileRevisionId(m) ?? []));
  const baseHeads = new Set(base.graph.heads);
  const problems: Problem[] = [];
  for (const m of files) {
    if (!added.has(m.file) || m.readProblem) continue;
    const down = m.decls.downRevision?.value;
    if (down?.kind !== 'strings') continue;
    // A parent added on this branch makes this a later migration of the chain: only the first is re-pointed.
    if (down.items.some((i) => addedIds.has(i.value))) continue;
    for (const parent of down.items) {
      if (baseHeads.has(parent.value)) continue;
      const heads = base.graph.heads.map((h) => headText(base.graph, h));
      const its = heads.length === 1 ? `its head is ${heads[0]}` : `its heads are ${heads.join(', ')}`;
      problems.push({
        ruleId: 'stale-down-revision',
        severity: severity('stale-down-revision'),
        message: `${base.name} has moved on: ${its}; this migration still revises \`${parent.value}\``,
        file: m.file,
        range: parent.range,
      });
    }
  }
  return problems;
}

/** A migration's text as it shipped, and where (`main`, `tag v1.2`). */
export interface ShippedText {
  where: string;
  text: string;
}

/**
 * `edited-shipped-migration`: a migration whose code (docstring header, comments and blank
 * lines aside) differs from the version that shipped. `current` holds the working-tree texts,
 * `shipped` the shipped ones, both by working-tree path. Reported on the first changed line.
 */
export function editedShippedMigrations(current: ReadonlyMap<string, string>, shipped: ReadonlyMap<string, ShippedText>): Problem[] {
  const problems: Problem[] = [];
  for (const [file, text] of current) {
    const was = shipped.get(file);
    if (!was || was.text === text) continue;
    const line = firstCodeChange(was.text, text);
    if (line === undefined) continue;
    const lineText = text.split('\n')[line] ?? '';
    const range: Range =
      line === 0 && !lineText
        ? ZERO_RANGE
        : { start: { line, character: lineText.length - lineText.trimStart().length }, end: { line, character: lineText.replace(/\r$/, '').length } };
    problems.push({
      ruleId: 'edited-shipped-migration',
      severity: severity('edited-shipped-migration'),
      message: `This migration shipped (it is on ${was.where}) and its code was changed here: databases that already ran it will never run the new text. Revert the change and write a new migration instead.`,
      file,
      range,
    });
  }
  return problems;
}
