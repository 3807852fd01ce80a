import type { SmokeResult } from '../../test/smoke/smoke';

/**
 * The walk as log lines, one per step, as the smoke gate prints them: what the canary's run log
 * and the hook's log show a person looking for why a release was judged as it was.
 */
export function walkLines(result: SmokeResult): string[] {
  const lines = result.steps.map((step) => {
    const mark = step.status === 'passed' ? 'ok  ' : step.status === 'failed' ? 'FAIL' : 'skip';
    return `${mark} ${step.name} (${step.durationMs.toFixed(0)} ms)${step.message ? `: ${step.message}` : ''}`;
  });
  const failed = result.steps.find((s) => s.status === 'failed');
  lines.push(
    failed
      ? `the session FAILED against ${result.target}: ${failed.name}: ${failed.message}`
      : `the session passed against ${result.target} in ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  return lines;
}
