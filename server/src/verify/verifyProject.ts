/**
 * `alembic-migrations verify`: one project's round trip on a throwaway database, with the
 * user's own alembic. Sets up the database, a temporary copy of alembic.ini pointing at it
 * (beside the original, so `%(here)s` and relative paths resolve the same), DATABASE_URL and
 * `-x sqlalchemy.url=…`; asks env.py (through the target probe) which database it would use and
 * refuses unless it is the throwaway one; then walks the revisions. Everything it made is
 * removed at the end, also after a failure or Ctrl-C. Node adapter.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import type { AlembicProject } from '../alembic/project';
import type { RevisionGraph } from '../alembic/revisionGraph';
import { parseIni } from '../shared/iniFile';
import { buildAlembicInvocation, type AlembicAction } from '../shared/alembicCli/alembicArgv';
import { runProcess } from '../shared/alembicCli/processRunner';
import type { AlembicChoice } from '../shared/alembicCli/interpreter';
import { projectAlembic } from '../shared/alembicCli/localTools';
import { findProbeScript, TargetProbe } from '../shared/alembicCli/targetProbe';
import { describeTarget, sameDatabase, type AlembicTarget } from '../shared/alembicCli/alembicTarget';
import { readSchemaSnapshot, type SchemaSnapshot } from '../shared/schemaSnapshot';
import { createOnServer, removeAtExit, removed, startEmbedded, ThrowawayError, type ThrowawayDatabase } from './throwawayDatabase';
import { alembicErrorMessage, roundTrip, verifyPlan, type RoundTripReport, type StepResult } from './roundTrip';

/** Verify could not run (no database, env.py points elsewhere, no alembic…): exit 2 with this message. */
export class VerifyError extends Error {}

export interface VerifyRequest extends SessionRequest {
  graph: RevisionGraph;
  from?: string;
  to?: string;
}

export interface VerifyResult extends RoundTripReport {
  /** Where the throwaway database ran, without credentials. */
  database: string;
  alembic: AlembicChoice;
  setupMs: number;
  totalMs: number;
}

/** The env.py probe shipped with the extension: beside the bundle (dist/), else in the source tree. */
function probeScript(): string {
  const found = findProbeScript(__dirname);
  if (!found) throw new VerifyError('the env.py probe (alembic_target.py) is missing from this installation');
  return found;
}

/**
 * alembic.ini with `sqlalchemy.url` of `section` set to `url` (any previous value and its
 * continuation lines removed). `%` is doubled: ConfigParser interpolates the value.
 */
export function configWithUrl(text: string, section: string, url: string): string {
  const doc = parseIni(text);
  const lines = text.split(/\r?\n/);
  const sec = doc.sections.get(section);
  const entry = `sqlalchemy.url = ${url.replace(/%/g, '%%')}`;
  if (!sec) return `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}\n[${section}]\n${entry}\n`;
  const old = sec.values.get('sqlalchemy.url');
  if (old) {
    const span = old.raw.split('\n').length;
    lines.splice(old.line, span, entry);
  } else lines.splice(sec.line + 1, 0, entry);
  return lines.join('\n');
}

