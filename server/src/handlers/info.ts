/**
 * Read-only views: hover, document and workspace symbols, and the `alembic/projects` /
 * `alembic/revisionGraph` requests.
 */
import * as path from 'node:path';
import type {
  CancellationToken,
  DocumentSymbol,
  DocumentSymbolParams,
  Hover,
  HoverParams,
  SymbolInformation,
  WorkspaceSymbolParams,
} from 'vscode-languageserver/node';
import { LSPErrorCodes, MarkupKind, ResponseError, SymbolKind } from 'vscode-languageserver/node';
import type { HandlerContext } from './context';
import { revisionGitInfo } from './git';
import { provenanceText } from '../shared/provenance';
import { isPlainPath, pathToUri, uriToPath } from '../uris';
import { declaredRevision } from '../alembic/revisionRefs';
import type { ProjectIndex } from '../alembic/projectIndex';
import type { AlembicProject } from '../alembic/project';
import { targetAt } from './navigation';
import type { ProjectInfo, RevisionGraphParams, RevisionGraphWire, RevisionRisk, RevisionRisksParams, WireRevision } from '../shared/protocol';
import { ZERO_RANGE } from '../alembic/types';
import { revisionState } from '../shared/revisionState';
import { isRiskRule, RISK_EFFECTS } from '../shared/riskEffects';
import { liveTableOf, sizeWords } from '../alembic/largeTables';
import { revisionFlags } from '../alembic/revisionFlags';
import { createDateOf, messageOf, revisionRangeOf } from '../alembic/migrationFacts';
import { quickRevisionAt } from '../alembic/quickScan';

/** Whether a revision is applied, pending or current in the project's database, when known. */
export function databaseStatus(state: HandlerContext, project: ProjectIndex, id: string): 'current' | 'applied' | 'pending' | undefined {
  const db = state.databaseState(state.projectUri(project));
  const s = revisionState(project.graph, db.kind === 'ok' ? db.revisions : undefined, id);
  return s === 'unknown' ? undefined : s;
}

/**
 * On an operation a lock or rewrite rule flags, with the database reachable: its table's live
 * size and what PostgreSQL will do ("`orders` — ~12.3M rows, 4.1 GB: full rewrite under
 * ACCESS EXCLUSIVE"). Only tables the client reported (10,000 rows and more).
 */
function liveSizeHover(state: HandlerContext, p: HoverParams): Hover | null {
  const file = uriToPath(p.textDocument.uri);
  const project = state.workspace.projectsOfFile(file)[0];
  if (!project) return null;
  const db = state.databaseState(state.projectUri(project));
  if (db.kind !== 'ok' || !db.largeTables?.length) return null;
  const at = p.position;
  const inside = (r: { start: typeof at; end: typeof at }): boolean =>
    (at.line > r.start.line || (at.line === r.start.line && at.character >= r.start.character)) &&
    (at.line < r.end.line || (at.line === r.end.line && at.character <= r.end.character));
  const tables = new Map(db.largeTables.map((t) => [t.name, t]));
  const lines: string[] = [];
  let range: Hover['range'];
  for (const problem of state.lintProblemsOf(file)) {
    if (!problem.table || !isRiskRule(problem.ruleId) || !inside(problem.range)) continue;
    const t = liveTableOf(tables, problem.table);
    if (!t) continue;
    range ??= problem.range;
    const line = `**\`${t.name}\`** — ${sizeWords(t)} in ${db.database}: ${RISK_EFFECTS[problem.ruleId]} (\`${problem.ruleId}\`)`;
    if (!lines.includes(line)) lines.push(line);
  }
  return lines.length ? { ...(range ? { range } : {}), contents: { kind: MarkupKind.Markdown, value: lines.join('\n\n') } } : null;
}

