/**
 * Which database alembic will change, as the project's own env.py decides it: the argv that runs
 * the shipped probe (client/python/alembic_target.py) with the same interpreter as alembic, the
 * probe's JSON read into a target with libpq's defaults applied (query `host=`, connect_args,
 * PGHOST/PGPORT/…), whether that target is local, and how to name it in a confirmation. Pure.
 */

/** One host libpq would try, in order. `host` undefined = the default local socket. */
export interface TargetHost {
  host?: string;
  port: number;
}

/** What the probe learned. Never holds a password. */
export type AlembicTarget =
  | {
      kind: 'ok';
      /** `postgresql+psycopg2`, `postgresql+asyncpg`… */
      driver: string;
      hosts: TargetHost[];
      hostaddr?: string;
      service?: string;
      database?: string;
      user?: string;
      sslmode?: string;
      /** Query options other than the ones above (no password), for reading the version table. */
      options?: string;
      /** env.py's URL (or connect_args) carried a password: the probe handed it over privately. */
      hasPassword: boolean;
      /** The SQLAlchemy call env.py made (`engine_from_config`, `create_async_engine`…). */
      via: string;
    }
  | { kind: 'unknown'; reason: string };

/** The default unix-socket directories of libpq builds (Debian, most Linux, macOS/Homebrew). */
export const DEFAULT_SOCKET_DIRS = ['/var/run/postgresql', '/run/postgresql', '/tmp'];

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const first = (v: unknown): string | undefined => (Array.isArray(v) ? str(v[0]) : str(v));

function portOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

/**
 * The probe's stdout (one JSON line) read into a target, with libpq's precedence: the URL's
 * host/port, else the query's `host=`/`port=` (comma lists allowed), else connect_args, else
 * the PG* variables the probe saw, else the local socket and 5432.
 */
export function parseProbeOutput(stdout: string): AlembicTarget {
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .at(-1);
  if (!line) return { kind: 'unknown', reason: 'the probe printed nothing' };
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { kind: 'unknown', reason: 'the probe printed something that is not JSON' };
  }
  if (raw.kind !== 'ok') return { kind: 'unknown', reason: str(raw.reason) ?? 'the probe could not tell' };
  const q = (raw.query ?? {}) as Record<string, unknown>;
  const ca = (raw.connectArgs ?? {}) as Record<string, unknown>;
  const env = (raw.env ?? {}) as Record<string, unknown>;
  const hostList = str(raw.host) ?? first(q.host) ?? str(ca.host) ?? str(env.PGHOST);
  const portList = str(raw.port) ?? first(q.port) ?? str(ca.port) ?? str(env.PGPORT);
  const hostNames = hostList ? hostList.split(',') : [''];
  const ports = portList ? portList.split(',') : [];
  const hosts = hostNames.map((h, i) => ({ ...(h ? { host: h } : {}), port: portOf(ports[i] ?? ports[0]) ?? 5432 }));
  const user = str(raw.username) ?? first(q.user) ?? str(ca.user) ?? str(env.PGUSER);
  const database = str(raw.database) ?? first(q.dbname) ?? first(q.database) ?? str(ca.dbname) ?? str(ca.database) ?? str(env.PGDATABASE);
  const hostaddr = first(q.hostaddr) ?? str(ca.hostaddr) ?? str(env.PGHOSTADDR);
  const service = first(q.service) ?? str(ca.service) ?? str(env.PGSERVICE);
  const sslmode = first(q.sslmode) ?? first(q.ssl) ?? str(ca.sslmode) ?? str(env.PGSSLMODE);
  const handled = new Set(['host', 'port', 'user', 'dbname', 'database', 'hostaddr', 'service', 'sslmode', 'ssl']);
  const rest = Object.entries(q)
    .filter(([k]) => !handled.has(k))
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(first(v) ?? '')}`);
  return {
    kind: 'ok',
    driver: str(raw.drivername) ?? 'postgresql',
    hosts,
    ...(hostaddr ? { hostaddr } : {}),
    ...(service ? { service } : {}),
    ...(database ? { database } : user ? { database: user } : {}),
    ...(user ? { user } : {}),
    ...(sslmode ? { sslmode } : {}),
    ...(rest.length ? { options: rest.join('&') } : {}),
    hasPassword: raw.hasPassword === true,
    via: str(raw.via) ?? 'create_engine',
  };
}

const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|::1|localhost)$/i;

/**
 * Local for `alembic.confirmDowngrade = "remoteOnly"`: exactly one host, no `hostaddr` and no
 * `service` (either can send the connection anywhere), and that host a loopback IP literal,
 * `localhost`, or a default local socket directory (or none, which is the default socket).
 */
export function isLocalTarget(t: AlembicTarget): boolean {
  if (t.kind !== 'ok' || t.hosts.length !== 1 || t.hostaddr || t.service) return false;
  const h = t.hosts[0].host;
  if (h === undefined) return true;
  if (h.startsWith('/')) return DEFAULT_SOCKET_DIRS.includes(h.replace(/\/+$/, ''));
  return LOOPBACK.test(h.replace(/^\[|\]$/g, ''));
}

function hostLabel(h: TargetHost): string {
  if (h.host === undefined) return 'the local socket';
  if (h.host.startsWith('/')) return `socket ${h.host}`;
  return `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`;
}

/** "`app` on `db.prod.internal:5432` as `deploy`" — for confirmations, tooltips and the log. */
export function describeTarget(t: AlembicTarget & { kind: 'ok' }, code = (s: string): string => `\`${s}\``): string {
  const where = t.service ? `service ${code(t.service)}` : t.hosts.map((h) => code(hostLabel(h))).join(' or ');
  const via = t.hostaddr ? ` (address ${code(t.hostaddr)})` : '';
  return `${code(t.database ?? '(default)')} on ${where}${via}${t.user ? ` as ${code(t.user)}` : ''}`;
}

