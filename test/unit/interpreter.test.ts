/**
 * Which alembic runs, and why; the run's timeouts; the env file; a lock timeout classified.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chooseAlembic,
  driverIgnoresPgoptions,
  parseEnvFile,
  pgDuration,
  runTimeoutOptions,
  type InterpreterFacts,
} from '../../server/src/shared/alembicCli/interpreter';
import { classifyAlembicFailure } from '../../server/src/shared/alembicCli/classifyFailure';
import { describeWait } from '../../server/src/shared/db/blockerWatch';
import { backupFileName, majorOfServerVersionNum, majorOfToolVersion } from '../../server/src/shared/db/backup';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findVirtualenvs, mainCheckoutOf, projectAlembic } from '../../server/src/shared/alembicCli/localTools';
import { commitAll, git, initRepo } from '../support/gitRepo';
import { tempDir } from '../support/tempDir';

const none: InterpreterFacts = { command: [], virtualenvs: [], lockFiles: {}, tools: {} };

test('the setting, then the Python extension, then a virtualenv, then poetry/uv/pipenv with their lock file, then PATH', () => {
  const all: InterpreterFacts = {
    command: ['docker', 'compose', 'run', 'app', 'alembic'],
    pythonExtension: '/py/ext',
    virtualenvs: ['/p/.venv/bin/python'],
    lockFiles: { poetry: true, uv: true },
    tools: { poetry: '/bin/poetry', uv: '/bin/uv' },
    alembicOnPath: '/usr/bin/alembic',
  };
  assert.equal(chooseAlembic(all).source, 'setting');
  assert.deepEqual(chooseAlembic({ ...all, command: [] }).argv, ['/py/ext', '-m', 'alembic']);
  assert.deepEqual(chooseAlembic({ ...all, command: [], pythonExtension: undefined }).argv, ['/p/.venv/bin/python', '-m', 'alembic']);
  assert.match(chooseAlembic({ ...all, command: [], pythonExtension: undefined }).why, /virtualenv \/p\/\.venv$/);
  assert.deepEqual(chooseAlembic({ ...all, command: [], pythonExtension: undefined, virtualenvs: [] }).argv, ['/bin/poetry', 'run', 'alembic']);
  assert.deepEqual(chooseAlembic({ ...none, lockFiles: { uv: true }, tools: { uv: '/bin/uv' } }).argv, ['/bin/uv', 'run', 'alembic']);
  assert.equal(chooseAlembic({ ...none, lockFiles: { poetry: true } }).source, 'path', 'a lock file without the tool on PATH is not enough');
  assert.match(chooseAlembic({ ...none, alembicOnPath: '/usr/bin/alembic' }).why, /alembic on PATH \(\/usr\/bin\/alembic\)/);
  assert.match(chooseAlembic(none).why, /not found there/);
});

test('timeouts go to PGOPTIONS after what is there; a malformed one is a problem, not a silent default', () => {
  assert.deepEqual(runTimeoutOptions(undefined, '5s', ''), { pgoptions: '-c lock_timeout=5s', problems: [] });
  assert.deepEqual(runTimeoutOptions('-c search_path=app', '500ms', '10min'), {
    pgoptions: '-c search_path=app -c lock_timeout=500ms -c statement_timeout=10min',
    problems: [],
  });
  assert.deepEqual(runTimeoutOptions(undefined, '0', ''), { problems: [] });
  assert.equal(runTimeoutOptions(undefined, 'five seconds', '').problems.length, 1);
  assert.equal(runTimeoutOptions(undefined, '5s; DROP TABLE x', '').pgoptions, undefined, 'nothing but a duration reaches PGOPTIONS');
  assert.equal(pgDuration('1.5 s'), '1.5s');
  assert.equal(driverIgnoresPgoptions('postgresql+asyncpg'), true);
  assert.equal(driverIgnoresPgoptions('postgresql+psycopg2'), false);
});

test('an env file: KEY=VALUE, export, quotes and comments, taken literally', () => {
  assert.deepEqual(parseEnvFile('# db\nexport DATABASE_URL="postgresql://u@h/db"\nAPP_ENV=dev # local\nQUOTED=\'a $b `c`\'\nEMPTY=\nnot a line\n'), {
    DATABASE_URL: 'postgresql://u@h/db',
    APP_ENV: 'dev',
    QUOTED: 'a $b `c`',
    EMPTY: '',
  });
});

test('a statement stopped by lock_timeout is its own failure, with the table still unchanged to say', () => {
  const stderr = `INFO  [alembic.runtime.migration] Running upgrade aaaa00000001 -> aaaa00000002, add x
Traceback (most recent call last):
sqlalchemy.exc.OperationalError: (psycopg2.errors.LockNotAvailable) canceling statement due to lock timeout

[SQL: ALTER TABLE t ADD COLUMN x INTEGER]
(Background on this error at: https://sqlalche.me/e/14/e3q8)
`;
  const f = classifyAlembicFailure({ exitCode: 1, stderr });
  assert.equal(f.kind, 'lock-timeout');
  assert.match(f.nextStep, /nothing was applied/);
  assert.equal(f.sql, 'ALTER TABLE t ADD COLUMN x INTEGER');
});

test('a lock wait reads as who holds what, for how long, doing what', () => {
  assert.equal(
    describeWait({
      waitingSeconds: 4,
      relation: 'orders',
      blockers: [
        {
          pid: 812,
          user: 'app_user',
          application: 'psql',
          state: 'idle in transaction',
          transactionSeconds: 1500,
          query: 'UPDATE orders\n   SET status = 1 WHERE id IN (SELECT id FROM orders WHERE created_at < now())',
        },
      ],
    }),
    'waiting 4 s for a lock on `orders` held by pid 812 (app_user, psql, idle in transaction for 25 min: UPDATE orders SET status = 1 WHERE id IN (SELECT id FROM or…)',
  );
  assert.equal(describeWait({ waitingSeconds: 120, blockers: [] }), 'waiting 2 min for a lock');
});

test("a linked git worktree finds the main checkout's virtualenv (the same subfolder, then its root)", () => {
  const main = tempDir('alembic-wt-main-');
  initRepo(main);
  fs.mkdirSync(path.join(main, 'svc'), { recursive: true });
  fs.writeFileSync(path.join(main, 'svc', 'alembic.ini'), '[alembic]\n');
  commitAll(main, 'first');
  // A virtualenv in the main checkout only (never committed).
  fs.mkdirSync(path.join(main, '.venv', 'bin'), { recursive: true });
  fs.writeFileSync(path.join(main, '.venv', 'pyvenv.cfg'), 'home = /usr/bin\n');
  fs.symlinkSync('/usr/bin/python3', path.join(main, '.venv', 'bin', 'python'));
  const wt = path.join(tempDir('alembic-wt-'), 'feature');
  git(main, 'worktree', 'add', '-q', wt);
  assert.equal(mainCheckoutOf(path.join(wt, 'svc')), path.join(fs.realpathSync(main), 'svc'));
  assert.equal(mainCheckoutOf(wt), fs.realpathSync(main));
  assert.equal(mainCheckoutOf(main), undefined, 'the main checkout itself');
  assert.equal(mainCheckoutOf(tempDir('alembic-nogit-')), undefined);
  const dirs = [path.join(wt, 'svc'), wt, mainCheckoutOf(path.join(wt, 'svc'))!, mainCheckoutOf(wt)!];
  assert.deepEqual(findVirtualenvs(dirs), [path.join(fs.realpathSync(main), '.venv', 'bin', 'python')]);
  // The CLI's runs (upgrade, verify, drift, schema, squash) choose it the same way, ALEMBIC_COMMAND first.
  const choice = projectAlembic(path.join(wt, 'svc'), '/nonexistent');
  assert.equal(choice.argv[0], path.join(fs.realpathSync(main), '.venv', 'bin', 'python'), JSON.stringify(choice));
  assert.deepEqual(projectAlembic(path.join(wt, 'svc'), '/nonexistent', ['/opt/alembic']).argv, ['/opt/alembic']);
});

test('backup: the pg_dump and server majors, and a file name with safe characters only', () => {
  assert.equal(majorOfToolVersion('pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n'), 15);
  assert.equal(majorOfToolVersion('pg_dump (PostgreSQL) 9.6.24'), 906);
  assert.equal(majorOfToolVersion('pg_dump: command not found'), undefined);
  assert.equal(majorOfServerVersionNum(160004), 16);
  assert.equal(majorOfServerVersionNum(90624), 906);
  assert.equal(backupFileName('orders db', '3c8b1f0+a1d7e9b', new Date('2026-12-02T03:15:00.123Z')), 'orders_db-3c8b1f0_a1d7e9b-20261202T031500Z.dump');
  assert.equal(backupFileName('../../etc/passwd', undefined, new Date('2026-12-02T03:15:00Z')), '.._.._etc_passwd-base-20261202T031500Z.dump');
});
