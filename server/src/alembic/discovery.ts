/**
 * Finding Alembic projects under a folder, and listing each project's migration files in the
 * order Alembic loads them (directory order, as `os.listdir` returns it: the order of heads
 * in `alembic heads` depends on it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readProject, pyprojectHasAlembic, type AlembicProject } from './project';
import { ENTRY_DIR, ENTRY_FILE, ENTRY_LINK, readDirectoryInOrder, type DirectoryEntries } from '../shared/directoryOrder';

const SKIP = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '__pycache__',
  'site-packages',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  '.venv',
  'venv',
  '.vscode-e2e',
  '.idea',
  'dist',
  'build',
  'out',
]);

/** A folder's entries in directory order (like `os.listdir`, not sorted); none when it cannot be read. */
function readDirRaw(dir: string): DirectoryEntries {
  try {
    return readDirectoryInOrder(dir);
  } catch {
    return { names: [], types: [] };
  }
}

/**
 * Every Alembic project under `root`: folders with an alembic.ini, or a pyproject.toml with
 * `[tool.alembic]`. Skips dependency, build and virtualenv folders and the version locations of
 * the projects found above them (folders of migrations, often thousands of files: listing them
 * again here was most of a large workspace's discovery); follows no symlinks.
 */
export function discoverProjects(root: string, opts: { maxDepth?: number } = {}): AlembicProject[] {
  const maxDepth = opts.maxDepth ?? 12;
  const top = path.resolve(root);
  const found: AlembicProject[] = [];
  const versionFolders = new Set<string>();
  const visit = (dir: string, depth: number): void => {
    if (depth > maxDepth) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.name === 'pyvenv.cfg')) return; // a virtualenv
    const names = new Set(entries.map((e) => e.name));
    let config: string | undefined;
    if (names.has('alembic.ini')) config = path.join(dir, 'alembic.ini');
    else if (names.has('pyproject.toml') && pyprojectHasAlembic(path.join(dir, 'pyproject.toml'))) config = path.join(dir, 'pyproject.toml');
    if (config) {
      const project = readProject(config, { root: top });
      found.push(project);
      for (const loc of project.versionLocations) versionFolders.add(path.resolve(loc));
    }
    for (const e of entries) {
      if (!e.isDirectory() || SKIP.has(e.name) || e.name.startsWith('.')) continue;
      const sub = path.join(dir, e.name);
      if (!versionFolders.has(sub)) visit(sub, depth + 1);
    }
  };
  visit(top, 0);
  return found.sort((a, b) => (a.configFile < b.configFile ? -1 : a.configFile > b.configFile ? 1 : 0));
}

/** True for file names Alembic loads as migrations (`*.py`, not `__init__*`, not editor lock files). */
export function isMigrationFileName(name: string): boolean {
  return name.endsWith('.py') && !name.startsWith('__init__') && !name.startsWith('.#');
}

/** A migration file found in a version location. */
export interface ListedMigration {
  file: string;
  versionLocation: string;
  /** The listing says it is a regular file (not a link, FIFO or device): it can be read without `fstat`. */
  regular?: boolean;
}

/** The migration files of a project, in Alembic's load order, each with its version location. */
export function listMigrationFiles(project: AlembicProject): ListedMigration[] {
  const out: ListedMigration[] = [];
  // One folder lists each name once: only several locations (or nested ones) can repeat a path.
  const seen = project.versionLocations.length > 1 || project.recursiveVersionLocations ? new Set<string>() : undefined;
  const visitedDirs = new Set<string>();
  const visit = (dir: string, location: string, depth: number): void => {
    if (project.recursiveVersionLocations) {
      // Symlinked folders can form loops: visit each real folder once.
      let real: string;
      try {
        real = fs.realpathSync(dir);
      } catch {
        return;
      }
      if (visitedDirs.has(real)) return;
      visitedDirs.add(real);
    }
    // Concatenation, not path.join per entry: a 5,000-file folder pays for join 5,000 times.
    const norm = path.normalize(dir);
    const prefix = norm.endsWith(path.sep) ? norm : norm + path.sep;
    const { names, types } = readDirRaw(dir);
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const type = types[i];
      const p = prefix + name;
      if (type === ENTRY_DIR || (type === ENTRY_LINK && isDir(p))) {
        if (project.recursiveVersionLocations && name !== '__pycache__' && depth < 20) visit(p, location, depth + 1);
        continue;
      }
      if (!isMigrationFileName(name)) continue;
      if (seen) {
        if (seen.has(p)) continue;
        seen.add(p);
      }
      out.push(type === ENTRY_FILE ? { file: p, versionLocation: location, regular: true } : { file: p, versionLocation: location });
    }
  };
  for (const loc of project.versionLocations) visit(loc, loc, 0);
  return out;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
