/**
 * What `assets status --env <stack>` shows about a stack's alarms: every alarm in ALARM (with the
 * asset it watches, from the manifest), and whether anyone would hear about it (an alarm topic
 * with no confirmed subscription sends every alarm nowhere).
 */
import { type CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { ListSubscriptionsByTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { alarmNamePrefix, type StackManifest } from './manifest';

export interface FiringAlarm {
  readonly name: string;
  /** The asset the alarm watches (`platform` for shared ones; `unknown` for an alarm the manifest does not list). */
  readonly asset: string;
  readonly description: string;
  readonly since?: string;
  readonly reason?: string;
}

export interface AlarmStatus {
  readonly firing: readonly FiringAlarm[];
  /** How many of the stack's alarms exist (in any state). */
  readonly total: number;
  /** Why alarms may reach nobody, when they may not; undefined when a subscription is confirmed. */
  readonly deliveryProblem?: string;
}

/** Reads the stack's alarms (by name prefix) and its topic's subscriptions. */
export async function alarmStatus(cloudwatch: CloudWatchClient, sns: SNSClient, manifest: StackManifest): Promise<AlarmStatus> {
  const alarms: MetricAlarm[] = [];
  let token: string | undefined;
  do {
    const page = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: alarmNamePrefix(manifest.stack), AlarmTypes: ['MetricAlarm'], NextToken: token }));
    alarms.push(...(page.MetricAlarms ?? []));
    token = page.NextToken;
  } while (token);
  const listed = new Map((manifest.alarms ?? []).map((a) => [a.name, a]));
  const firing = alarms
    .filter((a) => a.StateValue === 'ALARM')
    .map((a): FiringAlarm => {
      const name = a.AlarmName ?? '?';
      const entry = listed.get(name);
      return {
        name,
        asset: entry?.asset ?? 'unknown',
        description: entry?.description ?? a.AlarmDescription ?? '',
        ...(a.StateUpdatedTimestamp ? { since: a.StateUpdatedTimestamp.toISOString() } : {}),
        ...(a.StateReason ? { reason: a.StateReason } : {}),
      };
    })
    .sort((x, y) => x.asset.localeCompare(y.asset) || x.name.localeCompare(y.name));
  return { firing, total: alarms.length, deliveryProblem: await deliveryProblem(sns, manifest.alarmTopicArn) };
}

async function deliveryProblem(sns: SNSClient, topicArn: string): Promise<string | undefined> {
  const subscriptions: { SubscriptionArn?: string; Endpoint?: string }[] = [];
  let token: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }));
    subscriptions.push(...(page.Subscriptions ?? []));
    token = page.NextToken;
  } while (token);
  const confirmed = subscriptions.filter((s) => s.SubscriptionArn && s.SubscriptionArn !== 'PendingConfirmation');
  if (confirmed.length) return undefined;
  const pending = subscriptions.filter((s) => s.SubscriptionArn === 'PendingConfirmation').map((s) => s.Endpoint ?? '?');
  if (pending.length) return `the alarm topic's subscription is not confirmed (${pending.join(', ')}): alarms reach nobody until the link in AWS's e-mail is followed`;
  return 'the alarm topic has no subscription: alarms reach nobody; set headwater:alarmEmail and redeploy';
}
