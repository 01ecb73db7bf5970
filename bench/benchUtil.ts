/** Small helpers shared by the benchmarks: timing, medians, child processes, tables. */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
}

/** Wall time of a command in ms (median of `runs`), failing loudly if it fails. */
export function wallTime(cmd: string, args: string[], runs: number, opts: SpawnSyncOptions = {}): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024, ...opts });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${String(r.stderr).slice(0, 500)}`);
    times.push(ms);
  }
  return median(times);
}

/** One command of `interleaved`: what runs and with which options. */
export interface Timed {
  cmd: string;
  args: string[];
  opts?: SpawnSyncOptions;
}

/**
 * Wall times of several commands, run in rounds (each once per round, in order) so that a
 * drift in this machine's speed falls on all of them alike: the median per command, in ms.
 */
export function interleaved<K extends string>(cmds: Record<K, Timed>, rounds: number): Record<K, number> {
  const keys = Object.keys(cmds) as K[];
  const times = new Map<K, number[]>(keys.map((k) => [k, []]));
  for (let i = 0; i < rounds; i++) for (const k of keys) times.get(k)!.push(wallTime(cmds[k].cmd, cmds[k].args, 1, cmds[k].opts));
  return Object.fromEntries(keys.map((k) => [k, median(times.get(k)!)])) as Record<K, number>;
}

export function fmt(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`;
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}
