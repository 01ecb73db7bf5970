/**
 * The question asked before a downgrade or a stamp, as a pure function of what is known: the
 * database alembic will change (from env.py, via the probe), the revisions its version table
 * holds (read just now from that database), the database the status bar reads, and the graph.
 * It names alembic's database, lists what will be reverted there, says first when that is not
 * the database shown in the status bar, and never skips the question when the target is unknown.
 */
import { humanBytes, humanRows } from '../../../server/src/shared/db/tableSizes';
import { describeTarget, isLocalTarget, sameDatabase, type AlembicTarget, type ReadDatabase } from '../../../server/src/shared/alembicCli/alembicTarget';
import { downgradePlan, shortId, type GraphView } from './graphModel';

export interface ConfirmationInput {
  verb: 'Downgrade' | 'Stamp';
  projectName: string;
  /** What the user picked: `-1`, `base`, a revision id. */
  spec: string;
  /** The database alembic will change, as env.py builds it. */
  target: AlembicTarget;
  /** The version-table rows of that database, read just before asking (undefined: not read). */
  targetRows: { kind: 'ok'; rows: string[] } | { kind: 'error'; message: string } | undefined;
  /** The database the status bar reads (its label and connection terms), when configured. */
  shown?: { label: string; read: ReadDatabase };
  view: GraphView | undefined;
  /** `alembic.confirmDowngrade`. */
  setting: 'always' | 'remoteOnly';
}

export type Confirmation =
  { kind: 'skip' } | { kind: 'refuse'; message: string } | { kind: 'ask'; message: string; detail: string; button: string; differs: boolean };

const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;

export function confirmation(input: ConfirmationInput): Confirmation {
  const { verb, spec, target } = input;
  const question = `${verb} ${input.projectName} to ${spec}?`;
  if (target.kind !== 'ok') {
    return {
      kind: 'ask',
      message: `Could not determine which database alembic will change. ${question}`,
      detail: `${target.reason}.\n\nalembic connects to whatever the project's env.py builds. Go on only if you know which database that is.`,
      button: `${verb} Anyway`,
      differs: false,
    };
  }
  const where = describeTarget(target);
  const differs = input.shown !== undefined && !sameDatabase(target, input.shown.read);
  const lead = differs ? `alembic will change ${where}, not ${input.shown!.label} that the status bar shows. ` : '';
  const rows = input.targetRows;
  let body: string;
  let sure = true;
  if (rows?.kind !== 'ok') {
    sure = false;
    body = `The version table of ${where} could not be read${rows ? ` (${rows.message})` : ''}, so the revisions that would be reverted cannot be listed. downgrade() functions drop what upgrade() created.`;
    if (verb === 'Stamp')
      body = `The version table of ${where} will say ${spec} without running any migration. It could not be read first${rows ? ` (${rows.message})` : ''}.`;
  } else if (verb === 'Stamp') {
    body = `The version table of ${where} (now ${rows.rows.length ? rows.rows.map(shortId).join(', ') : 'empty'}) will say ${spec} without running any migration. Use it when the schema already matches ${spec}.`;
  } else if (!input.view) {
    sure = false;
    body = `The revision graph is not loaded, so the revisions that would be reverted in ${where} cannot be listed.`;
  } else {
    const plan = downgradePlan(input.view, rows.rows, spec);
    if (plan.kind === 'error') return { kind: 'refuse', message: `${plan.message} (read from ${describeTarget(target, (s) => s)})` };
    const list = plan.reverted.slice(0, 15).map((n) => `• ${shortId(n.id)} ${n.message}`);
    if (plan.reverted.length > 15) list.push(`• … and ${plan.reverted.length - 15} more`);
    body = `Will revert ${plural(plan.reverted.length, 'revision')} in ${where} (their downgrade() runs; dropped columns and tables lose their data):\n\n${list.join('\n')}`;
  }
  if (input.setting === 'remoteOnly' && sure && !differs && isLocalTarget(target)) return { kind: 'skip' };
  return { kind: 'ask', message: `${lead}${question}`, detail: body, button: sure ? verb : `${verb} Anyway`, differs };
}

/** A revision about to run, with its flagged operations. */
export interface PendingRevision {
  id: string;
  message: string;
  risks: Array<{ ruleId: string; message: string; table?: string }>;
}

/**
 * The question before an upgrade whose revisions lock or rewrite live tables: each flagged
 * operation with its table's size and what PostgreSQL will do ("`orders` — 12.4 M rows, 3.1 GB:
 * full rewrite under ACCESS EXCLUSIVE"). Undefined when nothing is flagged (the run just goes).
 */
export function upgradeConfirmation(input: {
  projectName: string;
  spec: string;
  target: AlembicTarget;
  revisions: PendingRevision[];
  sizes: ReadonlyMap<string, { rows?: number; bytes: number }> | undefined;
  effects: Readonly<Record<string, string>>;
}): { message: string; detail: string; button: string } | undefined {
  const flagged = input.revisions.filter((r) => r.risks.length);
  if (flagged.length === 0) return undefined;
  const where = input.target.kind === 'ok' ? describeTarget(input.target) : 'the database env.py connects to';
  const lines: string[] = [];
  for (const r of input.revisions) {
    lines.push(`• ${shortId(r.id)} ${r.message}`);
    for (const k of r.risks) {
      const size = k.table ? input.sizes?.get(k.table) : undefined;
      const sized = k.table ? ` \`${k.table}\`${size ? ` — ${size.rows !== undefined ? `${humanRows(size.rows)}, ` : ''}${humanBytes(size.bytes)}` : ''}` : '';
      lines.push(`    ${k.ruleId}:${sized}: ${input.effects[k.ruleId] ?? k.message}`);
    }
  }
  return {
    message: `Upgrade ${input.projectName} to ${input.spec}? ${flagged.length} of ${plural(input.revisions.length, 'revision')} lock or rewrite live tables.`,
    detail: `These run on ${where}:\n\n${lines.join('\n')}`,
    button: 'Upgrade',
  };
}
