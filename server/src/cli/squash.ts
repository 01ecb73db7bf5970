/**
 * `alembic-migrations squash FROM TO [PATH]`: plans the squash (alembic/squash.ts), refuses when
 * the project's database sits inside the range, prints the plan, asks (unless --yes), applies it
 * as one undoable set of file operations and, when a throwaway database can be had, checks that
 * the schema at TO is the same before and after — undoing everything when it is not. Exit 0
 * squashed, 1 refused (the range, the database, a different schema), 2 bad usage or could not
 * run (no terminal to ask on, unreadable project, unreachable --database-url). Node adapter.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Client } from 'pg';
import type { AlembicProject } from '../alembic/project';
import { ProjectIndex } from '../alembic/projectIndex';
import { planSquash, squashFileMoves, type SquashPlan } from '../alembic/squash';
import { loadPythonParser } from '../alembic/pythonParser';
import { decodeSource, readSourceBytes } from '../alembic/migrationFile';
import { parseServerUrl, ThrowawayError } from '../verify/throwawayDatabase';
import { schemaAtRevision, VerifyError } from '../verify/verifyProject';
import { diffSchemas, formatDifference } from '../shared/schemaDiff';
import type { SchemaSnapshot } from '../shared/schemaSnapshot';
import { interruptible } from './interrupt';

export interface SquashCliOptions {
  from: string;
  to: string;
  yes: boolean;
  delete: boolean;
  /** Absolute archive folder (--archive). */
  archive?: string;
  /** --database-url: the database whose version table must not be inside the range. */
  databaseUrl?: string;
  /** --server-url: where the verification's throwaway databases are created. */
  serverUrl?: string;
  /** --no-verify */
  verify: boolean;
}

/** Asks a yes/no question on the terminal; false unless the answer starts with y. */
function askOnTerminal(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      resolve(/^\s*y/i.test(answer)); // before close(), whose handler answers no
      rl.close();
    });
    rl.on('close', () => resolve(false));
  });
}

/** ALEMBIC_COMMAND as verify reads it (a JSON argument list or one program path). */
function alembicCommandFromEnv(value: string | undefined): string[] | undefined {
  if (!value?.trim()) return undefined;
  if (!value.trim().startsWith('[')) return [value.trim()];
  const parsed: unknown = JSON.parse(value);
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) throw new VerifyError('ALEMBIC_COMMAND must be a JSON list of strings');
  return parsed;
}

