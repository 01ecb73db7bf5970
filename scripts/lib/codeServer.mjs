// code-server as the e2e suite and the demo run it: the install scripts/install-code-server.sh
// makes, a run folder (user data, extensions, XDG dirs inside it, marketplace off), the .vsix
// installed with --install-extension, the server on 127.0.0.1 and a free port, stopped as a
// process group.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

/** The code-server binary scripts/install-code-server.sh installs (ALEMBIC_E2E_ROOT moves it). */
export const codeServerBin = path.join(process.env.ALEMBIC_E2E_ROOT ?? path.join(root, '.vscode-e2e'), 'cs', 'node_modules', '.bin', 'code-server');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function waitHttp(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return false;
}

/** Stops a process group: SIGTERM, then SIGKILL after 5 s. */
export async function stopGroup(pid) {
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  for (const end = Date.now() + 5000; Date.now() < end;) {
    try {
      process.kill(-pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** The environment code-server needs on top of `env`: XDG dirs in the run folder, no marketplace. */
export function codeServerEnv(run, env) {
  const xdg = path.join(run, 'xdg');
  return {
    ...env,
    XDG_CONFIG_HOME: path.join(xdg, 'config'),
    XDG_DATA_HOME: path.join(xdg, 'data'),
    XDG_CACHE_HOME: path.join(xdg, 'cache'),
    EXTENSIONS_GALLERY: '{}',
  };
}

/** Installs a .vsix into `<run>/ext`; returns the installed extension's folder. */
export function installVsix(run, vsix, env, { userData = path.join(run, 'ud'), extensionId } = {}) {
  const r = spawnSync(codeServerBin, ['--user-data-dir', userData, '--extensions-dir', path.join(run, 'ext'), '--install-extension', vsix], {
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`code-server could not install ${path.basename(vsix)}:\n${(r.stderr || r.stdout || '').slice(-2000)}`);
  const dir = fs.readdirSync(path.join(run, 'ext')).find((d) => !extensionId || d.startsWith(`${extensionId}-`));
  if (!dir) throw new Error(`the .vsix did not install into ${path.join(run, 'ext')}`);
  return path.join(run, 'ext', dir);
}

/**
 * Starts code-server on `folder` and waits for /healthz. `trust: false` turns Workspace Trust off
 * (--disable-workspace-trust). Returns { port, url, pid, stop }.
 */
export async function startCodeServer({ run, folder, env, userData = path.join(run, 'ud'), trust = false }) {
  const port = await freePort();
  const log = path.join(run, 'code-server.log');
  const out = fs.openSync(log, 'a');
  const child = spawn(
    codeServerBin,
    [
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      ...(trust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--user-data-dir',
      userData,
      '--extensions-dir',
      path.join(run, 'ext'),
      '--config',
      path.join(run, 'config.yaml'),
      folder,
    ],
    { env, stdio: ['ignore', out, out], detached: true },
  );
  fs.closeSync(out);
  const stop = () => stopGroup(child.pid);
  if (!(await waitHttp(`http://127.0.0.1:${port}/healthz`, 30_000))) {
    await stop();
    throw new Error(`code-server did not start; see ${log}`);
  }
  return { port, pid: child.pid, url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`, stop };
}
