/**
 * Commands that run alembic against the database: upgrade, downgrade, stamp (each downgrade and
 * stamp confirmed first, naming the database env.py connects to), and current/history/heads.
 */
import * as vscode from 'vscode';
import type { ProjectInfo, RevisionNode } from '../../../server/src/shared/protocol';
import type { AlembicAction } from '../../../server/src/shared/alembicCli/alembicArgv';
import { describeTarget } from '../../../server/src/shared/alembicCli/alembicTarget';
import { confirmation, upgradeConfirmation } from '../model/confirmation';
import { tableSizes } from '../../../server/src/shared/db/tableSizes';
import { DESTRUCTIVE_RULES, RISK_EFFECTS } from '../../../server/src/shared/riskEffects';
import { BACK_UP_FIRST, backUpFirst } from '../backup';
import { RevisionRisksRequest } from '../../../server/src/shared/protocol';
import { shortId, type RevisionState } from '../model/graphModel';
import type { Ctx, Target } from '../ctx';
import { nodeOf, pickRevision, revisionOf } from './pickers';
import type { CommandTable } from './index';

type Spec = string | ((p: ProjectInfo) => Promise<string | undefined>);

/**
 * Asks before reverting anything. Names the database alembic will change (as env.py builds
 * it), lists what will be reverted as read from that database just now, and says first when
 * that is not the database the status bar shows. Returns true to go on.
 */
async function confirm(ctx: Ctx, project: ProjectInfo, verb: 'Downgrade' | 'Stamp', spec: string): Promise<boolean> {
  const probe = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Alembic: finding the database env.py connects to' }, () =>
    ctx.runner.alembicTarget(project),
  );
  const pg = 'durationMs' in probe ? ctx.runner.targetConnection(probe) : undefined;
  const targetRows = pg ? await ctx.database.readOnce(project, pg) : undefined;
  const db = ctx.database.get(project.id);
  const shown =
    db?.pg && db.target
      ? {
          label: `\`${db.target.database}\` on \`${db.target.host}\``,
          read: { host: db.pg.host, port: db.pg.port, database: db.pg.database, user: db.pg.user },
        }
      : undefined;
  const setting = vscode.workspace.getConfiguration('alembic', vscode.Uri.parse(project.rootUri)).get<string>('confirmDowngrade', 'always');
  const c = confirmation({
    verb,
    projectName: project.name,
    spec,
    target: probe.target,
    targetRows,
    shown,
    view: ctx.views.view(project.id),
    setting: setting === 'remoteOnly' ? 'remoteOnly' : 'always',
  });
  if (probe.target.kind === 'ok') ctx.database.setAlembicTarget(project.id, { label: describeTarget(probe.target), differs: c.kind === 'ask' && c.differs });
  if (c.kind === 'skip') return true;
  if (c.kind === 'refuse') {
    void vscode.window.showWarningMessage(`Alembic: ${c.message}`);
    return false;
  }
  ctx.log.info(`[confirm] ${project.name}: ${c.message.replace(/\n/g, ' ')}`);
  const choice = await vscode.window.showWarningMessage(c.message, { modal: true, detail: c.detail }, c.button, BACK_UP_FIRST);
  return choice === c.button || (choice === BACK_UP_FIRST && (await backUpFirst(ctx, project)));
}

async function runAction(
  ctx: Ctx,
  target: Target,
  action: (p: ProjectInfo) => Promise<AlembicAction | undefined>,
  title: (a: AlembicAction) => string,
): Promise<void> {
  const project = await ctx.resolveProject(target);
  if (!project) return;
  const a = await action(project);
  if (a) await ctx.runner.run(project, a, { title: title(a) });
}

const specOf = async (spec: Spec, p: ProjectInfo): Promise<string | undefined> => (typeof spec === 'string' ? spec : spec(p));

/**
 * Before an upgrade whose pending revisions lock or rewrite live tables: each flagged operation
 * with its table's live size (read on the database env.py connects to). Nothing flagged (or the
 * database state unknown): the run just goes.
 */
async function confirmUpgrade(ctx: Ctx, project: ProjectInfo, spec: string): Promise<boolean> {
  const view = ctx.views.view(project.id);
  const rows = ctx.database.get(project.id)?.rows;
  if (!view || !rows) return true;
  let pending = view.pending(rows);
  if (view.byId.has(spec)) pending = pending.filter((n) => n.id === spec || view.ancestors(spec).has(n.id));
  else if (/^\+\d+$/.test(spec)) pending = pending.slice(0, Number(spec.slice(1)));
  else if (spec !== 'head' && spec !== 'heads') return true;
  if (pending.length === 0) return true;
  const risks = await ctx.client.sendRequest(RevisionRisksRequest, { projectId: project.id, revisions: pending.map((n) => n.id) });
  if (risks.length === 0) return true;
  const probe = await ctx.runner.alembicTarget(project);
  const pg = 'durationMs' in probe ? ctx.runner.targetConnection(probe) : undefined;
  const tables = [...new Set(risks.map((r) => r.table).filter((t): t is string => !!t))];
  const sizes = pg ? await tableSizes(pg, tables) : undefined;
  const c = upgradeConfirmation({
    projectName: project.name,
    spec,
    target: probe.target,
    revisions: pending.map((n) => ({ id: n.id, message: n.message, risks: risks.filter((r) => r.revision === n.id) })),
    sizes: sizes?.kind === 'ok' ? sizes.sizes : undefined,
    effects: RISK_EFFECTS,
  });
  if (!c) return true;
  const destructive = risks.some((r) => DESTRUCTIVE_RULES.has(r.ruleId));
  const choice = await vscode.window.showWarningMessage(c.message, { modal: true, detail: c.detail }, c.button, ...(destructive ? [BACK_UP_FIRST] : []));
  return choice === c.button || (choice === BACK_UP_FIRST && (await backUpFirst(ctx, project)));
}

