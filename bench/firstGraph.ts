/**
 * The language server's first graph of a project it has never seen, repeated (`node
 * out/bench/firstGraph.js <folder> [runs]`): initialize answered → first revisionGraph
 * received and unpacked, one fresh server and snapshot folder per run. For profiling the
 * server, set ALEMBIC_SERVER_NODE_ARGS (test/support/lspClient.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer } from '../test/support/lspClient';
import { ProjectsRequest, RevisionGraphRequest, unpackRevisionGraph } from '../server/src/shared/protocol';
import { median } from './benchUtil';

async function main(): Promise<void> {
  const [dir, runs = '5'] = process.argv.slice(2);
  const times: number[] = [];
  for (let i = 0; i < Number(runs); i++) {
    const server = await startServer(dir, { initializationOptions: { cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-bench-snap-')) } });
    try {
      const projects = await server.connection.sendRequest(ProjectsRequest);
      const graph = unpackRevisionGraph(await server.connection.sendRequest(RevisionGraphRequest, { projectId: projects[0].id }));
      times.push(performance.now() - server.initializedAt);
      if (!graph?.nodes.length) throw new Error('no graph');
    } finally {
      await server.stop();
    }
  }
  console.log(JSON.stringify({ firstGraphMs: times.map((t) => Math.round(t)), median: Math.round(median(times)) }));
}

void main();
