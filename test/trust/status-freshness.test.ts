/**
 * status shows a run's newest partition, and never "fresh" beside a freshness violation (issue 8,
 * "Why": status showed "fresh" beside "late: 23065m > 60m", and the first partition of the last
 * run as the last materialized).
 */
import { expect } from 'chai';
import referenceGraph from '../../assets/index';
import { codeVersionOf, MemoryRunLog } from '../../assets/core';
import { readRepoFile } from '../../jobs/engine/repo-files';
import { assetStatuses } from '../../scripts/cli/run/asset-status';

const KEY = 'analytics/sales_hourly';
const HOUR = 3_600_000;

describe('status: the newest partition, and late rather than fresh', () => {
  it('shows the newest partition a run committed, fresh while within the policy and late (not fresh) past it', async () => {
    const runLog = new MemoryRunLog();
    await runLog.createRun({ runId: 'r1', command: 'backfill', selection: `+${KEY}`, partitions: '2026-01-01T00:00..2026-01-01T02:00', env: 'local', status: 'succeeded', startedAt: '2026-01-01T03:00:00.000Z', owner: 'h:1', stepsPlanned: 3 });
    const at = '2026-01-01T03:00:05.000Z';
    const inputs: Record<string, string> = {};
    for (const dep of ['raw/products', 'raw/customers']) {
      inputs[dep] = `${dep}-v1`;
      await runLog.append({ type: 'materialization', runId: 'r1', key: dep, partition: null, codeVersion: 'c', dataVersion: inputs[dep], inputs: {}, metadata: {}, at });
    }
    const code = codeVersionOf(referenceGraph.get(KEY), readRepoFile);
    // A run commits all its partitions at one instant, oldest first.
    for (const p of ['2026-01-01T00:00', '2026-01-01T01:00', '2026-01-01T02:00']) {
      await runLog.append({ type: 'materialization', runId: 'r1', key: KEY, partition: p, codeVersion: code, dataVersion: `d-${p}`, inputs, metadata: {}, at });
    }
    const status = async (nowMs: number) => assetStatuses(referenceGraph, [KEY], await runLog.snapshot(), readRepoFile, nowMs)[0];

    // The newest window ends at 03:00; 30 minutes later it is within the 60-minute policy.
    const inTime = await status(Date.parse('2026-01-01T03:30:00Z'));
    expect(inTime.lastMaterialization).to.deep.equal({ at, partition: '2026-01-01T02:00', runId: 'r1' });
    expect(inTime.freshness).to.deep.include({ violated: false, lagMinutes: 30 });
    expect(inTime.state).to.equal('fresh');

    const weeksLater = await status(Date.parse('2026-01-01T03:00:00Z') + 384 * HOUR);
    expect(weeksLater.freshness).to.deep.include({ violated: true, lagMinutes: 384 * 60 });
    expect(weeksLater.state, 'older than its policy allows').to.equal('late');
    expect(weeksLater.lastMaterialization?.partition).to.equal('2026-01-01T02:00');
  });
});
