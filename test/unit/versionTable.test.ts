/**
 * The version-table reader's pure parts and its TLS file handling: the idle cap, client options
 * per sslmode, and certificate paths that are not regular files (no server needed: the files
 * are refused before any connection).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keepAliveMs, MAX_IDLE_MS, readDatabaseState, toClientConfig } from '../../server/src/shared/db/versionTable';
import { tempDir } from '../support/tempDir';

test('the kept connection is never idle for more than a minute, whatever the refresh interval', () => {
  assert.ok(MAX_IDLE_MS <= 60_000);
  for (const seconds of [0, 5, 30, 45, 60, 120, 300, 600, 3600, 86_400]) {
    const ms = keepAliveMs(seconds);
    assert.ok(ms > 0 && ms <= 60_000, `${seconds} s refresh → ${ms} ms idle`);
  }
  assert.equal(keepAliveMs(30), 45_000, 'a 30 s refresh still reuses the connection');
});

test('client options: prefer asks for TLS without checks, disable and sockets are plain, statement_timeout is not a startup option', () => {
  const prefer = toClientConfig({ host: 'db', ssl: 'prefer' }, 1000);
  assert.ok(prefer.ssl && typeof prefer.ssl === 'object' && prefer.ssl.rejectUnauthorized === false);
  assert.equal(toClientConfig({ host: 'db', ssl: false }, 1000).ssl, false);
  assert.equal(toClientConfig({ host: '/run/postgresql', ssl: 'prefer' }, 1000).ssl, false);
  const cfg = toClientConfig({ host: 'db' }, 1000) as Record<string, unknown>;
  assert.equal(cfg.statement_timeout, undefined);
  assert.equal(cfg.options, undefined);
});

test('TLS files that are a FIFO, a device or too large give an error state at once, never a hang', async () => {
  const dir = tempDir('tlsfiles-');
  const fifo = path.join(dir, 'ca.fifo');
  execFileSync('mkfifo', [fifo]);
  const big = path.join(dir, 'big.pem');
  fs.writeFileSync(big, Buffer.alloc(2 * 1024 * 1024, 65));
  const cases: Array<[string, 'caFile' | 'certFile' | 'keyFile', RegExp]> = [
    [fifo, 'caFile', /sslrootcert does not name a regular file/],
    ['/dev/zero', 'keyFile', /sslkey does not name a regular file/],
    [big, 'certFile', /sslcert is larger than 1 MiB/],
    [path.join(dir, 'missing.pem'), 'caFile', /sslrootcert cannot be opened \(ENOENT\)/],
  ];
  for (const [file, which, message] of cases) {
    const t0 = Date.now();
    const s = await readDatabaseState(
      { host: '127.0.0.1', port: 1, user: 'u', password: 'pw-secret', database: 'd', ssl: { rejectUnauthorized: true, checkHostname: true, [which]: file } },
      { connectTimeoutMs: 500 },
    );
    assert.equal(s.kind, 'error', `${file}: ${JSON.stringify(s)}`);
    assert.match(s.kind === 'error' ? s.message : '', message);
    assert.ok(!JSON.stringify(s).includes('pw-secret'));
    assert.ok(Date.now() - t0 < 400, `${file}: answered in ${Date.now() - t0} ms`);
  }
});
