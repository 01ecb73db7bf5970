/**
 * Where the cold index goes, phase by phase, each in its own fresh process (`node
 * out/bench/phases.js <alembic.ini>`): listing, reading every file (open/read/close), reading
 * and scanning (readMigrationFile), the graph, its problems — and the read floor.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { readProject } from '../server/src/alembic/project';
import { listMigrationFiles } from '../server/src/alembic/discovery';
import { readListedFile } from '../server/src/shared/regularFile';
import { MAX_MIGRATION_BYTES, readMigrationFile } from '../server/src/alembic/migrationFile';
import { RevisionGraph } from '../server/src/alembic/revisionGraph';
import { graphProblems } from '../server/src/alembic/graphProblems';
import { median } from './benchUtil';

const [ini, phase] = process.argv.slice(2);
if (phase) {
  const project = readProject(ini);
  const t0 = performance.now();
  let ms = 0;
  if (phase === 'floor') {
    for (const loc of project.versionLocations)
      for (const name of fs.readdirSync(loc)) if (name.endsWith('.py')) /^down_revision\s*=\s*(.*)$/m.exec(fs.readFileSync(path.join(loc, name), 'utf8'));
    ms = performance.now() - t0;
  } else {
    const listing = listMigrationFiles(project);
    if (phase === 'list') ms = performance.now() - t0;
    if (phase === 'read') {
      const scratch = Buffer.allocUnsafe(65536);
      for (const f of listing) readListedFile(f.file, MAX_MIGRATION_BYTES, scratch);
      ms = performance.now() - t0;
    }
    if (phase === 'scan' || phase === 'graph' || phase === 'problems') {
      const files = listing.map((f) => readMigrationFile(f.file, f.versionLocation, { regular: f.regular }));
      if (phase === 'scan') ms = performance.now() - t0;
      const g = new RevisionGraph(files, 1);
      if (phase === 'graph') ms = performance.now() - t0;
      graphProblems(g, files);
      if (phase === 'problems') ms = performance.now() - t0;
    }
  }
  process.stdout.write(String(ms));
} else {
  const out: Record<string, string> = {};
  for (const p of ['floor', 'list', 'read', 'scan', 'graph', 'problems']) {
    const runs = Array.from({ length: 7 }, () => Number(spawnSync(process.execPath, [__filename, ini, p], { encoding: 'utf8' }).stdout));
    out[p] = median(runs).toFixed(0);
  }
  console.log(JSON.stringify(out), '(cumulative ms, medians of 7 fresh processes)');
}
