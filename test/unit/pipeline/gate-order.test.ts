import { describe, expect, it } from 'vitest';
import { benchmarkLines, benchmarkRecord, preDeployWallMs } from '../../../pipeline/local/bench/bench-report';
import { longestFirst, recentGateDurations } from '../../../pipeline/local/run/gate-order';
import { preDeployWaves } from '../../../pipeline/local/run/local-plan';
import { RunSummary, StepResult } from '../../../pipeline/local/run/run-record';
import { planFor } from '../../../pipeline/model';

function gate(id: string, durationMs: number, status: StepResult['status'] = 'passed'): StepResult {
  return {
    id,
    stage: id.split('/')[0],
    kind: 'gate',
    status,
    startedAt: '2026-12-03T10:00:00.000Z',
    durationMs,
    summary: '',
  };
}

function run(runId: string, steps: StepResult[], stages: RunSummary['stages'] = []): RunSummary {
  return {
    runId,
    commit: 'c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ffe',
    version: 'c0ffee0',
    branch: 'main',
    subject: 'a change',
    committedAt: '2026-12-03T10:00:00.000Z',
    dirty: false,
    trigger: 'manual',
    startedAt: '2026-12-03T10:00:00.000Z',
    finishedAt: '2026-12-03T10:03:00.000Z',
    outcome: 'promoted',
    release: { id: runId, commit: 'c0ffee0', dir: '/tmp/r', source: 'built' },
    skippedGates: [],
    minuteMs: 3_000,
    ports: { database: 4100, environments: { dev: 4101 } },
    stages,
    steps,
    deployments: [],
    approvals: [],
    waivers: [],
    baselinesPromoted: [],
  };
}

describe('the order of a wave of gates', () => {
  const wave = preDeployWaves(planFor())[0];

  it('takes each gate’s time from the newest passes only: the median of the last five, failures left out', () => {
    const runs = [
      run('1', [gate('pre-deploy/unit', 900_000)]),
      ...[50, 60, 70, 80, 90].map((s, i) => run(`${i + 2}`, [gate('pre-deploy/unit', s * 1_000)])),
      run('7', [gate('pre-deploy/unit', 1_000, 'failed'), gate('pre-deploy/lint', 20_000)]),
    ];
    const durations = recentGateDurations(runs);
    expect(durations.get('pre-deploy/unit')).toBe(70_000);
    expect(durations.get('pre-deploy/lint')).toBe(20_000);
  });

  it('starts the longest gate first, so the short ones fill the other slot around it', () => {
    const durations = new Map(wave.map((step) => [step.id, 5_000]));
    durations.set('pre-deploy/unit', 90_000);
    durations.set('pre-deploy/lint', 60_000);
    const ordered = longestFirst(wave, durations).map((s) => s.gate.name);
    expect(ordered.slice(0, 2)).toEqual(['unit', 'lint']);
    // Equal times keep the model's order.
    expect(ordered.slice(2)).toEqual(wave.map((s) => s.gate.name).filter((n) => n !== 'unit' && n !== 'lint'));
    expect(ordered).toHaveLength(wave.length);
  });

  it('starts a gate never timed first, as if it were the longest, and keeps the model’s order with no history', () => {
    const durations = new Map(wave.map((step) => [step.id, 5_000]));
    durations.delete('pre-deploy/api-compat');
    expect(longestFirst(wave, durations)[0].gate.name).toBe('api-compat');
    expect(longestFirst(wave, new Map())).toEqual(wave);
  });
});

describe('the benchmark report', () => {
  const summary = run(
    'r2',
    [gate('pre-deploy/unit', 52_000), gate('pre-deploy/lint', 40_000), gate('dev/e2e', 30_000)],
    [
      { name: 'build', status: 'passed', startedAt: '2026-12-03T10:00:00.000Z', durationMs: 20_000 },
      { name: 'pre-deploy', status: 'passed', startedAt: '2026-12-03T10:00:20.000Z', durationMs: 58_000 },
      { name: 'dev', status: 'passed', startedAt: '2026-12-03T10:01:18.000Z', durationMs: 90_000 },
    ],
  );
  const bench = {
    at: '2026-12-03T10:00:00.000Z',
    cores: 2,
    commit: 'c0ffee0c0ffee',
    run: { runId: 'r2', wallMs: 200_000, summary },
    ci: { command: 'CI=true npx projen test', wallMs: 720_000 },
  };

  it('prints each measurement beside its target, and each pre-deploy gate longest first', () => {
    const lines = benchmarkLines(bench);
    expect(lines.find((l) => l.startsWith('pre-deploy wall'))).toMatch(/58\.0 s\s+1m00s\s+within target/);
    expect(lines.find((l) => l.startsWith('warm full run wall'))).toMatch(/3m20s\s+3m00s\s+1\.1× the target/);
    expect(lines.find((l) => l.startsWith('CI wall'))).toMatch(
      /12m00s\s+6m00s\s+2\.0× the target; CI=true npx projen test/,
    );
    const gates = lines.filter((l) => /^ {2}(unit|lint|e2e)\b/.test(l)).map((l) => l.trim().split(/\s+/)[0]);
    expect(gates).toEqual(['unit', 'lint']);
    expect(lines.some((l) => l.startsWith('  dev ') && l.includes('1m30s'))).toBe(true);
  });

  it('says CI was not measured when left out, and keeps every number in its record', () => {
    const lines = benchmarkLines({ ...bench, ci: undefined });
    expect(lines.find((l) => l.startsWith('CI wall'))).toMatch(/not measured.*left out \(--without-ci\)/);
    const record = benchmarkRecord(bench) as { run: { preDeployMs: number; gatesMs: Record<string, number> } };
    expect(record.run.preDeployMs).toBe(preDeployWallMs(summary));
    expect(record.run.gatesMs).toEqual({ 'pre-deploy/unit': 52_000, 'pre-deploy/lint': 40_000, 'dev/e2e': 30_000 });
    expect(JSON.stringify(record)).not.toContain('"steps"');
  });
});
