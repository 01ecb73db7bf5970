/**
 * What `heads`, `history` and `graph --json` compute when no cached answer holds: the project
 * indexed, the answer formatted. The light CLI bundles this apart (dist/cliAnswers.js, loaded only
 * then: a cached answer never parses the scanner, the graph or the formatting); the full CLI and
 * the tests import it as is.
 */
import type { AlembicProject } from '../alembic/project';
import { formatHeads, formatHistory } from '../alembic/alembicFormat';
import { graphJson } from '../alembic/graphJson';
import { ProjectIndex } from '../alembic/projectIndex';
import type { Answer } from './answerCache';

/** The read commands' options that change an answer. */
export interface AnswerOptions {
  command: 'heads' | 'history' | 'graph';
  verbose: boolean;
  resolveDependencies: boolean;
  range?: string;
}

/** The project's index; `signatures` records each file's stat as it was read (answerCache.ts). */
export function loadIndex(project: AlembicProject, signatures: boolean): ProjectIndex {
  return ProjectIndex.load(project, signatures ? { signatures: true } : {});
}

/** `graph --json`'s answer: the graph as JSON (graphJson.ts). */
export function graphAnswer(index: ProjectIndex): Answer<unknown> {
  return { code: 0, value: graphJson(index) };
}

/** `heads` or `history`: what alembic prints (alembicFormat.ts), or a failed range's message (exit 1). */
export function textAnswer(index: ProjectIndex, opts: AnswerOptions): Answer<string> {
  const result =
    opts.command === 'heads'
      ? formatHeads(index.graph, { verbose: opts.verbose, resolveDependencies: opts.resolveDependencies })
      : formatHistory(index.graph, { range: opts.range, verbose: opts.verbose });
  return typeof result === 'string' ? { code: 0, value: result } : { code: 1, value: `FAILED: ${result.error}\n` };
}