export function hover(state: HandlerContext, p: HoverParams, _token: CancellationToken): Hover | null {
  const t = targetAt(state, p.textDocument.uri, p.position);
  if (!t?.ref || !t.id) return liveSizeHover(state, p);
  const node = t.project.graph.get(t.id);
  if (!node) {
    return {
      range: t.ref.ref.range,
      contents: { kind: MarkupKind.Markdown, value: `**Unknown revision** \`${t.ref.ref.value}\`: no migration in this project declares it.` },
    };
  }
  const d = node.migration.decls;
  const flags = revisionFlags(t.project.graph, t.id);
  const status = databaseStatus(state, t.project, t.id);
  const rel = path.relative(t.project.project.rootDir, node.migration.file);
  const lines = [
    `**${escapeMd(d.message || '(no message)')}**`,
    '',
    `\`${t.id}\`${flags.length ? ' · ' + flags.join(' · ') : ''}${status ? ` · **${status}** in the database` : ''}`,
    '',
    `- File: [${escapeMd(rel)}](${pathToUri(node.migration.file)})`,
  ];
  if (d.header.createDate?.raw) lines.push(`- Created: ${escapeMd(d.header.createDate.raw)}`);
  lines.push(`- Parents: ${node.parents.length ? node.parents.map((x) => `\`${x}\``).join(', ') : '(base)'}`);
  lines.push(`- Children: ${node.children.length ? node.children.map((x) => `\`${x}\``).join(', ') : '(none: head)'}`);
  const labels = t.project.graph.labelsOf(t.id);
  if (labels.length) lines.push(`- Branch labels: ${labels.map((l) => `\`${l}\``).join(', ')}`);
  if (node.dependencies.length) lines.push(`- Depends on: ${node.dependencies.map((x) => `\`${x}\``).join(', ')}`);
  const git = state.gitStatus(t.project.project.id);
  if (git?.kind === 'ok') {
    lines.push(`- Git: ${escapeMd(provenanceText(revisionGitInfo(git.facts, node.migration.file), git.facts.base?.name))}`);
  }
  // The client trusts this one command in hovers (languageClient.ts: markdown.isTrusted.enabledCommands).
  const args = encodeURIComponent(JSON.stringify([{ projectId: state.projectUri(t.project), revision: t.id }]));
  lines.push('', `[Show in graph](command:alembic.showGraph?${args} "${t.id} in the revision graph")`);
  return { range: t.ref.ref.range, contents: { kind: MarkupKind.Markdown, value: lines.join('\n') } };
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_[\]<>]/g, (c) => '\\' + c);
}

export function documentSymbols(state: HandlerContext, p: DocumentSymbolParams): DocumentSymbol[] | null {
  const file = uriToPath(p.textDocument.uri);
  if (state.workspace.projectsOfFile(file).length === 0) return null;
  const parsed = state.parsed(file);
  if (!parsed) return null;
  const out: DocumentSymbol[] = [];
  const rev = declaredRevision(parsed.decls);
  if (rev && parsed.decls.revision) {
    out.push({
      name: `revision ${rev.value}`,
      detail: parsed.decls.message,
      kind: SymbolKind.Constant,
      range: { start: parsed.decls.revision.nameRange.start, end: rev.range.end },
      selectionRange: rev.range,
    });
  }
  for (const fn of parsed.functions) {
    const children: DocumentSymbol[] = parsed.calls
      .filter((c) => c.functionName === fn.name && /^(op|batch_op)\./.test(c.call.callee))
      .map((c) => ({ name: c.call.callee, detail: firstStringArg(c.call), kind: SymbolKind.Method, range: c.call.range, selectionRange: c.call.func.range }));
    out.push({ name: fn.name, detail: fn.parameters, kind: SymbolKind.Function, range: fn.range, selectionRange: fn.nameRange, children });
  }
  return out;
}

function firstStringArg(call: { args: Array<{ value: { kind: string; value?: string } }> }): string {
  const s = call.args.find((a) => a.value.kind === 'string');
  return s?.value.value ?? '';
}

export function workspaceSymbols(state: HandlerContext, p: WorkspaceSymbolParams, token: CancellationToken): SymbolInformation[] | null {
  const q = p.query.trim().toLowerCase();
  const words = q.split(/\s+/).filter(Boolean);
  const out: SymbolInformation[] = [];
  for (const project of state.workspace.allProjects()) {
    for (const node of project.graph.nodesChildrenFirst()) {
      if (token.isCancellationRequested) return null;
      const message = messageOf(node.migration);
      const msg = message.toLowerCase();
      const match = !q || node.id.toLowerCase().startsWith(q) || words.every((w) => msg.includes(w));
      if (!match) continue;
      out.push({
        name: `${node.id} ${message.split('\n')[0]}`,
        kind: SymbolKind.Constant,
        location: { uri: pathToUri(node.migration.file), range: revisionRangeOf(node.migration) ?? ZERO_RANGE },
        containerName: project.project.name,
      });
      if (out.length >= 500) return out;
    }
  }
  return out;
}

export function projects(state: HandlerContext): ProjectInfo[] {
  return state.workspace.allProjects().map((index) => projectInfo(index.project, index.graph.size, index.generation));
}

/**
 * `alembic/projects` while the projects are still being read at start-up: answered from
 * their graph snapshots when every project has one that matches the disk, else undefined.
 */
export function projectsFromSnapshots(state: HandlerContext): ProjectInfo[] | undefined {
  const out: ProjectInfo[] = [];
  for (const p of state.startupProjects) {
    const g = state.snapshotGraph(p.id);
    if (!g) return undefined;
    out.push(projectInfo(p, g.nodes.length, g.generation));
  }
  return out;
}

/** `alembic/revisionGraph` at start-up from the project's snapshot, if it has one that matches the disk. */
export function revisionGraphFromSnapshot(state: HandlerContext, params: RevisionGraphParams): RevisionGraphWire | undefined {
  const g = state.snapshotGraph(uriToPath(params.projectId));
  return g && { ...g, projectId: params.projectId };
}

function projectInfo(p: AlembicProject, revisionCount: number, generation: number): ProjectInfo {
  return {
    id: pathToUri(p.id),
    name: p.name,
    configUri: pathToUri(p.configFile),
    configKind: p.configKind,
    ...(p.iniFile ? { iniUri: pathToUri(p.iniFile) } : {}),
    rootUri: pathToUri(p.rootDir),
    ...(p.scriptLocation ? { scriptLocationUri: pathToUri(p.scriptLocation) } : {}),
    versionLocationUris: p.versionLocations.map(pathToUri),
    ...(p.fileTemplate ? { fileTemplate: p.fileTemplate } : {}),
    hasSqlalchemyUrl: !!p.sqlalchemyUrl,
    revisionCount,
    generation,
    problems: p.problems.map((pr) => ({ ruleId: pr.ruleId, severity: pr.severity, message: pr.message, uri: pathToUri(pr.file), range: pr.range })),
  };
}

export function revisionGraph(state: HandlerContext, params: RevisionGraphParams, token: CancellationToken): RevisionGraphWire | null {
  const project = state.projectByUri(params.projectId);
  return project ? { ...graphResult(state, project, token), projectId: params.projectId } : null;
}

/** What `alembic/revisionGraph` answers for a project (and what its snapshot saves). */
export function graphResult(state: HandlerContext, project: ProjectIndex, token?: CancellationToken): RevisionGraphWire {
  const g = project.graph;
  const nodes: WireRevision[] = [];
  // Files are sent relative to their version location's URI.
  const locations: string[] = [];
  const locationIndex = new Map<string, number>();
  const locationOf = (uri: string): number => {
    const dir = uri.slice(0, uri.lastIndexOf('/') + 1);
    let i = locationIndex.get(dir);
    if (i === undefined) {
      i = locations.push(dir) - 1;
      locationIndex.set(dir, i);
    }
    return i;
  };
  for (const loc of project.project.versionLocations) locationOf(`${pathToUri(loc)}/`);
  // A plain path's URI is `file://` and the path (uris.ts): its file relative to its folder's
  // URI is its base name, with no URI built per revision. The last folder seen is remembered.
  let lastDir = '';
  let lastLoc = 0;
  let n = 0;
  for (const node of g.nodesChildrenFirst()) {
    if ((++n & 255) === 0 && token?.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
    const m = node.migration;
    let loc: number;
    let file: string;
    if (lastDir && m.file.startsWith(lastDir) && m.file.indexOf('/', lastDir.length) < 0 && isPlainPath(m.file)) {
      loc = lastLoc;
      file = m.file.slice(lastDir.length);
    } else {
      const uri = pathToUri(m.file);
      loc = locationOf(uri);
      file = uri.slice(locations[loc].length);
      if (isPlainPath(m.file)) {
        lastDir = m.file.slice(0, m.file.lastIndexOf('/') + 1);
        lastLoc = loc;
      }
    }
    const q = m.quick;
    let at: WireRevision['at'];
    if (q) at = quickRevisionAt(q);
    else {
      const r = revisionRangeOf(m) ?? ZERO_RANGE;
      at = r.start.line === r.end.line ? [r.start.line, r.start.character, r.end.character] : [r.start.line, r.start.character, r.end.line, r.end.character];
    }
    const w: WireRevision = { id: node.id, message: messageOf(m), file, at };
    const createDate = createDateOf(m);
    if (createDate) w.createDate = createDate;
    if (loc) w.loc = loc;
    if (node.parents.length) w.parents = node.parents;
    if (node.children.length) w.children = node.children;
    if (node.labels.size) w.labels = g.labelsOf(node.id);
    if (node.dependencies.length) w.dependencies = node.dependencies;
    const flags = revisionFlags(g, node.id);
    if (flags.length) w.flags = flags;
    nodes.push(w);
  }
  if (token?.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
  return { projectId: state.projectUri(project), generation: project.generation, locations, nodes, heads: [...g.heads], bases: [...g.bases] };
}

/** `alembic/revisionRisks`: the flagged operations of the revisions a run is about to apply. */
export function revisionRisks(state: HandlerContext, p: RevisionRisksParams): RevisionRisk[] {
  const project = state.projectByUri(p.projectId);
  if (!project) return [];
  const out: RevisionRisk[] = [];
  for (const id of p.revisions) {
    const node = project.graph.get(id);
    if (!node) continue;
    for (const problem of state.lintProblemsOf(node.migration.file)) {
      if (!isRiskRule(problem.ruleId)) continue;
      out.push({
        revision: id,
        ruleId: problem.ruleId,
        severity: problem.severity,
        message: problem.message,
        ...(problem.table ? { table: problem.table } : {}),
      });
    }
  }
  return out;
}
