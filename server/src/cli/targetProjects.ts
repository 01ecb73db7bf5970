/** The projects a CLI target names: a folder (every project found under it) or a config file. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { discoverProjects } from '../alembic/discovery';
import { readProject, type AlembicProject } from '../alembic/project';

/** The target's projects, `'missing'` when it does not exist, `'none'` for a folder without a project. */
export function targetProjects(target: string): AlembicProject[] | 'missing' | 'none' {
  const abs = path.resolve(target);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    return 'missing';
  }
  if (!stat.isDirectory()) return [readProject(abs, { root: path.dirname(abs) })];
  const projects = discoverProjects(abs);
  return projects.length ? projects : 'none';
}
