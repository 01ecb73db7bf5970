/**
 * Alembic: Verify Migrations (and *Verify from Here* on a tree row): the CLI's `verify` — every
 * revision round-tripped with the user's alembic on a throwaway database — run through
 * cliProcess.ts, with progress and *Cancel* (the CLI stops alembic and still drops the
 * throwaway database). Findings become diagnostics on
 * the revision files, kept until the file changes; a summary document lists each revision's
 * status and time.
 */
import * as vscode from 'vscode';
import type { ProjectInfo } from '../../../server/src/shared/protocol';
import { cliReason, runBundledCli, throwawayEnv } from '../cliProcess';
import { schemaHoversOf } from '../schemaHovers';
import { parseDatabaseUrl } from '../../../server/src/shared/db/databaseUrl';
import type { Ctx, Target } from '../ctx';
import type { CommandTable } from './index';

interface VerifyFinding {
  file: string;
  ruleId: string;
  severity: 'error' | 'warning' | 'information' | 'hint';
  message: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

interface VerifyJson {
  database: string;
  cancelled: boolean;
  revisions: Array<{
    revision: string;
    file: string;
    status: 'verified' | 'failed' | 'not-run';
    note?: string;
    timeMs: { total: number; upgrade: number; snapshot: number; downgrade: number; upgradeAgain: number };
    findings: VerifyFinding[];
  }>;
  summary: { revisions: number; verified: number; failed: number; notRun: number; errors: number; setupMs: number; prefixMs: number; totalMs: number };
}

const SEVERITY: Record<VerifyFinding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** The verify diagnostics of one extension: kept until their file changes or the next verify of the project. */
const collections = new WeakMap<Ctx, vscode.DiagnosticCollection>();
function diagnosticsOf(ctx: Ctx): vscode.DiagnosticCollection {
  let c = collections.get(ctx);
  if (!c) {
    const created = vscode.languages.createDiagnosticCollection('alembic-verify');
    c = created;
    collections.set(ctx, created);
    // Changed in an editor, or on disk (a checkout, another tool, deleted): the finding no longer describes it.
    const onDisk = vscode.workspace.createFileSystemWatcher('**/*.py', true, false, false);
    const forget = (uri: vscode.Uri): void => {
      if (created.has(uri)) created.delete(uri);
    };
    ctx.subscriptions.push(
      created,
      onDisk,
      onDisk.onDidChange(forget),
      onDisk.onDidDelete(forget),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length) forget(e.document.uri);
      }),
    );
  }
  return c;
}

function revisionOf(t: Target): string | undefined {
  if (!t) return undefined;
  if ('projectId' in t) return t.revision;
  return t.kind === 'project' ? undefined : t.row.revision;
}

function summaryText(project: ProjectInfo, r: VerifyJson, from: string | undefined): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const lines = [
    `# Verify ${project.name}${from ? ` from ${from}` : ''}`,
    '',
    `${r.summary.verified} verified, ${r.summary.failed} failed, ${r.summary.notRun} not run — ${r.summary.errors} finding${r.summary.errors === 1 ? '' : 's'} — on ${r.database} in ${s(r.summary.totalMs)}${r.cancelled ? ' (cancelled)' : ''}`,
    '',
    '| revision | status | upgrade | snapshot | downgrade | upgrade again | total | findings |',
    '|---|---|---|---|---|---|---|---|',
    ...r.revisions.map(
      (v) =>
        `| ${v.revision} | ${v.status}${v.note ? ` (${v.note.replace(/\|/g, '\\|')})` : ''} | ${s(v.timeMs.upgrade)} | ${s(v.timeMs.snapshot)} | ${s(v.timeMs.downgrade)} | ${s(v.timeMs.upgradeAgain)} | ${s(v.timeMs.total)} | ${v.findings.map((f) => `${f.ruleId}: ${f.message.replace(/\s+/g, ' ').replace(/\|/g, '\\|')}`).join('<br>')} |`,
    ),
  ];
  return lines.join('\n') + '\n';
}

