import { readFileSync } from 'node:fs';

/**
 * The share of this machine's CPU time the host may take while latency is measured (steal, read
 * from `/proc/stat`) before what was measured is put down to the host, not the release. A
 * release cannot cause steal: it is the hypervisor running other machines while this one waits
 * to run. On a shared two-core machine it comes in bursts of a few seconds at 20–50% of the CPU,
 * and a local minute lasts 3 s, so one burst could pull a healthy release. The local alarms
 * leave such a window unjudged, and a load gate measures again.
 */
export const STARVED_HOST_STEAL_SHARE = 0.2;

/**
 * This machine's CPU time so far, in clock ticks, from the first line of `/proc/stat` (see
 * proc(5)): all of it, and the part the hypervisor gave to other machines while this one wanted
 * to run (steal). Node's `os.cpus()` has no steal column, so the engine reads the file itself.
 */
export interface CpuTimes {
  readonly total: number;
  readonly steal: number;
}

/** `/proc/stat`'s aggregate line: user nice system idle iowait irq softirq steal (guest time is inside user). */
const CPU_LINE = /^cpu\s+(\d+(?:\s+\d+){7,})/m;

/** The CPU times in a `/proc/stat` text, or undefined when it has no aggregate line. */
export function parseCpuTimes(stat: string): CpuTimes | undefined {
  const match = CPU_LINE.exec(stat);
  if (!match) return undefined;
  const ticks = match[1].split(/\s+/).slice(0, 8).map(Number);
  return { total: ticks.reduce((sum, t) => sum + t, 0), steal: ticks[7] };
}

/** This machine's CPU times now; undefined where there is no `/proc/stat` (macOS, Windows). */
export function readCpuTimes(statFile = '/proc/stat'): CpuTimes | undefined {
  try {
    return parseCpuTimes(readFileSync(statFile, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The share of this machine's CPU time the host took between two readings (0 to 1), or
 * undefined when either is missing or no time passed.
 */
export function stealShare(from: CpuTimes | undefined, to: CpuTimes | undefined): number | undefined {
  if (!from || !to || to.total <= from.total) return undefined;
  return (to.steal - from.steal) / (to.total - from.total);
}
