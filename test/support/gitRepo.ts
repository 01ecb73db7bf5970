/**
 * Real git repositories for tests (no mock of git): argv arrays, a fixed identity, no global
 * or system configuration, so a developer's settings cannot change what the tests see.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { migrationSource, type GenRevision } from './generateProject';

const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

/** Runs `git -C dir …args` and returns its stdout. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { env: ENV, encoding: 'utf8' });
}

/** `git init -q -b main` in `dir`. */
export function initRepo(dir: string): void {
  git(dir, 'init', '-q', '-b', 'main');
}

/** Stages everything and commits; returns the new commit's id. */
export function commitAll(dir: string, message: string): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD').trim();
}

/** Writes a standard-template migration as `migrations/versions/<id>.py`; returns its path. */
export function writeMigration(dir: string, rev: GenRevision): string {
  const file = path.join(dir, 'migrations', 'versions', `${rev.id}.py`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, migrationSource(rev));
  return file;
}
