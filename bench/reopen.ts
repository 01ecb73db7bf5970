/**
 * The language server reopening a project it has a snapshot of, repeated (`node
 * out/bench/reopen.js <folder> <snapshot folder> [runs]`): one first open saves the snapshot
 * (at shutdown), then each run is a fresh server, initialize answered → first revisionGraph
 * received and unpacked. For profiling the server, set ALEMBIC_SERVER_NODE_ARGS
 * (test/support/lspClient.ts).
 */
import * as fs from 'node:fs';
import { startServer } from '../test/support/lspClient';
import { ProjectsRequest, RevisionGraphRequest, unpackRevisionGraph } from '../server/src/shared/protocol';
import { median } from './benchUtil';

async function graphMs(dir: string, cacheDir: string): Promise<number> {
  const server = await startServer(dir, { initializationOptions: { cacheDir } });
  try {
    const projects = await server.connection.sendRequest(ProjectsRequest);
    const graph = unpackRevisionGraph(await server.connection.sendRequest(RevisionGraphRequest, { projectId: projects[0].id }));
    if (!graph?.nodes.length) throw new Error('no graph');
    return performance.now() - server.initializedAt;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const [dir, cacheDir, runs = '5'] = process.argv.slice(2);
  if (!dir || !cacheDir) throw new Error('usage: node out/bench/reopen.js <folder> <snapshot folder> [runs]');
  fs.mkdirSync(cacheDir, { recursive: true });
  await graphMs(dir, cacheDir);
  const times: number[] = [];
  for (let i = 0; i < Number(runs); i++) times.push(await graphMs(dir, cacheDir));
  console.log(JSON.stringify({ reopenMs: times.map((t) => Math.round(t)), median: Math.round(median(times)) }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
