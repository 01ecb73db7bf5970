/**
 * The light CLI writes its answers straight to file descriptor 1 (syncOut.ts), not through
 * process.stdout: a large answer still arrives whole through a pipe a slow reader drains, through
 * a descriptor someone made non-blocking (EAGAIN), and a reader that leaves early (`| head`)
 * ends the output quietly with the command's own exit code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { benchRevisions, writeProject } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { cli } from '../support/cli';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(repoRoot, 'dist', 'cli.js');

/** A project whose `graph --json` is far larger than a pipe's 64 KB buffer. */
function bigProject(): string {
  return writeProject(tempDir('alembic-syncout-'), benchRevisions(600, { mergeEvery: 50, finalHeads: 2 }));
}

const exited = (child: ReturnType<typeof spawn>): Promise<{ code: number | null; err: string }> =>
  new Promise((resolve) => {
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('close', (code) => resolve({ code, err }));
  });

test('a non-blocking standard output gets the whole answer: EAGAIN waits for the reader', async () => {
  const ini = bigProject();
  const expected = (await cli(['graph', '--json', ini, '--no-cache'])).out;
  assert.ok(Buffer.byteLength(expected) > 4 * 65536, `the answer (${expected.length} bytes) outgrows the pipe`);
  const fifo = path.join(tempDir('alembic-fifo-'), 'out');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  const rfd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const wfd = fs.openSync(fifo, fs.constants.O_WRONLY);
  // A spawned child's standard output is made blocking (libuv): Python sets O_NONBLOCK on it,
  // then becomes the CLI (exec keeps the descriptor and its flags).
  const nonBlocking = `import fcntl, os, sys
fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_NONBLOCK)
os.execv(sys.argv[1], sys.argv[1:])`;
  const child = spawn('python3', ['-c', nonBlocking, process.execPath, CLI, 'graph', '--json', ini, '--no-cache'], {
    stdio: ['ignore', wfd, 'pipe'],
  });
  fs.closeSync(wfd);
  const done = exited(child);
  let finished = false;
  void done.then(() => (finished = true));
  // The reader is late (the child meets a full pipe), then drains it in small bites.
  await new Promise((r) => setTimeout(r, 300));
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(8192);
  for (;;) {
    let n = -1;
    try {
      n = fs.readSync(rfd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
    if (n > 0) chunks.push(Buffer.from(buf.subarray(0, n)));
    else if (n === 0 || finished) {
      if (n === 0) break;
      // Exited: what is left in the pipe, then the end.
      try {
        const m = fs.readSync(rfd, buf, 0, buf.length, null);
        if (m === 0) break;
        chunks.push(Buffer.from(buf.subarray(0, m)));
      } catch {
        break;
      }
    } else await new Promise((r) => setTimeout(r, 2));
  }
  fs.closeSync(rfd);
  const { code, err } = await done;
  assert.equal(err, '');
  assert.equal(code, 0);
  assert.equal(Buffer.concat(chunks).toString('utf8'), expected);
});

test('a reader that leaves early ends the output quietly, with the exit code of the answer', async () => {
  const ini = bigProject();
  const child = spawn(process.execPath, [CLI, 'graph', '--json', ini, '--no-cache'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const done = exited(child);
  // `| head -c 100`: the first bytes, then the reading end is closed.
  const first = await new Promise<string>((resolve) => child.stdout.once('data', (b: Buffer) => resolve(b.toString('utf8'))));
  child.stdout.destroy();
  const { code, err } = await done;
  assert.match(first, /^\{/);
  assert.equal(err, '', 'nothing on stderr: no internal error, no EPIPE stack');
  assert.equal(code, 0);
});