/** What every proving command needs: a trusted workspace, a project with an alembic.ini, its run setup. */
async function prepare(ctx: Ctx, t: Target, what: string) {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(`${what} runs the project’s alembic and env.py: trust the workspace first.`);
    return undefined;
  }
  const p = await ctx.resolveProject(t);
  if (!p) return undefined;
  if (!p.iniUri) {
    void vscode.window.showWarningMessage(`${p.name} has no alembic.ini: ${what} runs alembic with one.`);
    return undefined;
  }
  const setup = await ctx.runner.setupOf(p);
  if (!setup) return undefined;
  if (setup.blocked) {
    void vscode.window.showWarningMessage(`Alembic: ${what} does not run: ${setup.blocked}.`);
    return undefined;
  }
  const cfg = vscode.workspace.getConfiguration('alembic', vscode.Uri.parse(p.rootUri));
  const serverUrl = cfg.get<string>('verify.serverUrl', '').trim();
  return {
    p,
    setup,
    ini: vscode.Uri.parse(p.iniUri).fsPath,
    cwd: vscode.Uri.parse(p.rootUri).fsPath,
    serverArgs: serverUrl ? ['--server-url', serverUrl] : [],
    secrets: [...ctx.database.secretsInUse(), ...(serverUrl ? secretOf(serverUrl) : [])],
  };
}

/** The password inside a server URL (to keep it out of messages). */
function secretOf(url: string): string[] {
  const parsed = parseDatabaseUrl(url);
  return parsed.kind === 'ok' && parsed.pg.password ? [parsed.pg.password] : [];
}

/** Offers the setting when the CLI could not run. */
async function couldNotRun(ctx: Ctx, what: string, reason: string): Promise<void> {
  const choice = await vscode.window.showErrorMessage(`Alembic: ${what} could not run — ${reason}`, 'Open Settings', 'Show Output');
  if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'alembic.verify.serverUrl');
  else if (choice === 'Show Output') ctx.log.show(true);
}

async function verify(ctx: Ctx, t: Target, from: string | undefined): Promise<void> {
  const ready = await prepare(ctx, t, 'verify');
  if (!ready) return;
  const { p, setup, ini, secrets } = ready;
  const args = ['verify', ini, '--format', 'json', ...ready.serverArgs, ...(from ? ['--from', from] : [])];
  ctx.log.info(
    `[verify] ${p.name}: ${from ? `from ${from}, ` : ''}${ready.serverArgs.length ? 'on a throwaway database of alembic.verify.serverUrl' : 'on an embedded PostgreSQL'}`,
  );
  const env = throwawayEnv(setup);
  const result = await runBundledCli(ctx.extension, args, {
    cwd: ready.cwd,
    env,
    title: `Alembic: verifying ${p.name}`,
    progressPrefix: 'verify: ',
    secrets,
    log: ctx.log,
  });
  let parsed: VerifyJson | undefined;
  try {
    parsed = result.out.trim() ? (JSON.parse(result.out) as VerifyJson) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed) {
    if (result.cancelled) {
      void vscode.window.showInformationMessage('Alembic: verify cancelled; the throwaway database was removed.');
      return;
    }
    await couldNotRun(ctx, 'verify', cliReason(result, secrets));
    return;
  }
  // This project's earlier findings go; the new ones stay until their file changes.
  const diagnostics = diagnosticsOf(ctx);
  for (const r of parsed.revisions) diagnostics.delete(vscode.Uri.file(r.file));
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const f of parsed.revisions.flatMap((r) => r.findings)) {
    const d = new vscode.Diagnostic(
      new vscode.Range(f.range.start.line, f.range.start.character, f.range.end.line, f.range.end.character),
      f.message,
      SEVERITY[f.severity],
    );
    d.source = 'alembic verify';
    d.code = f.ruleId;
    byFile.set(f.file, [...(byFile.get(f.file) ?? []), d]);
  }
  for (const [file, list] of byFile) diagnostics.set(vscode.Uri.file(file), list);
  const summary = summaryText(p, parsed, from);
  ctx.log.info(`[verify]\n${summary}`);
  const sum = parsed.summary;
  const findings = `${sum.errors} finding${sum.errors === 1 ? '' : 's'} in ${sum.failed} of ${sum.revisions} revisions`;
  // Cancelled: say how far it got, not "0 revisions round-tripped clean".
  const verdict = parsed.cancelled
    ? `cancelled after ${sum.verified} of ${sum.revisions} revision${sum.revisions === 1 ? '' : 's'} round-tripped${sum.errors ? ` (${findings})` : ''}; the throwaway database was removed`
    : sum.errors
      ? findings
      : `${sum.verified} revision${sum.verified === 1 ? '' : 's'} round-tripped clean`;
  const show = sum.errors ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const choice = await show(
    `Alembic: verify ${p.name}${parsed.cancelled ? '' : ' —'} ${verdict}.`,
    'Show Summary',
    ...(parsed.summary.errors ? ['Show Problems'] : []),
  );
  if (choice === 'Show Summary') {
    const doc = await vscode.workspace.openTextDocument({ content: summary, language: 'markdown' });
    await vscode.window.showTextDocument(doc, { preview: true });
  } else if (choice === 'Show Problems') void vscode.commands.executeCommand('workbench.actions.view.problems');
}

