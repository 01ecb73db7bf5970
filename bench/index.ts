/**
 * Index and CLI speed at 100 / 1,000 / 5,000 revisions (mostly linear, a merge every ~50, two
 * heads at the end), in one table with what bounds it, all measured in the same run: the read
 * floor (every file read and one regular expression run over it, in a fresh Node process), the
 * cold in-process index, the CLI without and with its answer cache against the real
 * `alembic heads` / `alembic history`, and the language server's first graph of a project it
 * has never seen (largest size only).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeProject, benchRevisions } from '../test/support/generateProject';
import { readProject } from '../server/src/alembic/project';
import { startServer } from '../test/support/lspClient';
import { ProjectsRequest, RevisionGraphRequest, unpackRevisionGraph } from '../server/src/shared/protocol';
import { fmt, interleaved, median, table, wallTime, type Timed } from './benchUtil';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const sizes = (process.env.BENCH_SIZES ?? '100,1000,5000').split(',').map(Number);
// Alembic at its best: bytecode cache allowed and warmed once.
const alembicEnv = { ...process.env };
delete alembicEnv.PYTHONDONTWRITEBYTECODE;
// The CLI's answer cache in a folder of the bench's own.
const cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-bench-cache-'));
const cliEnv = { ...process.env, XDG_CACHE_HOME: cacheHome };

function child(args: string[]): Record<string, number> {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'indexChild.js'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Record<string, number>;
}

/** The language server on a project it has never seen (no snapshot): initialize answered → first revisionGraph. */
async function firstGraph(dir: string, n: number): Promise<number> {
  const server = await startServer(dir, { initializationOptions: { cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-bench-snap-')) } });
  try {
    const projects = await server.connection.sendRequest(ProjectsRequest);
    const graph = unpackRevisionGraph(await server.connection.sendRequest(RevisionGraphRequest, { projectId: projects[0].id }));
    const ms = performance.now() - server.initializedAt;
    if (!graph || graph.nodes.length !== n) throw new Error(`graph has ${graph?.nodes.length} nodes`);
    return ms;
  } finally {
    await server.stop();
  }
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(1)}×`;

// What bounds the CLI, measured as whole processes like it: a Node start plus the least a cold
// answer needs (every migration read: the read floor) or a cached one (every migration
// stat'ed, to prove the answer still holds). The version locations come as arguments.
const READ_BOUND = `const fs = require('fs'), path = require('path');
for (const loc of process.argv.slice(1)) for (const n of fs.readdirSync(loc)) if (n.endsWith('.py')) /^down_revision\\s*=\\s*(.*)$/m.exec(fs.readFileSync(path.join(loc, n), 'utf8'));`;
// Stats the way the CLI does (fastStat.ts: no fs.Stats where Node allows; its module the first
// argument), every migration named in a file (the second): a cached answer lists no folder.
const STAT_BOUND = `const fs = require('fs');
const [mod, list] = process.argv.slice(1);
const { statNumbers } = require(mod);
for (const f of fs.readFileSync(list, 'utf8').split('\\n')) if (f) statNumbers(f);`;
const FAST_STAT = path.join(__dirname, '..', 'server', 'src', 'shared', 'fastStat.js');
// This machine's Node may start with NODE_EXTRA_CA_CERTS set (a proxy's certificates): Node 20
// then parses that bundle, and builds its own root store, before any script runs. Alembic
// (Python) pays nothing for it. The CLI is measured as the environment is, and again without.
const caVar = process.env.NODE_EXTRA_CA_CERTS;
const plainEnv = { ...process.env };
delete plainEnv.NODE_EXTRA_CA_CERTS;
const plainCliEnv: NodeJS.ProcessEnv = { ...plainEnv, XDG_CACHE_HOME: cacheHome };
const notes: string[] = [];

async function main(): Promise<void> {
  const rows: Array<Array<string | number>> = [];
  for (const n of sizes) {
    const dir = path.join(os.tmpdir(), `alembic-bench-${n}`);
    fs.rmSync(dir, { recursive: true, force: true });
    const ini = writeProject(dir, benchRevisions(n, { mergeEvery: 50, finalHeads: 2, realistic: true }));
    // Floor and index alternate, five fresh processes each (this machine's speed drifts):
    // medians, the index run whose cold time is the median.
    const floors: number[] = [];
    const colds: Array<Record<string, number>> = [];
    for (let i = 0; i < 5; i++) {
      floors.push(child([ini, '--floor']).floorMs);
      colds.push(child([ini]));
    }
    const floor = median(floors);
    const r = colds.sort((a, b) => a.coldMs - b.coldMs)[2];
    if (r.revisions !== n) throw new Error(`indexed ${r.revisions} of ${n}`);

    spawnSync('/usr/bin/alembic', ['-c', ini, 'heads'], { env: alembicEnv });
    // The answer cache keeps nothing written within a second of a run: let the new project settle.
    const settle = Date.now() + 1100;
    while (Date.now() < settle) spawnSync('sleep', ['0.1']);
    const locations = readProject(ini).versionLocations;
    const listFile = path.join(cacheHome, `migrations-${n}.txt`);
    fs.writeFileSync(
      listFile,
      locations
        .flatMap((loc) =>
          fs
            .readdirSync(loc)
            .filter((f) => f.endsWith('.py'))
            .map((f) => path.join(loc, f)),
        )
        .join('\n'),
    );
    // Warm the answer cache, then every command once per round (see interleaved).
    wallTime(process.execPath, [cli, 'heads', ini], 1, { env: cliEnv });
    wallTime(process.execPath, [cli, 'history', ini], 1, { env: cliEnv });
    const node = (args: string[], env?: NodeJS.ProcessEnv): Timed => ({ cmd: process.execPath, args, opts: env ? { env } : {} });
    const alembic = (command: string): Timed => ({ cmd: '/usr/bin/alembic', args: ['-c', ini, command], opts: { env: alembicEnv } });
    const largest = n === Math.max(...sizes);
    if (largest && caVar) {
      wallTime(process.execPath, [cli, 'heads', ini], 1, { env: plainCliEnv });
      wallTime(process.execPath, [cli, 'history', ini], 1, { env: plainCliEnv });
    }
    const t = interleaved<string>(
      {
        headsCold: node([cli, 'heads', '--no-cache', ini]),
        historyCold: node([cli, 'history', '--no-cache', ini]),
        headsCached: node([cli, 'heads', ini], cliEnv),
        historyCached: node([cli, 'history', ini], cliEnv),
        alHeads: alembic('heads'),
        alHistory: alembic('history'),
        nodeAlone: node(['-e', '0']),
        statBound: node(['-e', STAT_BOUND, FAST_STAT, listFile]),
        readBound: node(['-e', READ_BOUND, ...locations]),
        // Without NODE_EXTRA_CA_CERTS (the same commands again), at the largest size only.
        ...(largest && caVar
          ? {
              plainNode: node(['-e', '0'], plainEnv),
              plainHeadsCold: node([cli, 'heads', '--no-cache', ini], plainEnv),
              plainHeadsCached: node([cli, 'heads', ini], plainCliEnv),
              plainHistoryCold: node([cli, 'history', '--no-cache', ini], plainEnv),
              plainHistoryCached: node([cli, 'history', ini], plainCliEnv),
              plainStatBound: node(['-e', STAT_BOUND, FAST_STAT, listFile], plainEnv),
              plainReadBound: node(['-e', READ_BOUND, ...locations], plainEnv),
            }
          : {}),
      },
      n >= 5000 ? 5 : 7,
    );
    const { headsCold, historyCold, headsCached, historyCached, alHeads, alHistory, nodeAlone, statBound, readBound } = t;
    if (largest && caVar) {
      notes.push(
        `At ${n}: this machine sets NODE_EXTRA_CA_CERTS, which Node 20 loads at every start: \`node -e 0\` ${fmt(nodeAlone)} with it, ${fmt(t.plainNode)} without.\n` +
          `Without it: heads ${fmt(t.plainHeadsCold)} / ${fmt(t.plainHeadsCached)} (${ratio(alHeads, t.plainHeadsCold)} / ${ratio(alHeads, t.plainHeadsCached)}; ` +
          `bounds ${ratio(alHeads, t.plainReadBound)} / ${ratio(alHeads, t.plainStatBound)}), history ${fmt(t.plainHistoryCold)} / ${fmt(t.plainHistoryCached)} ` +
          `(${ratio(alHistory, t.plainHistoryCold)} / ${ratio(alHistory, t.plainHistoryCached)}; bounds ${ratio(alHistory, t.plainReadBound)} / ${ratio(alHistory, t.plainStatBound)}), against the same alembic runs.`,
      );
    }
    // Three first opens (each with a fresh snapshot folder), the median: one varies by ±15% here.
    let graphMs: number | undefined;
    if (largest) {
      const opens: number[] = [];
      for (let i = 0; i < 3; i++) opens.push(await firstGraph(dir, n));
      graphMs = median(opens);
    }
    rows.push([
      n,
      fmt(floor),
      `${fmt(r.coldMs)} (${ratio(r.coldMs, floor)})`,
      fmt(r.updateMs),
      `${Math.round(r.maxRssMb)} MB`,
      `${fmt(headsCold)} / ${fmt(headsCached)}`,
      fmt(alHeads),
      `${ratio(alHeads, headsCold)} / ${ratio(alHeads, headsCached)} (${ratio(alHeads, readBound)} / ${ratio(alHeads, statBound)})`,
      `${fmt(historyCold)} / ${fmt(historyCached)}`,
      fmt(alHistory),
      `${ratio(alHistory, historyCold)} / ${ratio(alHistory, historyCached)} (${ratio(alHistory, readBound)} / ${ratio(alHistory, statBound)})`,
      `${fmt(nodeAlone)} / ${fmt(readBound)} / ${fmt(statBound)}`,
      graphMs === undefined ? '' : fmt(graphMs),
    ]);
  }
  fs.rmSync(cacheHome, { recursive: true, force: true });
  console.log(
    'Read floor and cold index: fresh Node processes alternating, medians of 5, files in the OS cache. CLI: `node dist/cli.js`, wall time, median of rounds that run every command once each; cold = --no-cache,\n' +
      "cached = the project unchanged since the last run. Alembic: Debian's 1.8.1, bytecode cache warm. First graph: the language server\n" +
      'over stdio, initialize answered → first alembic/revisionGraph, no snapshot, median of 3. Bound: the speed-up of a process that only starts Node and\n' +
      'reads every migration (cold) or stats every migration (cached, as the CLI stats: fastStat.ts): no CLI that checks the files it answers for can do better.\n',
  );
  console.log(
    table(
      [
        'revisions',
        'read floor',
        'cold index + graph + problems (× floor)',
        'one-file update',
        'peak RSS',
        'ours heads cold / cached',
        'alembic heads',
        'speed-up cold / cached (bound)',
        'ours history cold / cached',
        'alembic history',
        'speed-up cold / cached (bound)',
        '`node -e 0` / + read floor / + stat each file',
        'first graph',
      ],
      rows,
    ),
  );
  for (const note of notes) console.log(`\n${note}`);
  console.log('\nTargets at 5,000 (issue 19): cold index ≤ 2× the floor; CLI ≥ 5× faster than alembic cold, ≥ 10× cached; first graph ≤ 400 ms.');
}

void main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
