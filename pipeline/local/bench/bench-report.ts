import { duration } from '../../kit/durations';
import { RunSummary } from '../run/run-record';

/**
 * What the benchmark measured, and what it is measured against. The targets are the speed a
 * person needs to run the pipeline before every push, on a two-core machine: the pre-deploy
 * gates in a minute, a full delivery of a second release (blue/green everywhere) in three, the
 * whole test suite as CI runs it in six.
 */
export const BENCH_TARGETS_MS = {
  preDeploy: 60_000,
  warmRun: 180_000,
  ci: 360_000,
} as const;

export interface Measured {
  /** What a person waited for, from the command's start to its exit. */
  readonly wallMs: number;
  /** Why it did not finish as it should (a run that did not promote, a test command that failed). */
  readonly failure?: string;
}

export interface Benchmark {
  readonly at: string;
  readonly cores: number;
  readonly commit: string;
  /** The delivery run first, when no release was live in prod (so the measured run is a second release). */
  readonly warmUp?: Measured & { readonly runId: string };
  readonly run: Measured & { readonly runId: string; readonly summary: RunSummary };
  /** Undefined when the benchmark was told to leave CI out. */
  readonly ci?: Measured & { readonly command: string };
}

function verdict(ms: number | undefined, target: number): string {
  if (ms === undefined) return '';
  return ms <= target ? 'within target' : `${(ms / target).toFixed(1)}× the target`;
}

function row(label: string, ms: number | undefined, target?: number, note = ''): string {
  const shown = ms === undefined ? 'not measured' : duration(ms);
  const goal = target === undefined ? '' : duration(target);
  const judged = target === undefined ? '' : verdict(ms, target);
  return `${label.padEnd(34)}${shown.padStart(13)}${goal.padStart(10)}  ${[judged, note].filter(Boolean).join('; ')}`.trimEnd();
}

/** The pre-deploy stage's wall time in a run, from the engine's own record. */
export function preDeployWallMs(summary: RunSummary): number | undefined {
  return summary.stages.find((s) => s.name === 'pre-deploy')?.durationMs;
}

/** The benchmark as a person reads it: each measurement beside its target. */
export function benchmarkLines(bench: Benchmark): string[] {
  const { summary } = bench.run;
  const gates = summary.steps
    .filter((s) => s.stage === 'pre-deploy' && s.kind === 'gate')
    .sort((a, b) => b.durationMs - a.durationMs);
  const stages = summary.stages.filter((s) => s.name !== 'pre-deploy');
  const lines = [
    `B2 benchmark at ${bench.at}: ${bench.cores} cores, commit ${bench.commit.slice(0, 7)}, run ${bench.run.runId}`,
    '',
    `${''.padEnd(34)}${'measured'.padStart(13)}${'target'.padStart(10)}`,
  ];
  if (bench.warmUp) {
    lines.push(
      row(
        'first delivery (warm-up, cold)',
        bench.warmUp.wallMs,
        undefined,
        bench.warmUp.failure ?? `run ${bench.warmUp.runId}`,
      ),
    );
  }
  lines.push(row('pre-deploy wall', preDeployWallMs(summary), BENCH_TARGETS_MS.preDeploy));
  for (const gate of gates) {
    lines.push(
      row(
        `  ${gate.id.replace('pre-deploy/', '')}`,
        gate.durationMs,
        undefined,
        gate.status === 'passed' ? '' : gate.status,
      ),
    );
  }
  lines.push(row('warm full run wall', bench.run.wallMs, BENCH_TARGETS_MS.warmRun, bench.run.failure ?? ''));
  for (const stage of stages) lines.push(row(`  ${stage.name}`, stage.durationMs));
  lines.push(
    row(
      'CI wall',
      bench.ci?.wallMs,
      BENCH_TARGETS_MS.ci,
      bench.ci ? (bench.ci.failure ?? bench.ci.command) : 'left out (--without-ci)',
    ),
  );
  return lines;
}

/** What `bench.json` keeps: every number printed, without the run's whole record. */
export function benchmarkRecord(bench: Benchmark): Record<string, unknown> {
  const { summary, ...run } = bench.run;
  return {
    ...bench,
    targetsMs: BENCH_TARGETS_MS,
    run: {
      ...run,
      preDeployMs: preDeployWallMs(summary),
      gatesMs: Object.fromEntries(summary.steps.filter((s) => s.kind === 'gate').map((s) => [s.id, s.durationMs])),
      stagesMs: Object.fromEntries(summary.stages.map((s) => [s.name, s.durationMs])),
    },
  };
}
