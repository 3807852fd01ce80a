import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

type EnvironmentName = 'dev' | 'staging' | 'prod';

interface EnvironmentConfig {
  readonly name: EnvironmentName;
  readonly removalPolicy: RemovalPolicy;
}

const partitionKey = { name: 'pk', type: AttributeType.STRING };

export function resources(scope: Construct, config: EnvironmentConfig, code: lambda.Code): void {
  new dynamodb.TableV2(scope, 'Data', {
    partitionKey,
    // ruleid: b2-removal-policy-destroy-stateful
    removalPolicy: RemovalPolicy.DESTROY,
  });
  // ruleid: b2-removal-policy-destroy-stateful
  new Bucket(scope, 'Uploads', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
  new logs.LogGroup(scope, 'Audit', {
    retention: logs.RetentionDays.ONE_YEAR,
    // ruleid: b2-removal-policy-destroy-stateful
    removalPolicy: RemovalPolicy.DESTROY,
  });

  const keys = new Secret(scope, 'SigningKeys');
  // ruleid: b2-removal-policy-destroy-stateful
  keys.applyRemovalPolicy(RemovalPolicy.DESTROY);
  // ruleid: b2-removal-policy-destroy-stateful
  new Table(scope, 'Sessions', { partitionKey }).applyRemovalPolicy(RemovalPolicy.DESTROY);

  // ok: b2-removal-policy-destroy-stateful
  new dynamodb.TableV2(scope, 'Configured', { partitionKey, removalPolicy: config.removalPolicy });
  new dynamodb.TableV2(scope, 'DevOnly', {
    partitionKey,
    // ok: b2-removal-policy-destroy-stateful
    removalPolicy: config.name === 'dev' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  });
  const scratch = new Table(scope, 'Scratch', { partitionKey });
  if (config.name === 'dev') {
    // ok: b2-removal-policy-destroy-stateful
    scratch.applyRemovalPolicy(RemovalPolicy.DESTROY);
  }
  // Stateless: a function's old versions hold no data.
  const fn = new lambda.Function(scope, 'Api', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code,
  });
  // ok: b2-removal-policy-destroy-stateful
  fn.currentVersion.applyRemovalPolicy(RemovalPolicy.DESTROY);
}

export const ENVIRONMENTS: Record<EnvironmentName, EnvironmentConfig> = {
  // ok: b2-removal-policy-destroy-stateful
  dev: { name: 'dev', removalPolicy: RemovalPolicy.DESTROY },
  // ruleid: b2-removal-policy-destroy-stateful
  staging: { name: 'staging', removalPolicy: RemovalPolicy.DESTROY },
  // ok: b2-removal-policy-destroy-stateful
  prod: { name: 'prod', removalPolicy: RemovalPolicy.RETAIN },
};

export const PROD: EnvironmentConfig = {
  name: 'prod',
  // ruleid: b2-removal-policy-destroy-stateful
  removalPolicy: RemovalPolicy.DESTROY,
};

export const REMOVAL_POLICY: Record<EnvironmentName, RemovalPolicy> = {
  // ok: b2-removal-policy-destroy-stateful
  dev: RemovalPolicy.DESTROY,
  // ruleid: b2-removal-policy-destroy-stateful
  staging: RemovalPolicy.DESTROY,
  // ok: b2-removal-policy-destroy-stateful
  prod: RemovalPolicy.RETAIN,
};
