/**
 * Starts the bundled language server over IPC and keeps it alive: restarts after a crash,
 * and after repeated crashes stops and tells the user, with the output channel one click away.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  TransportKind,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import type { InitializationOptions } from '../../server/src/shared/protocol';

const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60_000;

/** Restart on crash; give up with a clear message after MAX_RESTARTS crashes in RESTART_WINDOW_MS. */
class RestartingErrorHandler implements ErrorHandler {
  private readonly crashes: number[] = [];
  constructor(private readonly output: vscode.OutputChannel) {}

  error(): { action: ErrorAction } {
    return { action: ErrorAction.Continue };
  }

  closed(): { action: CloseAction; message?: string; handled?: boolean } {
    const now = Date.now();
    this.crashes.push(now);
    while (this.crashes.length && now - this.crashes[0] > RESTART_WINDOW_MS) this.crashes.shift();
    if (this.crashes.length > MAX_RESTARTS) {
      void vscode.window
        .showErrorMessage(
          `The Alembic language server crashed ${this.crashes.length} times in 3 minutes and was stopped. Diagnostics and navigation are off until the window is reloaded.`,
          'Show Output',
          'Reload Window',
        )
        .then((choice) => {
          if (choice === 'Show Output') this.output.show(true);
          if (choice === 'Reload Window') void vscode.commands.executeCommand('workbench.action.reloadWindow');
        });
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    this.output.appendLine(`[client] language server stopped unexpectedly; restarting (${this.crashes.length}/${MAX_RESTARTS})`);
    return { action: CloseAction.Restart, handled: true };
  }
}

/** Where the server keeps graph snapshots: this workspace's storage (the global one without a workspace). */
function snapshotDir(context: vscode.ExtensionContext): string | undefined {
  const base = context.storageUri ?? context.globalStorageUri;
  return base?.scheme === 'file' ? path.join(base.fsPath, 'graph-snapshots') : undefined;
}

export function createLanguageClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'python' }],
    outputChannel: output,
    errorHandler: new RestartingErrorHandler(output),
    initializationOptions: {
      docsBaseUri: vscode.Uri.file(context.asAbsolutePath(path.join('docs', 'rules'))).toString(),
      // Graph snapshots: a reopened workspace shows its revision graph before every migration is re-read.
      cacheDir: snapshotDir(context),
      workspaceTrusted: vscode.workspace.isTrusted,
    } satisfies InitializationOptions,
    // Hovers may link to one command, the revision graph; no other command runs from server markdown.
    markdown: { isTrusted: { enabledCommands: ['alembic.showGraph'] }, supportHtml: false },
  };
  return new LanguageClient('alembic', 'Alembic Language Server', serverOptions, clientOptions);
}
