import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';

export function grants(role: iam.Role, table: dynamodb.ITable, bucket: s3.IBucket, key: kms.IKey): void {
  role.addToPolicy(
    new iam.PolicyStatement({
      // ruleid: b2-iam-wildcard-data-action
      actions: ['dynamodb:*'],
      resources: [table.tableArn],
    }),
  );
  role.addToPolicy(
    new PolicyStatement({
      // ruleid: b2-iam-wildcard-data-action
      actions: ['s3:ListBucket', 's3:Get*'],
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
    }),
  );
  role.addToPolicy(
    new PolicyStatement({
      // ruleid: b2-iam-wildcard-data-action
      actions: ['*'],
      resources: [table.tableArn],
    }),
  );
  // ruleid: b2-iam-wildcard-data-action
  table.grant(role, 'dynamodb:GetItem', 'dynamodb:*Item');
  // ruleid: b2-iam-wildcard-data-action
  table.grantFullAccess(role);
  // ruleid: b2-iam-wildcard-data-action
  role.addManagedPolicy(ManagedPolicy.fromAwsManagedPolicyName('AmazonDynamoDBFullAccess'));
  // ruleid: b2-iam-wildcard-data-action
  role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess'));
  const statement = new PolicyStatement({ resources: [key.keyArn] });
  // ruleid: b2-iam-wildcard-data-action
  statement.addActions('kms:*');

  role.addToPolicy(
    new PolicyStatement({
      // ok: b2-iam-wildcard-data-action
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
      // ok: b2-iam-wildcard-data-action
      resources: [table.tableArn, `${table.tableArn}/index/*`],
    }),
  );
  role.addToPolicy(
    new PolicyStatement({
      // X-Ray supports no resource-level permissions: `*` resources, exact actions.
      // ok: b2-iam-wildcard-data-action
      actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      resources: ['*'],
    }),
  );
  // ok: b2-iam-wildcard-data-action
  key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
  // ok: b2-iam-wildcard-data-action
  table.grantReadData(role);
  // ok: b2-iam-wildcard-data-action
  role.addManagedPolicy(ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole'));
}

export const bucketPolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      // ruleid: b2-iam-wildcard-data-action
      Action: 's3:*',
      Resource: 'arn:aws:s3:::b2-dev-web/*',
    },
    {
      Effect: 'Allow',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      // ok: b2-iam-wildcard-data-action
      Action: ['s3:GetObject'],
      Resource: 'arn:aws:s3:::b2-dev-web/*',
    },
  ],
};
