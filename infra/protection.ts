/**
 * Data stores survive replacements and `pulumi destroy` on stacks that say so
 * (`headwater:protectData`, on by default, off in dev): Pulumi refuses to delete a protected
 * resource, and `retainOnDelete` leaves it in the account if it is ever removed from the program.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { PlatformConfig } from './config';

/** Resource types that hold data a deploy must never delete; the policy pack checks them on production stacks. */
export const DATA_STORE_TYPES = [
  'aws:s3/bucket:Bucket',
  'aws:kinesis/stream:Stream',
  'aws:dynamodb/table:Table',
  'aws:kms/key:Key',
  'aws:opensearch/domain:Domain',
  'aws:opensearch/serverlessCollection:ServerlessCollection',
] as const;

/** The options every data store of the stack gets. */
export function dataStoreOptions(cfg: PlatformConfig): Pick<pulumi.CustomResourceOptions, 'protect' | 'retainOnDelete'> {
  return { protect: cfg.protectData, retainOnDelete: cfg.protectData };
}
