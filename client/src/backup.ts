/**
 * *Back Up First*: a `pg_dump -Fc` of the database alembic is about to change (the target env.py
 * builds), before a downgrade, a stamp or a destructive upgrade — with progress and *Cancel*,
 * checked with `pg_restore --list` (server/src/shared/db/backup.ts). A backup that cannot be
 * made stops the run with the reason: never a silent skip.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ProjectInfo } from '../../server/src/shared/protocol';
import { backupDatabase } from '../../server/src/shared/db/backup';
import { shortId } from '../../server/src/shared/revisionState';
import type { Ctx } from './ctx';

export const BACK_UP_FIRST = 'Back Up First';

/** Dumps alembic's target database; true when the dump is kept and the run may go on. */
export async function backUpFirst(ctx: Ctx, project: ProjectInfo): Promise<boolean> {
  const probe = await ctx.runner.alembicTarget(project);
  const pg = 'durationMs' in probe ? ctx.runner.targetConnection(probe) : undefined;
  if (!pg) {
    void vscode.window.showErrorMessage(
      `Alembic: no backup — the database env.py connects to is unknown (${probe.target.kind === 'unknown' ? probe.target.reason : 'no URL'}). Nothing ran.`,
    );
    return false;
  }
  const cfg = vscode.workspace.getConfiguration('alembic', vscode.Uri.parse(project.rootUri));
  const root = vscode.Uri.parse(project.rootUri).fsPath;
  const folder = path.resolve(root, cfg.get<string>('backup.folder', '').trim() || '.alembic-backups');
  const pgDump = cfg.get<string>('backup.pgDump', '').trim();
  const rows = ctx.database.get(project.id)?.rows;
  const label = rows ? (rows.length ? rows.map(shortId).join('+') : 'base') : undefined;
  const abort = new AbortController();
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Alembic: backing up ${pg.database ?? 'the database'} (pg_dump)`, cancellable: true },
    (_progress, token) => {
      token.onCancellationRequested(() => abort.abort());
      return backupDatabase({ pg, folder, ...(label ? { label } : {}), ...(pgDump ? { pgDump } : {}), signal: abort.signal });
    },
  );
  if (result.kind === 'cancelled') {
    void vscode.window.showWarningMessage('Alembic: backup cancelled; no file was kept and nothing ran.');
    return false;
  }
  if (result.kind === 'error') {
    ctx.log.error(`[backup] ${project.name}: ${result.message}`);
    const choice = await vscode.window.showErrorMessage(`Alembic: no backup — ${result.message}. Nothing ran.`, 'Open Settings');
    if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'alembic.backup');
    return false;
  }
  ctx.log.info(
    `[backup] ${project.name}: ${result.file} (${result.bytes} bytes, ${result.entries} entries, ${result.durationMs} ms); restore: ${result.restoreCommand}`,
  );
  void vscode.window
    .showInformationMessage(`Alembic: backed up to ${path.relative(root, result.file)}. Restore with: ${result.restoreCommand}`, 'Copy Restore Command')
    .then((c) => c && vscode.env.clipboard.writeText(result.restoreCommand));
  return true;
}
