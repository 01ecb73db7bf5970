/**
 * A database on a revision this checkout does not have (another branch's migration): show that
 * migration read-only, downgrade with that branch's migrations (read from git into a temporary
 * folder, added to `version_locations` of a temporary config, removed afterwards — the working
 * tree is never touched), or restore the files into this branch (never over a file). Plus the
 * tree's "added on this branch" filter.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BranchMigration, LocateRevisionResult, ProjectInfo } from '../../../server/src/shared/protocol';
import { describeTarget } from '../../../server/src/shared/alembicCli/alembicTarget';
import { materialiseBranch, type BranchFolder } from '../alembicCli/branchFiles';
import { shortId } from '../model/graphModel';
import type { Ctx, Target } from '../ctx';
import { revisionOf } from './pickers';
import type { CommandTable } from './index';

export const BRANCH_SCHEME = 'alembic-branch';

/** Read-only documents of other branches' migrations (`alembic-branch:` URIs). */
export class BranchDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();

  uriOf(ref: string, m: BranchMigration): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: BRANCH_SCHEME, path: `/${ref}/${m.repoPath}`, query: m.id });
    this.texts.set(uri.toString(), m.text);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '# This migration is no longer available: locate it again from the revision tree.';
  }
}

interface Located {
  project: ProjectInfo;
  databaseRevision: string;
  result: LocateRevisionResult;
  /** The row's revision (a migration of the chain), when invoked from a row. */
  revision?: string;
}

async function locatedOf(ctx: Ctx, target: Target): Promise<Located | undefined> {
  const project = await ctx.resolveProject(target);
  if (!project) return undefined;
  const rev = revisionOf(target);
  const held = rev
    ? ctx.git.chainHolding(project.id, rev)
    : [...ctx.git.fromBranches(project.id)].map(([databaseRevision, result]) => ({ databaseRevision, result }))[0];
  if (!held) {
    void vscode.window.showInformationMessage(`Alembic: the database of ${project.name} is not on a revision another branch has.`);
    return undefined;
  }
  return { project, ...held, ...(rev ? { revision: rev } : {}) };
}

async function showMigration(ctx: Ctx, l: Located): Promise<void> {
  const chain = l.result.chain;
  const m = chain?.migrations.find((x) => x.id === (l.revision ?? l.databaseRevision)) ?? chain?.migrations[0];
  if (!chain || !m) {
    void vscode.window.showWarningMessage(`Alembic: ${l.result.message ?? `git has no file declaring ${l.databaseRevision}.`}`);
    return;
  }
  const doc = await vscode.workspace.openTextDocument(ctx.branchDocs.uriOf(chain.ref, m));
  await vscode.languages.setTextDocumentLanguage(doc, 'python');
  await vscode.window.showTextDocument(doc, { preview: true });
}

async function downgradeWithBranch(ctx: Ctx, l: Located): Promise<void> {
  const chain = l.result.chain;
  if (!chain) {
    void vscode.window.showWarningMessage(`Alembic: ${l.result.message ?? `git has no file declaring ${l.databaseRevision}.`}`);
    return;
  }
  if (!l.project.iniUri) {
    void vscode.window.showWarningMessage(`Alembic: ${l.project.name} has no alembic.ini; restore the files into this branch and downgrade from there.`);
    return;
  }
  if (chain.commonAncestors.length > 1) {
    void vscode.window.showWarningMessage(
      `Alembic: ${chain.ref}'s migrations join this checkout at ${chain.commonAncestors.map(shortId).join(' and ')}; downgrade to one of them with the files restored.`,
    );
    return;
  }
  const target = chain.commonAncestors[0] ?? 'base';
  const probe = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Alembic: finding the database env.py connects to' }, () =>
    ctx.runner.alembicTarget(l.project),
  );
  const where = probe.target.kind === 'ok' ? describeTarget(probe.target) : undefined;
  const button = where ? 'Downgrade' : 'Downgrade Anyway';
  const message = `Downgrade ${where ?? 'the database (env.py’s target could not be determined)'} from ${shortId(l.databaseRevision)} to ${target === 'base' ? 'base' : shortId(target)} with ${chain.ref}'s migrations?`;
  const detail = [
    'Reverted, newest first:',
    ...chain.migrations.map((m) => `  ${m.id}  ${m.message}`),
    '',
    `The files are read from ${chain.ref} (${chain.commit.slice(0, 7)}) into a temporary folder for this run and removed afterwards; the working tree is not touched.`,
  ].join('\n');
  ctx.log.info(`[confirm] ${l.project.name}: ${message}`);
  if ((await vscode.window.showWarningMessage(message, { modal: true, detail }, button)) !== button) return;
  let tmp: BranchFolder;
  try {
    tmp = materialiseBranch({
      iniFile: vscode.Uri.parse(l.project.iniUri).fsPath,
      versionLocations: l.project.versionLocationUris.map((u) => vscode.Uri.parse(u).fsPath),
      files: chain.migrations,
    });
  } catch (e) {
    void vscode.window.showErrorMessage(`Alembic: could not prepare ${chain.ref}'s migrations: ${(e as Error).message}`);
    return;
  }
  try {
    await ctx.runner.run(l.project, { kind: 'downgrade', target }, { title: `Downgrading to ${target} with ${chain.ref}'s migrations`, iniFile: tmp.ini });
  } finally {
    tmp.remove();
  }
}

