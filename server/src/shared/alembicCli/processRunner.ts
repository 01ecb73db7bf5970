/**
 * Runs one process from an argv array (never a shell), streams its output line by line, and
 * cancels by killing its whole process group: alembic's Python, anything `poetry run` or
 * `uv run` put in between, and their children. Node adapter, no VS Code.
 */
import { spawn } from 'node:child_process';

export interface RunInput {
  file: string;
  args: string[];
  cwd: string;
  /** The complete environment of the child. */
  env: NodeJS.ProcessEnv;
  /** Called with each complete line (without its newline) as it arrives. */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Aborting kills the process group (SIGTERM, then SIGKILL after `killGraceMs`). */
  signal?: AbortSignal;
  killGraceMs?: number;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  cancelled: boolean;
  /** `ENOENT`, `EACCES`… when the program could not be started. */
  spawnErrorCode?: string;
  pid?: number;
  durationMs: number;
}

/** Sends `sig` to the process group led by `pid` (falls back to the process itself). */
function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  }
}

/** True while any process of the group led by `pid` exists. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs the process to completion (or cancellation). Never throws. */
export function runProcess(input: RunInput): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const out: string[] = [];
    const err: string[] = [];
    let cancelled = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (r: Omit<RunResult, 'stdout' | 'stderr' | 'cancelled' | 'durationMs'>): void => {
      if (settled) return;
      settled = true;
      if (killTimer) clearTimeout(killTimer);
      input.signal?.removeEventListener('abort', onAbort);
      resolve({ ...r, stdout: out.join(''), stderr: err.join(''), cancelled, durationMs: Date.now() - started });
    };

    if (input.signal?.aborted) {
      cancelled = true;
      finish({ exitCode: null, signal: null });
      return;
    }
    let child: ReturnType<typeof spawn>;
    try {
      // detached: the child leads a new process group, so cancel can reach its descendants.
      child = spawn(input.file, input.args, {
        cwd: input.cwd,
        env: input.env,
        detached: process.platform !== 'win32',
        stdio: ['ignore', 'pipe', 'pipe'],
        shell: false,
        windowsHide: true,
      });
    } catch (e) {
      finish({ exitCode: null, signal: null, spawnErrorCode: (e as NodeJS.ErrnoException).code ?? 'EINVAL' });
      return;
    }
    const pid = child.pid;

    const lineSplitter = (stream: 'stdout' | 'stderr', sink: string[]): ((chunk: string) => void) => {
      let partial = '';
      const flush = (): void => {
        if (partial) input.onLine?.(stream, partial);
        partial = '';
      };
      (stream === 'stdout' ? child.stdout : child.stderr)?.on('end', flush);
      return (chunk: string) => {
        sink.push(chunk);
        const lines = (partial + chunk).split(/\r?\n/);
        partial = lines.pop() ?? '';
        for (const l of lines) input.onLine?.(stream, l);
      };
    };
    child.stdout?.setEncoding('utf8').on('data', lineSplitter('stdout', out));
    child.stderr?.setEncoding('utf8').on('data', lineSplitter('stderr', err));

    function onAbort(): void {
      if (settled || pid === undefined) return;
      cancelled = true;
      killGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), input.killGraceMs ?? 3000);
    }
    input.signal?.addEventListener('abort', onAbort);

    child.on('error', (e: NodeJS.ErrnoException) => finish({ exitCode: null, signal: null, spawnErrorCode: e.code ?? 'EINVAL', pid }));
    child.on('close', (code, sig) => {
      // The leader exited; stragglers of a cancelled group get the same treatment.
      if (cancelled && pid !== undefined && groupAlive(pid)) killGroup(pid, 'SIGKILL');
      finish({ exitCode: code, signal: sig, pid });
    });
  });
}
