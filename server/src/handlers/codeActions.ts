/**
 * Quick fixes and refactorings on migration files: rewrite a mismatched header, merge the
 * heads into a new revision, re-point a missing parent, generate `downgrade()`, apply a
 * rule's mechanical fix, or suppress a rule on a line or in the file.
 */
import type { CancellationToken, CodeAction, CodeActionParams, Diagnostic, TextEdit, WorkspaceEdit } from 'vscode-languageserver/node';
import { CodeActionKind } from 'vscode-languageserver/node';
import * as path from 'node:path';
import type { HandlerContext } from './context';
import type { NewRevisionParams, NewRevisionResult } from '../shared/protocol';
import { pathToUri, uriToPath } from '../uris';
import { declaredRevision, contains } from '../alembic/revisionRefs';
import { generateDowngradeBody } from '../alembic/downgradeGen';
import { renderProjectRevision } from '../alembic/newRevision';
import type { ProjectIndex } from '../alembic/projectIndex';
import type { MigrationFile, Range } from '../alembic/types';
import type { ParsedMigration } from '../alembic/migrationParser';
import { fixEdits } from '../alembic/lint';
import { suppressFileEdit, suppressLineEdit } from '../alembic/suppression';

export function codeActions(state: HandlerContext, p: CodeActionParams, token: CancellationToken): CodeAction[] | null {
  const file = uriToPath(p.textDocument.uri);
  const project = state.workspace.projectsOfFile(file)[0];
  const migration = project?.migrationFile(file);
  if (!project || !migration) return null;
  const actions: CodeAction[] = [];
  const ours = p.context.diagnostics.filter((d) => d.source === 'alembic' && typeof d.code === 'string');
  for (const d of ours) {
    if (token.isCancellationRequested) return null;
    switch (d.code) {
      case 'header-mismatch':
        actions.push(...headerFix(migration, d));
        break;
      case 'multiple-heads':
        actions.push(...(state.trusted ? mergeHeads(project, d, writeBoundary(state, project)) : untrustedMerge(d)));
        actions.push(...repointBranchRoots(state, project, d, undefined));
        break;
      case 'stale-down-revision':
        actions.push(...repointBranchRoots(state, project, d, migration));
        break;
      case 'edited-shipped-migration': {
        const git = state.gitStatus(project.project.id);
        const was = git?.kind === 'ok' ? git.facts.shipped.get(file) : undefined;
        if (was)
          actions.push({
            title: `Show the changes since it shipped (${was.where})`,
            kind: CodeActionKind.QuickFix,
            diagnostics: [d],
            command: {
              title: 'Show the changes',
              command: 'alembic.git.showShippedDiff',
              arguments: [{ uri: p.textDocument.uri, where: was.where, text: was.text }],
            },
          });
        break;
      }
      case 'missing-parent':
        actions.push(...repointParent(project, migration, d));
        break;
      case 'empty-downgrade': {
        const parsed = state.parsed(file);
        const a = parsed && generateDowngrade(parsed, p.textDocument.uri, [d]);
        if (a) actions.push(a);
        break;
      }
    }
    actions.push(...ruleFixes(state, file, p.textDocument.uri, d));
  }
  const parsed = state.parsed(file);
  if (parsed) {
    for (const d of ours) actions.push(...suppressions(state, file, parsed, p.textDocument.uri, d));
    const down = parsed.functions.find((f) => f.name === 'downgrade');
    if (down?.isEmpty && contains(down.range, p.range.start) && !ours.some((d) => d.code === 'empty-downgrade')) {
      const a = generateDowngrade(parsed, p.textDocument.uri, []);
      if (a) actions.push({ ...a, kind: CodeActionKind.Refactor });
    }
  }
  return actions;
}

function edit(uri: string, edits: TextEdit[]): WorkspaceEdit {
  return { changes: { [uri]: edits } };
}

function headerFix(m: MigrationFile, d: Diagnostic): CodeAction[] {
  const uri = pathToUri(m.file);
  const edits: TextEdit[] = [];
  const rev = declaredRevision(m.decls);
  const h = m.decls.header;
  if (rev && h.revisionId && h.revisionId.raw !== rev.value) edits.push({ range: h.revisionId.range, newText: rev.value });
  const down = m.decls.downRevision?.value;
  if (h.revises && down && down.kind !== 'dynamic') {
    const ids = down.kind === 'none' ? [] : down.items.map((i) => i.value);
    const current = h.revises.ids.map((i) => i.value);
    if ([...ids].sort().join() !== [...current].sort().join()) edits.push({ range: h.revises.range, newText: ids.join(', ') });
  }
  if (!edits.length) return [];
  return [{ title: 'Rewrite the docstring header from the code', kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: true, edit: edit(uri, edits) }];
}

/** The folder no new file may leave: the project's workspace folder, else its root. */
function writeBoundary(state: HandlerContext, project: ProjectIndex): string {
  return state.workspace.folderOfProject(project.project.id) ?? project.project.rootDir;
}

