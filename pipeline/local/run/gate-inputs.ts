import { gateEnvironment, GateStep } from '../../model';

/** What the local engine knows when it starts a gate: this run, and the environment it has just deployed. */
export interface LocalGateContext {
  /** The run's reports folder for the gate's scope (pre-deploy, or the environment). */
  readonly reportsDir: string;
  /** The front of the environment a post-deploy gate checks. */
  readonly environmentUrl?: string;
  /** The release the run delivers: what `/health` must report. */
  readonly releaseVersion: string;
  /** The folder holding production's load baselines (the last promoted release's summaries). */
  readonly baselineLocation: string;
}

/**
 * The environment variables the local engine gives a gate, filled from the gate contract: the
 * front of the environment just deployed is both the API and the web front end, and load runs
 * are judged against the release live in production, wherever they are measured.
 */
export function localGateEnvironment(step: GateStep, context: LocalGateContext): Record<string, string> {
  return gateEnvironment(step.gate, {
    reportsDir: context.reportsDir,
    apiUrl: context.environmentUrl,
    webUrl: context.environmentUrl,
    expectedVersion: context.releaseVersion,
    expectedEnvironment: step.environment?.name,
    loadBaseline: context.baselineLocation,
    // Production always waits for a person's approval: a breaking API change is theirs to accept.
    changeAcceptance: 'approval',
  });
}