/** The rows of the version table, `[]` when it does not exist; throws with a password-free message when unreachable. */
export async function readVersionRows(url: string, versionTable = 'alembic_version'): Promise<{ rows: string[]; where: string }> {
  const u = parseServerUrl(url);
  const where = `${u.host}:${u.port}/${u.database ?? u.user ?? ''}`;
  const verifyTls = u.sslmode === 'verify-ca' || u.sslmode === 'verify-full';
  const client = new Client({
    host: u.host,
    port: u.port,
    ...(u.user ? { user: u.user } : {}),
    ...(u.password ? { password: u.password } : {}),
    ...(u.database ? { database: u.database } : {}),
    ...(u.sslmode && !['disable', 'allow', 'prefer'].includes(u.sslmode) ? { ssl: { rejectUnauthorized: verifyTls } } : {}),
    connectionTimeoutMillis: 5000,
    statement_timeout: 5000,
    application_name: 'alembic-migrations squash',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const r = await client.query<{ version_num: string }>(`SELECT version_num FROM ${versionTable.replace(/[^A-Za-z0-9_.]/g, '')}`);
    return { rows: r.rows.map((x) => x.version_num), where };
  } catch (e) {
    if ((e as { code?: string }).code === '42P01') return { rows: [], where };
    const message = (e as Error).message;
    throw new Error(`${where}: ${u.password ? message.split(u.password).join('***') : message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Moves a file without ever overwriting one: a hard link then unlink, or copy then unlink across devices. */
function moveNoClobber(from: string, to: string): void {
  try {
    fs.linkSync(from, to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
    fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL);
  }
  fs.unlinkSync(from);
}

/** File operations that can all be undone, newest first: a squash is applied whole or not at all. */
class FileTransaction {
  private readonly undo: Array<{ what: string; run: () => void }> = [];

  mkdirs(dir: string): void {
    const missing: string[] = [];
    for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
    for (const d of missing) {
      fs.mkdirSync(d);
      this.undo.push({ what: `remove ${d}`, run: () => fs.rmdirSync(d) });
    }
  }

  move(from: string, to: string): void {
    moveNoClobber(from, to);
    this.undo.push({ what: `move ${to} back to ${from}`, run: () => moveNoClobber(to, from) });
  }

  /** Writes a whole file: to a temporary name beside it, flushed, then renamed into place. */
  write(file: string, text: string): void {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(4).toString('hex')}.squash-tmp`);
    const fd = fs.openSync(tmp, 'wx', 0o644);
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      if (fs.existsSync(file)) throw new Error(`${file} exists`);
      fs.renameSync(tmp, file);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    this.undo.push({ what: `remove ${file}`, run: () => fs.unlinkSync(file) });
  }

  /** Undoes everything; returns what could not be undone. */
  rollback(): string[] {
    const failed: string[] = [];
    while (this.undo.length) {
      const step = this.undo.pop()!;
      try {
        step.run();
      } catch (e) {
        failed.push(`${step.what}: ${(e as Error).message}`);
      }
    }
    return failed;
  }
}

/** The archive's nearest existing folder, links resolved, is still inside the project (its config's folder or the script location's parent). */
function insideThroughLinks(archive: string, project: AlembicProject): boolean {
  let existing = archive;
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  const real = fs.realpathSync(existing);
  const roots = [project.rootDir, project.scriptLocation ? path.dirname(project.scriptLocation) : project.rootDir].map((r) => fs.realpathSync(r));
  return roots.some((r) => {
    const rel = path.relative(r, real);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  });
}

function rel(file: string): string {
  const r = path.relative(process.cwd(), file);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : file;
}

export async function runSquash(project: AlembicProject, opts: SquashCliOptions, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const index = ProjectIndex.load(project);
  const py = await loadPythonParser();
  const plan = planSquash({
    graph: index.graph,
    from: opts.from,
    to: opts.to,
    py,
    textOf: (file) => {
      try {
        return decodeSource(readSourceBytes(file));
      } catch {
        return undefined;
      }
    },
  });
  if (plan.kind === 'refused') {
    err(`alembic-migrations: cannot squash ${opts.from}..${opts.to}: ${plan.reason}\n`);
    return 1;
  }
  const moves = squashFileMoves(project, plan, { ...(opts.archive !== undefined ? { archiveDir: opts.archive } : {}), delete: opts.delete });
  if (moves.kind === 'refused') {
    err(`alembic-migrations: cannot squash ${opts.from}..${opts.to}: ${moves.reason}\n`);
    return 1;
  }
  if (moves.archive && !insideThroughLinks(moves.archive, project)) {
    err(`alembic-migrations: cannot squash ${opts.from}..${opts.to}: the archive ${moves.archive} leads outside the project through a symbolic link\n`);
    return 1;
  }
  const taken = moves.moves.find((m) => fs.existsSync(m.to));
  if (taken) {
    err(`alembic-migrations: cannot squash ${opts.from}..${opts.to}: ${taken.to} already exists in the archive (squash never overwrites)\n`);
    return 1;
  }

  // The project's database must not sit inside the range: its revision would vanish.
  const dbCode = await checkDatabase(project, plan, opts, err);
  if (dbCode !== 0) return dbCode;

  out(`squash ${plan.revisions.length} revisions into ${plan.revision} (${rel(plan.file)}), oldest first:\n`);
  for (const r of plan.revisions) out(`  ${r.id}  ${r.message.replace(/\s+/g, ' ')}  ${rel(r.file)}\n`);
  out(`down_revision = ${plan.downRevision}\n`);
  for (const r of plan.renamed) out(`helper ${r.from} of ${r.revision} renamed ${r.to}\n`);
  if (moves.archive) out(`the ${plan.revisions.length} files move to ${rel(moves.archive)}; the new migration takes ${path.basename(plan.file)}\n`);
  else out(`the ${plan.revisions.length} files are deleted; the new migration takes ${path.basename(plan.file)}\n`);

  if (!opts.yes) {
    if (!process.stdin.isTTY) {
      err('alembic-migrations: squash changes files: confirm on a terminal, or pass --yes\n');
      return 2;
    }
    if (!(await askOnTerminal('Squash? [y/N] '))) {
      err('alembic-migrations: nothing changed\n');
      return 1;
    }
  }

  return interruptible(async (signal) => {
    let alembicCommand: string[] | undefined;
    let before: SchemaSnapshot | undefined;
    if (opts.verify) {
      alembicCommand = alembicCommandFromEnv(process.env.ALEMBIC_COMMAND);
      const r = await schemaAt(project, index, plan.revision, opts.serverUrl, alembicCommand, signal, err);
      if (r.kind === 'unavailable') {
        if (opts.serverUrl !== undefined) {
          err(`alembic-migrations: cannot verify on ${opts.serverUrl.replace(/\/\/[^@/]*@/, '//')}: ${r.reason}\n`);
          return 2;
        }
        err(`squash: not verified (no throwaway database: ${r.reason}); pass --server-url URL to verify, or --no-verify\n`);
      } else if (r.kind === 'failed') {
        err(`alembic-migrations: the upgrade to ${plan.revision} fails before the squash: ${r.reason}\n`);
        return 1;
      } else before = r.snapshot;
    }

    const tx = new FileTransaction();
    const backup = opts.delete ? path.join(project.rootDir, `.alembic-squash-${crypto.randomBytes(4).toString('hex')}`) : undefined;
    try {
      if (moves.archive) tx.mkdirs(moves.archive);
      if (backup) tx.mkdirs(backup);
      for (const m of moves.moves) tx.move(m.from, m.to);
      for (const f of moves.deletes) tx.move(f, path.join(backup!, path.basename(f)));
      tx.write(plan.file, plan.text);
    } catch (e) {
      const left = tx.rollback();
      err(`alembic-migrations: could not apply the squash (${(e as Error).message}); ${left.length ? `NOT undone: ${left.join('; ')}` : 'nothing changed'}\n`);
      return 2;
    }

    const undo = (why: string, code: number): number => {
      const left = tx.rollback();
      err(`alembic-migrations: ${why}; ${left.length ? `NOT undone: ${left.join('; ')}` : 'the squash is undone, nothing changed'}\n`);
      return code;
    };
    if (before) {
      const after = await schemaAt(project, ProjectIndex.load(project), plan.revision, opts.serverUrl, alembicCommand, signal, err);
      if (after.kind !== 'ok')
        return undo(
          `the upgrade to ${plan.revision} after the squash ${after.kind === 'failed' ? 'fails' : 'could not run'}: ${after.reason}`,
          after.kind === 'failed' ? 1 : 2,
        );
      const diffs = diffSchemas(before, after.snapshot);
      if (diffs.length) {
        for (const d of diffs) out(`${formatDifference(d, { a: 'before the squash', b: 'after the squash' })}\n`);
        return undo(`the schema at ${plan.revision} differs after the squash (${diffs.length} difference${diffs.length === 1 ? '' : 's'})`, 1);
      }
      err(`squash: verified: the schema at ${plan.revision} is the same before and after\n`);
    }
    if (backup) fs.rmSync(backup, { recursive: true, force: true });
    err(`squashed ${plan.revisions.length} revisions into ${plan.revision}: ${rel(plan.file)}\n`);
    return 0;
  });
}

async function checkDatabase(project: AlembicProject, plan: SquashPlan, opts: SquashCliOptions, err: (s: string) => void): Promise<number> {
  const explicit = opts.databaseUrl;
  const url = explicit ?? (process.env.DATABASE_URL || undefined) ?? project.sqlalchemyUrl;
  if (!url) return 0;
  const origin = explicit ? '--database-url' : process.env.DATABASE_URL ? 'DATABASE_URL' : 'sqlalchemy.url';
  let reading: { rows: string[]; where: string };
  try {
    reading = await readVersionRows(url);
  } catch (e) {
    const message = e instanceof ThrowawayError ? e.message.replace('--server-url', origin) : (e as Error).message;
    if (explicit) {
      err(`alembic-migrations: cannot read the database's revision (${message})\n`);
      return 2;
    }
    err(
      `squash: note: could not read the database of ${origin} (${message}); if it is at a revision inside the range, alembic will not find that revision after the squash\n`,
    );
    return 0;
  }
  const squashedAway = new Set(plan.revisions.slice(0, -1).map((r) => r.id));
  const inside = reading.rows.filter((r) => squashedAway.has(r));
  if (inside.length) {
    err(
      `alembic-migrations: cannot squash: the database ${reading.where} (${origin}) is at ${inside.join(', ')}, inside the range: upgrade it to ${plan.revision} or past it first (or downgrade it below ${plan.revisions[0].id})\n`,
    );
    return 1;
  }
  return 0;
}

type SchemaReading = { kind: 'ok'; snapshot: SchemaSnapshot } | { kind: 'failed'; reason: string } | { kind: 'unavailable'; reason: string };

async function schemaAt(
  project: AlembicProject,
  index: ProjectIndex,
  revision: string,
  serverUrl: string | undefined,
  alembicCommand: string[] | undefined,
  signal: AbortSignal,
  err: (s: string) => void,
): Promise<SchemaReading> {
  try {
    const r = await schemaAtRevision({
      project,
      graph: index.graph,
      revision,
      ...(serverUrl !== undefined ? { serverUrl } : {}),
      ...(alembicCommand ? { alembicCommand } : {}),
      signal,
      onProgress: (line) => err(`squash: ${line}\n`),
    });
    return 'failed' in r ? { kind: 'failed', reason: r.failed } : { kind: 'ok', snapshot: r.snapshot };
  } catch (e) {
    if (e instanceof VerifyError || e instanceof ThrowawayError) return { kind: 'unavailable', reason: e.message };
    throw e;
  }
}
