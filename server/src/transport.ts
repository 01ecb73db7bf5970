/**
 * The connection to the editor, over IPC (`--node-ipc`, what the VS Code client uses) or stdio
 * (`--stdio`), with a writer that knows when output is still being written. Background work
 * (reading a large project at start-up) waits for it, so a large answer already given — a
 * revision graph from a snapshot — reaches the editor at pipe speed instead of one pipe-full
 * per slice of work. Other transports use the library's own set-up and never wait.
 */
import {
  createConnection,
  IPCMessageReader,
  IPCMessageWriter,
  ProposedFeatures,
  StreamMessageWriter,
  type Connection,
  type Message,
  type MessageReader,
  type MessageWriter,
} from 'vscode-languageserver/node';

class TrackingWriter implements MessageWriter {
  private pending = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly inner: MessageWriter) {}

  get onError(): MessageWriter['onError'] {
    return this.inner.onError;
  }

  get onClose(): MessageWriter['onClose'] {
    return this.inner.onClose;
  }

  async write(msg: Message): Promise<void> {
    this.pending++;
    try {
      await this.inner.write(msg);
    } finally {
      if (--this.pending === 0) for (const w of this.waiters.splice(0)) w();
    }
  }

  end(): void {
    this.inner.end();
  }

  dispose(): void {
    this.inner.dispose();
  }

  /** Resolves once everything written so far has been handed to the operating system. */
  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }
}

export interface ServerConnection {
  connection: Connection;
  /** Resolves when no output is waiting to be written (at once when that cannot be known). */
  outputIdle: () => Promise<void>;
}

export function createServerConnection(argv: readonly string[] = process.argv): ServerConnection {
  if (argv.includes('--node-ipc')) {
    const writer = new TrackingWriter(new IPCMessageWriter(process));
    return { connection: createConnection(ProposedFeatures.all, new IPCMessageReader(process), writer), outputIdle: () => writer.idle() };
  }
  if (argv.includes('--stdio')) {
    const writer = new TrackingWriter(new StreamMessageWriter(process.stdout));
    // A stream as input, as the library's own stdio set-up passes it: the server then exits
    // when the editor closes stdin (the library wraps it in a reader itself).
    const connection = createConnection(ProposedFeatures.all, process.stdin as unknown as MessageReader, writer);
    // stdout carries the protocol: console output goes to the editor's log instead (as the
    // library does for its own stdio set-up).
    console.log = (...args: unknown[]) => connection.console.log(args.map(String).join(' '));
    console.info = (...args: unknown[]) => connection.console.info(args.map(String).join(' '));
    console.debug = (...args: unknown[]) => connection.console.log(args.map(String).join(' '));
    console.warn = (...args: unknown[]) => connection.console.warn(args.map(String).join(' '));
    console.error = (...args: unknown[]) => connection.console.error(args.map(String).join(' '));
    return { connection, outputIdle: () => writer.idle() };
  }
  return { connection: createConnection(ProposedFeatures.all), outputIdle: () => Promise.resolve() };
}
