/**
 * A real LSP client for protocol tests: starts the bundled server (dist/server.js) as a child
 * process over stdio and speaks JSON-RPC to it, the way an editor does. Tests wait on real
 * signals (a diagnostics notification arriving), never on fixed sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  ShutdownRequest,
  ExitNotification,
  RegistrationRequest,
  ConfigurationRequest,
  type ProtocolConnection,
  type Diagnostic,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { pathToFileURL } from 'node:url';
import { GraphChangedNotification, type GraphChangedParams } from '../../server/src/shared/protocol';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

export function uri(file: string): string {
  return pathToFileURL(file).href;
}

export interface TestServer {
  connection: ProtocolConnection;
  child: ChildProcess;
  /** Latest diagnostics per URI. */
  diagnostics: Map<string, Diagnostic[]>;
  graphChanges: GraphChangedParams[];
  /** `window/logMessage` texts received so far. */
  logs: string[];
  /** performance.now() when the process was spawned and when its `initialize` answer arrived. */
  spawnedAt: number;
  initializedAt: number;
  /** Resolves when `predicate` holds for the diagnostics of `fileUri` (checked on every publish). */
  waitForDiagnostics(fileUri: string, predicate: (d: Diagnostic[]) => boolean, timeoutMs?: number): Promise<Diagnostic[]>;
  waitForGraphChange(predicate: (p: GraphChangedParams) => boolean, timeoutMs?: number): Promise<GraphChangedParams>;
  open(file: string, text: string, version?: number): Promise<void>;
  change(file: string, text: string, version: number): Promise<void>;
  stop(): Promise<void>;
  stderr(): string;
}

export async function startServer(
  workspaceFolder: string,
  opts: { settings?: Record<string, unknown>; initializationOptions?: Record<string, unknown> } = {},
): Promise<TestServer> {
  const serverJs = path.join(repoRoot, 'dist', 'server.js');
  const spawnedAt = performance.now();
  const nodeArgs = (process.env.ALEMBIC_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const diagnostics = new Map<string, Diagnostic[]>();
  const graphChanges: GraphChangedParams[] = [];
  const diagWaiters: Array<() => void> = [];
  const graphWaiters: Array<() => void> = [];
  connection.onNotification(PublishDiagnosticsNotification.type, (p: PublishDiagnosticsParams) => {
    diagnostics.set(p.uri, p.diagnostics);
    for (const w of [...diagWaiters]) w();
  });
  connection.onNotification(GraphChangedNotification, (p) => {
    graphChanges.push(p);
    for (const w of [...graphWaiters]) w();
  });
  connection.onRequest(RegistrationRequest.type, () => undefined);
  connection.onRequest(ConfigurationRequest.type, (p) => p.items.map(() => opts.settings ?? {}));
  const logs: string[] = [];
  connection.onNotification('window/logMessage', (p: { message: string }) => {
    logs.push(p.message);
  });
  connection.listen();
  await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: uri(workspaceFolder),
    workspaceFolders: [{ uri: uri(workspaceFolder), name: path.basename(workspaceFolder) }],
    capabilities: {
      workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true } },
      textDocument: { publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true } },
    },
    initializationOptions: { docsBaseUri: 'https://example.invalid/docs/rules', ...opts.initializationOptions },
  });
  const initializedAt = performance.now();
  await connection.sendNotification(InitializedNotification.type, {});

  const waitFor = <T>(waiters: Array<() => void>, check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const tryIt = (): boolean => {
        const v = check();
        if (v !== undefined) {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(waiter), 1);
          resolve(v);
          return true;
        }
        return false;
      };
      const waiter = (): void => {
        tryIt();
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nserver stderr:\n${stderr}`));
      }, timeoutMs);
      waiters.push(waiter);
      tryIt();
    });

  const api: TestServer = {
    connection,
    child,
    diagnostics,
    graphChanges,
    logs,
    spawnedAt,
    initializedAt,
    waitForDiagnostics: (fileUri, predicate, timeoutMs = 10_000) =>
      waitFor(
        diagWaiters,
        () => {
          const d = diagnostics.get(fileUri);
          return d && predicate(d) ? d : undefined;
        },
        timeoutMs,
        `diagnostics of ${fileUri}`,
      ),
    waitForGraphChange: (predicate, timeoutMs = 10_000) => waitFor(graphWaiters, () => graphChanges.find(predicate), timeoutMs, 'alembic/graphChanged'),
    open: (file, text, version = 1) =>
      connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: uri(file), languageId: 'python', version, text } }),
    change: (file, text, version) =>
      connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: uri(file), version }, contentChanges: [{ text }] }),
    stop: async () => {
      try {
        await Promise.race([connection.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
        await connection.sendNotification(ExitNotification.type);
      } catch {
        // the server may already be gone
      }
      // A server that follows the protocol exits on its own (and writes --cpu-prof output if asked).
      if (child.exitCode === null)
        await new Promise((r) => {
          const t = setTimeout(r, 2000);
          child.once('exit', () => {
            clearTimeout(t);
            r(undefined);
          });
        });
      connection.dispose();
      if (child.exitCode === null) child.kill();
    },
    stderr: () => stderr,
  };
  if (process.env.ALEMBIC_SERVER_STDERR) child.stderr.on('data', (b: Buffer) => process.stderr.write(b));
  return api;
}

export { DidChangeWatchedFilesNotification };
