/**
 * `alembic/squashPlan`: the squash of FROM..TO as text and file moves, over the same pure
 * planner as the CLI (alembic/squash.ts). Open editors' text counts; nothing is written here.
 */
import * as fs from 'node:fs';
import type { SquashPlanParams, SquashPlanResult } from '../shared/protocol';
import type { HandlerContext } from './context';
import { planSquash, squashFileMoves } from '../alembic/squash';
import { loadPythonParser } from '../alembic/pythonParser';
import { decodeSource, readSourceBytes } from '../alembic/migrationFile';
import { pathToUri } from '../uris';

export async function squashPlan(state: HandlerContext, p: SquashPlanParams): Promise<SquashPlanResult> {
  const index = state.projectByUri(p.projectId);
  if (!index) return { kind: 'refused', message: 'The project is no longer in the workspace.' };
  const py = await loadPythonParser();
  const plan = planSquash({
    graph: index.graph,
    from: p.from,
    to: p.to,
    py,
    textOf: (file) => {
      const open = state.parsed(file)?.text;
      if (open !== undefined) return open;
      try {
        return decodeSource(readSourceBytes(file));
      } catch {
        return undefined;
      }
    },
  });
  if (plan.kind === 'refused') return { kind: 'refused', message: plan.reason };
  const db = state.databaseState(p.projectId);
  if (db.kind === 'ok') {
    const squashedAway = new Set(plan.revisions.slice(0, -1).map((r) => r.id));
    const inside = db.revisions.filter((r) => squashedAway.has(r));
    if (inside.length)
      return {
        kind: 'refused',
        message: `the database ${db.database} is at ${inside.join(', ')}, inside the range: upgrade it to ${plan.revision} or past it first`,
      };
  }
  const moves = squashFileMoves(index.project, plan, { delete: !!p.delete });
  if (moves.kind === 'refused') return { kind: 'refused', message: moves.reason };
  const taken = moves.moves.find((m) => fs.existsSync(m.to));
  if (taken) return { kind: 'refused', message: `${taken.to} already exists in the archive` };
  return {
    kind: 'ok',
    revision: plan.revision,
    revisions: plan.revisions.map((r) => ({ id: r.id, message: r.message, uri: pathToUri(r.file) })),
    uri: pathToUri(plan.file),
    text: plan.text,
    moves: moves.moves.map((m) => ({ fromUri: pathToUri(m.from), toUri: pathToUri(m.to) })),
    deletes: moves.deletes.map(pathToUri),
    ...(moves.archive ? { archiveUri: pathToUri(moves.archive) } : {}),
    renamed: plan.renamed,
  };
}
