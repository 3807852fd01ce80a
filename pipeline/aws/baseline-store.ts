import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CodeBuildStep, IFileSetProducer } from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { acknowledge } from '../../stages/compliance/acknowledge';
import {
  CONTRACT_BASELINE,
  EnvironmentName,
  Gate,
  INSTALL_DEPENDENCIES_COMMAND,
  LoadScenarioName,
  LOAD_SCENARIOS,
  PROMOTE_BASELINE_TASK,
  REPORTS_FOLDER,
  runTaskCommand,
} from '../model';

export interface BaselineStoreProps {
  /** The environment whose promoted releases the baselines measured: the last of the promotion order. */
  readonly environment: EnvironmentName;
  /**
   * How long the store's access logs are kept.
   * @default Duration.days(365)
   */
  readonly accessLogRetention?: Duration;
}

/**
 * Where the AWS pipeline keeps the load baselines: the summaries of the last release promoted to
 * production, `load-<scenario>.json` under `baselines/<environment>/` (the naming the gate
 * contract gives a baseline location). The load gates read them; only the promote step after
 * production writes them. Versioned, so every promotion stays on record; retained with the data
 * of the environments, since a rebuilt pipeline must compare with the same releases.
 */
export class BaselineStore extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;
  readonly environment: EnvironmentName;
  /** `baselines/<environment>/`. */
  readonly prefix: string;
  /** `s3://<bucket>/baselines/<environment>/`: the location the load gates and the promote step are given. */
  readonly location: string;

  constructor(scope: Construct, id: string, props: BaselineStoreProps) {
    super(scope, id);
    this.environment = props.environment;
    this.prefix = `baselines/${props.environment}/`;
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the load baselines of the B2 delivery pipeline',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      // Server access log delivery writes only to buckets encrypted with S3-managed keys.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ expiration: props.accessLogRetention ?? Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      accessLogs,
      'AwsSolutions-S1',
      'This is the access-log bucket of the load baseline store; logging it into itself would loop.',
    );
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'baselines/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.location = `s3://${this.bucket.bucketName}/${this.prefix}`;
  }

  /** The object holding the baseline of one scenario. */
  private objectArn(scenario: LoadScenarioName): string {
    return this.bucket.arnForObjects(`${this.prefix}load-${scenario}.json`);
  }

  /** The object holding the reference baseline of one scenario (`loadtest/reference.ts`). */
  private referenceArn(scenario: LoadScenarioName): string {
    return this.bucket.arnForObjects(`${this.prefix}reference/load-${scenario}.json`);
  }

  /** The API contract of the release promoted last, which the api-compat gate compares a candidate's with. */
  private contractArn(): string {
    return this.bucket.arnForObjects(`${this.prefix}${CONTRACT_BASELINE}`);
  }

  /** Who moved the reference, when and why. */
  private referenceHistoryArn(): string {
    return this.bucket.arnForObjects(`${this.prefix}reference/reference-history.jsonl`);
  }

  /**
   * What a load gate needs to read its scenario's baselines (the last promoted and the
   * reference): the objects, and the right to list the bucket, without which S3 answers a
   * missing object (no release promoted yet) with AccessDenied instead of NoSuchKey. The bucket
   * holds nothing but baselines.
   */
  readStatements(scenario: LoadScenarioName): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.objectArn(scenario), this.referenceArn(scenario)],
      }),
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
      new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.key.keyArn] }),
    ];
  }

  /**
   * What the api-compat gate needs to read production's API contract; listing, as for the load
   * baselines, so that "no release promoted yet" is NoSuchKey and not AccessDenied.
   */
  contractReadStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.contractArn()] }),
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
      new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.key.keyArn] }),
    ];
  }

  /**
   * What the promote step needs, and nothing more (no delete): to replace the baselines, to set
   * a reference where there is none yet (a conditional write), and to append to the reference's
   * history (read, then write).
   */
  writeStatements(): iam.PolicyStatement[] {
    const scenarios = Object.keys(LOAD_SCENARIOS) as LoadScenarioName[];
    const references = scenarios.map((scenario) => this.referenceArn(scenario));
    return [
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [
          ...scenarios.map((scenario) => this.objectArn(scenario)),
          ...references,
          this.referenceHistoryArn(),
          this.contractArn(),
        ],
      }),
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [...references, this.referenceHistoryArn()] }),
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
      new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.key.keyArn] }),
    ];
  }
}

/** A load gate's run whose summary becomes a baseline: where it ran, and its step. */
export interface MeasuredLoad {
  readonly environment: EnvironmentName;
  readonly gate: Gate;
  readonly step: IFileSetProducer;
}

export interface BaselinePromotionStepProps {
  /** The checkout, for projen and the task. */
  readonly input: IFileSetProducer;
  readonly store: BaselineStore;
  /** The load runs to promote: each gate step's primary output is its reports folder. */
  readonly measured: readonly MeasuredLoad[];
  /** The release the summaries measured, recorded with each baseline. */
  readonly release: string;
  /**
   * The api-compat gate's step, whose reports hold the candidate's API contract: promoted with
   * the baselines, it is what the next release's api-compat gate compares with.
   */
  readonly contract: { readonly step: IFileSetProducer; readonly path: string };
}

/**
 * After production's verify gates, the release is promoted: its load summaries (each from the
 * environment its gate ran in) become the baselines the next releases are compared with. The
 * only step that writes to the store.
 */
export class BaselinePromotionStep extends CodeBuildStep {
  constructor(props: BaselinePromotionStepProps) {
    const folder = (load: MeasuredLoad) => `${REPORTS_FOLDER}/${load.environment}/${load.gate.name}`;
    const summaries = props.measured.map((load) => {
      const summary = load.gate.reports.find((report) => report.format === 'json');
      if (!summary) throw new Error(`the ${load.gate.name} gate declares no summary to promote`);
      return `${REPORTS_FOLDER}/${load.environment}/${summary.path}`;
    });
    const contractFolder = `${REPORTS_FOLDER}/${path.posix.dirname(props.contract.path)}`;
    const args = [
      ...['--to', props.store.location, '--environment', props.store.environment, '--release', props.release],
      ...['--contract', `${REPORTS_FOLDER}/${props.contract.path}`],
    ];
    super('promote-baseline', {
      input: props.input,
      additionalInputs: {
        ...Object.fromEntries(props.measured.map((load) => [folder(load), load.step])),
        [contractFolder]: props.contract.step,
      },
      installCommands: [INSTALL_DEPENDENCIES_COMMAND],
      commands: [`${runTaskCommand(PROMOTE_BASELINE_TASK)} -- ${[...args, ...summaries].join(' ')}`],
      rolePolicyStatements: props.store.writeStatements(),
    });
  }
}
