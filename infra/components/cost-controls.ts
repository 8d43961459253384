/**
 * What keeps the stack's bill in view: an AWS Budget over the resources tagged with the stack's
 * `headwater:env` (alerting the alarm e-mail at 80% of the limit spent and 100% forecast) and a
 * Cost Anomaly Detection monitor over the same tag with a daily e-mail above an absolute impact.
 * The tag must be activated as a cost allocation tag once per account (see infra/README.md).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PlatformConfig } from '../config';
import { TAG_ENV } from '../tags';

/** Anomalies below this daily impact (USD) are not worth an e-mail. */
export const ANOMALY_THRESHOLD_USD = 20;

export class CostControls extends pulumi.ComponentResource {
  readonly budget: aws.budgets.Budget;
  readonly monitor: aws.costexplorer.AnomalyMonitor;

  constructor(name: string, args: { cfg: PlatformConfig }, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:ops:CostControls', name, {}, opts);
    const { cfg } = args;
    const child = { parent: this };
    const email = cfg.alarmEmail ? [cfg.alarmEmail] : [];
    this.budget = new aws.budgets.Budget(
      `${name}-budget`,
      {
        name: `headwater-${cfg.stack}-monthly`,
        budgetType: 'COST',
        limitAmount: cfg.budgetMonthlyUsd.toFixed(2),
        limitUnit: 'USD',
        timeUnit: 'MONTHLY',
        costFilters: [{ name: 'TagKeyValue', values: [`user:${TAG_ENV}$${cfg.stack}`] }],
        notifications: email.length
          ? [
              { comparisonOperator: 'GREATER_THAN', threshold: 80, thresholdType: 'PERCENTAGE', notificationType: 'ACTUAL', subscriberEmailAddresses: email },
              { comparisonOperator: 'GREATER_THAN', threshold: 100, thresholdType: 'PERCENTAGE', notificationType: 'FORECASTED', subscriberEmailAddresses: email },
            ]
          : [],
      },
      child,
    );
    this.monitor = new aws.costexplorer.AnomalyMonitor(
      `${name}-anomalies`,
      {
        name: `headwater-${cfg.stack}`,
        monitorType: 'CUSTOM',
        monitorSpecification: JSON.stringify({ Tags: { Key: TAG_ENV, Values: [cfg.stack], MatchOptions: ['EQUALS'] } }),
      },
      child,
    );
    if (email.length) {
      new aws.costexplorer.AnomalySubscription(
        `${name}-anomaly-email`,
        {
          name: `headwater-${cfg.stack}-anomalies`,
          frequency: 'DAILY',
          monitorArnLists: [this.monitor.arn],
          subscribers: email.map((address) => ({ type: 'EMAIL', address })),
          thresholdExpression: { dimension: { key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', matchOptions: ['GREATER_THAN_OR_EQUAL'], values: [String(ANOMALY_THRESHOLD_USD)] } },
        },
        child,
      );
    }
    this.registerOutputs({ budget: this.budget.name, monitor: this.monitor.arn });
  }
}