/**
 * A new merge revision for the project's current heads (as `alembic merge heads` would write
 * it), inside its first version location and `boundary` (default: the project's root).
 */
export function mergeHeadsEdit(project: ProjectIndex, now = new Date(), boundary = project.project.rootDir): { edit: WorkspaceEdit; file: string } | undefined {
  const heads = project.graph.realHeads;
  if (heads.length < 2) return undefined;
  const versionLocation = project.project.versionLocations[0];
  if (!versionLocation) return undefined;
  const created = renderProjectRevision(project, { message: `merge ${heads.join(', ')}`, parents: [...heads], versionLocation }, now, boundary);
  const uri = pathToUri(created.file);
  return {
    file: created.file,
    edit: {
      documentChanges: [
        { kind: 'create', uri, options: { ignoreIfExists: false, overwrite: false } },
        {
          textDocument: { uri, version: null },
          edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: created.text }],
        },
      ],
    },
  };
}

function mergeHeads(project: ProjectIndex, d: Diagnostic, boundary: string): CodeAction[] {
  let merge: ReturnType<typeof mergeHeadsEdit>;
  try {
    merge = mergeHeadsEdit(project, new Date(), boundary);
  } catch (e) {
    return [
      {
        title: `Cannot create a merge revision: ${(e as Error).message}`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        disabled: { reason: (e as Error).message },
      },
    ];
  }
  if (!merge) return [];
  return [
    {
      title: `Create a merge revision for heads ${project.graph.realHeads.join(', ')} (${path.basename(merge.file)})`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      isPreferred: true,
      edit: merge.edit,
    },
  ];
}

/** In Restricted Mode the merge file (written from the project's own template) is not offered. */
function untrustedMerge(d: Diagnostic): CodeAction[] {
  const reason = 'The workspace is not trusted: files are not written from its templates. Trust the workspace to create a merge revision.';
  return [{ title: 'Create a merge revision (needs a trusted workspace)', kind: CodeActionKind.QuickFix, diagnostics: [d], disabled: { reason } }];
}

function repointParent(project: ProjectIndex, m: MigrationFile, d: Diagnostic): CodeAction[] {
  const down = m.decls.downRevision?.value;
  if (down?.kind !== 'strings') return [];
  const item = down.items.find((i) => contains(i.range, d.range.start));
  if (!item) return [];
  const own = declaredRevision(m.decls)?.value;
  const g = project.graph;
  const exclude = own && g.has(own) ? new Set([own, ...g.descendants(own)]) : new Set<string>();
  const uri = pathToUri(m.file);
  return g.realHeads
    .filter((h) => !exclude.has(h))
    .map((h, i) => ({
      title: `Point down_revision at head ${h} (${g.get(h)?.migration.decls.message.split('\n')[0] ?? ''})`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      isPreferred: i === 0,
      edit: edit(uri, [item.contentRange ? { range: item.contentRange, newText: h } : { range: item.range, newText: `'${h}'` }]),
    }));
}

/**
 * *Re-point onto main's head*: the branch's first migrations (added on this branch, revising a
 * revision that is no longer a head of the base branch) get the base's head as `down_revision`
 * and in their `Revises:` header; the rest of the branch's chain is kept. `only` limits it to
 * one root (the stale-down-revision diagnostic's file); else one action per root (multiple-heads).
 */
function repointBranchRoots(state: HandlerContext, project: ProjectIndex, d: Diagnostic, only: MigrationFile | undefined): CodeAction[] {
  const git = state.gitStatus(project.project.id);
  const base = git?.kind === 'ok' ? git.facts.base : undefined;
  if (!git || git.kind !== 'ok' || !base) return [];
  const baseHeads = new Set(base.graph.heads);
  const addedIds = new Set(project.migrationFiles().flatMap((m) => (git.facts.added.has(m.file) ? (declaredRevision(m.decls)?.value ?? []) : [])));
  const roots = (only ? [only] : project.migrationFiles()).filter((m) => {
    if (!git.facts.added.has(m.file)) return false;
    const down = m.decls.downRevision?.value;
    if (down?.kind !== 'strings') return false;
    return !down.items.some((i) => addedIds.has(i.value)) && down.items.some((i) => !baseHeads.has(i.value));
  });
  const actions: CodeAction[] = [];
  for (const m of roots) {
    const down = m.decls.downRevision?.value;
    if (down?.kind !== 'strings') continue;
    const stale = only
      ? (down.items.find((i) => contains(i.range, d.range.start)) ?? down.items.find((i) => !baseHeads.has(i.value)))
      : down.items.find((i) => !baseHeads.has(i.value));
    if (!stale) continue;
    const own = declaredRevision(m.decls)?.value;
    for (const head of base.graph.heads) {
      if (head === own || !project.graph.has(head)) continue;
      const ids = down.items.map((i) => (i === stale ? head : i.value)).filter((v, k, all) => all.indexOf(v) === k);
      const edits: TextEdit[] = [stale.contentRange ? { range: stale.contentRange, newText: head } : { range: stale.range, newText: `'${head}'` }];
      if (ids.length < down.items.length) continue; // the head is already a parent: re-pointing would drop one
      const h = m.decls.header;
      if (h.revises && h.revises.ids.some((i) => i.value === stale.value)) edits.push({ range: h.revises.range, newText: ids.join(', ') });
      const message = base.graph.get(head)?.migration.decls.message.split('\n')[0];
      const name = own ?? path.basename(m.file);
      actions.push({
        title: `Re-point ${only ? 'this migration' : name} onto ${base.name}'s head ${head}${message ? ` (${message})` : ''}`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: !!only && base.graph.heads.length === 1,
        edit: edit(pathToUri(m.file), edits),
      });
    }
  }
  return actions;
}

