/**
 * Which database the extension reads, and how to reach it with `pg`: SQLAlchemy URLs
 * (`postgresql://`, `postgresql+psycopg2://`, `+asyncpg`, `+psycopg`, `postgres://`, libpq query
 * options, unix sockets, several hosts) turned into `pg` client options, plus the first-hit-wins
 * choice between the setting, `DATABASE_URL` and alembic.ini. Pure: no I/O, and no message or
 * note ever contains a password.
 */

/**
 * The subset of `pg`'s `ClientConfig` a URL can describe. Plain data (JSON-safe) so it can be
 * logged redacted, compared and stored; `versionTable.ts` turns it into a real `ClientConfig`.
 */
export interface PgConnectionOptions {
  /** Host name, IP address, or a unix-socket directory (starts with `/`). */
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  /** From `sslmode`: `false` = plain TCP; otherwise TLS with or without certificate checks. */
  ssl?: false | PgSslOptions;
  /** libpq `options` (e.g. `-csearch_path=app`), sent in the startup packet. */
  options?: string;
  /** From `application_name`. */
  applicationName?: string;
  /** From libpq `connect_timeout` (seconds), in milliseconds. */
  connectTimeoutMs?: number;
}

export interface PgSslOptions {
  /** Check the certificate chain (verify-ca, verify-full). */
  rejectUnauthorized: boolean;
  /** Check that the certificate names the host (verify-full only). */
  checkHostname: boolean;
  /** Paths from `sslrootcert` / `sslcert` / `sslkey`: the Node adapter reads them. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** The result of reading a URL: options for `pg`, or why the URL cannot be used. */
export type ParsedDatabaseUrl =
  | {
      kind: 'ok';
      pg: PgConnectionOptions;
      /** The URL names no password and the server is reached over TCP: one may have to be asked for. */
      needsPassword: boolean;
      /** The SQLAlchemy driver part (`psycopg2`, `asyncpg`…), if any. */
      driver?: string;
      /** Things the reader ignored or adapted, one sentence each (shown in the tooltip). */
      notes: string[];
    }
  | { kind: 'error'; message: string };

const PG_SCHEME = /^(postgres|postgresql)(?:\+([a-z0-9_]+))?$/i;

/**
 * Where the password of a `scheme://user:password@host…` URL sits: the userinfo ends at the
 * last `@` before the query string, so unencoded `@` and `/` inside passwords stay covered.
 */
function userInfoSpan(url: string): { start: number; end: number } | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!m) return undefined;
  const start = m[0].length;
  const q = url.indexOf('?', start);
  const before = q < 0 ? url.slice(start) : url.slice(start, q);
  const at = before.lastIndexOf('@');
  if (at < 0) return undefined;
  return { start, end: start + at };
}

