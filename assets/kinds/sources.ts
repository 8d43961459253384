import type { KindDescriptorOf } from '../core/kinds';

/** A table in the upstream RDS database (PGlite embedded). Owned by the source team. */
export interface RdsTableSettings {
  readonly kind: 'rds-table';
  readonly table: string;
  /** Postgres schema. Default `public`. */
  readonly schema: string;
}

export const rdsTable = (s: { table: string; schema?: string }): RdsTableSettings => ({ kind: 'rds-table', schema: 'public', ...s });

export const rdsTableKind: KindDescriptorOf<RdsTableSettings, 'source'> = {
  name: 'rds-table',
  description: 'a table of the upstream RDS database (PGlite embedded), contract-checked before every extract',
  category: 'source',
  backfill: { type: 'per_partition' },
};

/** A Kinesis Data Stream the application writes browsing events to (kinesalite embedded). */
export interface KinesisStreamSettings {
  readonly kind: 'kinesis-stream';
  /** `provisioned` uses `shards`; `on-demand` scales itself. Default `provisioned`. */
  readonly mode: 'provisioned' | 'on-demand';
  /** Shard count in provisioned mode (and the embedded stream's). Default 2. */
  readonly shards: number;
  /** Retention in hours (24 to 8760). Default 24. */
  readonly retentionHours: number;
}

export const kinesisStream = (s: Partial<Omit<KinesisStreamSettings, 'kind'>> = {}): KinesisStreamSettings => ({
  kind: 'kinesis-stream',
  mode: 'provisioned',
  shards: 2,
  retentionHours: 24,
  ...s,
});

export const kinesisStreamKind: KindDescriptorOf<KinesisStreamSettings, 'source'> = {
  name: 'kinesis-stream',
  description: 'a Kinesis Data Stream (kinesalite embedded) written by the application',
  category: 'source',
  backfill: { type: 'per_partition' },
};