function generateDowngrade(parsed: ParsedMigration, uri: string, diagnostics: Diagnostic[]): CodeAction | undefined {
  const down = parsed.functions.find((f) => f.name === 'downgrade');
  if (!down || !down.isEmpty) return undefined;
  const body = generateDowngradeBody(parsed);
  const start = { line: down.bodyRange.start.line, character: 0 };
  const range: Range = { start, end: down.bodyRange.end };
  return { title: 'Generate downgrade() from upgrade()', kind: CodeActionKind.QuickFix, diagnostics, edit: edit(uri, [{ range, newText: body }]) };
}

function ruleFixes(state: HandlerContext, file: string, uri: string, d: Diagnostic): CodeAction[] {
  const problem = state
    .lintProblemsOf(file)
    .find((p) => p.ruleId === d.code && p.range.start.line === d.range.start.line && p.range.start.character === d.range.start.character);
  const parsed = problem && state.parsed(file);
  if (!problem || !parsed) return [];
  return fixEdits(problem, parsed).map((f) => ({ title: f.title, kind: CodeActionKind.QuickFix, diagnostics: [d], edit: edit(uri, f.edits) }));
}

function suppressions(state: HandlerContext, file: string, parsed: ParsedMigration, uri: string, d: Diagnostic): CodeAction[] {
  const id = String(d.code);
  const problem = state
    .lintProblemsOf(file)
    .find((p) => p.ruleId === id && p.range.start.line === d.range.start.line && p.range.start.character === d.range.start.character);
  return [
    {
      title: `Suppress ${id} on this line`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      edit: edit(uri, [suppressLineEdit(parsed, id, d.range.start.line, problem?.anchorLine)]),
    },
    { title: `Suppress ${id} in this file`, kind: CodeActionKind.QuickFix, diagnostics: [d], edit: edit(uri, [suppressFileEdit(id)]) },
  ];
}

/**
 * `alembic/newRevision`: the file `alembic revision -m` / `alembic merge` would write, from the
 * project's template. Parents must be revisions of the project; nothing is written here.
 */
export function newRevision(state: HandlerContext, p: NewRevisionParams, now = new Date()): NewRevisionResult {
  if (!state.trusted)
    return { kind: 'error', message: 'The workspace is not trusted: new revisions are written from the project’s own templates only in a trusted workspace.' };
  const project = state.projectByUri(p.projectId);
  if (!project) return { kind: 'error', message: 'The project is no longer in the workspace.' };
  const unknown = p.parents.filter((id) => !project.graph.get(id));
  if (unknown.length) return { kind: 'error', message: `No migration declares ${unknown.map((u) => `'${u}'`).join(', ')}.` };
  const message = p.message.trim();
  if (!message) return { kind: 'error', message: 'A revision needs a message.' };
  const pr = project.project;
  const versionLocation = p.versionLocationUri ? uriToPath(p.versionLocationUri) : pr.versionLocations[0];
  if (!versionLocation || !pr.versionLocations.includes(versionLocation)) {
    return { kind: 'error', message: 'The project has no version location to write into (check script_location and version_locations).' };
  }
  if (p.branchLabel !== undefined && !/^[^\s@+:\-'"\\]+$/.test(p.branchLabel)) {
    return { kind: 'error', message: `'${p.branchLabel}' is not a valid branch label (no spaces or @ - + :).` };
  }
  try {
    const created = renderProjectRevision(
      project,
      {
        message,
        parents: [...p.parents],
        versionLocation,
        ...(p.branchLabel ? { branchLabels: [p.branchLabel] } : {}),
        ...(p.dependsOn?.length ? { dependsOn: [...p.dependsOn] } : {}),
      },
      now,
      writeBoundary(state, project),
    );
    return { kind: 'ok', uri: pathToUri(created.file), text: created.text, revision: created.id };
  } catch (e) {
    return { kind: 'error', message: (e as Error).message };
  }
}
