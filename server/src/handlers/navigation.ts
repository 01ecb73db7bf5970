/**
 * Revision navigation: definition, references, rename, completion — each a short function
 * over the server state and the pure revision-reference helpers.
 */
import type {
  CancellationToken,
  CompletionItem,
  CompletionParams,
  DefinitionParams,
  Location,
  PrepareRenameParams,
  Range,
  ReferenceParams,
  RenameParams,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver/node';
import { CompletionItemKind, ResponseError } from 'vscode-languageserver/node';
import type { HandlerContext } from './context';
import { pathToUri, uriToPath } from '../uris';
import { contains, declaredRevision, referencedName, revisionRefAt, revisionRefs, type RevisionRef } from '../alembic/revisionRefs';
import type { ProjectIndex } from '../alembic/projectIndex';
import type { MigrationFile } from '../alembic/types';

/** The project, migration and reference under the cursor. */
export interface Target {
  project: ProjectIndex;
  migration: MigrationFile;
  ref?: RevisionRef;
  /** The revision id the reference resolves to (labels resolved to their revision). */
  id?: string;
}

export function targetAt(state: HandlerContext, uri: string, position: { line: number; character: number }): Target | undefined {
  const file = uriToPath(uri);
  for (const project of state.workspace.projectsOfFile(file)) {
    const migration = project.migrationFile(file);
    if (!migration) continue;
    const ref = revisionRefAt(migration.decls, position);
    if (!ref) return { project, migration };
    const name = referencedName(ref.ref.value);
    const graph = project.graph;
    const id = ref.role === 'branch_labels' ? graph.labelRevision(name) : graph.has(name) ? name : (graph.labelRevision(name) ?? name);
    return { project, migration, ref, id };
  }
  return undefined;
}

/** The `revision = '…'` literal of a revision's file, as a location. */
export function revisionLocation(project: ProjectIndex, id: string): Location | undefined {
  const node = project.graph.get(id);
  if (!node) return undefined;
  const decl = declaredRevision(node.migration.decls);
  return decl ? { uri: pathToUri(node.migration.file), range: decl.range } : undefined;
}

export function definition(state: HandlerContext, p: DefinitionParams, _token: CancellationToken): Location | null {
  const t = targetAt(state, p.textDocument.uri, p.position);
  if (!t?.id) return null;
  return revisionLocation(t.project, t.id) ?? null;
}

/** Every place a revision id is written: its declaration (when asked), header mentions, children's `down_revision`, dependents' `depends_on`. */
export function referencesTo(project: ProjectIndex, id: string, includeDeclaration: boolean): Location[] {
  const out: Location[] = [];
  const node = project.graph.get(id);
  const labels = new Set(node ? project.graph.declaredLabels(id) : []);
  for (const m of project.migrationFiles()) {
    for (const r of revisionRefs(m.decls)) {
      const name = referencedName(r.ref.value);
      const hit = name === id || (labels.has(name) && r.role !== 'branch_labels');
      if (!hit) continue;
      if (!includeDeclaration && (r.role === 'revision' || r.role === 'header-revision-id') && name === id) continue;
      out.push({ uri: pathToUri(m.file), range: r.ref.range });
    }
  }
  return out;
}

export function references(state: HandlerContext, p: ReferenceParams, token: CancellationToken): Location[] | null {
  const t = targetAt(state, p.textDocument.uri, p.position);
  if (!t) return null;
  const id = t.id ?? declaredRevision(t.migration.decls)?.value;
  if (!id || token.isCancellationRequested) return null;
  return referencesTo(t.project, id, p.context.includeDeclaration);
}

export function prepareRename(state: HandlerContext, p: PrepareRenameParams): { range: Range; placeholder: string } | null {
  const t = targetAt(state, p.textDocument.uri, p.position);
  if (!t?.ref || !t.id || t.ref.role === 'branch_labels' || !t.project.graph.get(t.id)) {
    throw new ResponseError(0, 'Put the cursor on a revision id (in revision, down_revision, depends_on or the docstring header) to rename it.');
  }
  const range = t.ref.ref.contentRange ?? t.ref.ref.range;
  return { range, placeholder: t.id };
}

const ILLEGAL_ID = /[@\-+:\s]|^$/;

export function rename(state: HandlerContext, p: RenameParams): WorkspaceEdit | null {
  const t = targetAt(state, p.textDocument.uri, p.position);
  if (!t?.id || !t.project.graph.get(t.id)) return null;
  const newId = p.newName.trim();
  if (ILLEGAL_ID.test(newId))
    throw new ResponseError(0, `'${p.newName}' is not a valid revision id: it must be non-empty and contain none of @ - + : or whitespace.`);
  if (newId !== t.id && t.project.graph.get(newId)) throw new ResponseError(0, `Revision '${newId}' already exists in this project.`);
  return renameEdit(t.project, t.id, newId);
}

/** One workspace edit renaming a revision id everywhere it is written (declaration, references, headers). */
export function renameEdit(project: ProjectIndex, oldId: string, newId: string): WorkspaceEdit {
  const changes: Record<string, TextEdit[]> = {};
  for (const m of project.migrationFiles()) {
    for (const r of revisionRefs(m.decls)) {
      if (r.role === 'branch_labels') continue;
      const v = r.ref.value;
      const name = referencedName(v);
      if (name !== oldId) continue;
      const suffix = v.slice(name.length);
      const edit: TextEdit = r.ref.contentRange
        ? { range: r.ref.contentRange, newText: newId + suffix }
        : { range: r.ref.range, newText: `'${newId}${suffix}'` };
      (changes[pathToUri(m.file)] ??= []).push(edit);
    }
  }
  return { changes };
}

export function completion(state: HandlerContext, p: CompletionParams, token: CancellationToken): CompletionItem[] | null {
  const file = uriToPath(p.textDocument.uri);
  const project = state.workspace.projectsOfFile(file)[0];
  const migration = project?.migrationFile(file);
  if (!project || !migration) return null;
  const d = migration.decls;
  const inDecl = [d.downRevision, d.dependsOn].some((decl) => decl && contains(decl.value.range, p.position));
  if (!inDecl) return null;
  const own = declaredRevision(d)?.value;
  const graph = project.graph;
  const heads = new Set(graph.heads);
  const items: CompletionItem[] = [];
  let i = 0;
  for (const node of graph.nodesChildrenFirst()) {
    if (token.isCancellationRequested) return null;
    if (node.id === own) continue;
    const head = heads.has(node.id);
    items.push({
      label: node.id,
      kind: CompletionItemKind.Reference,
      detail: [head ? 'head' : '', node.migration.decls.header.createDate?.raw ?? ''].filter(Boolean).join(' · '),
      documentation: node.migration.decls.message,
      sortText: `${head ? 0 : 1}${String(i++).padStart(6, '0')}`,
      filterText: `${node.id} ${node.migration.decls.message}`,
    });
  }
  for (const label of graph.labels()) {
    items.push({ label, kind: CompletionItemKind.Constant, detail: `branch label → ${graph.labelRevision(label)}`, sortText: `2${label}` });
    items.push({ label: `${label}@head`, kind: CompletionItemKind.Constant, detail: 'head of the labelled branch', sortText: `3${label}` });
  }
  return items;
}
