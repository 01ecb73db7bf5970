/**
 * Which database the status bar reads, and how to reach it with `pg`: SQLAlchemy URLs
 * (`postgresql+psycopg2://`, `+asyncpg`, `postgres://`, query options, unix sockets) turned into
 * `pg` client options. Pure: no I/O, no secrets in any message.
 */

export interface PgOptions {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  ssl?: boolean | { rejectUnauthorized: boolean };
  options?: string;
}

export type ParsedUrl =
  | { kind: 'ok'; pg: PgOptions; needsPassword: boolean; notes: string[] }
  | { kind: 'error'; message: string };

const PG_SCHEME = /^(postgres|postgresql)(\+[a-z0-9_]+)?:$/i;

/** The URL with its password replaced by `***` (for logs, tooltips and errors). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:/@]*:)([^@]*)@/i, '$1***@');
}

/** Translates a SQLAlchemy or libpq URL into `pg` options. */
export function parseDatabaseUrl(raw: string): ParsedUrl {
  const url = raw.trim();
  const scheme = /^([a-z0-9+.-]+):\/\//i.exec(url);
  if (!scheme) return { kind: 'error', message: `'${redactUrl(url)}' is not a database URL (expected postgresql://user@host/dbname).` };
  if (!PG_SCHEME.test(scheme[1] + ':')) {
    return { kind: 'error', message: `${scheme[1]}:// is not PostgreSQL: this extension reads the version table of PostgreSQL databases only.` };
  }
  // WHATWG URL parsing needs a known-shaped scheme; the driver part is irrelevant to pg.
  let rest = url.slice(scheme[0].length);
  // `user@/db?host=/socket` (no host before the path) is valid for libpq but not for WHATWG URL.
  const noHost = /^([^/?#]*@)?\//.test(rest);
  if (noHost) rest = rest.replace(/^([^/?#]*@)?\//, (_m, user: string | undefined) => `${user ?? ''}no-host.invalid/`);
  let u: URL;
  try {
    u = new URL('postgresql://' + rest);
  } catch {
    return { kind: 'error', message: `'${redactUrl(url)}' is not a valid URL.` };
  }
  const pg: PgOptions = {};
  const notes: string[] = [];
  const dec = (s: string): string => decodeURIComponent(s);
  if (u.hostname && !noHost) pg.host = dec(u.hostname).split(',')[0];
  if (u.port) pg.port = Number(u.port);
  if (u.username) pg.user = dec(u.username);
  if (u.password) pg.password = dec(u.password);
  const db = dec(u.pathname.replace(/^\//, ''));
  if (db) pg.database = db;
  for (const [k, v] of u.searchParams) {
    switch (k) {
      case 'host':
        pg.host = v.split(',')[0];
        break;
      case 'port':
        pg.port = Number(v);
        break;
      case 'user':
        pg.user = v;
        break;
      case 'dbname':
        pg.database = v;
        break;
      case 'sslmode':
        if (v === 'disable') pg.ssl = false;
        else if (v === 'verify-ca' || v === 'verify-full') pg.ssl = { rejectUnauthorized: true };
        else if (v !== 'allow' && v !== 'prefer') pg.ssl = { rejectUnauthorized: false };
        break;
      case 'options':
        pg.options = v;
        break;
      default:
        notes.push(`query option '${k}' is not used to read the version table`);
    }
  }
  return { kind: 'ok', pg, needsPassword: pg.password === undefined && !(pg.host ?? '').startsWith('/'), notes };
}

export type ConnectionSource = 'setting' | 'env' | 'ini';

export type ResolvedConnection =
  | { kind: 'url'; url: string; source: ConnectionSource }
  | { kind: 'prompt' };

/** `alembic.ini`'s shipped placeholder: not a real database. */
const PLACEHOLDER = /^driver:\/\/|\/\/user:pass@localhost\/dbname/;

/**
 * First hit wins: the `alembic.databaseUrl` setting (with `${env:VAR}`), `DATABASE_URL`, the
 * ini's `sqlalchemy.url` (with `%(here)s`), else ask.
 */
export function resolveConnection(input: { settingUrl?: string; env: Record<string, string | undefined>; iniUrl?: string; iniHere?: string }): ResolvedConnection {
  const setting = (input.settingUrl ?? '').replace(/\$\{env:([A-Za-z_]\w*)\}/g, (_m, name: string) => input.env[name] ?? '').trim();
  if (setting) return { kind: 'url', url: setting, source: 'setting' };
  const env = input.env.DATABASE_URL?.trim();
  if (env) return { kind: 'url', url: env, source: 'env' };
  const ini = input.iniUrl?.replace(/%\(here\)s/g, input.iniHere ?? '').trim();
  if (ini && !PLACEHOLDER.test(ini)) return { kind: 'url', url: ini, source: 'ini' };
  return { kind: 'prompt' };
}

/** True for databases on this machine (confirmations may be relaxed for them). */
export function isLocalHost(pg: PgOptions): boolean {
  const h = pg.host ?? 'localhost';
  return h === 'localhost' || h === '127.0.0.1' || h === '::1' || h.startsWith('/');
}
