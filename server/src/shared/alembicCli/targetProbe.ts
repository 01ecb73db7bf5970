/**
 * Runs the shipped probe (client/python/alembic_target.py, copied beside the bundles in dist/)
 * with the interpreter alembic runs under, in the environment a run gets, and caches its answer
 * per project until alembic.ini, env.py, the project's .env, the settings or the environment
 * change. The password env.py would use comes back on a private pipe (fd 3), is kept in memory
 * only and is never logged. Node adapter, shared by the extension and the CLI.
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseProbeOutput, probeInterpreter, targetUrl, type AlembicTarget } from './alembicTarget';
import { parseDatabaseUrl, type PgConnectionOptions } from '../db/databaseUrl';
import { which } from './localTools';

export interface ProbeRequest {
  projectId: string;
  /** alembic's own argv prefix (the `alembic.command` setting, `<python> -m alembic`, or `alembic`). */
  alembicArgv: string[];
  iniFile: string;
  cwd: string;
  xArgs: string[];
  /** The additions to the environment a run gets (alembic.env, DATABASE_URL, PGPASSWORD…). */
  env: Record<string, string>;
  /** Files whose change changes the answer (env.py, .env…), besides the ini. */
  inputs: string[];
}

export interface ProbeResult {
  target: AlembicTarget;
  /** The password env.py's URL carries, if any: for reading that database's version table only. */
  password?: string;
  durationMs: number;
}

const PROBE_TIMEOUT_MS = 20_000;
const MAX_INPUT_BYTES = 4 * 1024 * 1024;

/** The bytes of a regular file (bounded), or a marker: the fingerprint never blocks on a FIFO. */
function fileMark(file: string): string {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return `${file}:not-a-file`;
    if (st.size > MAX_INPUT_BYTES) return `${file}:${st.size}:${st.mtimeMs}`;
    return `${file}:${crypto.createHash('sha256').update(fs.readFileSync(fd)).digest('hex')}`;
  } catch {
    return `${file}:absent`;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function shebang(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    if (!fs.fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.alloc(256);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const line = buf.subarray(0, n).toString('utf8').split('\n')[0];
    return line.startsWith('#!') ? line : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** `pg` options for the database env.py builds (with the password env.py would use), if known. */
export function targetConnection(result: ProbeResult | undefined): PgConnectionOptions | undefined {
  if (result?.target.kind !== 'ok') return undefined;
  const parsed = parseDatabaseUrl(targetUrl(result.target));
  if (parsed.kind !== 'ok') return undefined;
  return { ...parsed.pg, ...(result.password ? { password: result.password } : {}) };
}

/**
 * The probe's file: beside the bundle (dist/alembic_target.py), or client/python/ in a checkout
 * (the transpiled tests run from out/…). Undefined when this installation lacks it.
 */
export function findProbeScript(from: string): string | undefined {
  const candidates = [path.join(from, 'alembic_target.py')];
  for (let d = from, i = 0; i < 6; i++, d = path.dirname(d)) candidates.push(path.join(d, 'client', 'python', 'alembic_target.py'));
  return candidates.find((f) => fs.existsSync(f));
}

export class TargetProbe {
  private readonly cache = new Map<string, { fingerprint: string; result: ProbeResult }>();

  constructor(private readonly script: string) {}

  /** Forgets every cached answer (the user asked to refresh). */
  clear(): void {
    this.cache.clear();
  }

  /** The cached answer when nothing it depends on changed, else a fresh run of the probe. */
  async probe(req: ProbeRequest, baseEnv: NodeJS.ProcessEnv = process.env): Promise<ProbeResult> {
    const env: NodeJS.ProcessEnv = { ...baseEnv, ...req.env, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8', PYTHONDONTWRITEBYTECODE: '1' };
    // A run's application name is random per run: it does not change the target.
    delete env.PGAPPNAME;
    const envText = Object.keys(env)
      .sort()
      .map((k) => `${k}=${env[k]}`)
      .join('\0');
    const fingerprint = crypto
      .createHash('sha256')
      .update(JSON.stringify([req.alembicArgv, req.iniFile, req.cwd, req.xArgs, envText, [req.iniFile, ...req.inputs].map(fileMark)]))
      .digest('hex');
    const hit = this.cache.get(req.projectId);
    if (hit && hit.fingerprint === fingerprint) return hit.result;
    const result = await this.run(req, env);
    this.cache.set(req.projectId, { fingerprint, result });
    return result;
  }

  private run(req: ProbeRequest, env: NodeJS.ProcessEnv): Promise<ProbeResult> {
    const t0 = Date.now();
    const interpreter = probeInterpreter(req.alembicArgv, { which: (n) => which(n, env.PATH), shebang });
    if (!interpreter) {
      return Promise.resolve({ target: { kind: 'unknown', reason: `cannot tell which Python runs ${req.alembicArgv.join(' ')}` }, durationMs: 0 });
    }
    const [file, ...pre] = interpreter;
    const args = [...pre, this.script, '-c', req.iniFile, ...req.xArgs.flatMap((x) => [`-x${x}`])];
    return new Promise((resolve) => {
      let stdout = '';
      let password = '';
      let settled = false;
      const done = (target: AlembicTarget): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ target, ...(password && target.kind === 'ok' && target.hasPassword ? { password } : {}), durationMs: Date.now() - t0 });
      };
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(file, args, { cwd: req.cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], detached: process.platform !== 'win32', windowsHide: true });
      } catch (e) {
        return done({ kind: 'unknown', reason: `could not start ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
      }
      const timer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
        done({ kind: 'unknown', reason: `env.py did not finish within ${PROBE_TIMEOUT_MS / 1000} s` });
      }, PROBE_TIMEOUT_MS);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        if (stdout.length < 65536) stdout += d;
      });
      child.stderr!.resume();
      const secret = child.stdio[3] as NodeJS.ReadableStream | null;
      secret?.setEncoding('utf8');
      secret?.on('data', (d: string) => {
        if (password.length < 4096) password += d;
      });
      secret?.on('error', () => undefined);
      child.on('error', (e: NodeJS.ErrnoException) => done({ kind: 'unknown', reason: `could not start ${file} (${e.code ?? 'error'})` }));
      child.on('close', (code) => {
        const target = parseProbeOutput(stdout);
        done(
          target.kind === 'unknown' && code !== 0 && !stdout
            ? { kind: 'unknown', reason: `the probe failed with exit code ${code} (is ${file} the interpreter alembic uses?)` }
            : target,
        );
      });
    });
  }
}
