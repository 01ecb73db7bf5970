/**
 * Database URLs: one tokenizer behind parsing, redaction and the password-free rebuild, over
 * SQLAlchemy URLs, libpq URIs and libpq keyword strings with passwords written raw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDatabaseUrl, redactText, redactUrl, urlWithoutPassword, type ParsedDatabaseUrl } from '../../server/src/shared/db/databaseUrl';

function ok(url: string): Extract<ParsedDatabaseUrl, { kind: 'ok' }> {
  const r = parseDatabaseUrl(url);
  assert.equal(r.kind, 'ok', r.kind === 'error' ? r.message : '');
  return r;
}

test('a raw password may hold @ ? # / : & = % and spaces: the userinfo ends at the last @', () => {
  const pw = 'p@ss?w#rd/x:y&z=1 %zz';
  const url = `postgresql+psycopg2://app:${pw}@db.internal:6543/shop?sslmode=require`;
  const r = ok(url);
  assert.equal(r.pg.password, pw);
  assert.equal(r.pg.user, 'app');
  assert.equal(r.pg.host, 'db.internal');
  assert.equal(r.pg.port, 6543);
  assert.equal(r.pg.database, 'shop');
  assert.equal(redactUrl(url), 'postgresql+psycopg2://app:***@db.internal:6543/shop?sslmode=require');
});

test('a user without password keeps a raw @ in the query out of the userinfo', () => {
  const r = ok('postgresql://app@h/db?application_name=me@laptop');
  assert.equal(r.pg.user, 'app');
  assert.equal(r.pg.host, 'h');
  assert.equal(r.pg.applicationName, 'me@laptop');
});

test('?password= in the query, raw or percent-encoded, with a percent-encoded key too', () => {
  const raw = ok('postgresql://app@h/db?password=a&b&sslmode=disable');
  assert.equal(raw.pg.password, 'a&b', 'a & not followed by key= stays in the password');
  assert.equal(raw.pg.ssl, false);
  assert.equal(ok('postgresql://app@h/db?password=& =x&sslmode=disable').pg.password, '& =x', 'only an option name starts a pair');
  assert.equal(redactUrl('postgresql://app@h/db?password=& =x&sslmode=disable'), 'postgresql://app@h/db?password=***&sslmode=disable');
  assert.equal(redactUrl('postgresql://app@h/db?password=a&b&sslmode=disable'), 'postgresql://app@h/db?password=***&sslmode=disable');
  const enc = ok('postgresql://app@h/db?pass%77ord=s%26cr%2Bt+x');
  assert.equal(enc.pg.password, 's&cr+t x');
  assert.equal(redactUrl('postgresql://app@h/db?pass%77ord=s%26cr%2Bt+x&x=1'), 'postgresql://app@h/db?pass%77ord=***&x=1');
  assert.equal(redactUrl('postgresql://app@h/db?PASSWORD=topsecret'), 'postgresql://app@h/db?PASSWORD=***');
});

test('libpq keyword strings: bare and quoted values, backslash escapes, errors that quote nothing', () => {
  const kw = String.raw`host=db port=5432 user=u password='a b\'c' dbname=x sslmode=verify-full sslrootcert=/ca.pem`;
  const r = ok(kw);
  assert.deepEqual(r.pg, {
    host: 'db',
    port: 5432,
    user: 'u',
    password: "a b'c",
    database: 'x',
    ssl: { rejectUnauthorized: true, checkHostname: true, caFile: '/ca.pem' },
  });
  assert.equal(redactUrl(kw), 'host=db port=5432 user=u password=*** dbname=x sslmode=verify-full sslrootcert=/ca.pem');
  assert.equal(ok(String.raw`host = db password=ab\ cd`).pg.password, 'ab cd');
  const open = parseDatabaseUrl("host=db password='never closed");
  assert.equal(open.kind, 'error');
  assert.ok(open.kind === 'error' && !open.message.includes('never') && /closing quote/.test(open.message), JSON.stringify(open));
  assert.equal(redactUrl("host=db password='never closed"), 'host=db password=***');
  const word = parseDatabaseUrl('host=db hunter2');
  assert.ok(word.kind === 'error' && !word.message.includes('hunter2'));
});

test('parse errors say what is wrong without echoing the input', () => {
  for (const bad of ['not a url with s3cr3t', 'mysql://u:s3cr3t@h/db', 'host=h s3cr3t']) {
    const r = parseDatabaseUrl(bad);
    assert.equal(r.kind, 'error', bad);
    assert.ok(r.kind === 'error' && !r.message.includes('s3cr3t') && !r.message.includes('mysql'), r.kind === 'error' ? r.message : '');
  }
});

test('a bare libpq password with spaces (malformed) is hidden through its last word, not cut at the space', () => {
  // Found by the redaction property (seed run in CI): `password=* @ dbname=…` showed as `password=*** @`.
  // And a '=' with no key after it (seed -331435880: `password=u = dbname=…` rebuilt as `user=u =dbname=…`).
  for (const s of [
    'host=db user=u password=* @ dbname=appdb',
    'host=db password=pa ss word dbname=appdb',
    'host=db user=u password=abc =def dbname=appdb',
    'host=db user=u password=ab = cd dbname=appdb',
    'host=db.example user=u password=u = dbname=appdb',
  ]) {
    assert.equal(parseDatabaseUrl(s).kind, 'error');
    const shown = redactUrl(s);
    assert.match(shown, /password=\*\*\* dbname=appdb$/, shown);
    assert.match(redactText(`connect to ${s} failed`), /password=\*\*\* dbname=appdb failed$/);
    const r = parseDatabaseUrl(s);
    const message = r.kind === 'error' ? r.message : urlWithoutPassword(r.parts);
    const value = s.slice(s.indexOf('password=') + 'password='.length, s.indexOf(' dbname='));
    for (const piece of [value, ...value.split(' ').filter((w) => w.length > 2 && w !== 'word')]) assert.ok(!message.includes(piece), `${piece} in ${message}`);
  }
  // Free text after a bare password without a following key= is left alone.
  assert.equal(redactText('PGPASSWORD=abc was rejected'), 'PGPASSWORD=*** was rejected');
  assert.equal(redactText("host=db password='a b' dbname=x"), "host=db password='***' dbname=x");
});

test('several hosts in the authority or the query; IPv6; unix sockets', () => {
  const a = ok('postgresql://u:pw@h1:5432,h2:5433/db');
  assert.equal(a.pg.host, 'h1');
  assert.equal(a.pg.port, 5432);
  assert.deepEqual(a.parts.hosts, [
    { host: 'h1', port: '5432' },
    { host: 'h2', port: '5433' },
  ]);
  assert.ok(a.notes.some((n) => /several hosts/.test(n)));
  const q = ok('postgresql://u@/db?host=a,b&port=6000,6001');
  assert.equal(q.pg.host, 'a');
  assert.equal(q.pg.port, 6000);
  assert.equal(ok('postgresql://u@[::1]:5433/db').pg.host, '::1');
  const sock = ok('postgresql+asyncpg://u:pw@/db?host=/var/run/postgresql');
  assert.equal(sock.pg.host, '/var/run/postgresql');
  assert.equal(sock.pg.ssl, false, 'libpq never uses TLS over a unix socket');
});

test('no sslmode, allow and prefer all mean prefer (try TLS, then plain); disable is plain', () => {
  assert.equal(ok('postgresql://u@h/db').pg.ssl, 'prefer');
  assert.equal(ok('postgresql://u@h/db?sslmode=allow').pg.ssl, 'prefer');
  assert.equal(ok('postgresql://u@h/db?sslmode=prefer').pg.ssl, 'prefer');
  assert.equal(ok('postgresql://u@h/db?sslmode=disable').pg.ssl, false);
  assert.equal(ok('host=h sslmode=require').pg.ssl && typeof ok('host=h sslmode=require').pg.ssl, 'object');
});

test('notes never quote option values or odd keys', () => {
  const r = ok('postgresql://u@h:notaport/db?sslmode=s3cr3t&s3cr3t%20key=1');
  for (const n of r.notes) assert.ok(!n.includes('s3cr3t') && !n.includes('notaport'), n);
  assert.equal(r.notes.length, 3);
});

test('the URL without password is rebuilt from the parsed fields, not edited as text', () => {
  const cases: Array<[string, string]> = [
    ['postgresql+psycopg2://app:p@ss/w?rd@db:6543/shop?sslmode=require', 'postgresql+psycopg2://app@db:6543/shop?sslmode=require'],
    ['postgresql://app@h1:5432,h2:5433/db?password=x&application_name=a%26b', 'postgresql://app@h1:5432,h2:5433/db?application_name=a%26b'],
    ['postgresql://u:pw@/db?host=/var/run/postgresql', 'postgresql://u@/db?host=/var/run/postgresql'],
    ['postgresql://u:pw@[::1]:5433/db', 'postgresql://u@[::1]:5433/db'],
    ['postgresql://u%40corp:pw@h/my%20db?pass%77ord=y', 'postgresql://u%40corp@h/my%20db'],
    [String.raw`host=db user=u password='a b\'c' dbname='my db'`, "host=db user=u dbname='my db'"],
    ['postgresql://u:pw@h/${env:DB}', 'postgresql://u@h/${env:DB}'],
  ];
  for (const [url, want] of cases) {
    const r = ok(url);
    const rebuilt = urlWithoutPassword(r.parts);
    assert.equal(rebuilt, want, url);
    const again = ok(rebuilt);
    const { password: _pw, ...rest } = r.pg;
    assert.deepEqual(again.pg, rest, `the rebuilt URL reads the same, minus the password: ${url}`);
  }
});

test('redactText: URLs in text, PGPASSWORD=, password= in any case and quoting, JSON, libpq strings', () => {
  const cases: Array<[string, string]> = [
    ['connect postgresql://u:hunter22@h/d failed', 'connect postgresql://u:***@h/d failed'],
    ['url "postgresql://u:pa ss"w@h/d" is bad', 'url "postgresql://u:***@h/d" is bad'],
    ['PGPASSWORD=hunter22 alembic upgrade', 'PGPASSWORD=*** alembic upgrade'],
    ['Password: hunter22', 'Password: ***'],
    ['{"password": "a\\"b c", "user": "u"}', '{"password": "***", "user": "u"}'],
    ["{'password': 'x y'}", "{'password': '***'}"],
    [String.raw`dsn "host=h password='a b\'c' dbname=d"`, `dsn "host=h password='***' dbname=d"`],
    ['password=***abc', 'password=***'],
    ["[SQL: CREATE ROLE app LOGIN ENCRYPTED PASSWORD 'it''s secret']", "[SQL: CREATE ROLE app LOGIN ENCRYPTED PASSWORD '***']"],
    ['FATAL:  password authentication failed for user "u"', 'FATAL:  password authentication failed for user "u"'],
  ];
  for (const [input, want] of cases) assert.equal(redactText(input), want, input);
});

test('redactText: short secrets are hidden where they stand as a whole token, long ones everywhere', () => {
  assert.equal(redactText('login as bob with pw pq then', ['pq']), 'login as bob with pw *** then');
  assert.equal(redactText('pqr spq pq.', ['pq']), 'pqr spq ***.');
  assert.equal(redactText('x hunter22y', ['hunter22']), 'x ***y');
  assert.equal(redactText('in url p%40ss and p@ss', ['p@ss']), 'in url *** and ***');
  assert.equal(redactText('q="a\\"b"', ['a"b']), 'q="***"');
});
