/**
 * The revision graph view at 5,000 revisions: the lane layout (target < 100 ms) and the SVG the
 * CLI and *Export SVG* write, on the benchmark shape (a merge every 50 revisions, two heads).
 */
import { layoutLanes, type LayoutInput } from '../server/src/shared/laneLayout';
import { renderGraphSvg } from '../server/src/shared/graphSvg';
import { benchRevisions } from '../test/support/generateProject';
import { fmt, median, table } from './benchUtil';

function timed(runs: number, f: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const n = Number(process.env.BENCH_GRAPH_SIZE ?? 5000);
const revisions = benchRevisions(n, { mergeEvery: 50, finalHeads: 2 })
  .map((r) => ({ id: r.id, parents: r.down, dependencies: [], labels: [], message: r.message ?? '', createDate: '2024-01-01 00:00:00' }))
  .reverse();
const input: LayoutInput[] = revisions;
for (let i = 0; i < 5; i++) layoutLanes(input); // warm-up: the first calls also compile
const layout = timed(15, () => layoutLanes(input));
let bytes = 0;
const svg = timed(5, () => (bytes = renderGraphSvg([{ title: 'bench', revisions }]).length));
console.log(
  table(
    ['revisions', 'lane layout (median of 15)', 'target', 'SVG (layout + markup, median of 5)', 'SVG size'],
    [[n, fmt(layout), '< 100 ms', fmt(svg), `${(bytes / 1024 / 1024).toFixed(1)} MB`]],
  ),
);
if (layout >= 100) {
  console.error(`lane layout of ${n} revisions took ${fmt(layout)}: over the 100 ms target`);
  process.exitCode = 1;
}
