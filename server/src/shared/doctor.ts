/**
 * The project doctor (the team guide's verify-setup / pre-deploy-check): one report, a line per
 * check, ✔ / ⚠ / ✖ with the fix. ✖ only for what makes runs fail or unsafe (no alembic, an
 * invalid config, env.py that does not import, a database that is unreachable or refuses us,
 * several heads, errors in pending revisions); ⚠ for what limits a feature. Node only (no VS
 * Code): the editor command and the CLI's `doctor` gather the inputs; the integration tests pass real ones.
 */
import type { ProjectProblem } from './protocol';
import { MAX_CONFIG_BYTES, readRegularText } from './regularFile';
import type { AlembicChoice } from './alembicCli/interpreter';
import { driverIgnoresPgoptions, runTimeoutOptions } from './alembicCli/interpreter';
import { describeTarget, sameDatabase, targetUrl, type ReadDatabase } from './alembicCli/alembicTarget';
import { runProcess } from './alembicCli/processRunner';
import { parseDatabaseUrl, redactText } from './db/databaseUrl';
import { readDatabaseState } from './db/versionTable';
import { shortId } from './revisionState';
import type { ProbeRequest, ProbeResult } from './alembicCli/targetProbe';
import { which } from './alembicCli/localTools';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  status: CheckStatus;
  title: string;
  detail: string;
  /** The one thing to do about it (a command id or a sentence). */
  fix?: string;
}

export interface DoctorInputs {
  projectName: string;
  choice: AlembicChoice;
  /** The environment a run gets (additions). */
  env: Record<string, string>;
  probeRequest: ProbeRequest;
  probe(req: ProbeRequest): Promise<ProbeResult>;
  /** The project's configuration problems (alembic.ini / pyproject). */
  problems: ReadonlyArray<Pick<ProjectProblem, 'severity' | 'message'>>;
  envPy?: string;
  graph: DoctorGraph | undefined;
  /** The database the status bar reads. */
  shown?: { label: string; read: ReadDatabase };
  versionTable: string;
  versionTableSchema?: string;
  lockTimeout: string;
  statementTimeout: string;
  /** Error diagnostics of a migration file (by URI). */
  errorsIn(uri: string): number;
}

/** What the doctor reads of the revision graph (the client's graph view, or the CLI's index). */
export interface DoctorGraph {
  heads: readonly string[];
  /** The revisions not applied, given the version table's rows; `uri` locates their errors. */
  pending(versionRows: readonly string[]): ReadonlyArray<{ id: string; uri: string }>;
}

const ICON: Record<CheckStatus, string> = { ok: '✔', warn: '⚠', fail: '✖' };

export function renderDoctor(projectName: string, checks: DoctorCheck[]): string {
  const fails = checks.filter((c) => c.status === 'fail').length;
  const warns = checks.filter((c) => c.status === 'warn').length;
  const lines = checks.map((c) => `${ICON[c.status]} ${c.title}: ${c.detail}${c.fix && c.status !== 'ok' ? `\n    → ${c.fix}` : ''}`);
  const verdict = fails
    ? `${fails} problem${fails === 1 ? '' : 's'} to fix before running migrations`
    : warns
      ? `ready, with ${warns} warning${warns === 1 ? '' : 's'}`
      : 'ready';
  return [`Alembic setup of ${projectName}: ${verdict}`, '', ...lines].join('\n');
}

/** 1 when any check failed, else 0 (the CLI's exit code). */
export function doctorExitCode(checks: DoctorCheck[]): number {
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}