/** The URL with its password (in the userinfo and in a `password=` query option) replaced by `***`. */
export function redactUrl(url: string): string {
  let out = url;
  const span = userInfoSpan(out);
  if (span) {
    const info = out.slice(span.start, span.end);
    const colon = info.indexOf(':');
    if (colon >= 0) out = out.slice(0, span.start) + info.slice(0, colon + 1) + '***' + out.slice(span.end);
  }
  return out.replace(/([?&]password=)[^&#\s]*/gi, '$1***');
}

/**
 * Every database URL inside free text (an argv element, a log line, a stderr line) redacted,
 * plus `password=…` key/value pairs and any of the given secrets wherever they appear.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (u) => redactUrl(u));
  out = out.replace(/\b(password|passwd|pwd)(\s*[=:]\s*)(?!\*\*\*)("[^"]*"|'[^']*'|[^\s,;&]+)/gi, '$1$2***');
  for (const s of secrets) {
    // Short secrets would erase ordinary words; such passwords are rare and still never logged on purpose.
    if (s && s.length >= 4) out = out.split(s).join('***');
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `host[:port]` or `[v6]:port`. */
function splitHostPort(s: string): { host?: string; port?: string } {
  const v6 = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
  if (v6) return { host: v6[1], port: v6[2] };
  const colon = s.lastIndexOf(':');
  if (colon < 0) return { host: s };
  return { host: s.slice(0, colon), port: s.slice(colon + 1) };
}

/**
 * Translates a SQLAlchemy URL (or a libpq URI) into `pg` options: percent-decoding, unix
 * sockets via `?host=/dir` (also `user@/dbname?host=…`), the first of several hosts, `sslmode`,
 * `options`, `application_name`, `connect_timeout`. Unknown query keys are ignored with a note.
 */
export function parseDatabaseUrl(raw: string): ParsedDatabaseUrl {
  const url = raw.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (!scheme) {
    return { kind: 'error', message: `'${redactUrl(url)}' is not a database URL (expected postgresql://user@host:5432/dbname).` };
  }
  const pgScheme = PG_SCHEME.exec(scheme[1]);
  if (!pgScheme) {
    const dialect = scheme[1].split('+')[0].toLowerCase();
    return {
      kind: 'error',
      message: `${dialect}:// is not PostgreSQL: the extension reads the version table of PostgreSQL databases only (use a postgresql:// URL).`,
    };
  }
  const driver = pgScheme[2]?.toLowerCase();
  const pg: PgConnectionOptions = {};
  const notes: string[] = [];

  let rest = url.slice(scheme[0].length);
  const hashAt = rest.indexOf('#');
  if (hashAt >= 0) rest = rest.slice(0, hashAt);
  const qAt = rest.indexOf('?');
  const query = qAt >= 0 ? rest.slice(qAt + 1) : '';
  if (qAt >= 0) rest = rest.slice(0, qAt);

  // userinfo: up to the last '@' (passwords may contain an unencoded '@').
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const info = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = info.indexOf(':');
    const user = colon >= 0 ? info.slice(0, colon) : info;
    if (user) pg.user = decode(user);
    if (colon >= 0) pg.password = decode(info.slice(colon + 1));
  }
  const slash = rest.indexOf('/');
  const hostPart = slash >= 0 ? rest.slice(0, slash) : rest;
  const dbPart = slash >= 0 ? rest.slice(slash + 1) : '';
  if (dbPart) pg.database = decode(dbPart);

  // `h1:5432,h2:5433` in the authority, or `?host=h1,h2&port=5432,5433`: libpq tries them in
  // order; reading the first is enough for a status display.
  const setHosts = (hostList: string, origin: 'netloc' | 'query'): void => {
    const hosts = hostList.split(',').filter((h) => h !== '');
    if (hosts.length === 0) return;
    if (origin === 'netloc') {
      const first = splitHostPort(hosts[0]);
      if (first.host) pg.host = decode(first.host);
      if (first.port) setPort(first.port);
    } else {
      pg.host = hosts[0];
    }
    if (hosts.length > 1) notes.push(`several hosts are listed; the version table is read from the first (${pg.host})`);
  };
  const setPort = (p: string): void => {
    const first = p.split(',')[0];
    const n = Number(first);
    if (Number.isInteger(n) && n > 0 && n < 65536) pg.port = n;
    else notes.push(`port '${first}' is not a number; the default port is used`);
  };
  if (hostPart) setHosts(hostPart, 'netloc');

  for (const pair of query.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode((eq >= 0 ? pair.slice(0, eq) : pair).replace(/\+/g, ' '));
    const value = decode((eq >= 0 ? pair.slice(eq + 1) : '').replace(/\+/g, ' '));
    switch (key) {
      case 'host':
        setHosts(value, 'query');
        break;
      case 'port':
        setPort(value);
        break;
      case 'user':
        pg.user = value;
        break;
      case 'password':
        pg.password = value;
        break;
      case 'dbname':
      case 'database':
        pg.database = value;
        break;
      case 'sslmode':
      case 'ssl': // asyncpg spells it ssl=require
        applySslMode(pg, value, notes);
        break;
      case 'sslrootcert':
        sslFiles(pg).caFile = value;
        break;
      case 'sslcert':
        sslFiles(pg).certFile = value;
        break;
      case 'sslkey':
        sslFiles(pg).keyFile = value;
        break;
      case 'options':
        pg.options = value;
        break;
      case 'application_name':
        pg.applicationName = value;
        break;
      case 'connect_timeout': {
        const s = Number(value);
        if (Number.isFinite(s) && s > 0) pg.connectTimeoutMs = Math.round(s * 1000);
        break;
      }
      default:
        notes.push(`query option '${key}' is ignored when reading the version table`);
    }
  }
  if (pg.ssl === undefined && hasSslFiles(pg)) {
    notes.push('sslrootcert/sslcert/sslkey without sslmode: no TLS is used');
  }
  const socket = (pg.host ?? '').startsWith('/');
  return { kind: 'ok', pg, needsPassword: pg.password === undefined && !socket, ...(driver ? { driver } : {}), notes };
}

// Certificate paths may come before sslmode in the query: park them until sslmode decides.
const pendingFiles = new WeakMap<PgConnectionOptions, Pick<PgSslOptions, 'caFile' | 'certFile' | 'keyFile'>>();

function sslFiles(pg: PgConnectionOptions): Pick<PgSslOptions, 'caFile' | 'certFile' | 'keyFile'> {
  if (pg.ssl) return pg.ssl;
  let f = pendingFiles.get(pg);
  if (!f) pendingFiles.set(pg, (f = {}));
  return f;
}

function hasSslFiles(pg: PgConnectionOptions): boolean {
  const f = pendingFiles.get(pg);
  return !!f && Object.keys(f).length > 0;
}

function applySslMode(pg: PgConnectionOptions, mode: string, notes: string[]): void {
  const files = pendingFiles.get(pg) ?? {};
  switch (mode.toLowerCase()) {
    case 'disable':
    case 'false':
      pg.ssl = false;
      return;
    case 'allow':
    case 'prefer':
      // pg cannot "try TLS, then fall back": plain TCP is what these modes get from most servers.
      pg.ssl = false;
      notes.push(`sslmode=${mode} is read as 'disable' (use sslmode=require if the server insists on TLS)`);
      return;
    case 'require':
    case 'true':
      pg.ssl = { rejectUnauthorized: false, checkHostname: false, ...files };
      return;
    case 'verify-ca':
      pg.ssl = { rejectUnauthorized: true, checkHostname: false, ...files };
      return;
    case 'verify-full':
      pg.ssl = { rejectUnauthorized: true, checkHostname: true, ...files };
      return;
    default:
      notes.push(`sslmode '${mode}' is unknown and ignored`);
  }
}

/** Which setting provided the URL (for the status tooltip). */
export type ConnectionSource = 'setting' | 'env' | 'ini';

/** The outcome of {@link resolveConnection}. */
export type ResolvedConnection =
  | {
      kind: 'url';
      url: string;
      source: ConnectionSource;
      /** Human wording of the source: "the alembic.databaseUrl setting"… */
      sourceLabel: string;
      /** Sources that were present but unusable, one sentence each (no secrets). */
      skipped: string[];
    }
  | { kind: 'prompt'; skipped: string[] };

/** alembic.ini templates ship `driver://user:pass@localhost/dbname`: a placeholder, not a database. */
export function isPlaceholderUrl(url: string): boolean {
  return /^driver:\/\//i.test(url) || /:\/\/user:pass@localhost\/dbname\b/i.test(url) || /:\/\/scott:tiger@localhost\/test\b/i.test(url);
}

/**
 * `${env:NAME}` replaced by the variable's value (VS Code's settings syntax). Names that are
 * not set are returned in `missing` and replaced by ''.
 */
export function expandEnvReferences(text: string, env: Readonly<Record<string, string | undefined>>): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = text.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined || v === '') missing.push(name);
    return v ?? '';
  });
  return { value, missing };
}

