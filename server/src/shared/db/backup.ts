/**
 * A backup before a destructive step (the team guide's `make backup-db`): `pg_dump -Fc` of the
 * database alembic changes, into the project's backup folder, checked with `pg_restore --list`
 * before it is kept. The password goes to pg_dump through PGPASSWORD, never on its command
 * line; a dump that fails or is cancelled leaves no file behind; the folder gets a `.gitignore`
 * so dumps never reach the repository. Node only (the editor and the CLI share it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runProcess } from '../alembicCli/processRunner';
import { which } from '../alembicCli/localTools';
import { redactText, type PgConnectionOptions } from './databaseUrl';
import { openConnection } from './versionTable';

export interface BackupRequest {
  pg: PgConnectionOptions;
  /** The folder dumps go to (created, with a `.gitignore` of `*`). */
  folder: string;
  /** The dump's path, when the user named it (`--out`): no folder or `.gitignore` is made. */
  file?: string;
  /** A short tag in the file name: the revision the database is at. */
  label?: string;
  /** pg_dump to run (a setting); default: pg_dump on PATH. pg_restore is looked up beside it, then on PATH. */
  pgDump?: string;
  pathVar?: string;
  signal?: AbortSignal;
  now?: Date;
}

export type BackupResult =
  | { kind: 'ok'; file: string; bytes: number; entries: number; durationMs: number; restoreCommand: string }
  | { kind: 'cancelled' }
  | { kind: 'error'; message: string };

const INSTALL_HINT = 'install postgresql-client (Debian/Ubuntu: `apt install postgresql-client`; Homebrew: `brew install libpq`) or set alembic.backup.pgDump';

/** The major version in `pg_dump (PostgreSQL) 15.18 (Debian …)` or in `server_version_num` (150018). */
export function majorOfToolVersion(text: string): number | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  const major = Number(m[1]);
  // 9.6 and older: the major is two numbers.
  return major < 10 && m[2] !== undefined ? major * 100 + Number(m[2]) : major;
}

export function majorOfServerVersionNum(num: number): number {
  return num >= 100000 ? Math.floor(num / 10000) : Math.floor(num / 100);
}

