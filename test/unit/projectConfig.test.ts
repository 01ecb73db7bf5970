import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../support/tempDir';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readProject } from '../../server/src/alembic/project';
import { discoverProjects, listMigrationFiles } from '../../server/src/alembic/discovery';
import { interpolate, parseIni } from '../../server/src/shared/iniFile';

const tmp = (): string => fs.realpathSync(tempDir('alembic-cfg-'));

function write(file: string, text: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

const MIGRATION = `revision = 'a1'\ndown_revision = None\n`;

test('%(here)s, %% escapes and continuation lines are read as ConfigParser reads them', () => {
  const doc = parseIni(
    '\ufeff[alembic]\r\nscript_location = %(here)s/migrations\r\nfile_template = %%(rev)s_%%(slug)s\r\nversion_locations =\r\n    %(here)s/a\r\n    %(here)s/b\r\n',
  );
  assert.deepEqual(interpolate(doc, 'alembic', 'script_location', { here: '/p' }), { ok: true, value: '/p/migrations' });
  assert.deepEqual(interpolate(doc, 'alembic', 'file_template', { here: '/p' }), { ok: true, value: '%(rev)s_%(slug)s' });
  assert.deepEqual(interpolate(doc, 'alembic', 'version_locations', { here: '/p' }), { ok: true, value: '/p/a\n/p/b' });
  const bad = interpolate(parseIni('[alembic]\nx = %(nope)s\n'), 'alembic', 'x');
  assert.equal(bad?.ok, false);
});

test('relative script_location is relative to the ini folder; default versions folder', () => {
  const d = tmp();
  write(path.join(d, 'db', 'migrations', 'versions', 'a.py'), MIGRATION);
  const p = readProject(write(path.join(d, 'db', 'alembic.ini'), '[alembic]\nscript_location = migrations\n'));
  assert.equal(p.scriptLocation, path.join(d, 'db', 'migrations'));
  assert.deepEqual(p.versionLocations, [path.join(d, 'db', 'migrations', 'versions')]);
  assert.deepEqual(p.problems, []);
  assert.equal(p.iniFile, path.join(d, 'db', 'alembic.ini'));
});

for (const [name, sepLine, value] of [
  ['space separator', 'version_path_separator = space', '%(here)s/v1 %(here)s/v2'],
  ['os separator', 'version_path_separator = os', '%(here)s/v1:%(here)s/v2'],
  ['newline path_separator', 'path_separator = newline', '\n    %(here)s/v1\n    %(here)s/v2'],
  ['legacy comma/space split', '', '%(here)s/v1, %(here)s/v2'],
  ['semicolon separator', 'version_path_separator = ;', '%(here)s/v1;%(here)s/v2'],
] as const) {
  test(`version_locations with ${name}`, () => {
    const d = tmp();
    write(path.join(d, 'v1', 'x.py'), MIGRATION);
    write(path.join(d, 'v2', 'y.py'), MIGRATION.replace('a1', 'b1'));
    fs.mkdirSync(path.join(d, 'mig'));
    const p = readProject(write(path.join(d, 'alembic.ini'), `[alembic]\nscript_location = mig\n${sepLine}\nversion_locations = ${value}\n`));
    assert.deepEqual(p.versionLocations, [path.join(d, 'v1'), path.join(d, 'v2')]);
    assert.deepEqual(
      listMigrationFiles(p)
        .map((f) => path.basename(f.file))
        .sort(),
      ['x.py', 'y.py'],
    );
  });
}

test('a folder named twice in version_locations lists each migration once', () => {
  const d = tmp();
  write(path.join(d, 'v1', 'x.py'), MIGRATION);
  fs.mkdirSync(path.join(d, 'mig'));
  const p = readProject(write(path.join(d, 'alembic.ini'), '[alembic]\nscript_location = mig\nversion_locations = %(here)s/v1 %(here)s/v1/ %(here)s/./v1\n'));
  assert.deepEqual(
    listMigrationFiles(p).map((f) => path.basename(f.file)),
    ['x.py'],
  );
});

test('recursive_version_locations lists nested files; otherwise only the top level; never __init__ or __pycache__', () => {
  const d = tmp();
  write(path.join(d, 'mig', 'versions', 'top.py'), MIGRATION);
  write(path.join(d, 'mig', 'versions', '__init__.py'), '');
  write(path.join(d, 'mig', 'versions', '__pycache__', 'top.cpython-311.pyc.py'), '');
  write(path.join(d, 'mig', 'versions', '2024', 'nested.py'), MIGRATION.replace('a1', 'n1'));
  const flat = readProject(write(path.join(d, 'alembic.ini'), '[alembic]\nscript_location = mig\n'));
  assert.deepEqual(
    listMigrationFiles(flat).map((f) => path.basename(f.file)),
    ['top.py'],
  );
  const rec = readProject(write(path.join(d, 'alembic.ini'), '[alembic]\nscript_location = mig\nrecursive_version_locations = true\n'));
  assert.deepEqual(
    listMigrationFiles(rec)
      .map((f) => path.basename(f.file))
      .sort(),
    ['nested.py', 'top.py'],
  );
});

test('package:resource script_location is resolved under the project (or src/)', () => {
  const d = tmp();
  write(path.join(d, 'src', 'myapp', 'db', 'migrations', 'versions', 'a.py'), MIGRATION);
  const p = readProject(write(path.join(d, 'alembic.ini'), '[alembic]\nscript_location = myapp.db:migrations\n'));
  assert.equal(p.scriptLocation, path.join(d, 'src', 'myapp', 'db', 'migrations'));
  const q = readProject(write(path.join(d, 'alembic.ini'), '[alembic]\nscript_location = nothere:migrations\n'));
  assert.ok(q.problems.some((x) => x.ruleId === 'invalid-project-config' && /package resource/.test(x.message)));
});

test('missing script_location, missing folder and garbage are problems of the project, not exceptions', () => {
  const d = tmp();
  const none = readProject(write(path.join(d, 'a', 'alembic.ini'), '[alembic]\nsqlalchemy.url = x\n'));
  assert.match(none.problems[0].message, /script_location/);
  const gone = readProject(write(path.join(d, 'b', 'alembic.ini'), '[alembic]\nscript_location = nowhere\n'));
  assert.ok(gone.problems.some((p) => /does not exist/.test(p.message)));
  const junk = readProject(write(path.join(d, 'c', 'alembic.ini'), '\u0000\u0001garbage without sections\n'));
  assert.ok(junk.problems.length > 0);
  const missing = readProject(path.join(d, 'd', 'alembic.ini'));
  assert.ok(missing.problems.length > 0);
  assert.deepEqual(missing.versionLocations, []);
});

test('[tool.alembic] in pyproject.toml alone is a project; with an alembic.ini beside it, one project', () => {
  const d = tmp();
  write(path.join(d, 'p1', 'migrations', 'versions', 'a.py'), MIGRATION);
  write(
    path.join(d, 'p1', 'pyproject.toml'),
    '[tool.alembic]\nscript_location = "%(here)s/migrations"\n\n[tool.alembic-migrations.rules]\nprefer-text-field = "warning"\n',
  );
  write(path.join(d, 'p2', 'migrations', 'versions', 'a.py'), MIGRATION);
  write(path.join(d, 'p2', 'pyproject.toml'), '[tool.alembic]\nscript_location = "migrations"\nversion_locations = ["%(here)s/migrations/versions"]\n');
  write(path.join(d, 'p2', 'alembic.ini'), '[alembic]\nsqlalchemy.url = postgresql://x@y/z\n');
  const projects = discoverProjects(d);
  assert.deepEqual(
    projects.map((p) => path.relative(d, p.configFile)),
    [path.join('p1', 'pyproject.toml'), path.join('p2', 'alembic.ini')],
  );
  assert.equal(projects[0].configKind, 'pyproject');
  assert.deepEqual(projects[0].lintRules, { 'prefer-text-field': 'warning' });
  assert.equal(projects[1].scriptLocation, path.join(d, 'p2', 'migrations'));
  assert.equal(projects[1].sqlalchemyUrl, 'postgresql://x@y/z');
  assert.deepEqual(projects[1].problems, []);
});

test('discovery finds several projects, sorted, and skips node_modules, .git and virtualenvs', () => {
  const d = tmp();
  for (const where of ['svc-b', 'svc-a', 'node_modules/pkg', '.git/x', 'venvdir', 'deep/er/svc']) {
    write(path.join(d, where, 'alembic.ini'), '[alembic]\nscript_location = m\n');
  }
  write(path.join(d, 'venvdir', 'pyvenv.cfg'), 'home = /usr\n');
  assert.deepEqual(
    discoverProjects(d).map((p) => p.name),
    [path.join('deep', 'er', 'svc'), 'svc-a', 'svc-b'],
  );
});

test("discovery does not search a project's version locations (folders of migrations) for more projects", () => {
  const d = tmp();
  write(path.join(d, 'alembic.ini'), '[alembic]\nscript_location = m\nversion_locations = %(here)s/m/versions %(here)s/extra\n');
  write(path.join(d, 'm', 'versions', 'a.py'), MIGRATION);
  // Inside a version location: migrations, not projects (a folder alembic itself never reads as one).
  write(path.join(d, 'm', 'versions', 'inner', 'alembic.ini'), '[alembic]\nscript_location = m\n');
  write(path.join(d, 'extra', 'nested', 'alembic.ini'), '[alembic]\nscript_location = m\n');
  // Beside them, a project is still found, and a folder named like a location elsewhere too.
  write(path.join(d, 'm', 'other', 'alembic.ini'), '[alembic]\nscript_location = m\n');
  write(path.join(d, 'svc', 'extra', 'alembic.ini'), '[alembic]\nscript_location = m\n');
  assert.deepEqual(
    discoverProjects(d).map((p) => p.name),
    ['.', path.join('m', 'other'), path.join('svc', 'extra')].map((n) => (n === '.' ? path.basename(d) : n)),
  );
});

test('a symlink loop does not hang discovery or listing', () => {
  const d = tmp();
  write(path.join(d, 'alembic.ini'), '[alembic]\nscript_location = m\nrecursive_version_locations = true\n');
  write(path.join(d, 'm', 'versions', 'a.py'), MIGRATION);
  fs.symlinkSync(d, path.join(d, 'm', 'versions', 'loop'));
  fs.symlinkSync(d, path.join(d, 'loop'));
  const t0 = Date.now();
  const [p] = discoverProjects(d);
  const files = listMigrationFiles(p);
  assert.ok(files.length >= 1);
  assert.ok(Date.now() - t0 < 5000);
});
