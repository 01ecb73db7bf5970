/**
 * Another branch's migrations on disk for one run: a fresh temporary folder with
 * `versions/*.py` (the files as git has them) and `alembic.ini` (the project's, with that folder
 * added to `version_locations`). Node only; the caller removes the folder when the run ends.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { branchConfigText } from '../model/branchConfig';

export interface BranchFile {
  /** Repository path (its base name is kept). */
  repoPath: string;
  text: string;
}

export interface BranchFolder {
  dir: string;
  ini: string;
  /** Removes the folder (idempotent). */
  remove(): void;
}

export function materialiseBranch(input: {
  iniFile: string;
  section?: string;
  versionLocations: readonly string[];
  files: readonly BranchFile[];
}): BranchFolder {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-branch-'));
  const remove = (): void => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const versions = path.join(dir, 'versions');
    fs.mkdirSync(versions);
    input.files.forEach((m, i) => {
      const name = path.posix.basename(m.repoPath);
      const file = fs.existsSync(path.join(versions, name)) ? path.join(versions, `${i}_${name}`) : path.join(versions, name);
      fs.writeFileSync(file, m.text, { flag: 'wx' });
    });
    const ini = path.join(dir, 'alembic.ini');
    const text = branchConfigText({
      iniText: fs.readFileSync(input.iniFile, 'utf8'),
      iniDir: path.dirname(input.iniFile),
      ...(input.section ? { section: input.section } : {}),
      versionLocations: input.versionLocations,
      extraFolder: versions,
      osDelimiter: path.delimiter,
    });
    fs.writeFileSync(ini, text, { flag: 'wx', mode: 0o600 });
    return { dir, ini, remove };
  } catch (e) {
    remove();
    throw e;
  }
}