/** `orders_db-3c8b1f04a6e2-20261202T031500Z.dump`: safe characters only. */
export function backupFileName(database: string, label: string | undefined, now: Date): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60) || 'db';
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${safe(database)}-${safe(label ?? 'base')}-${stamp}.dump`;
}

/** libpq connection arguments for pg_dump / pg_restore (no password: PGPASSWORD carries it). */
function connectionArgs(pg: PgConnectionOptions): string[] {
  return [
    ...(pg.host ? ['--host', pg.host] : []),
    ...(pg.port ? ['--port', String(pg.port)] : []),
    ...(pg.user ? ['--username', pg.user] : []),
    '--no-password',
  ];
}

function quoteForShell(s: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export async function backupDatabase(req: BackupRequest): Promise<BackupResult> {
  const pathVar = req.pathVar ?? process.env.PATH;
  const pgDump = req.pgDump || which('pg_dump', pathVar);
  if (!pgDump) return { kind: 'error', message: `pg_dump is not on PATH: ${INSTALL_HINT}` };
  const sibling = path.join(path.dirname(pgDump), 'pg_restore');
  const pgRestore = fs.existsSync(sibling) ? sibling : which('pg_restore', pathVar);
  if (!pgRestore) return { kind: 'error', message: `pg_restore (to check the dump) is not beside ${pgDump} nor on PATH: ${INSTALL_HINT}` };
  const secrets = req.pg.password ? [req.pg.password] : [];
  const env: NodeJS.ProcessEnv = { ...process.env, ...(req.pg.password ? { PGPASSWORD: req.pg.password } : {}) };
  if (req.pg.ssl && req.pg.ssl !== 'prefer') env.PGSSLMODE = req.pg.ssl.rejectUnauthorized ? 'verify-ca' : 'require';
  else if (req.pg.ssl === false) env.PGSSLMODE = 'disable';
  if (req.pg.options) env.PGOPTIONS = req.pg.options;
  const cwd = fs.existsSync(req.folder) ? req.folder : path.dirname(req.folder);

  // pg_dump refuses a server newer than itself: say which client to install, before dumping.
  const version = await runProcess({ file: pgDump, args: ['--version'], cwd, env, killGraceMs: 500 });
  if (version.spawnErrorCode) return { kind: 'error', message: `${pgDump} cannot be run (${version.spawnErrorCode}): ${INSTALL_HINT}` };
  const clientMajor = majorOfToolVersion(version.stdout);
  let serverMajor: number | undefined;
  try {
    const c = await openConnection({ ...req.pg, applicationName: 'alembic-migrations-backup' }, { connectTimeoutMs: 10_000, statementTimeoutMs: 10_000 });
    try {
      serverMajor = majorOfServerVersionNum(Number((await c.query<{ v: string }>('SHOW server_version_num')).rows[0].v));
    } finally {
      await c.end().catch(() => undefined);
    }
  } catch (e) {
    return { kind: 'error', message: `the database cannot be reached for the backup: ${redactText((e as Error).message, secrets)}` };
  }
  if (clientMajor !== undefined && serverMajor !== undefined && clientMajor < serverMajor)
    return {
      kind: 'error',
      message: `${pgDump} is version ${clientMajor} and cannot dump a PostgreSQL ${serverMajor} server: install postgresql-client-${serverMajor} (Debian/Ubuntu, from apt.postgresql.org) or \`brew install libpq\` (Homebrew), or set alembic.backup.pgDump`,
    };

  if (!req.file)
    try {
      fs.mkdirSync(req.folder, { recursive: true });
      const ignore = path.join(req.folder, '.gitignore');
      if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '# database dumps: never commit them\n*\n', { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        return { kind: 'error', message: `the backup folder ${req.folder} cannot be created: ${(e as Error).message}` };
    }
  const database = req.pg.database ?? req.pg.user ?? 'postgres';
  const file = req.file ?? path.join(req.folder, backupFileName(database, req.label, req.now ?? new Date()));
  const partial = `${file}.partial`;
  const t0 = Date.now();
  const dump = await runProcess({
    file: pgDump,
    args: ['--format=custom', '--file', partial, ...connectionArgs(req.pg), '--dbname', database],
    cwd,
    env,
    ...(req.signal ? { signal: req.signal } : {}),
  });
  const removePartial = (): void => fs.rmSync(partial, { force: true });
  if (dump.cancelled) {
    removePartial();
    return { kind: 'cancelled' };
  }
  if (dump.exitCode !== 0) {
    removePartial();
    const why = redactText(dump.stderr.trim().split('\n').slice(-3).join(' '), secrets) || `exit ${dump.exitCode}`;
    return { kind: 'error', message: `pg_dump failed: ${why}` };
  }
  const list = await runProcess({ file: pgRestore, args: ['--list', partial], cwd, env, ...(req.signal ? { signal: req.signal } : {}) });
  if (list.cancelled || list.exitCode !== 0) {
    removePartial();
    return list.cancelled
      ? { kind: 'cancelled' }
      : { kind: 'error', message: `the dump does not read back (pg_restore --list): ${redactText(list.stderr.trim(), secrets)}` };
  }
  fs.renameSync(partial, file);
  const entries = list.stdout.split('\n').filter((l) => l.trim() && !l.startsWith(';')).length;
  const restoreCommand = [
    'pg_restore',
    '--clean',
    '--if-exists',
    '--no-owner',
    ...connectionArgs(req.pg).filter((a) => a !== '--no-password'),
    '--dbname',
    database,
    file,
  ]
    .map(quoteForShell)
    .join(' ');
  return { kind: 'ok', file, bytes: fs.statSync(file).size, entries, durationMs: Date.now() - t0, restoreCommand };
}