function redact(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

/** What both verify and schema need: the project, where to make the database, which alembic. */
export interface SessionRequest {
  project: AlembicProject;
  serverUrl?: string;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  /** The alembic command (argv prefix); default: chosen as the extension does (virtualenv, poetry/uv/pipenv, PATH). */
  alembicCommand?: string[];
  /** The version table env.py configures (`alembic_version`). */
  versionTable?: string;
}

/** A throwaway database that env.py is known to use, and the user's alembic pointed at it. */
export interface AlembicSession {
  db: ThrowawayDatabase;
  alembic: AlembicChoice;
  run(action: AlembicAction): Promise<StepResult>;
  snapshot(): Promise<SchemaSnapshot>;
}

/**
 * Sets up the throwaway database and the config copy, checks with the env.py probe that alembic
 * would use that database, runs `body`, and removes everything it made whatever happens.
 */
export async function withAlembicSession<T>(req: SessionRequest, body: (session: AlembicSession) => Promise<T>): Promise<T> {
  const { project } = req;
  if (!project.iniFile) throw new VerifyError(`${project.configFile}: verify runs alembic with an alembic.ini, and this project has none`);
  const say = req.onProgress ?? (() => undefined);
  const env = process.env;
  const alembic: AlembicChoice = projectAlembic(project.rootDir, env.PATH, req.alembicCommand);
  say(`alembic: ${alembic.why}`);

  const cleanups: Array<() => Promise<void>> = [];
  try {
    say(req.serverUrl ? 'creating the throwaway database' : 'starting an embedded PostgreSQL');
    let db: ThrowawayDatabase;
    try {
      db = req.serverUrl ? await createOnServer(req.serverUrl, project.name) : await startEmbedded(project.name);
    } catch (e) {
      if (e instanceof ThrowawayError) throw new VerifyError(e.message);
      throw e;
    }
    cleanups.push(() => db.release());
    const secrets = [db.password];
    say(`throwaway database ${db.database} (${db.where})`);

    // The copy sits beside alembic.ini: `%(here)s`, script_location and prepend_sys_path resolve the same.
    const ini = project.iniFile;
    const copy = path.join(path.dirname(ini), `.alembic-verify-${crypto.randomBytes(4).toString('hex')}.ini`);
    let iniText: string;
    try {
      iniText = fs.readFileSync(ini, 'utf8');
    } catch (e) {
      throw new VerifyError(`cannot read ${ini}: ${(e as Error).message}`);
    }
    removeAtExit(copy);
    fs.writeFileSync(copy, configWithUrl(iniText, 'alembic', db.sqlalchemyUrl), { mode: 0o600, flag: 'wx' });
    cleanups.push(() => {
      fs.rmSync(copy, { force: true });
      removed(copy);
      return Promise.resolve();
    });

    const url = db.sqlalchemyUrl;
    const xArgs = [`sqlalchemy.url=${url}`];
    const runEnv: Record<string, string> = {
      DATABASE_URL: url,
      ...(db.password ? { PGPASSWORD: db.password } : {}),
      PGAPPNAME: 'alembic-migrations verify',
    };

    // Would env.py really use the throwaway database?
    say('asking env.py which database it would use');
    const script = probeScript();
    const isThrowaway = (t: AlembicTarget): boolean =>
      t.kind === 'ok' && sameDatabase(t, { host: db.host, port: db.port, database: db.database, user: db.user });
    const probeWith = async (name: string, iniFile: string, x: string[], extraEnv: Record<string, string>): Promise<AlembicTarget> => {
      const base = { ...env };
      delete base.DATABASE_URL;
      return (
        await new TargetProbe(script).probe(
          { projectId: `${project.id}#${name}`, alembicArgv: alembic.argv, iniFile, cwd: project.rootDir, xArgs: x, env: extraEnv, inputs: [] },
          base,
        )
      ).target;
    };
    const target = await probeWith('all', copy, xArgs, runEnv);
    if (target.kind !== 'ok') {
      throw new VerifyError(
        `cannot tell which database env.py would use (${redact(target.reason, secrets)}), so verify does not run: it only ever changes its throwaway database`,
      );
    }
    if (!isThrowaway(target)) {
      // One override at a time, to name the ones env.py does not follow.
      const { DATABASE_URL: _url, ...withoutUrl } = runEnv;
      const overrides: Array<[string, () => Promise<AlembicTarget>]> = [
        [`sqlalchemy.url in a copy of ${path.basename(ini)}`, () => probeWith('ini', copy, [], withoutUrl)],
        ['the DATABASE_URL environment variable', () => probeWith('env', ini, [], runEnv)],
        ['-x sqlalchemy.url=…', () => probeWith('x', ini, xArgs, withoutUrl)],
      ];
      const ignored: string[] = [];
      const followed: string[] = [];
      for (const [name, probe] of overrides) (isThrowaway(await probe()) ? followed : ignored).push(name);
      const list = (xs: string[]): string => (xs.length > 1 ? `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}` : xs[0]);
      throw new VerifyError(
        `env.py would connect to ${describeTarget(target)}, not to the throwaway database \`${db.database}\`: ` +
          (followed.length === 0
            ? `it ignores all three overrides verify sets — ${list(ignored)}`
            : `it ignores ${ignored.length ? list(ignored) : 'none of them alone'}, and follows ${list(followed)} only when set alone`) +
          ` — so verify refuses to run against it. Make env.py take its URL from one of them (the stock env.py reads sqlalchemy.url).`,
      );
    }

    const snapClient = new Client(db.pgConfig);
    await snapClient.connect();
    cleanups.push(() => snapClient.end().catch(() => undefined));

    const run = async (action: AlembicAction): Promise<StepResult> => {
      const inv = buildAlembicInvocation({ command: alembic.argv, iniFile: copy, cwd: project.rootDir, xArgs, env: runEnv, action });
      const r = await runProcess({ file: inv.file, args: inv.args, cwd: inv.cwd, env: { ...env, ...inv.env }, ...(req.signal ? { signal: req.signal } : {}) });
      if (r.spawnErrorCode) throw new VerifyError(`could not start ${inv.file} (${r.spawnErrorCode}): install alembic or set ALEMBIC_COMMAND`);
      return { ok: r.exitCode === 0 && !r.cancelled, stderr: redact(r.stderr, secrets), durationMs: r.durationMs, cancelled: r.cancelled };
    };
    const snapshot = (): Promise<SchemaSnapshot> => readSchemaSnapshot(snapClient, { versionTable: req.versionTable ?? 'alembic_version' });
    return await body({ db, alembic, run, snapshot });
  } finally {
    while (cleanups.length) {
      try {
        await cleanups.pop()!();
      } catch (e) {
        say(`clean-up failed: ${(e as Error).message}`);
      }
    }
  }
}

export async function verifyProject(req: VerifyRequest): Promise<VerifyResult> {
  const t0 = performance.now();
  const { project } = req;
  if (req.graph.issues.length) {
    throw new VerifyError(
      `the revision graph of ${project.name} has problems (${req.graph.issues.map((i) => i.kind).join(', ')}): run \`alembic-migrations check\` and fix them first`,
    );
  }
  // A --from/--to that names nothing fails here, before any database is made.
  verifyPlan(req.graph, { ...(req.from !== undefined ? { from: req.from } : {}), ...(req.to !== undefined ? { to: req.to } : {}) });
  return withAlembicSession(req, async (session) => {
    const setupMs = performance.now() - t0;
    const report = await roundTrip({
      graph: req.graph,
      runner: { upgrade: (t) => session.run({ kind: 'upgrade', target: t }), downgrade: (t) => session.run({ kind: 'downgrade', target: t }) },
      snapshot: () => session.snapshot(),
      ...(req.from !== undefined ? { from: req.from } : {}),
      ...(req.to !== undefined ? { to: req.to } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    });
    return { ...report, database: session.db.where, alembic: session.alembic, setupMs, totalMs: performance.now() - t0 };
  });
}

/** The schema the migrations produce at `revision` (an id, a unique prefix or a branch label): a throwaway database upgraded to it. */
export async function schemaAtRevision(
  req: SessionRequest & { graph: RevisionGraph; revision: string },
): Promise<{ revision: string; snapshot: SchemaSnapshot; database: string; upgradeMs: number } | { revision: string; failed: string }> {
  const node = req.graph.lookup(req.revision) ?? uniquePrefix(req.graph, req.revision);
  if (!node) throw new VerifyError(`--revision ${req.revision}: no such revision`);
  return withAlembicSession(req, async (session) => {
    (req.onProgress ?? (() => undefined))(`upgrading to ${node.id}`);
    const up = await session.run({ kind: 'upgrade', target: node.id });
    if (!up.ok) {
      if (up.cancelled) throw new VerifyError('cancelled');
      return { revision: node.id, failed: alembicErrorMessage(up.stderr).message };
    }
    return { revision: node.id, snapshot: await session.snapshot(), database: session.db.where, upgradeMs: up.durationMs };
  });
}

function uniquePrefix(graph: RevisionGraph, prefix: string): ReturnType<RevisionGraph['get']> {
  const hits = graph.nodes().filter((n) => n.id.startsWith(prefix));
  return hits.length === 1 ? hits[0] : undefined;
}
