/**
 * `headroom.json`: what one headroom search (`load:headroom`, in `headroom.ts`) measured. The
 * search writes it and `report.ts` renders it, so the shape lives apart from both.
 */

export interface HeadroomStep {
  /** The step's k6 scenario, also its reports folder under load-headroom/. */
  readonly scenario: string;
  readonly multiplier: number;
  readonly targetRate: number;
  /** The measurements; absent when the step's run did not complete. */
  readonly achievedRate?: number;
  readonly p95?: number;
  readonly errorRate?: number;
  readonly held: boolean;
  readonly failures: readonly string[];
}

export interface HeadroomResult {
  readonly profileVersion: string;
  readonly currentRate: number;
  readonly target: string;
  readonly measuredAt: string;
  readonly stepSeconds: number;
  /** In the order they ran: the climb, then the refinements. */
  readonly steps: readonly HeadroomStep[];
  /** The highest multiple of the current load that held, 0 when even the current load did not. */
  readonly headroomMultiple: number;
  readonly headroomRate: number;
  /** Why the search ended. */
  readonly stoppedBecause: string;
}
