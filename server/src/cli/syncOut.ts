/**
 * Writing the light CLI's answers to its standard output without `process.stdout`: creating
 * that stream loads Node's stream modules (~4 ms of a cached answer's ~55 ms above Node's own
 * start). The text goes to file descriptor 1 with blocking-style writes:
 *
 * - a partial write is continued where it stopped;
 * - a descriptor someone made non-blocking (a shared pipe, a FIFO) answers EAGAIN when the
 *   reader is behind: the write waits a millisecond and tries again, it never drops text;
 * - a reader that went away (`… | head -1`: EPIPE) ends the output quietly — nothing else is
 *   written to it, and the command's exit code stands.
 *
 * On Windows the console wants UTF-16, which `process.stdout` does for it: used there as is.
 */
import * as fs from 'node:fs';

let closed = false;
let pause: Int32Array | undefined;

/** Waits `ms` milliseconds without spinning (the main thread may block: this is a CLI). */
function sleep(ms: number): void {
  pause ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(pause, 0, 0, ms);
}

/** Writes `s` to file descriptor `fd` whole, as described above. */
export function writeWhole(fd: number, s: string): void {
  if (closed || s === '') return;
  const bytes = Buffer.from(s, 'utf8');
  let off = 0;
  while (off < bytes.length) {
    try {
      off += fs.writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') sleep(1);
      else if (code === 'EPIPE') {
        closed = true;
        return;
      } else throw e;
    }
  }
}

/** The light CLI's standard output. */
export const stdoutWrite: (s: string) => void = process.platform === 'win32' ? (s) => void process.stdout.write(s) : (s) => writeWhole(1, s);
