/**
 * The bundled CLI (dist/cli.js) as a child process of the extension host, for the commands that
 * reuse it (verify, schema, drift): an argv array, never a shell; Node as the extension host's
 * own executable (`ELECTRON_RUN_AS_NODE` makes desktop VS Code's binary behave as Node); a
 * notification with progress from the CLI's stderr lines and *Cancel*, which sends SIGINT so the
 * CLI stops alembic and still drops what it made.
 */
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { redactText } from '../../server/src/shared/db/databaseUrl';

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
  cancelled: boolean;
}

export interface CliRunOptions {
  cwd: string;
  /** The child's whole environment. */
  env: NodeJS.ProcessEnv;
  title: string;
  /** stderr lines starting with this prefix become the progress message. */
  progressPrefix: string;
  secrets: readonly string[];
  log: vscode.LogOutputChannel;
}

export function runBundledCli(extension: vscode.ExtensionContext, args: string[], o: CliRunOptions): Thenable<CliRun> {
  const clean = (s: string): string => redactText(s, o.secrets);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: o.title, cancellable: true },
    (progress, token) =>
      new Promise<CliRun>((resolve) => {
        const child = spawn(process.execPath, [extension.asAbsolutePath('dist/cli.js'), ...args], {
          cwd: o.cwd,
          env: { ...o.env, ELECTRON_RUN_AS_NODE: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        let partial = '';
        let cancelled = false;
        token.onCancellationRequested(() => {
          cancelled = true;
          child.kill('SIGINT');
        });
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => {
          err += d;
          const lines = (partial + d).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) {
            const text = clean(line);
            o.log.info(`[cli] ${text}`);
            if (text.startsWith(o.progressPrefix)) progress.report({ message: text.slice(o.progressPrefix.length) });
          }
        });
        child.on('error', (e) => resolve({ code: null, out, err: `${err}\n${e.message}`, cancelled }));
        child.on('close', (code) => resolve({ code, out, err, cancelled }));
      }),
  );
}

/** The CLI's own last message ("alembic-migrations: …"), for a notification. */
export function cliReason(run: CliRun, secrets: readonly string[]): string {
  const line = run.err
    .split('\n')
    .filter((l) => l.startsWith('alembic-migrations: '))
    .pop();
  return redactText(line?.slice('alembic-migrations: '.length) ?? `exit ${run.code}`, secrets);
}

/** The run's environment without the project's own database: the CLI points alembic at a throwaway one. */
export function throwawayEnv(setup: { env: Record<string, string>; choice: { argv: string[] } }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...setup.env, ALEMBIC_COMMAND: JSON.stringify(setup.choice.argv) };
  delete env.DATABASE_URL;
  delete env.PGPASSWORD;
  delete env.PGAPPNAME;
  return env;
}
