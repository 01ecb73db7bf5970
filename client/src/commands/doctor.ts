/** Alembic: Check Setup — the project doctor's report in a read-only document, and in the log. */
import * as vscode from 'vscode';
import { renderDoctor, runDoctor, type DoctorGraph } from '../../../server/src/shared/doctor';
import type { GraphView } from '../model/graphModel';
import type { CommandTable } from './index';

/** The doctor's view of the tree's graph. */
function graphOf(view: GraphView | undefined): DoctorGraph | undefined {
  return view && { heads: view.graph.heads, pending: (rows) => view.pending(rows) };
}

export const doctorCommands: CommandTable = {
  'alembic.checkSetup': (ctx) => async (t) => {
    const p = await ctx.resolveProject(t);
    if (!p) return;
    const setup = await ctx.runner.setupOf(p);
    if (!setup) {
      void vscode.window.showWarningMessage(
        vscode.workspace.isTrusted ? `${p.name} has no alembic.ini to check.` : 'Check Setup runs the project’s alembic and env.py: trust the workspace first.',
      );
      return;
    }
    const cfg = vscode.workspace.getConfiguration('alembic', vscode.Uri.parse(p.rootUri));
    const db = ctx.database.get(p.id);
    const checks = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Alembic: checking the setup of ${p.name}` }, () =>
      runDoctor({
        projectName: p.name,
        choice: setup.choice,
        env: setup.env,
        probeRequest: setup.probeRequest,
        probe: setup.probe,
        problems: p.problems,
        ...(p.scriptLocationUri ? { envPy: vscode.Uri.joinPath(vscode.Uri.parse(p.scriptLocationUri), 'env.py').fsPath } : {}),
        graph: graphOf(ctx.views.view(p.id)),
        ...(db?.pg && db.target
          ? {
              shown: {
                label: `${db.target.database} on ${db.target.host}`,
                read: { host: db.pg.host, port: db.pg.port, database: db.pg.database, user: db.pg.user },
              },
            }
          : {}),
        versionTable: cfg.get<string>('versionTable', '') || 'alembic_version',
        ...(cfg.get<string>('versionTableSchema', '') ? { versionTableSchema: cfg.get<string>('versionTableSchema', '') } : {}),
        lockTimeout: cfg.get<string>('run.lockTimeout', '5s'),
        statementTimeout: cfg.get<string>('run.statementTimeout', ''),
        errorsIn: (uri) =>
          vscode.languages.getDiagnostics(vscode.Uri.parse(uri)).filter((d) => d.severity === vscode.DiagnosticSeverity.Error && d.source === 'alembic').length,
      }),
    );
    const report = renderDoctor(p.name, checks) + (setup.blocked ? `\n\n✖ runs are blocked: ${setup.blocked}` : '');
    ctx.log.info(`[doctor]\n${report}`);
    const doc = await vscode.workspace.openTextDocument({ content: report, language: 'plaintext' });
    await vscode.window.showTextDocument(doc, { preview: true });
  },
};
