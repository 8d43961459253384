/**
 * The freshness metric: 1 per materialization of an asset (dimension `Asset`), whose sum the
 * stack's freshness alarms watch. Published by the CLI's executors, by the state machines'
 * recorder and by the delivery recorder, so an asset is fresh however it was materialized.
 */
import { PutMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { AssetKey } from '../../assets/core';
import { FRESHNESS_METRIC, METRICS_NAMESPACE } from './manifest';
import { realClock, withRetry, type Clock } from './retry';

/** Publishes one materialization of `key` at the clock's now (throttling retried with backoff). */
export async function publishMaterialized(cloudwatch: CloudWatchClient, key: AssetKey, options: { namespace?: string; clock?: Clock } = {}): Promise<void> {
  const clock = options.clock ?? realClock;
  await withRetry(
    () =>
      cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: options.namespace ?? METRICS_NAMESPACE,
          MetricData: [{ MetricName: FRESHNESS_METRIC, Dimensions: [{ Name: 'Asset', Value: key }], Value: 1, Unit: 'Count', Timestamp: new Date(clock.now()) }],
        }),
      ),
    { clock },
  );
}