/** The database the status bar reads, in the same terms. */
export interface ReadDatabase {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
}

const normHost = (h: string | undefined): string => {
  if (h === undefined || DEFAULT_SOCKET_DIRS.includes(h.replace(/\/+$/, ''))) return 'local-socket';
  return LOOPBACK.test(h) ? 'loopback' : h.toLowerCase();
};

/** Whether the status bar's database is the one alembic will change (host, port, database, user). */
export function sameDatabase(t: AlembicTarget & { kind: 'ok' }, read: ReadDatabase): boolean {
  if (t.hosts.length !== 1 || t.hostaddr || t.service) return false;
  const h = t.hosts[0];
  return (
    normHost(h.host) === normHost(read.host) &&
    h.port === (read.port ?? 5432) &&
    (t.database ?? '') === (read.database ?? read.user ?? '') &&
    (t.user === undefined || read.user === undefined || t.user === read.user)
  );
}

/**
 * A `postgresql://` URL without password for the target's first host, so the extension can read
 * that database's version table with its usual URL reader (the password is passed separately).
 */
export function targetUrl(t: AlembicTarget & { kind: 'ok' }): string {
  const h = t.hosts[0] ?? { port: 5432 };
  const e = encodeURIComponent;
  const query = [
    ...(h.host?.startsWith('/') ? [`host=${e(h.host)}`] : []),
    ...(h.host === undefined ? [`host=${e(DEFAULT_SOCKET_DIRS[0])}`] : []),
    ...(t.sslmode ? [`sslmode=${e(t.sslmode)}`] : []),
    ...(t.options ? [t.options] : []),
  ];
  const netloc = h.host && !h.host.startsWith('/') ? `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}` : '';
  const port = h.host === undefined || h.host.startsWith('/') ? (h.port !== 5432 ? [`port=${h.port}`] : []) : [];
  const q = [...query, ...port];
  return `postgresql://${t.user ? `${e(t.user)}@` : ''}${netloc}/${e(t.database ?? '')}${q.length ? `?${q.join('&')}` : ''}`;
}

/**
 * The argv that runs the probe with the interpreter alembic runs under, from alembic's own
 * command: `<python> -m alembic` → `<python>`; `poetry run alembic` (uv, pipenv, pdm, hatch,
 * rye) → `poetry run python`; an `alembic` script → the interpreter of its shebang. Undefined
 * when it cannot be told (the caller says so and asks for an explicit choice).
 */
export function probeInterpreter(
  alembicArgv: readonly string[],
  io: { which(name: string): string | undefined; shebang(file: string): string | undefined },
): string[] | undefined {
  const argv = alembicArgv.filter((a) => a !== '');
  if (argv.length === 0) return undefined;
  const m = argv.indexOf('-m');
  if (m > 0 && argv[m + 1] === 'alembic') return argv.slice(0, m);
  const last = argv[argv.length - 1];
  const isAlembic = (a: string): boolean => /(?:^|[\\/])alembic(?:\.exe)?$/i.test(a);
  if (argv.length > 1 && isAlembic(last) && argv[argv.length - 2] === 'run') return [...argv.slice(0, -1), 'python'];
  if (argv.length === 1 && isAlembic(last)) {
    const file = last.includes('/') ? last : io.which(last);
    if (!file) return undefined;
    const line = io.shebang(file);
    const words =
      line
        ?.replace(/^#!\s*/, '')
        .trim()
        .split(/\s+/) ?? [];
    if (!words[0]) return undefined;
    if (/(?:^|\/)env$/.test(words[0])) return words[1] && !words[1].startsWith('-') ? [words[1]] : undefined;
    return [words[0]];
  }
  return undefined;
}