function upgrade(ctx: Ctx, target: Target, spec: Spec): Promise<void> {
  return runAction(
    ctx,
    target,
    async (p) => {
      const s = await specOf(spec, p);
      if (!s || !(await confirmUpgrade(ctx, p, s))) return undefined;
      return { kind: 'upgrade', target: s };
    },
    (a) => `Upgrading to ${'target' in a ? a.target : ''}`,
  );
}

function downgrade(ctx: Ctx, target: Target, spec: Spec): Promise<void> {
  return runAction(
    ctx,
    target,
    async (p) => {
      const s = await specOf(spec, p);
      if (!s || !(await confirm(ctx, p, 'Downgrade', s))) return undefined;
      return { kind: 'downgrade', target: s };
    },
    (a) => `Downgrading to ${'target' in a ? a.target : ''}`,
  );
}

function stamp(ctx: Ctx, target: Target, spec: Spec): Promise<void> {
  return runAction(
    ctx,
    target,
    async (p) => {
      const s = await specOf(spec, p);
      if (!s || !(await confirm(ctx, p, 'Stamp', s))) return undefined;
      return { kind: 'stamp', targets: [s] };
    },
    (a) => `Stamping ${'targets' in a ? a.targets.join(', ') : ''}`,
  );
}

function headTarget(ctx: Ctx, p: ProjectInfo): Promise<string | undefined> {
  const view = ctx.views.view(p.id);
  if (!view || view.graph.heads.length <= 1) return Promise.resolve('head');
  return pickRevision(ctx, p, `${p.name} has ${view.graph.heads.length} heads: upgrade to which?`, (n) => view.graph.heads.includes(n.id), [
    { label: '$(git-merge) heads', description: 'every branch', spec: 'heads' },
  ]);
}

const applied = (_n: RevisionNode, s: RevisionState): boolean => s === 'applied' || s === 'current' || s === 'unknown';

function show(kind: 'current' | 'history' | 'heads') {
  return (ctx: Ctx) =>
    async (t: Target): Promise<void> => {
      const p = await ctx.resolveProject(t);
      const action: AlembicAction = kind === 'current' ? { kind, verbose: true } : { kind, verbose: false };
      if (p) await ctx.runner.run(p, action, { title: `alembic ${kind}`, revealOutput: true, refreshDatabase: false });
    };
}

export const runCommands: CommandTable = {
  'alembic.upgradeHead': (ctx) => (t) => upgrade(ctx, t, (p) => headTarget(ctx, p)),
  'alembic.upgradeHeads': (ctx) => (t) => upgrade(ctx, t, 'heads'),
  'alembic.upgradeOne': (ctx) => (t) => upgrade(ctx, t, '+1'),
  'alembic.upgradeTo': (ctx) => (t) => upgrade(ctx, t, (p) => pickRevision(ctx, p, 'Upgrade to revision', (_n, s) => s !== 'applied' && s !== 'current')),
  'alembic.downgradeOne': (ctx) => (t) => downgrade(ctx, t, '-1'),
  'alembic.downgradeBase': (ctx) => (t) => downgrade(ctx, t, 'base'),
  'alembic.downgradeTo': (ctx) => (t) =>
    downgrade(ctx, t, (p) =>
      pickRevision(ctx, p, 'Downgrade to revision (it stays applied)', applied, [
        { label: '$(debug-step-back) base', description: 'revert everything', spec: 'base' },
      ]),
    ),
  'alembic.stamp': (ctx) => (t) =>
    stamp(ctx, t, (p) =>
      pickRevision(ctx, p, 'Stamp the version table (no migration runs)', () => true, [
        { label: '$(debug-step-back) base', description: 'empty the version table', spec: 'base' },
        { label: '$(arrow-up) heads', description: 'every head', spec: 'heads' },
      ]),
    ),
  'alembic.showCurrent': show('current'),
  'alembic.showHistory': show('history'),
  'alembic.showHeads': show('heads'),
  'alembic.tree.upgradeHere': (ctx) => (t) => {
    const r = revisionOf(t);
    return r && upgrade(ctx, t, r);
  },
  'alembic.tree.downgradeHere': (ctx) => (t) => {
    const r = revisionOf(t);
    return r && downgrade(ctx, t, r);
  },
  'alembic.tree.stampHere': (ctx) => (t) => {
    const r = revisionOf(t);
    return r && stamp(ctx, t, r);
  },
  'alembic.downgradeBefore': (ctx) => async (t) => {
    const p = await ctx.resolveProject(t);
    const node = nodeOf(ctx, p, t);
    if (!p || !node) return;
    let to = node.parents[0] ?? 'base';
    if (node.parents.length > 1) {
      const pick = await pickRevision(ctx, p, `${shortId(node.id)} is a merge: downgrade to which parent? (the other branch is reverted too)`, (n) =>
        node.parents.includes(n.id),
      );
      if (!pick) return;
      to = pick;
    }
    await downgrade(ctx, { projectId: p.id }, to);
  },
};
