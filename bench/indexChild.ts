/**
 * Runs in a fresh Node process (so "cold" means no warm caches in the process): indexes one
 * project, then edits one file repeatedly, and prints JSON timings and peak RSS.
 */
import * as fs from 'node:fs';
import { readProject } from '../server/src/alembic/project';
import { ProjectIndex } from '../server/src/alembic/projectIndex';
import { median } from './benchUtil';

const ini = process.argv[2];
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
