/**
 * The one place that starts `git`: an argv array (never a shell string), `-C <dir>`, no pager,
 * `core.quotepath=off`, `GIT_OPTIONAL_LOCKS=0` (a background read never takes the index lock a
 * user's `git commit` needs), no prompt, a timeout. Failures are values, never exceptions: a
 * missing git binary is `no-git`, an aborted run `cancelled` (the child is killed), anything
 * else `failed` with the exit code, stderr and argv. Every run can leave one log line.
 */
import { spawn } from 'node:child_process';

/** Default time a git command may take before it is killed. */
export const GIT_TIMEOUT_MS = 30_000;

export type GitResult =
  | { kind: 'ok'; stdout: Buffer; stderr: string }
  /** The `git` binary could not be started (not installed, not on PATH). */
  | { kind: 'no-git'; message: string }
  /** git ran and failed (or was killed after the timeout: `code` is then null). */
  | { kind: 'failed'; code: number | null; stderr: string; argv: string[]; timedOut: boolean }
  /** The caller's signal aborted the run; the child was killed. */
  | { kind: 'cancelled'; argv: string[] };

export interface GitRunOptions {
  /** Written to git's stdin, then stdin is closed (`cat-file --batch`). */
  input?: string | Buffer;
  timeoutMs?: number;
  /** The git executable (tests point it at a missing one). */
  gitPath?: string;
  /** Aborting kills the child; the result is then `cancelled`. */
  signal?: AbortSignal;
  /** Receives one line per run: the argv, how it ended and how long it took. */
  log?: (line: string) => void;
}

function outcome(r: GitResult): string {
  switch (r.kind) {
    case 'ok':
      return 'exit 0';
    case 'no-git':
      return 'no git';
    case 'cancelled':
      return 'cancelled';
    case 'failed':
      return r.timedOut ? 'timed out' : `exit ${r.code}`;
  }
}

/** The full argv a run uses: the fixed options first, so every call reads output the same way. */
export function gitArgv(dir: string, args: readonly string[]): string[] {
  return ['-C', dir, '--no-pager', '-c', 'core.quotepath=off', '-c', 'color.ui=false', ...args];
}

/** Runs `git -C dir …args` and collects its output. */
export async function runGit(dir: string, args: readonly string[], opts: GitRunOptions = {}): Promise<GitResult> {
  const argv = gitArgv(dir, args);
  const t0 = performance.now();
  const result = await spawnGit(argv, opts);
  opts.log?.(`git ${argv.join(' ')}: ${outcome(result)} in ${Math.round(performance.now() - t0)} ms`);
  return result;
}

function spawnGit(argv: string[], opts: GitRunOptions): Promise<GitResult> {
  return new Promise((resolve) => {
    if (opts.signal?.aborted) {
      resolve({ kind: 'cancelled', argv });
      return;
    }
    let child;
    try {
      child = spawn(opts.gitPath ?? 'git', argv, {
        env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', LC_ALL: 'C' },
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (e) {
      resolve({ kind: 'no-git', message: `git could not be started: ${(e as Error).message}` });
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? GIT_TIMEOUT_MS);
    const onAbort = (): void => {
      cancelled = true;
      child.kill('SIGKILL');
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (r: GitResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      done(
        e.code === 'ENOENT'
          ? { kind: 'no-git', message: 'git is not installed or not on PATH' }
          : { kind: 'failed', code: null, stderr: e.message, argv, timedOut: false },
      );
    });
    // A killed git may leave a child of its own holding the pipes open: do not wait for them.
    child.on('exit', (code) => {
      if (!cancelled && !timedOut) return;
      child.stdout.destroy();
      child.stderr.destroy();
      done(cancelled ? { kind: 'cancelled', argv } : { kind: 'failed', code, stderr: Buffer.concat(err).toString('utf8'), argv, timedOut });
    });
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8');
      if (cancelled) done({ kind: 'cancelled', argv });
      else if (code === 0 && !timedOut) done({ kind: 'ok', stdout: Buffer.concat(out), stderr });
      else done({ kind: 'failed', code, stderr, argv, timedOut });
    });
    // A closed pipe (git exited early) is reported through `close`, not as an exception here.
    child.stdin.on('error', () => undefined);
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}
