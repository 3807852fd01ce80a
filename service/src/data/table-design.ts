/**
 * The one DynamoDB table of an environment, as data: the CDK data stack creates it from this
 * description on AWS, and the local run creates it in DynamoDB Local, so the two never differ.
 */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface IndexDesign {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
}

export interface TableDesign {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly globalSecondaryIndexes: readonly IndexDesign[];
  /** Items carrying this epoch-seconds attribute expire (refresh-token families, rate windows). */
  readonly timeToLiveAttribute: string;
}

export const TABLE_DESIGN: TableDesign = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    { indexName: 'gsi1', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
  ],
  timeToLiveAttribute: 'expiresAt',
};

/** Every resource name carries the environment. */
export function tableName(environment: string): string {
  return `${environment}-b2-data`;
}

/**
 * The version of what this code stores in the table. `version` goes up with every change to the
 * items' shape; `readableFrom` is the oldest `version` of the code that can still read what this
 * code writes: an expanding change (a new optional attribute) keeps it, a contracting one (an
 * attribute renamed, a key reshaped) raises it to `version`. Each release records it in its
 * manifest; a rollback to code older than the live data's `readableFrom` is refused.
 */
export const DATA_SCHEMA = { version: 1, readableFrom: 1 } as const;