async function restoreFiles(ctx: Ctx, l: Located): Promise<void> {
  const chain = l.result.chain;
  if (!chain) return;
  const inside = (file: string): boolean =>
    l.project.versionLocationUris.some((u) => {
      const rel = path.relative(vscode.Uri.parse(u).fsPath, file);
      return !!rel && !rel.startsWith('..') && !path.isAbsolute(rel);
    });
  const written: string[] = [];
  const skipped: string[] = [];
  for (const m of [...chain.migrations].reverse()) {
    const file = vscode.Uri.parse(m.uri).fsPath;
    if (!inside(file)) {
      skipped.push(`${path.basename(file)} (outside the version locations)`);
      continue;
    }
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, m.text, { flag: 'wx' });
      written.push(file);
    } catch (e) {
      skipped.push(`${path.basename(file)} (${(e as NodeJS.ErrnoException).code === 'EEXIST' ? 'a file is already there' : (e as Error).message})`);
    }
  }
  ctx.log.info(`[branch] restored ${written.length} file(s) from ${chain.ref}${skipped.length ? `; skipped ${skipped.join(', ')}` : ''}`);
  const text = `Alembic: restored ${written.length} migration(s) from ${chain.ref} into this branch${skipped.length ? `; not written: ${skipped.join(', ')}` : ''}.`;
  if (written.length) {
    void vscode.window.showInformationMessage(text);
    await vscode.window.showTextDocument(vscode.Uri.file(written[written.length - 1]), { preview: true });
  } else void vscode.window.showWarningMessage(text);
}

const SHOW = 'Show the Migration';
const DOWNGRADE = "Downgrade with That Branch's Migrations";
const RESTORE = 'Restore the Files';

/** Told once per database revision this checkout lacks: where git has it, with the actions. */
export async function offerBranchActions(ctx: Ctx, e: { projectId: string; revision: string; result: LocateRevisionResult }): Promise<void> {
  const project = ctx.store.project(e.projectId);
  if (!project) return;
  const chain = e.result.chain;
  // Without git (no repository, untrusted) there is nothing to offer: the status bar already says
  // the revision is unknown, and the tree's row says why git could not look.
  if (e.result.kind === 'unavailable') return;
  if (e.result.kind !== 'found' || !chain) {
    void vscode.window.showWarningMessage(
      `Alembic: the database of ${project.name} is at ${e.revision}, which no migration of this checkout declares${e.result.kind === 'not-found' ? ' and git has on no branch' : ''}. ${e.result.message ?? ''}`.trim(),
    );
    return;
  }
  const choice = await vscode.window.showWarningMessage(
    `Alembic: the database of ${project.name} is at ${shortId(e.revision)}, a revision of branch ${chain.ref} that this checkout does not have (${chain.migrations.length} migration(s)).`,
    SHOW,
    DOWNGRADE,
    RESTORE,
  );
  const l: Located = { project, databaseRevision: e.revision, result: e.result };
  if (choice === SHOW) await showMigration(ctx, l);
  else if (choice === DOWNGRADE) await downgradeWithBranch(ctx, l);
  else if (choice === RESTORE) await restoreFiles(ctx, l);
}

export const branchCommands: CommandTable = {
  'alembic.branch.showMigration': (ctx) => async (t) => {
    const l = await locatedOf(ctx, t);
    if (l) await showMigration(ctx, l);
  },
  'alembic.branch.downgrade': (ctx) => async (t) => {
    const l = await locatedOf(ctx, t);
    if (l) await downgradeWithBranch(ctx, l);
  },
  'alembic.branch.restore': (ctx) => async (t) => {
    const l = await locatedOf(ctx, t);
    if (l) await restoreFiles(ctx, l);
  },
  // From the edited-shipped-migration quick fix: the shipped text beside the working tree's.
  'alembic.git.showShippedDiff': (ctx) => async (arg) => {
    const a = arg as unknown as { uri?: unknown; where?: unknown; text?: unknown } | undefined;
    if (typeof a?.uri !== 'string' || typeof a.where !== 'string' || typeof a.text !== 'string') return;
    const file = vscode.Uri.parse(a.uri);
    const left = ctx.branchDocs.uriOf(a.where.replace(/^tag /, ''), {
      id: 'shipped',
      message: '',
      parents: [],
      repoPath: vscode.workspace.asRelativePath(file),
      uri: a.uri,
      text: a.text,
    });
    await vscode.commands.executeCommand('vscode.diff', left, file, `${path.basename(file.fsPath)} (${a.where}) ↔ working tree`);
  },
  'alembic.tree.onlyThisBranch': (ctx) => () => ctx.tree.setOnlyThisBranch(true),
  'alembic.tree.allBranches': (ctx) => () => ctx.tree.setOnlyThisBranch(false),
};