export async function runDoctor(i: DoctorInputs): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  const env = { ...process.env, ...i.env };
  // 1. The alembic that runs, and that it runs.
  const [file, ...pre] = i.choice.argv;
  const version = await runProcess({ file, args: [...pre, '--version'], cwd: i.probeRequest.cwd, env, killGraceMs: 500, signal: AbortSignal.timeout(30_000) });
  const v = /alembic\s+(\d[\w.]*)/.exec(version.stdout + version.stderr)?.[1];
  out.push(
    version.exitCode === 0 && v
      ? { status: 'ok', title: 'alembic', detail: `${v}, from ${i.choice.why}` }
      : {
          status: 'fail',
          title: 'alembic',
          detail: `${i.choice.why} does not run alembic (${version.spawnErrorCode ?? redactText(version.stderr.trim().split('\n').pop() ?? `exit ${version.exitCode}`)})`,
          fix: 'Select the interpreter of the project’s virtualenv, or set alembic.command',
        },
  );
  // 2. The configuration.
  const configErrors = i.problems.filter((p) => p.severity === 'error');
  out.push(
    configErrors.length
      ? {
          status: 'fail',
          title: 'configuration',
          detail: configErrors.map((p) => p.message).join('; '),
          fix: 'Fix alembic.ini / pyproject.toml (see the Problems panel)',
        }
      : { status: 'ok', title: 'configuration', detail: 'alembic.ini is valid' },
  );
  // 3. env.py, and the database it builds.
  const probe = await i.probe(i.probeRequest);
  const t = probe.target;
  if (t.kind === 'ok') {
    out.push({ status: 'ok', title: 'env.py', detail: `imports; alembic changes ${describeTarget(t, (s) => s)} (${t.via})` });
    if (i.shown) {
      out.push(
        sameDatabase(t, i.shown.read)
          ? { status: 'ok', title: 'database', detail: `the status bar reads the same database` }
          : {
              status: 'warn',
              title: 'database',
              detail: `the status bar reads ${i.shown.label}, not the database alembic changes`,
              fix: 'Point alembic.databaseUrl at the database env.py uses, or change env.py',
            },
      );
    }
  } else {
    const raised = /^env\.py (raised|exited)/.test(t.reason);
    out.push({
      status: raised ? 'fail' : 'warn',
      title: 'env.py',
      detail: redactText(t.reason),
      fix: raised ? 'Run `alembic current` in a terminal to see the full error' : 'Confirmations will ask which database alembic changes',
    });
  }
  // 4. Reachable, authenticated, the version table, where it stands.
  let rows: string[] | undefined;
  if (t.kind === 'ok') {
    const parsed = parseDatabaseUrl(targetUrl(t));
    const pg = parsed.kind === 'ok' ? { ...parsed.pg, ...(probe.password ? { password: probe.password } : {}) } : undefined;
    const r = pg ? await readDatabaseState(pg, { versionTable: i.versionTable, ...(i.versionTableSchema ? { schema: i.versionTableSchema } : {}) }) : undefined;
    if (!r || r.kind !== 'ok') {
      out.push({
        status: 'fail',
        title: 'connection',
        detail: r ? `${r.kind}: ${r.message}` : 'the URL cannot be read',
        fix: 'Start the database, or check host, port, user and password',
      });
    } else {
      out.push({ status: 'ok', title: 'connection', detail: 'reachable and authenticated' });
      rows = r.revisions;
      out.push(
        r.tableExists
          ? {
              status: 'ok',
              title: 'version table',
              detail: `${i.versionTable} holds ${r.revisions.length ? r.revisions.map(shortId).join(', ') : 'no revision (base)'}`,
            }
          : { status: 'warn', title: 'version table', detail: `${i.versionTable} does not exist yet: the database was never migrated`, fix: 'Upgrade to head' },
      );
    }
  }
  // 5. The graph: one head, pending revisions, and errors in them.
  if (i.graph) {
    const heads = i.graph.heads;
    out.push(
      heads.length > 1
        ? { status: 'fail', title: 'heads', detail: `${heads.length} heads (${heads.map(shortId).join(', ')}): \`upgrade head\` fails`, fix: 'Merge Heads' }
        : { status: 'ok', title: 'heads', detail: heads.length ? `one head, ${shortId(heads[0])}` : 'no revision yet' },
    );
    if (rows) {
      const pending = i.graph.pending(rows);
      out.push(
        pending.length
          ? { status: 'warn', title: 'pending', detail: `${pending.length} revision${pending.length === 1 ? '' : 's'} not applied`, fix: 'Upgrade to head' }
          : { status: 'ok', title: 'pending', detail: 'the database is at head' },
      );
      const broken = pending.filter((n) => i.errorsIn(n.uri) > 0);
      out.push(
        broken.length
          ? { status: 'fail', title: 'pending revisions', detail: `errors in ${broken.map((n) => shortId(n.id)).join(', ')}`, fix: 'Open the Problems panel' }
          : { status: 'ok', title: 'pending revisions', detail: 'no errors' },
      );
    }
  }
  // 6. The lock timeout, for the driver in use.
  const timeouts = runTimeoutOptions(undefined, i.lockTimeout, i.statementTimeout);
  const driver = t.kind === 'ok' ? t.driver : undefined;
  if (timeouts.problems.length) out.push({ status: 'fail', title: 'lock timeout', detail: timeouts.problems.join('; '), fix: 'Fix alembic.run.lockTimeout' });
  else if (!/lock_timeout=/.test(timeouts.pgoptions ?? ''))
    out.push({
      status: 'warn',
      title: 'lock timeout',
      detail: 'off: a migration may queue every reader behind a lock',
      fix: 'Set alembic.run.lockTimeout (e.g. 5s)',
    });
  else if (driverIgnoresPgoptions(driver))
    out.push({
      status: 'warn',
      title: 'lock timeout',
      detail: `the ${driver} driver ignores PGOPTIONS, so ${i.lockTimeout} is not in force`,
      fix: 'Set lock_timeout in env.py (connect_args server_settings)',
    });
  else out.push({ status: 'ok', title: 'lock timeout', detail: `${i.lockTimeout} for every run` });
  // 7. Backups and autogenerate.
  const pgDump = which('pg_dump', env.PATH);
  out.push(
    pgDump
      ? { status: 'ok', title: 'pg_dump', detail: pgDump }
      : {
          status: 'warn',
          title: 'pg_dump',
          detail: 'not on PATH: no backup before destructive steps',
          fix: 'Install postgresql-client (Debian/Ubuntu) or libpq (Homebrew)',
        },
  );
  if (i.envPy !== undefined) {
    let text = '';
    try {
      text = readRegularText(i.envPy, MAX_CONFIG_BYTES);
    } catch {
      text = '';
    }
    const set = /^\s*target_metadata\s*=\s*(?!None\b)\S/m.test(text);
    out.push(
      set
        ? { status: 'ok', title: 'target_metadata', detail: 'set in env.py' }
        : {
            status: 'warn',
            title: 'target_metadata',
            detail: 'not set in env.py: revision --autogenerate finds nothing',
            fix: 'Set target_metadata = <your models>.metadata in env.py',
          },
    );
  }
  return out;
}
