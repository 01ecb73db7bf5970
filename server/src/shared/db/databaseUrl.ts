/**
 * Which database the extension reads, and how to reach it with `pg`: SQLAlchemy URLs
 * (`postgresql://`, `postgresql+psycopg2://`, `+asyncpg`, `+psycopg`, `postgres://`, libpq query
 * options, unix sockets, several hosts) and libpq keyword strings turned into `pg` client
 * options; the redaction of passwords in URLs and free text (one tokenizer for parsing and
 * redaction); the URL rebuilt without its password; the first-hit-wins choice between the
 * setting, `DATABASE_URL` and alembic.ini. Pure: no I/O, and no message or note ever contains
 * a password.
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
  /**
   * From `sslmode`: `false` = plain TCP (disable); `'prefer'` = try TLS without certificate
   * checks and fall back to plain TCP if the server refuses TLS (libpq's default, also for
   * `allow`); otherwise TLS is required, with or without certificate checks.
   */
  ssl?: false | 'prefer' | PgSslOptions;
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

/**
 * A connection string taken apart, decoded: what {@link urlWithoutPassword} rebuilds from.
 * `hosts` are the URL authority's `host[:port]` entries; `params` are the query options (URL) or
 * every `key=value` pair (libpq keyword form), in order, password included.
 */
export interface ConnectionParts {
  form: 'url' | 'keyword';
  /** `postgresql+psycopg2`… (`''` for the keyword form). */
  scheme: string;
  user?: string;
  password?: string;
  hosts: Array<{ host: string; port?: string }>;
  database?: string;
  params: Array<{ key: string; value: string }>;
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
      /** The string taken apart (holds the password, like `pg`): never logged. */
      parts: ConnectionParts;
    }
  | { kind: 'error'; message: string };

const PG_SCHEME = /^(postgres|postgresql)(?:\+([a-z0-9_]+))?$/i;
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const KEYWORD_START = /^\s*[A-Za-z_][A-Za-z0-9_]*\s*=/;

/** Where a piece of the input sits (`end` exclusive). */
interface Span {
  start: number;
  end: number;
}

/**
 * A connection string cut into parts by {@link tokenize}: the one reader behind both
 * {@link parseDatabaseUrl} and {@link redactUrl}, so they cannot disagree on where a password is.
 */
interface Tokens extends ConnectionParts {
  /** Input spans that hold a password, in order. */
  secretSpans: Span[];
  /** What is wrong with the string, said generically (never quoting it). */
  problem?: string;
}

/** Percent-decoding that keeps malformed sequences as written instead of failing the whole string. */
function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/** Query keys and values are form-encoded for SQLAlchemy (`parse_qsl`): `+` is a space. */
const decodeQuery = (s: string): string => decode(s.replace(/\+/g, ' '));

const isPasswordKey = (key: string): boolean => key.trim().toLowerCase() === 'password';

/**
 * Takes a connection string apart. Two forms:
 *
 * - URL (`scheme://userinfo@hosts/database?query`), read as SQLAlchemy 1.4+ and libpq read it,
 *   with one rule for unencoded characters: the user name runs to the first `:`, `/`, `?` or
 *   `@`. If `@` ends it, the userinfo is just the user. If `:` ends it and an `@` follows
 *   anywhere, the password runs from that `:` to the LAST `@` of the whole string — so a
 *   password may hold raw `@ : / ? # & = %` and spaces. (The price: in a URL with `host:port`,
 *   no user and a raw `@` further on, that part is read as userinfo — more is hidden, never
 *   less; write such an `@` as `%40`.) There are no fragments: `#` is an ordinary character, as
 *   in SQLAlchemy. In the query, keys are percent-decoded before they are compared
 *   (`pass%77ord=` is `password=`), and a password value runs to the next `&` that starts
 *   another `name=` pair (name: letters, digits, `_`), so a raw `&` inside it stays covered.
 *   (A raw password that itself holds `&name=` cannot be told from a following option: the
 *   part before it is hidden, the rest is read as that option.)
 * - libpq keyword/value (`host=db user=u password='a b\'c'`): values are bare words or
 *   single-quoted; a backslash escapes the next character in both.
 *
 * Returns undefined when the string is neither.
 */
