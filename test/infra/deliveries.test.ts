/** Firehose deliveries recorded in the run log, under Pulumi mocks: the bucket's announcements, the rule, who may invoke the recorder, what it records. */
import { expect } from 'chai';
import { synth } from './mock-runtime';
import type { Synthesis } from '../../infra/synth/synthesize';
import { MOCK_ACCOUNT } from '../../infra/synth/mocks';
import { codeVersionOf } from '../../assets/core';
import referenceGraph from '../../assets';
import { readRepoFile } from '../../jobs/engine/repo-files';
import { targetFromEnvironment } from '../../jobs/aws/delivery-recorder';

const R = 'eu-west-1';
const of = (s: Synthesis, type: string) => s.resources.filter((r) => r.type === type);
const find = (s: Synthesis, type: string, name: string) => {
  const r = s.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} ${name}`);
  return r.inputs as Record<string, unknown>;
};

describe('Firehose deliveries recorded in the run log (dev stack under mocks)', () => {
  let s: Synthesis;
  before(async function () {
    this.timeout(60_000);
    s = await synth('dev');
  });

  it('announces new objects of the stream\'s zone to EventBridge, and only that zone', () => {
    const notifications = of(s, 'aws:s3/bucketNotification:BucketNotification').map((n) => [n.name, n.inputs.eventbridge, n.inputs.bucket]);
    expect(notifications).to.deep.equal([['lake-serving-eventbridge', true, 'lake-serving']]);
  });

  it("sends only objects created under the asset's folder to its recorder, which only that rule may invoke", () => {
    const rule = find(s, 'aws:cloudwatch/eventRule:EventRule', 'serving-recommendations-deliveries-rule');
    expect(JSON.parse(String(rule.eventPattern))).to.deep.equal({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['lake-serving'] }, object: { key: [{ prefix: 'recommendations/' }] } },
    });
    const fnArn = `arn:aws:lambda:${R}:${MOCK_ACCOUNT}:function:headwater-dev-serving-recommendations-deliveries`;
    expect(find(s, 'aws:cloudwatch/eventTarget:EventTarget', 'serving-recommendations-deliveries-target')).to.deep.include({ rule: 'headwater-dev-serving-recommendations-deliveries', arn: fnArn });
    const permission = find(s, 'aws:lambda/permission:Permission', 'serving-recommendations-deliveries-permission');
    expect(permission).to.deep.include({ action: 'lambda:InvokeFunction', principal: 'events.amazonaws.com', function: 'headwater-dev-serving-recommendations-deliveries' });
    expect(String(permission.sourceArn)).to.match(/headwater-dev-serving-recommendations-deliveries$/);
  });

  it('gives the recorder its target: the asset, its deps, its code version as the engine computes it, its folder and stream', () => {
    const fn = find(s, 'aws:lambda/function:Function', 'serving-recommendations-deliveries-fn');
    expect(fn).to.deep.include({ runtime: 'nodejs22.x', handler: 'index.handler', architectures: ['arm64'] });
    const { target, stack, table } = targetFromEnvironment({ ...(fn.environment as { variables: Record<string, string> }).variables });
    const asset = referenceGraph.get('serving/recommendations');
    expect({ stack, table }).to.deep.equal({ stack: 'dev', table: 'headwater-dev-runlog' });
    expect(target).to.deep.equal({
      key: 'serving/recommendations',
      deps: asset.deps.map((d) => d.key),
      codeVersion: codeVersionOf(asset, readRepoFile),
      bucket: 'lake-serving',
      prefix: 'recommendations/',
      deliveryStream: 'headwater-dev-serving-recommendations',
    });
  });
});
