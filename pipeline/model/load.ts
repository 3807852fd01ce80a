/**
 * The load gates' scenarios: each a multiple of the current load that `loadtest/` declares in
 * its versioned profile. The model owns the list; the gates, their tasks and reports, and the
 * k6 plans are derived from it, so a scenario is never typed twice.
 */
export type LoadScenarioName = 'current' | 'tenfold';

export interface LoadScenario {
  readonly name: LoadScenarioName;
  /** How many times the profile's current load (requests per second) the scenario drives. */
  readonly multiplier: number;
  /** What a person reads for the gate. */
  readonly title: string;
}

export const LOAD_SCENARIOS: Readonly<Record<LoadScenarioName, LoadScenario>> = {
  current: { name: 'current', multiplier: 1, title: 'k6 at the current load' },
  // The roadmap's target: p95 under 200 ms at ten times today's load.
  tenfold: { name: 'tenfold', multiplier: 10, title: 'k6 at 10x the current load' },
};