function tokenize(raw: string): Tokens | undefined {
  const scheme = URL_SCHEME.exec(raw);
  if (scheme) return tokenizeUrl(raw, scheme[1], scheme[0].length);
  if (KEYWORD_START.test(raw)) return tokenizeKeywords(raw);
  return undefined;
}

function tokenizeUrl(s: string, scheme: string, from: number): Tokens {
  const t: Tokens = { form: 'url', scheme, hosts: [], params: [], secretSpans: [] };
  let pos = from;
  let userEnd = pos;
  while (userEnd < s.length && !':/?@'.includes(s[userEnd])) userEnd++;
  const lastAt = s.lastIndexOf('@');
  if (s[userEnd] === '@' || (s[userEnd] === ':' && lastAt > userEnd)) {
    if (userEnd > pos) t.user = decode(s.slice(pos, userEnd));
    if (s[userEnd] === ':') {
      t.password = decode(s.slice(userEnd + 1, lastAt));
      t.secretSpans.push({ start: userEnd + 1, end: lastAt });
      pos = lastAt + 1;
    } else {
      pos = userEnd + 1;
    }
  }
  let hostEnd = pos;
  while (hostEnd < s.length && s[hostEnd] !== '/' && s[hostEnd] !== '?') hostEnd++;
  for (const entry of s.slice(pos, hostEnd).split(',')) {
    if (!entry) continue;
    const v6 = /^\[([^\]]*)\](?::(.*))?$/.exec(entry);
    const colon = entry.lastIndexOf(':');
    const hp = v6 ? { host: v6[1], port: v6[2] } : colon < 0 ? { host: entry } : { host: entry.slice(0, colon), port: entry.slice(colon + 1) };
    t.hosts.push({ host: decode(hp.host), ...(hp.port ? { port: decode(hp.port) } : {}) });
  }
  pos = hostEnd;
  if (s[pos] === '/') {
    const q = s.indexOf('?', pos);
    const dbEnd = q < 0 ? s.length : q;
    if (dbEnd > pos + 1) t.database = decode(s.slice(pos + 1, dbEnd));
    pos = dbEnd;
  }
  if (s[pos] === '?') tokenizeQuery(s, pos + 1, t);
  return t;
}

function tokenizeQuery(s: string, from: number, t: Tokens): void {
  const segments: Span[] = [];
  for (let i = from; ;) {
    const amp = s.indexOf('&', i);
    segments.push({ start: i, end: amp < 0 ? s.length : amp });
    if (amp < 0) break;
    i = amp + 1;
  }
  // Only an option name (after decoding) followed by '=' starts another pair after a password.
  const startsPair = (seg: Span): boolean => {
    const text = s.slice(seg.start, seg.end);
    const eq = text.indexOf('=');
    return eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(decodeQuery(text.slice(0, eq)));
  };
  for (let k = 0; k < segments.length; k++) {
    const seg = segments[k];
    const text = s.slice(seg.start, seg.end);
    if (!text) continue;
    const eq = text.indexOf('=');
    const key = decodeQuery(eq >= 0 ? text.slice(0, eq) : text);
    const value: Span = { start: eq >= 0 ? seg.start + eq + 1 : seg.end, end: seg.end };
    if (isPasswordKey(key)) {
      while (k + 1 < segments.length && !startsPair(segments[k + 1])) value.end = segments[++k].end;
      if (value.end > value.start) t.secretSpans.push(value);
    }
    t.params.push({ key, value: decodeQuery(s.slice(value.start, value.end)) });
  }
}

