/**
 * "Runs independent runs in parallel": observed, not inferred from the order of a log. Each
 * execution is counted while in flight, and the first wave waits at a barrier until as many
 * runs as may overlap have started, so the overlap is proven by the engine's own scheduling and
 * no assertion depends on how long anything takes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { selectAssets } from '../../assets/core';
import type { Executor } from '../../jobs/engine/environment';
import { materialize } from '../../jobs/engine';
import graph from './fixtures/graph';
import { fileExecutor, testEnvironment } from './fixtures/test-environment';

const NOW = Date.UTC(2026, 0, 7, 12);
const SIX_DAYS = { type: 'range', from: '2026-01-01', to: '2026-01-06' } as const;

/** Records executions: how many were in flight at most, and start/end lines in order. */
class ConcurrencyProbe {
  inflight = 0;
  maxInflight = 0;
  readonly log: string[] = [];
  private arrived = 0;
  private release!: () => void;
  private readonly released = new Promise<void>((r) => (this.release = r));

  /** `wave`: the first `wave` executions wait until all of them have started. */
  constructor(private readonly wave: number) {}

  wrap(inner: Executor): Executor {
    return {
      kind: inner.kind,
      execute: async (ctx) => {
        const label = `${ctx.asset.key} ${(ctx.partitions ?? ['-']).join(',')}`;
        this.inflight++;
        this.maxInflight = Math.max(this.maxInflight, this.inflight);
        this.log.push(`start ${label}`);
        try {
          if (++this.arrived <= this.wave) {
            if (this.arrived === this.wave) this.release();
            // A scheduler that never overlaps would leave the barrier unfilled: give up after a
            // while so the test fails on its assertions instead of timing out.
            await Promise.race([this.released, new Promise((r) => setTimeout(r, 5_000).unref())]);
          }
          return await inner.execute(ctx);
        } finally {
          this.inflight--;
          this.log.push(`end ${label}`);
        }
      },
    };
  }
}

describe('engine: parallel runs', () => {
  let home: string;
  let env: ReturnType<typeof testEnvironment>;

  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-parallel-'));
    env = testEnvironment(home);
  });
  afterEach(async () => {
    await env.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  async function runWith(maxParallel: number, probe: ConcurrencyProbe) {
    const executors = new Map(['test-file', 'test-file-each'].map((k) => [k, probe.wrap(fileExecutor(() => home, k))]));
    const probed = { ...env, executorFor: (kind: string) => executors.get(kind) };
    return materialize({ graph, keys: selectAssets(graph, '*'), selection: '*', request: SIX_DAYS, command: 'materialize', env: probed, nowMs: NOW, maxParallel });
  }

  it('overlaps independent runs up to --max-parallel and never more', async () => {
    // Three runs are ready at the start (raw/events twice, 3 days each, and raw/other).
    const probe = new ConcurrencyProbe(2);
    const r = await runWith(2, probe);
    expect(r.status).to.equal('succeeded');
    expect(probe.maxInflight).to.equal(2);
    // The first two started before either ended.
    expect(probe.log.slice(0, 2).every((l) => l.startsWith('start '))).to.equal(true);
  });

  it('starts every ready run at once when the limit allows it', async () => {
    const probe = new ConcurrencyProbe(3);
    const r = await runWith(4, probe);
    expect(r.status).to.equal('succeeded');
    expect(probe.log.slice(0, 3).sort()).to.deep.equal(['start raw/events 2026-01-01,2026-01-02,2026-01-03', 'start raw/events 2026-01-04,2026-01-05,2026-01-06', 'start raw/other -']);
    // After raw/events, six independent mid/summary runs: at most 4 at a time.
    expect(probe.maxInflight).to.be.within(3, 4);
  });

  it('runs one at a time by default, still upstream first', async () => {
    const probe = new ConcurrencyProbe(0);
    const r = await runWith(1, probe);
    expect(r.status).to.equal('succeeded');
    expect(probe.maxInflight).to.equal(1);
    const at = (l: string) => probe.log.indexOf(l);
    for (let d = 1; d <= 6; d++) {
      const upstream = d <= 3 ? 'raw/events 2026-01-01,2026-01-02,2026-01-03' : 'raw/events 2026-01-04,2026-01-05,2026-01-06';
      expect(at(`end ${upstream}`)).to.be.lessThan(at(`start mid/summary 2026-01-0${d}`));
      expect(at(`end mid/summary 2026-01-0${d}`)).to.be.lessThan(at('start out/report -'));
    }
  });

  it('never starts a run before the runs it depends on have ended, even in parallel', async () => {
    const probe = new ConcurrencyProbe(2);
    await runWith(3, probe);
    const at = (l: string) => probe.log.indexOf(l);
    for (let d = 1; d <= 6; d++) {
      const upstream = d <= 3 ? 'raw/events 2026-01-01,2026-01-02,2026-01-03' : 'raw/events 2026-01-04,2026-01-05,2026-01-06';
      expect(at(`end ${upstream}`), `day ${d}`).to.be.lessThan(at(`start mid/summary 2026-01-0${d}`));
      expect(at(`end mid/summary 2026-01-0${d}`)).to.be.lessThan(at('start out/report -'));
    }
  });
});
