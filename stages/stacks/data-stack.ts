import { Arn, ArnFormat, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { KeyAttribute, TABLE_DESIGN } from '../../service/src/data/table-design';
import { acknowledge } from '../compliance/acknowledge';
import { EnvironmentConfig, resourceNames, removalPolicyOf } from '../config';

export interface DataStackProps extends StackProps {
  readonly environment: EnvironmentConfig;
}

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return { name: key.name, type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER };
}

/** The environment's one DynamoDB table, built from the same design the local run uses, and its backups. */
export class DataStack extends Stack {
  readonly table: dynamodb.Table;
  readonly backupPlan?: backup.BackupPlan;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { environment } = props;
    const names = resourceNames(environment.name);
    const protectsData = environment.dataRetention === 'retain';

    this.table = new dynamodb.Table(this, 'Table', {
      tableName: names.table,
      partitionKey: attribute(TABLE_DESIGN.partitionKey),
      sortKey: attribute(TABLE_DESIGN.sortKey),
      timeToLiveAttribute: TABLE_DESIGN.timeToLiveAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: protectsData,
      removalPolicy: removalPolicyOf(environment),
    });
    for (const index of TABLE_DESIGN.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
      });
    }

    if (environment.backup) {
      const vault = new backup.BackupVault(this, 'BackupVault', {
        backupVaultName: names.backupVault,
        removalPolicy: removalPolicyOf(environment),
      });
      // The copy vault lives in a stack of its own in the copy region; naming it here instead of
      // referencing it keeps CloudFormation free of cross-region references.
      const copyVault = backup.BackupVault.fromBackupVaultArn(
        this,
        'BackupCopyVault',
        Arn.format({
          partition: this.partition,
          service: 'backup',
          region: environment.backup.copyRegion,
          account: environment.account,
          resource: 'backup-vault',
          resourceName: names.backupCopyVault,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
      const retention = Duration.days(environment.backup.retentionDays);
      this.backupPlan = new backup.BackupPlan(this, 'BackupPlan', {
        backupPlanName: names.backupPlan,
        backupVault: vault,
        backupPlanRules: [
          new backup.BackupPlanRule({
            ruleName: 'daily-with-copy',
            scheduleExpression: events.Schedule.cron({ hour: '3', minute: '0' }),
            deleteAfter: retention,
            copyActions: [{ destinationBackupVault: copyVault, deleteAfter: retention }],
          }),
        ],
      });
      const backupRole = new iam.Role(this, 'BackupRole', {
        assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
        description: `Backs up the ${environment.name} B2 table`,
      });
      this.backupPlan.addSelection('Table', {
        backupSelectionName: names.table,
        resources: [backup.BackupResource.fromDynamoDbTable(this.table)],
        role: backupRole,
      });
      acknowledge(
        backupRole,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
        'AWS Backup assumes this role to snapshot the table; the AWS-maintained backup policy follows each service AWS Backup supports, which a hand-written copy would lag.',
      );
    }

    new ssm.StringParameter(this, 'TableNameParameter', {
      parameterName: names.parameter('table-name'),
      stringValue: this.table.tableName,
      description: `The ${environment.name} B2 DynamoDB table`,
    });
  }
}
