import { Stack, StackProps } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import { Construct } from 'constructs';
import { EnvironmentConfig, resourceNames, removalPolicyOf } from '../config';

export interface BackupCopyStackProps extends StackProps {
  readonly environment: EnvironmentConfig;
}

/**
 * The vault in the second region that receives a copy of every backup, so that losing the
 * environment's region loses no data. Deployed in the backup copy region, before the data stack.
 */
export class BackupCopyStack extends Stack {
  readonly vault: backup.BackupVault;

  constructor(scope: Construct, id: string, props: BackupCopyStackProps) {
    super(scope, id, props);
    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: resourceNames(props.environment.name).backupCopyVault,
      removalPolicy: removalPolicyOf(props.environment),
    });
  }
}
