/**
 * A workspace a hostile repository could be: versions folders holding a FIFO, a unix socket
 * and symlinks to /dev/zero and /dev/stdin; a `file_template` that climbs out with `..`; a
 * `script.py.mako` that is a FIFO; a version location that is a symlink out of the
 * workspace. Used by the protocol and CLI tests, which must answer without hanging.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { tempDir } from './tempDir';
import { migrationText } from './generateProject';

export interface HostileWorkspace {
  /** The workspace folder. */
  root: string;
  /** `hostile/`: two heads, the special files, and `file_template = ../../escaped_…`. */
  hostile: { dir: string; ini: string; versions: string; special: Record<'fifo' | 'socket' | 'zero' | 'stdin', string>; goodFile: string; goodText: string };
  /** `pipetemplate/`: a healthy project whose script.py.mako is a FIFO. */
  pipeTemplate: { dir: string; ini: string };
  /** `linked/`: version_locations is a symlink to a folder outside the workspace. */
  linked: { dir: string; ini: string; outside: string };
  /** Closes the unix socket's listener. */
  close(): Promise<void>;
}

function ini(dir: string, extra = ''): string {
  const f = path.join(dir, 'alembic.ini');
  fs.writeFileSync(f, `[alembic]\nscript_location = migrations\n${extra}`);
  return f;
}

export async function makeHostileWorkspace(): Promise<HostileWorkspace> {
  const root = tempDir('alembic-hostile-');
  const outsideRoot = tempDir('alembic-outside-');

  const hDir = path.join(root, 'hostile');
  const versions = path.join(hDir, 'migrations', 'versions');
  fs.mkdirSync(versions, { recursive: true });
  const hIni = ini(hDir, 'file_template = ../../escaped_%%(rev)s_%%(slug)s\n');
  const goodText = migrationText('aaa111', null, 'create users');
  const goodFile = path.join(versions, 'aaa111_users.py');
  fs.writeFileSync(goodFile, goodText);
  fs.writeFileSync(path.join(versions, 'bbb222_second_head.py'), migrationText('bbb222', null, 'second base'));
  const special = {
    fifo: path.join(versions, 'fifo.py'),
    socket: path.join(versions, 'sock.py'),
    zero: path.join(versions, 'zero.py'),
    stdin: path.join(versions, 'stdin.py'),
  };
  execFileSync('mkfifo', [special.fifo]);
  fs.symlinkSync('/dev/zero', special.zero);
  fs.symlinkSync('/dev/stdin', special.stdin);
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(special.socket, resolve);
  });

  const pDir = path.join(root, 'pipetemplate');
  fs.mkdirSync(path.join(pDir, 'migrations', 'versions'), { recursive: true });
  const pIni = ini(pDir);
  fs.writeFileSync(path.join(pDir, 'migrations', 'versions', 'ccc333_base.py'), migrationText('ccc333', null, 'base'));
  execFileSync('mkfifo', [path.join(pDir, 'migrations', 'script.py.mako')]);

  const lDir = path.join(root, 'linked');
  fs.mkdirSync(path.join(lDir, 'migrations'), { recursive: true });
  const outside = path.join(outsideRoot, 'versions');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'ddd444_base.py'), migrationText('ddd444', null, 'base'));
  fs.symlinkSync(outside, path.join(lDir, 'migrations', 'versions'));
  const lIni = ini(lDir);

  return {
    root,
    hostile: { dir: hDir, ini: hIni, versions, special, goodFile, goodText },
    pipeTemplate: { dir: pDir, ini: pIni },
    linked: { dir: lDir, ini: lIni, outside },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
