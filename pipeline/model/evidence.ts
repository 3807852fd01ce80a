/**
 * The infrastructure evidence an approval shows, as a task every engine can run: on AWS a step
 * before the approval runs it against the stacks deployed in the environment; the local engine
 * builds the same evidence from the templates it keeps beside each release.
 */
export const INFRASTRUCTURE_EVIDENCE_TASK = 'evidence:infra';

/** Where, under the reports folder, the task writes `infrastructure-<environment>.json` and `.txt`. */
export const EVIDENCE_FOLDER = 'evidence';
