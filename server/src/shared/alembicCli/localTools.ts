/**
 * What is installed where, looked up on the disk: programs on PATH, virtualenvs in a folder,
 * lock files. Node adapter for the pure choice in alembicCli/interpreter.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VIRTUALENV_NAMES, chooseAlembic, type AlembicChoice, type InterpreterFacts } from './interpreter';

function isExecutableFile(f: string): boolean {
  try {
    const st = fs.statSync(f);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** The first executable called `name` on PATH. */
export function which(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const f = path.join(dir, name);
    if (isExecutableFile(f)) return f;
  }
  return undefined;
}

/** The Python executables of virtualenvs directly in `dirs` (in order; `.tox` is never one). */
export function findVirtualenvs(dirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const dir of dirs) {
    for (const name of VIRTUALENV_NAMES) {
      for (const exe of ['bin/python', 'bin/python3', 'Scripts/python.exe']) {
        const f = path.join(dir, name, exe);
        if (isExecutableFile(f) && fs.existsSync(path.join(dir, name, 'pyvenv.cfg'))) {
          if (!out.includes(f)) out.push(f);
          break;
        }
      }
    }
  }
  return out;
}

/** Everything the interpreter choice needs, for a project root and its workspace folder. */
export function interpreterFacts(input: { command: string[]; pythonExtension?: string; dirs: string[]; pathVar: string | undefined }): InterpreterFacts {
  const has = (file: string): boolean => input.dirs.some((d) => fs.existsSync(path.join(d, file)));
  return {
    command: input.command,
    ...(input.pythonExtension ? { pythonExtension: input.pythonExtension } : {}),
    virtualenvs: findVirtualenvs(input.dirs),
    lockFiles: { poetry: has('poetry.lock'), uv: has('uv.lock'), pipenv: has('Pipfile.lock') },
    tools: { poetry: which('poetry', input.pathVar), uv: which('uv', input.pathVar), pipenv: which('pipenv', input.pathVar) },
    alembicOnPath: which('alembic', input.pathVar),
  };
}

/**
 * For a folder inside a linked git worktree (`git worktree add`), the same folder in the main
 * checkout — where the project's `.venv` usually lives, since worktrees share one. Read from the
 * worktree's `.git` file (`gitdir: <main>/.git/worktrees/<name>`); undefined elsewhere.
 */
export function mainCheckoutOf(dir: string): string | undefined {
  let at = path.resolve(dir);
  for (let depth = 0; depth < 40; depth++) {
    const dotGit = path.join(at, '.git');
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(dotGit);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) return undefined; // a main checkout itself
    if (st?.isFile()) {
      let text = '';
      try {
        text = fs.readFileSync(dotGit, 'utf8').slice(0, 4096);
      } catch {
        return undefined;
      }
      const m = /^gitdir:\s*(.+?)\s*$/m.exec(text);
      if (!m) return undefined;
      const gitdir = path.resolve(at, m[1]);
      const w = /^(.*)[\\/]\.git[\\/]worktrees[\\/][^\\/]+$/.exec(gitdir);
      if (!w) return undefined;
      return path.join(w[1], path.relative(at, path.resolve(dir)));
    }
    const up = path.dirname(at);
    if (up === at) return undefined;
    at = up;
  }
  return undefined;
}

/**
 * The alembic a command-line run uses for a project: `command` (ALEMBIC_COMMAND) when given,
 * else the first found of the project's virtualenv, the current folder's, the main checkout's
 * (in a linked worktree), then `alembic` on `pathVar`.
 */
export function projectAlembic(rootDir: string, pathVar: string | undefined, command?: string[]): AlembicChoice {
  if (command?.length) return { argv: command, source: 'setting', why: `ALEMBIC_COMMAND (${command.join(' ')})` };
  const main = mainCheckoutOf(rootDir);
  // The project's folder and those above it within its repository (a `.venv` at the repository
  // root serves a project in a subfolder), the current folder, then the same in the main checkout.
  const dirs = [...upToRepositoryRoot(rootDir), process.cwd(), ...(main ? upToRepositoryRoot(main) : [])].filter((d, i, all) => all.indexOf(d) === i);
  return chooseAlembic(interpreterFacts({ command: [], dirs, pathVar }));
}

/** `dir` and its parents up to the one holding `.git` (just `dir` outside a repository). */
function upToRepositoryRoot(dir: string): string[] {
  const out: string[] = [];
  let at = path.resolve(dir);
  for (let depth = 0; depth < 40; depth++) {
    out.push(at);
    if (fs.existsSync(path.join(at, '.git'))) return out;
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  return [path.resolve(dir)];
}
