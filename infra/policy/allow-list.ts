/**
 * The only places an IAM or key policy statement may use `*` as its resource (or a wildcard
 * action), each with the reason AWS leaves no narrower choice. A statement is excused when its
 * `Sid` is listed here and every action it grants is among the entry's actions.
 */
import { VPC_NETWORK_INTERFACE_ACTIONS } from '../iam';

export interface WildcardAllowance {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly reason: string;
}

export const WILDCARD_ALLOW_LIST: readonly WildcardAllowance[] = [
  {
    sid: 'AccountAdministersKey',
    actions: ['kms:*'],
    reason: 'KMS key policy: `Resource: *` means this key; without the account root administering it the key becomes unmanageable (AWS default key policy). IAM policies then scope who uses it.',
  },
  {
    sid: 'ServicesUseKey',
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    reason: 'KMS key policy: `Resource: *` means this key; CloudWatch (alarms to the encrypted topic), EventBridge and CloudWatch Logs encrypt with it, limited to this account by aws:SourceAccount.',
  },
  {
    sid: 'VpcNetworkInterfaces',
    actions: VPC_NETWORK_INTERFACE_ACTIONS,
    reason: 'Glue jobs with a JDBC connection place network interfaces in the VPC; EC2 Describe* actions and CreateNetworkInterface (before the interface exists) support no resource-level permissions.',
  },
  {
    sid: 'PublishMetrics',
    actions: ['cloudwatch:PutMetricData'],
    reason: 'PutMetricData has no resource-level permissions; the statement is narrowed by the cloudwatch:namespace condition.',
  },
];