/** Show Schema at This Revision: `schema --revision REV --format sql` into a read-only SQL document. */
async function schemaAt(ctx: Ctx, t: Target): Promise<void> {
  const revision = revisionOf(t);
  const ready = await prepare(ctx, t, 'Show Schema');
  if (!ready || !revision) return;
  const run = await runBundledCli(ctx.extension, ['schema', ready.ini, '--revision', revision, '--format', 'sql', ...ready.serverArgs], {
    cwd: ready.cwd,
    env: throwawayEnv(ready.setup),
    title: `Alembic: the schema at ${revision.slice(0, 12)}`,
    progressPrefix: 'schema: ',
    secrets: ready.secrets,
    log: ctx.log,
  });
  if (run.cancelled) return;
  if (run.code !== 0) {
    if (run.code === 1) void vscode.window.showErrorMessage(`Alembic: the upgrade to ${revision} failed — ${cliReason(run, ready.secrets)}`);
    else await couldNotRun(ctx, 'Show Schema', cliReason(run, ready.secrets));
    return;
  }
  const uri = ctx.sqlDocs.add(`schema at ${revision.slice(0, 12)}`, run.out);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(doc, 'sql');
  await vscode.window.showTextDocument(doc, { preview: true });
}

/** Compare Database with Migrations: `drift` — the live schema (env.py's database) against the migrations at its revision. */
async function compareDatabase(ctx: Ctx, t: Target): Promise<void> {
  const ready = await prepare(ctx, t, 'Compare Database');
  if (!ready) return;
  // The project's own environment: drift reads the database env.py builds (read only).
  const env: NodeJS.ProcessEnv = { ...process.env, ...ready.setup.env, ALEMBIC_COMMAND: JSON.stringify(ready.setup.choice.argv) };
  delete env.PGAPPNAME;
  const run = await runBundledCli(ctx.extension, ['drift', ready.ini, '--format', 'json', ...ready.serverArgs], {
    cwd: ready.cwd,
    env,
    title: `Alembic: comparing ${ready.p.name}'s database with its migrations`,
    progressPrefix: 'drift: ',
    secrets: ready.secrets,
    log: ctx.log,
  });
  if (run.cancelled) return;
  let parsed: { database: string; revisions: string[]; differences: Array<{ message: string }> } | undefined;
  try {
    parsed = run.code === 0 || run.code === 1 ? (JSON.parse(run.out) as typeof parsed) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed) {
    await couldNotRun(ctx, 'Compare Database', cliReason(run, ready.secrets));
    return;
  }
  const at = parsed.revisions.length ? parsed.revisions.join(', ') : 'base';
  if (!parsed.differences.length) {
    void vscode.window.showInformationMessage(`Alembic: no drift — ${parsed.database} matches the migrations at ${at}.`);
    return;
  }
  const text = [
    `# Drift: ${ready.p.name}`,
    '',
    `${parsed.differences.length} difference${parsed.differences.length === 1 ? '' : 's'} between ${parsed.database} and the schema the migrations build at ${at}:`,
    '',
    ...parsed.differences.map((d) => `- ${d.message}`),
    '',
  ].join('\n');
  const doc = await vscode.workspace.openTextDocument({ content: text, language: 'markdown' });
  await vscode.window.showTextDocument(doc, { preview: true });
}

export const verifyCommands: CommandTable = {
  // The schema hover's *Build it* link: { projectId, revision } of the parent revision.
  'alembic.loadSchemaBefore': (ctx) => (t) => schemaHoversOf(ctx).load(t && 'projectId' in t ? t : undefined),
  'alembic.tree.showSchemaAtRevision': (ctx) => (t) => schemaAt(ctx, t),
  'alembic.compareDatabase': (ctx) => (t) => compareDatabase(ctx, t),
  'alembic.verifyMigrations': (ctx) => (t) => verify(ctx, t, undefined),
  'alembic.tree.verifyFromHere': (ctx) => (t) => verify(ctx, t, revisionOf(t)),
};
