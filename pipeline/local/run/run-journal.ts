import { RunSummary, StageResult, StepResult, writeSummary } from './run-record';

/** A stage stopped the run; the message is the line a person reads. */
export class StageFailure extends Error {
  constructor(
    message: string,
    readonly outcome: 'failed' | 'rolled-back',
  ) {
    super(message);
  }
}

/**
 * Writes what a run does into its `summary.json` as it happens, so a run stopped at an
 * approval (or killed) can be read and resumed from exactly where it was.
 */
export class RunJournal {
  constructor(private readonly run: RunSummary) {}

  /** One step's result. */
  step(result: StepResult): void {
    this.run.steps.push(result);
    writeSummary(this.run);
  }

  /** Times one stage into the summary; a thrown error fails it (with the outcome a `StageFailure` names). */
  async stage(name: string, body: () => Promise<void>): Promise<void> {
    const startedAt = new Date();
    const record = (status: StageResult['status']): void => {
      this.run.stages.push({
        name,
        status,
        startedAt: startedAt.toISOString(),
        durationMs: Date.now() - startedAt.getTime(),
      });
      writeSummary(this.run);
    };
    try {
      await body();
      record('passed');
    } catch (err) {
      record(err instanceof StageFailure ? err.outcome : 'failed');
      throw err;
    }
  }

  /** Writes the summary as it stands (after a change not made through a step). */
  save(): void {
    writeSummary(this.run);
  }
}
