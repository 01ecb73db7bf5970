/**
 * The language server at 5,000 revisions, over real LSP (stdio): time from `initialize` to
 * the first `alembic/revisionGraph` answer, edit→diagnostics latency (p50/p95) for an edit that
 * breaks and fixes a `down_revision`, and the server's RSS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeProject, benchRevisions } from '../test/support/generateProject';
import { startServer, uri } from '../test/support/lspClient';
import { ProjectsRequest, RevisionGraphRequest, unpackRevisionGraph } from '../server/src/shared/protocol';
import { fmt, median, percentile, table } from './benchUtil';

async function main(): Promise<void> {
  const n = Number(process.env.BENCH_SERVER_SIZE ?? 5000);
  const dir = path.join(os.tmpdir(), `alembic-bench-server-${n}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const revisions = benchRevisions(n, { mergeEvery: 50, finalHeads: 1, realistic: true });
  writeProject(dir, revisions);
  const versions = path.join(dir, 'migrations', 'versions');

  const cacheDir = path.join(os.tmpdir(), `alembic-bench-server-cache-${n}`);
  fs.rmSync(cacheDir, { recursive: true, force: true });
  const server = await startServer(dir, { initializationOptions: { cacheDir } });
  const projects = await server.connection.sendRequest(ProjectsRequest);
  const graph = unpackRevisionGraph(await server.connection.sendRequest(RevisionGraphRequest, { projectId: projects[0].id }));
  const graphAt = performance.now();
  const startup = server.initializedAt - server.spawnedAt;
  const firstGraph = graphAt - server.initializedAt;
  if (!graph || graph.nodes.length !== n) throw new Error(`graph has ${graph?.nodes.length} nodes`);

  // Edit a file in the middle: break its down_revision (missing-parent appears), then fix it.
  const idx = Math.floor(n / 2);
  const name = fs
    .readdirSync(versions)
    .filter((f) => f.endsWith('.py'))
    .sort()[idx];
  const file = path.join(versions, name);
  const original = fs.readFileSync(file, 'utf8');
  const parent = /down_revision = '([^']+)'/.exec(original)![1];
  const broken = original.replace(`down_revision = '${parent}'`, `down_revision = 'zz${parent.slice(2)}'`);
  await server.open(file, original, 1);
  // Steady state: the parsers and git start after the first graph answer (~0.2 s); the edits
  // are timed once they are done, not against the start-up.
  await new Promise((r) => setTimeout(r, 1000));
  const latencies: number[] = [];
  let version = 1;
  for (let i = 0; i < 40; i++) {
    const breakIt = i % 2 === 0;
    const s = performance.now();
    await server.change(file, breakIt ? broken : original, ++version);
    await server.waitForDiagnostics(uri(file), (d) => d.some((x) => x.code === 'missing-parent') === breakIt, 10_000);
    latencies.push(performance.now() - s);
  }
  const rss = fs.readFileSync(`/proc/${server.child.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
  await server.stop(); // saves the graph snapshot

  // Reopen: the same project, unchanged on disk, with the snapshot the first session saved.
  const again = await startServer(dir, { initializationOptions: { cacheDir } });
  const projects2 = await again.connection.sendRequest(ProjectsRequest);
  const graph2 = unpackRevisionGraph(await again.connection.sendRequest(RevisionGraphRequest, { projectId: projects2[0].id }));
  const graph2At = performance.now();
  const rss2 = fs.readFileSync(`/proc/${again.child.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
  await again.stop();
  if (JSON.stringify(graph2?.nodes) !== JSON.stringify(graph.nodes)) throw new Error('the reopened graph differs from the first one');

  const mb = (m: RegExpMatchArray | null): string => (m ? `${Math.round(Number(m[1]) / 1024)} MB` : '?');
  console.log(
    table(
      ['revisions', 'start', 'spawn → initialize answered', 'initialize → first revisionGraph', 'edit → diagnostics p50', 'p95', 'server peak RSS'],
      [
        [n, 'first open (no snapshot)', fmt(startup), fmt(firstGraph), fmt(median(latencies)), fmt(percentile(latencies, 95)), mb(rss)],
        [n, 'reopen (snapshot saved at shutdown)', fmt(again.initializedAt - again.spawnedAt), fmt(graph2At - again.initializedAt), '', '', mb(rss2)],
      ],
    ),
  );
  console.log(
    '\nTargets at 5,000: first revisionGraph ≤ 400 ms on a first open (issue 19) and ≤ 300 ms on a reopen (issue 3), edit → diagnostics ≤ 50 ms (p95), RSS ≤ 200 MB.',
  );
  console.log(
    'Each edit changes down_revision: the graph is updated in place (RevisionGraph.updateDownRevision), its problems recomputed and the affected files republished.',
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