/**
 * First hit wins: the `alembic.databaseUrl` setting (with `${env:VAR}`), the `DATABASE_URL`
 * environment variable, the ini's raw `sqlalchemy.url` (with `%(here)s` and `%%`; template
 * placeholders ignored), else `{ kind: 'prompt' }`. Pure: the caller passes the environment.
 */
export function resolveConnection(input: {
  settingUrl?: string;
  env: Readonly<Record<string, string | undefined>>;
  /** The raw `sqlalchemy.url` value as written in alembic.ini (before interpolation). */
  iniUrl?: string;
  /** The ini file's folder (`%(here)s`). */
  iniHere?: string;
}): ResolvedConnection {
  const skipped: string[] = [];
  const settingRaw = (input.settingUrl ?? '').trim();
  if (settingRaw) {
    const { value, missing } = expandEnvReferences(settingRaw, input.env);
    if (missing.length === 0 && value.trim()) {
      return { kind: 'url', url: value.trim(), source: 'setting', sourceLabel: 'the alembic.databaseUrl setting', skipped };
    }
    skipped.push(`alembic.databaseUrl refers to ${missing.map((m) => `\${env:${m}}`).join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not set`);
  }
  const env = input.env.DATABASE_URL?.trim();
  if (env) return { kind: 'url', url: env, source: 'env', sourceLabel: 'the DATABASE_URL environment variable', skipped };
  const iniRaw = input.iniUrl?.trim();
  if (iniRaw) {
    const ini = iniRaw.replace(/%\(here\)s/g, input.iniHere ?? '').replace(/%%/g, '%');
    if (isPlaceholderUrl(ini)) skipped.push("alembic.ini's sqlalchemy.url is the template placeholder");
    else if (/%\([^)]*\)s/.test(ini)) skipped.push("alembic.ini's sqlalchemy.url uses an interpolation other than %(here)s (set by env.py at run time)");
    else return { kind: 'url', url: ini, source: 'ini', sourceLabel: "sqlalchemy.url in alembic.ini", skipped };
  }
  return { kind: 'prompt', skipped };
}

/** True for databases on this machine (confirmations may be relaxed for them). */
export function isLocalDatabase(pg: PgConnectionOptions): boolean {
  const h = (pg.host ?? 'localhost').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h) || h.startsWith('/');
}

/** `dbname @ host:port` for tooltips and messages (never a password). */
export function describeDatabase(pg: PgConnectionOptions): { database: string; host: string } {
  const host = pg.host ?? 'localhost';
  return { database: pg.database ?? pg.user ?? '(default)', host: pg.port ? `${host}:${pg.port}` : host };
}
