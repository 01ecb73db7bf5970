/**
 * Runs a command on a real pseudo-terminal (Python's `pty`, as a user's shell would give it one)
 * and answers its prompts: each step waits for a text to appear on the terminal, then types.
 * The terminal carries stdout and stderr alike, as a user sees them.
 */
import { spawn } from 'node:child_process';

export interface TerminalStep {
  /** Wait until the terminal shows this text (after what earlier steps waited for)… */
  expect: string;
  /** …then type this (`\n` is Enter, `\x04` is Ctrl-D, `\x03` is Ctrl-C). */
  send: string;
}

export interface TerminalResult {
  /** Exit code, or 128 + signal. */
  code: number;
  /** Everything the terminal showed (its line endings are \r\n). */
  screen: string;
  /** The step whose text never came (the command was killed), or undefined. */
  stuck?: string;
}

const DRIVER = `
import json, os, pty, select, signal, sys, time
argv, steps, timeout = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
screen = b''
seen = 0
stuck = None
def read_some(deadline):
    global screen
    left = deadline - time.time()
    if left <= 0:
        return False
    r, _, _ = select.select([fd], [], [], left)
    if not r:
        return False
    try:
        data = os.read(fd, 65536)
    except OSError:
        return None
    if not data:
        return None
    screen += data
    return True
for step in steps:
    want = step['expect'].encode()
    deadline = time.time() + timeout
    while screen.find(want, seen) < 0:
        got = read_some(deadline)
        if not got:
            break
    at = screen.find(want, seen)
    if at < 0:
        stuck = step['expect']
        os.kill(pid, signal.SIGKILL)
        break
    seen = at + len(want)
    os.write(fd, step['send'].encode())
deadline = time.time() + timeout
while True:
    got = read_some(deadline)
    if got is None:
        break
    if got is False:
        stuck = stuck or '(the end)'
        os.kill(pid, signal.SIGKILL)
        deadline = time.time() + 5
_, status = os.waitpid(pid, 0)
print(json.dumps({'code': os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status), 'screen': screen.decode('utf8', 'replace'), 'stuck': stuck}))
`;

/** Runs `argv` on a pseudo-terminal with `env`, answering `steps` in order; each wait (and the end) is bounded by `timeoutMs`. */
export function onTerminal(argv: string[], steps: TerminalStep[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<TerminalResult> {
  const child = spawn('python3', ['-c', DRIVER, JSON.stringify(argv), JSON.stringify(steps), String(timeoutMs / 1000)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      try {
        const r = JSON.parse(out) as { code: number; screen: string; stuck: string | null };
        resolve({ code: r.code, screen: r.screen, ...(r.stuck ? { stuck: r.stuck } : {}) });
      } catch {
        reject(new Error(`the terminal driver failed (exit ${code}): ${err || out}`));
      }
    }),
  );
}
