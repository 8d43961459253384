/**
 * The only places an IAM or key policy statement may use `*` as its resource (or a wildcard
 * action), each with the reason AWS leaves no narrower choice. A statement is excused when its
 * `Sid` is listed here and every action it grants is among the entry's actions.
 */
import { LAMBDA_VPC_ACTIONS, VPC_NETWORK_INTERFACE_ACTIONS } from '../iam';
import { LOG_DELIVERY_ACTIONS } from '../components/orchestration';

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
    reason: 'KMS key policy: `Resource: *` means this key; CloudWatch (alarms to the encrypted topic) and EventBridge encrypt with it, limited to this account by aws:SourceAccount.',
  },
  {
    sid: 'LogsUseKey',
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    reason: "KMS key policy: `Resource: *` means this key; the statement AWS documents for CloudWatch Logs encryption, limited to this account's log groups by the kms:EncryptionContext:aws:logs:arn condition.",
  },
  {
    sid: 'LambdaVpcNetworkInterfaces',
    actions: LAMBDA_VPC_ACTIONS,
    reason: 'Lambdas in the VPC (to reach the private search endpoint) manage their network interfaces; these EC2 actions support no resource-level permissions (the AWSLambdaVPCAccessExecutionRole actions).',
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
  {
    sid: 'LogDelivery',
    actions: LOG_DELIVERY_ACTIONS,
    reason: 'A state machine logging to CloudWatch Logs goes through vended log delivery, whose actions AWS documents on `Resource: *` (they support no resource-level permissions); the log group itself is the one named in the state machine.',
  },
];