function tokenizeKeywords(s: string): Tokens {
  const t: Tokens = { form: 'keyword', scheme: '', hosts: [], params: [], secretSpans: [] };
  const space = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
  let i = 0;
  // A bare password followed by words without '=' (`password=a b dbname=x`, malformed) is
  // hidden through its last such word: the user meant them as one value.
  let bareSecret: Span | undefined;
  for (;;) {
    while (space(s[i])) i++;
    if (i >= s.length) break;
    const keyStart = i;
    while (i < s.length && s[i] !== '=' && !space(s[i])) i++;
    const key = s.slice(keyStart, i);
    const keyEnd = i;
    while (space(s[i])) i++;
    if (s[i] !== '=') {
      t.problem ??= "the connection string has a word without '=' (expected key=value pairs separated by spaces)";
      if (bareSecret) bareSecret.end = keyEnd;
      continue;
    }
    if (key === '') {
      // A '=' with no key is no pair either (`password=abc =def dbname=x`): after a bare password
      // it is part of what the user meant as the value, hidden with it (the redaction property
      // found `password=u = dbname=…` rebuilt as `user=u =dbname=…`).
      t.problem ??= "the connection string has a '=' without a key (expected key=value pairs separated by spaces)";
      i++;
      if (bareSecret) bareSecret.end = i;
      continue;
    }
    bareSecret = undefined;
    i++;
    while (space(s[i])) i++;
    const valueStart = i;
    let value = '';
    const quoted = s[i] === "'";
    if (quoted) i++;
    let closed = !quoted;
    while (i < s.length) {
      const c = s[i];
      if (quoted && c === "'") {
        closed = true;
        i++;
        break;
      }
      if (!quoted && space(c)) break;
      if (c === '\\') {
        // libpq drops a trailing lone backslash.
        if (i + 1 < s.length) value += s[i + 1];
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    if (!closed) t.problem ??= 'a quoted value in the connection string has no closing quote';
    if (isPasswordKey(key) && i > valueStart) {
      const span = { start: valueStart, end: Math.min(i, s.length) };
      t.secretSpans.push(span);
      if (!quoted) bareSecret = span;
    }
    t.params.push({ key, value });
  }
  return t;
}

/** `s` with every span replaced by `***`. */
function maskSpans(s: string, spans: readonly Span[]): string {
  let out = '';
  let at = 0;
  for (const sp of spans) {
    out += s.slice(at, sp.start) + '***';
    at = sp.end;
  }
  return out + s.slice(at);
}

/**
 * The connection string with every password (userinfo, `password=` query option, libpq
 * `password=` pair) replaced by `***`. Strings that are neither a URL nor a keyword string go
 * through {@link redactText}.
 */
export function redactUrl(url: string): string {
  const t = tokenize(url);
  return t ? maskSpans(url, t.secretSpans) : redactText(url);
}

/** Characters a password may be made of are unlimited: these forms of a secret are hidden too. */
function secretForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), secret.replace(/[\\']/g, '\\$&')]);
  return [...forms].filter((f) => f !== '');
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * `password=…`, `PGPASSWORD=…`, `"password": "…"`, `passwd: …`: bare, single- or double-quoted.
 * A bare value followed on its line by words without '=' (or with only a leading one, `=def`)
 * and then a `key=` (a malformed libpq string, `password=a b dbname=x`) is taken through its
 * last such word.
 */
const PASSWORD_PAIR =
  /(["']?)\b(\w*pass(?:word|wd)|pwd)\1(\s*[=:]\s*)("(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?|(?:\\.|[^\s\\])+(?:[ \t]+(?:=?(?:\\.|[^\s\\=])+|=))+(?=[ \t]+\w+[ \t]*=)|(?:\\.|[^\s\\])+)/gi;

/**
 * Free text (an argv element, a log line, stderr) with passwords hidden: first every given
 * secret (4+ characters: wherever it appears; shorter: where it stands as a whole token, not
 * inside a word), then every URL — from its scheme to the end of its line, so a password with
 * spaces or quotes is still inside it — through {@link redactUrl}, then every `password=` /
 * `PGPASSWORD=` / JSON `"password": "…"` / libpq `password='…'` value, and SQL's
 * `PASSWORD '…'` literal.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  const forms = secrets.flatMap(secretForms).sort((a, b) => b.length - a.length);
  for (const f of forms) {
    if (f.length >= 4) out = out.split(f).join('***');
    else out = out.replace(new RegExp(`(?<![A-Za-z0-9_])${escapeRegExp(f)}(?![A-Za-z0-9_])`, 'g'), '***');
  }
  out = out.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\n]*/gi, (u) => {
    const t = tokenizeUrl(u, '', u.indexOf('://') + 3);
    return maskSpans(u, t.secretSpans);
  });
  out = out.replace(PASSWORD_PAIR, (_m, q: string, key: string, sep: string, value: string) => {
    const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
    return `${q}${key}${q}${sep}${quote}***${quote}`;
  });
  // SQL in a failed migration's error: CREATE/ALTER ROLE … [ENCRYPTED] PASSWORD 'literal'.
  return out.replace(/\b(PASSWORD\s+)[EeNn]?'(?:''|\\.|[^'\\])*'?/gi, "$1'***'");
}

/**
 * Translates a SQLAlchemy URL, a libpq URI or a libpq keyword/value string into `pg` options:
 * percent-decoding, unix sockets via `?host=/dir` (also `user@/dbname?host=…`), the first of
 * several hosts, `sslmode` (default `prefer`), certificate files, `options`,
 * `application_name`, `connect_timeout`. Unknown keys are ignored with a note. Messages and
 * notes never quote the input.
 */
export function parseDatabaseUrl(raw: string): ParsedDatabaseUrl {
  const t = tokenize(raw.trim());
  if (!t) {
    return { kind: 'error', message: 'This is not a database URL (expected postgresql://user@host:5432/dbname, or libpq key=value pairs).' };
  }
  let driver: string | undefined;
  if (t.form === 'url') {
    const pgScheme = PG_SCHEME.exec(t.scheme);
    if (!pgScheme) {
      return {
        kind: 'error',
        message: 'The URL is not a PostgreSQL URL: the extension reads the version table of PostgreSQL databases only (use a postgresql:// URL).',
      };
    }
    driver = pgScheme[2]?.toLowerCase();
  }
  if (t.problem) return { kind: 'error', message: `The connection string cannot be read: ${t.problem}.` };

  const pg: PgConnectionOptions = {};
  const notes: string[] = [];
  const files: Pick<PgSslOptions, 'caFile' | 'certFile' | 'keyFile'> = {};
  let sslMode: string | undefined;

  // `h1:5432,h2:5433` in the authority, or `host=h1,h2&port=5432,5433`: libpq tries them in
  // order; reading the first is enough for a status display.
  const setHosts = (hosts: string[]): void => {
    const list = hosts.filter((h) => h !== '');
    if (list.length === 0) return;
    pg.host = list[0];
    if (list.length > 1) notes.push(`several hosts are listed; the version table is read from the first (${pg.host})`);
  };
  const setPort = (p: string): void => {
    const n = Number(p.split(',')[0]);
    if (Number.isInteger(n) && n > 0 && n < 65536) pg.port = n;
    else notes.push('the port is not a number between 1 and 65535; the default port is used');
  };

  if (t.user !== undefined && t.user !== '') pg.user = t.user;
  if (t.password !== undefined) pg.password = t.password;
  if (t.hosts.length) {
    setHosts(t.hosts.map((h) => h.host));
    if (t.hosts[0].port) setPort(t.hosts[0].port);
  }
  if (t.database !== undefined) pg.database = t.database;

  for (const { key, value } of t.params) {
    switch (key.trim().toLowerCase()) {
      case 'host':
        setHosts(value.split(','));
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
        sslMode = value;
        break;
      case 'sslrootcert':
        files.caFile = value;
        break;
      case 'sslcert':
        files.certFile = value;
        break;
      case 'sslkey':
        files.keyFile = value;
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
        // Keys are echoed only when they look like option names (a mangled URL could put secret text there).
        notes.push(
          /^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(key)
            ? `option '${key}' is ignored when reading the version table`
            : 'an option with an unusual name is ignored when reading the version table',
        );
    }
  }
  applySslMode(pg, sslMode, files, notes);
  const socket = (pg.host ?? '').startsWith('/');
  const parts: ConnectionParts = {
    form: t.form,
    scheme: t.scheme,
    hosts: t.hosts,
    params: t.params,
    ...(t.user !== undefined ? { user: t.user } : {}),
    ...(t.password !== undefined ? { password: t.password } : {}),
    ...(t.database !== undefined ? { database: t.database } : {}),
  };
  return { kind: 'ok', pg, needsPassword: pg.password === undefined && !socket, ...(driver ? { driver } : {}), notes, parts };
}

function applySslMode(pg: PgConnectionOptions, mode: string | undefined, files: Pick<PgSslOptions, 'caFile' | 'certFile' | 'keyFile'>, notes: string[]): void {
  const hasFiles = Object.keys(files).length > 0;
  const prefer = (): void => {
    // libpq never uses TLS over a unix socket.
    pg.ssl = (pg.host ?? '').startsWith('/') ? false : 'prefer';
    if (hasFiles) notes.push('sslrootcert/sslcert/sslkey are used only with sslmode=require, verify-ca or verify-full');
  };
  switch (mode?.toLowerCase()) {
    case undefined:
    case 'allow':
    case 'prefer':
      prefer();
      return;
    case 'disable':
    case 'false':
      pg.ssl = false;
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
      notes.push('sslmode is not one of disable, allow, prefer, require, verify-ca, verify-full: prefer is used');
      prefer();
  }
}

/** Percent-encodes URL text but keeps `${env:NAME}` references (VS Code expands them later) as written. */
function encodeKeepingEnv(s: string, encode: (x: string) => string): string {
  return s
    .split(/(\$\{env:[A-Za-z_][A-Za-z0-9_]*\})/)
    .map((piece, i) => (i % 2 ? piece : encode(piece)))
    .join('');
}

const encodePart = (s: string): string => encodeKeepingEnv(s, encodeURIComponent);
// Paths and host lists read better with `/`, `,` and `:` left as they are; both readers accept them.
const encodeQueryPart = (s: string): string =>
  encodeKeepingEnv(s, (x) => encodeURIComponent(x).replace(/%2F/gi, '/').replace(/%2C/gi, ',').replace(/%3A/gi, ':'));

/** A libpq keyword value, quoted when it has to be. */
function keywordValue(v: string): string {
  return v !== '' && /^[^\s'\\]+$/.test(v) ? v : `'${v.replace(/[\\']/g, '\\$&')}'`;
}

/**
 * The connection string rebuilt from its parts without any password: user, hosts and ports,
 * database and every option except `password`, each re-encoded. What *Configure Database
 * Connection* stores after moving the password to secret storage.
 */
export function urlWithoutPassword(parts: ConnectionParts): string {
  const params = parts.params.filter((p) => !isPasswordKey(p.key));
  if (parts.form === 'keyword') return params.map((p) => `${p.key}=${keywordValue(p.value)}`).join(' ');
  const user = parts.user ? `${encodePart(parts.user)}@` : '';
  const hosts = parts.hosts.map((h) => `${h.host.includes(':') ? `[${h.host}]` : encodePart(h.host)}${h.port ? `:${encodePart(h.port)}` : ''}`).join(',');
  const database = parts.database !== undefined ? `/${encodePart(parts.database)}` : '';
  const query = params.map((p) => `${encodeQueryPart(p.key)}=${encodeQueryPart(p.value)}`).join('&');
  return `${parts.scheme}://${user}${hosts}${database}${query ? `?${query}` : ''}`;
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
    else return { kind: 'url', url: ini, source: 'ini', sourceLabel: 'sqlalchemy.url in alembic.ini', skipped };
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
