/**
 * Runs in a fresh Node process (so "cold" means no warm caches in the process): indexes one
 * project, then edits one file repeatedly, and prints JSON timings and peak RSS.
 * With `--floor`, prints instead the read floor: every migration read (readdir, readFileSync)
 * and one regular expression run over it, nothing else (`{"floorMs": …}`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readProject } from '../server/src/alembic/project';
import { ProjectIndex } from '../server/src/alembic/projectIndex';
import { median } from './benchUtil';

const ini = process.argv[2];
if (process.argv[3] === '--floor') {
  const locations = readProject(ini).versionLocations;
  const t = performance.now();
  let found = 0;
  for (const loc of locations) {
    for (const name of fs.readdirSync(loc)) {
      if (!name.endsWith('.py')) continue;
      if (/^down_revision\s*=\s*(.*)$/m.exec(fs.readFileSync(path.join(loc, name), 'utf8'))) found++;
    }
  }
  process.stdout.write(JSON.stringify({ floorMs: performance.now() - t, found }));
  process.exit(0);
}
const t0 = performance.now();
const index = ProjectIndex.load(readProject(ini));
const graph = index.graph;
const problems = index.problems();
const cold = performance.now() - t0;

const files = index.migrationFiles();
const target = files[Math.floor(files.length / 2)].file;
const original = fs.readFileSync(target, 'utf8');
const updates: number[] = [];
for (let i = 0; i < 60; i++) {
  const text = original.replace(/^"""(.*)$/m, `"""$1 edit ${i}`);
  const s = performance.now();
  index.setFile(target, text);
  void index.graph.heads;
  index.problems();
  updates.push(performance.now() - s);
}
process.stdout.write(
  JSON.stringify({
    revisions: graph.size,
    heads: graph.heads.length,
    problems: problems.length,
    coldMs: cold,
    updateMs: median(updates.slice(10)),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
