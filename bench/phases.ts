/** Where the cold index goes, phase by phase, in one fresh process (`node out/bench/phases.js <alembic.ini>`). */
import { readProject } from '../server/src/alembic/project';
import { listMigrationFiles } from '../server/src/alembic/discovery';
import { readRegularFile } from '../server/src/shared/regularFile';
import { decodePythonSource, looksBinary, MAX_MIGRATION_BYTES, migrationFromText } from '../server/src/alembic/migrationFile';
import { RevisionGraph } from '../server/src/alembic/revisionGraph';
import { graphProblems } from '../server/src/alembic/graphProblems';
import type { MigrationFile } from '../server/src/alembic/types';

const ini = process.argv[2];
const t: Record<string, number> = {};
let at = performance.now();
const lap = (k: string): void => {
  const now = performance.now();
  t[k] = Math.round((now - at) * 10) / 10;
  at = now;
};
const project = readProject(ini);
lap('project');
const listing = listMigrationFiles(project);
lap('list');
const scratch = Buffer.allocUnsafe(65536);
const bytes = listing.map((f) => Buffer.from(readRegularFile(f.file, MAX_MIGRATION_BYTES, { scratch })));
lap('read');
const texts = bytes.map((b) => (looksBinary(b) ? '' : decodePythonSource(b).text));
lap('decode');
const files: MigrationFile[] = texts.map((text, i) => migrationFromText(listing[i].file, listing[i].versionLocation, text));
const quick = files.filter((f) => f.quick).length;
lap('scan');
const graph = new RevisionGraph(files, 1);
lap('graph');
const problems = graphProblems(graph, files);
lap('problems');
process.stdout.write(JSON.stringify({ ...t, files: files.length, quick, problems: problems.length }) + '\n');
