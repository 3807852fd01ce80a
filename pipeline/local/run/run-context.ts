import { LocalEngineConfig } from './local-config';
import { RunJournal } from './run-journal';
import { RunSummary } from './run-record';
import { GateName, PipelinePlan } from '../../model';
import { LocalEnvironments } from '../environments/local-environments';

export interface RunOptions {
  readonly config: LocalEngineConfig;
  /** What started the run: `manual`, `push` (the git hook), … */
  readonly trigger: string;
  /** Deliver a tree with uncommitted changes, marked as dirty. @default false: refused */
  readonly allowDirty: boolean;
  /** Run only these of the model's gates; the run is marked partial. @default every gate */
  readonly onlyGates?: readonly GateName[];
  /** Deliver this built release folder instead of building one. @default build with the model's build task */
  readonly releaseDir?: string;
  /** An approval given up front, for an unattended run. */
  readonly approve?: { readonly by: string; readonly comment: string };
  /**
   * Gates whose "could not check" (for example the advisory service unreachable from this
   * machine) a person accepts, by name and with a reason. Only that outcome is waived: a gate
   * that ran and found something still fails the run. The waiver shows in the evidence, the
   * approval digest and the report; the gate never shows as passed.
   */
  readonly waive?: { readonly gates: readonly GateName[]; readonly by: string; readonly reason: string };
  /** A person is at a terminal to answer the approval question. */
  readonly interactive: boolean;
  /** @default each gate's own timeout in the model */
  readonly gateTimeoutMs?: number;
  /** @default 10 min */
  readonly buildTimeoutMs?: number;
  /** The file this process's output already goes to (the git hook's): moved into the run folder as `output.log`. */
  readonly outputFile?: string;
}

/** What every stage of a run works with: the run's record, its plan and options, and its environments. */
export interface RunContext {
  readonly run: RunSummary;
  readonly plan: PipelinePlan;
  readonly options: RunOptions;
  readonly environments: LocalEnvironments;
  readonly journal: RunJournal;
  /** Aborted when the run is interrupted (Ctrl-C, SIGTERM). */
  readonly signal: AbortSignal;
  /** Gates of one wave that run at the same time. */
  readonly parallelism: number;
  /** How long each gate step took in recent runs that passed it (`gate-order.ts`): the longest starts first. */
  readonly gateDurations: ReadonlyMap<string, number>;
  readonly log: (line: string) => void;
}
