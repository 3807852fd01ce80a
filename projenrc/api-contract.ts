import { Component, Task } from 'projen';
import { TypeScriptProject } from 'projen/lib/typescript';
import { GATES } from '../pipeline/model/gates';

/**
 * The gates that read the API contract, each a task named in the pipeline model: `api:compat`
 * (oasdiff: the candidate's contract against production's) and `dast` (schemathesis against a
 * deployed environment, driven by the contract it serves).
 */
export class ApiContractGates extends Component {
  readonly compatTask: Task;
  readonly dastTask: Task;

  constructor(project: TypeScriptProject) {
    super(project);
    this.compatTask = project.addTask(GATES['api-compat'].task, {
      description:
        "Gate: the API contract against production's (B2_LOAD_BASELINE_LOCATION) with oasdiff; fails on a breaking change unless B2_CHANGE_ACCEPTANCE=approval leaves it to production's approval",
      exec: 'tsx service/contract/api-compat.ts',
    });
    this.dastTask = project.addTask(GATES.dast.task, {
      description: `Gate: schemathesis against B2_API_URL, driven by its /openapi.json (-- --max-examples <n> --max-seconds <s> --seed <n>); fails on a server error or an answer off the contract (exit ${GATES.dast.unavailableExitCode}: the API did not answer)`,
      exec: 'tsx security/dast.ts',
      receiveArgs: true,
    });
  }
}
