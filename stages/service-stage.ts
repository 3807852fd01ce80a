import * as path from 'node:path';
import { CfnOutput, Stage, StageProps, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { defineEnvironment, EnvironmentConfig, resourceNames } from './config';
import { bindEnvironment } from './environment-scope';
import { ApiStack } from './stacks/api-stack';
import { BackupCopyStack } from './stacks/backup-copy-stack';
import { DataStack } from './stacks/data-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { WebStack } from './stacks/web-stack';
import { DEFAULT_RELEASE_DIR, RELEASE_PARTS } from '../service/build/release';

/** Where the `bundle` task writes the release. */
export const RELEASE_DIR = DEFAULT_RELEASE_DIR;

/** The built release a stage deploys: one folder per deployable. */
export interface ReleaseAssets {
  /** The API handler bundle (`index.mjs`, handler `index.handler`). */
  readonly lambda: string;
  /** The signing-key rotation handler bundle. */
  readonly rotation: string;
  /** The built web front end. */
  readonly web: string;
  /** The Synthetics canary bundle that walks the session every minute. */
  readonly canary: string;
  /** The CodeDeploy pre-traffic hook bundle that walks the session against a new version. */
  readonly preTrafficHook: string;
}

/** The release folders under `dir` (by default the `bundle` task's output). */
export function releaseAssets(dir: string = RELEASE_DIR): ReleaseAssets {
  return {
    lambda: path.join(dir, RELEASE_PARTS.lambda),
    rotation: path.join(dir, RELEASE_PARTS.rotation),
    web: path.join(dir, RELEASE_PARTS.web),
    canary: path.join(dir, RELEASE_PARTS.canary),
    preTrafficHook: path.join(dir, RELEASE_PARTS.preTrafficHook),
  };
}

export interface ServiceStageProps extends Omit<StageProps, 'env'> {
  readonly environment: EnvironmentConfig;
  /** The commit the release was built from. */
  readonly commit: string;
  /**
   * The built release.
   * @default releaseAssets() — `dist/release/{lambda,rotation,web,canary,pre-traffic-hook}`
   */
  readonly assets?: ReleaseAssets;
}

/**
 * One environment of the B2 service: data, monitoring, API and web stacks (and, in prod, the
 * backup copy vault in a second region), all named after the environment and deployed to its
 * account. Deploy order follows the references: data and monitoring, then the API, then the web.
 */
export class ServiceStage extends Stage {
  readonly environment: EnvironmentConfig;
  readonly data: DataStack;
  readonly backupCopy?: BackupCopyStack;
  readonly monitoring: MonitoringStack;
  readonly api: ApiStack;
  readonly web: WebStack;
  /** The API URL output: a pipeline step reads it with `envFromCfnOutputs` as B2_API_URL. */
  readonly apiUrl: CfnOutput;
  /** The web front end URL output, B2_WEB_URL. */
  readonly webUrl: CfnOutput;

  constructor(scope: Construct, id: string, props: ServiceStageProps) {
    // A config built by hand (not through ENVIRONMENTS) is held to the same rules before any
    // resource exists: a CORS wildcard or a DESTROY policy outside dev never reaches a template.
    const environment = defineEnvironment(props.environment);
    super(scope, id, { ...props, env: { account: environment.account, region: environment.region } });
    this.environment = environment;
    bindEnvironment(this, environment);
    Tags.of(this).add('b2:environment', environment.name);

    const names = resourceNames(environment.name);
    const assets = props.assets ?? releaseAssets();
    const stackProps = (part: string) => ({
      environment,
      stackName: names.stack(part),
      description: `B2 ${part} (${environment.name})`,
      terminationProtection: environment.dataRetention === 'retain',
    });

    this.data = new DataStack(this, 'Data', stackProps('data'));
    if (environment.backup) {
      this.backupCopy = new BackupCopyStack(this, 'BackupCopy', {
        ...stackProps('backup-copy'),
        env: { account: environment.account, region: environment.backup.copyRegion },
      });
      this.data.addStackDependency(this.backupCopy, 'backups are copied into its vault');
    }
    this.monitoring = new MonitoringStack(this, 'Monitoring', stackProps('monitoring'));
    this.api = new ApiStack(this, 'Api', {
      ...stackProps('api'),
      commit: props.commit,
      lambdaAssetDir: assets.lambda,
      rotationAssetDir: assets.rotation,
      canaryAssetDir: assets.canary,
      preTrafficHookAssetDir: assets.preTrafficHook,
      table: this.data.table,
      deploymentAlarms: this.monitoring.deploymentAlarms,
      alarmTopic: this.monitoring.alarmTopic,
    });
    this.web = new WebStack(this, 'Web', {
      ...stackProps('web'),
      webAssetDir: assets.web,
      apiUrl: this.api.api.url,
      restApiId: this.api.api.restApiId,
    });
    this.apiUrl = this.api.apiUrl;
    this.webUrl = this.web.webUrl;
  }
}
