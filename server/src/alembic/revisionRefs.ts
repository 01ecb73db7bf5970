/**
 * Where revision ids are written in a migration: the declarations' string literals and the
 * docstring header. Navigation (definition, references, rename, completion) works on these.
 */
import type { MigrationDeclarations, Position, Range, StringRef } from './types';

export type RevisionRefRole = 'revision' | 'down_revision' | 'depends_on' | 'branch_labels' | 'header-revision-id' | 'header-revises';

export interface RevisionRef {
  role: RevisionRefRole;
  ref: StringRef;
}

/** Every revision-id (or label) string in a file's declarations and header, in source order. */
export function revisionRefs(d: MigrationDeclarations): RevisionRef[] {
  const out: RevisionRef[] = [];
  const add = (role: RevisionRefRole, refs: StringRef[] | undefined): void => {
    for (const ref of refs ?? []) out.push({ role, ref });
  };
  const items = (decl: MigrationDeclarations['revision']): StringRef[] | undefined => (decl?.value.kind === 'strings' ? decl.value.items : undefined);
  add('header-revision-id', d.header.revisionId?.ids);
  add('header-revises', d.header.revises?.ids);
  add('revision', items(d.revision));
  add('down_revision', items(d.downRevision));
  add('branch_labels', items(d.branchLabels));
  add('depends_on', items(d.dependsOn));
  return out;
}

export function contains(range: Range, pos: Position): boolean {
  const afterStart = pos.line > range.start.line || (pos.line === range.start.line && pos.character >= range.start.character);
  const beforeEnd = pos.line < range.end.line || (pos.line === range.end.line && pos.character <= range.end.character);
  return afterStart && beforeEnd;
}

/** The revision reference under the cursor, if any. */
export function revisionRefAt(d: MigrationDeclarations, pos: Position): RevisionRef | undefined {
  return revisionRefs(d).find((r) => contains(r.ref.range, pos));
}

/**
 * The id part of a reference's value: `label@head` names the label, `abc@head`… names `abc`;
 * plain ids are returned unchanged.
 */
export function referencedName(value: string): string {
  const at = value.indexOf('@');
  return at >= 0 ? value.slice(0, at) : value;
}

/** The declared revision id of a file, when it is a single literal. */
export function declaredRevision(d: MigrationDeclarations): StringRef | undefined {
  const v = d.revision?.value;
  return v?.kind === 'strings' && v.items.length === 1 ? v.items[0] : undefined;
}
