/**
 * Laws of the asset model, checked on generated inputs (fast-check): partitions and mappings,
 * selection algebra, the planner's coverage and order, contract diffs. A failure prints the
 * smallest counterexample and the seed that reproduces it.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  IntervalSet,
  dailyPartitions,
  defineAsset,
  defineGraph,
  diffContract,
  hourlyPartitions,
  kindCatalog,
  mapToUpstream,
  mappingProblem,
  monthlyPartitions,
  partitionCount,
  partitionKey,
  plan,
  planRuns,
  runPartitionKeys,
  selectAssets,
  staticPartitionMapping,
  staticPartitions,
  timeWindow,
  timeWindowMapping,
  weeklyPartitions,
  identityMapping,
  allPartitionsMapping,
  lastPartitionMapping,
  type AssetDefinition,
  type Contract,
  type PartitionMapping,
  type PartitionsDefinition,
} from '../../assets/core';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const dayKey = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Days from 2000 to 2099, with month ends and leap days drawn often (they are where calendars break). */
const FIRST_DAY = Date.UTC(2000, 0, 1);
const anyDay = fc.integer({ min: 0, max: 36_500 }).map((d) => FIRST_DAY + d * DAY);
const monthEnd = fc.record({ y: fc.integer({ min: 2000, max: 2099 }), m: fc.integer({ min: 0, max: 11 }) }).map(({ y, m }) => Date.UTC(y, m + 1, 1) - DAY);
const leapDay = fc.integer({ min: 0, max: 24 }).map((k) => Date.UTC(2000 + 4 * k, 1, 29));
const day = fc.oneof(anyDay, monthEnd, leapDay);

describe('properties: partitions and mappings', () => {
  it('daily <- hourly: a day reads exactly its 24 hours, month ends and leap days included', () => {
    const hourly = hourlyPartitions({ start: '1999-12-31T00:00' });
    const daily = dailyPartitions({ start: '2000-01-01' });
    fc.assert(
      fc.property(day, (startMs) => {
        const d = Math.round((startMs - FIRST_DAY) / DAY);
        const up = mapToUpstream(undefined, daily, hourly, IntervalSet.of(d, d + 1), Date.UTC(2200, 0, 1));
        expect(up.size).to.equal(24);
        expect(up.ranges).to.have.length(1);
        const [lo, hi] = up.ranges[0];
        expect(partitionKey(hourly, lo)).to.equal(`${dayKey(startMs)}T00:00`);
        expect(partitionKey(hourly, hi - 1)).to.equal(`${dayKey(startMs)}T23:00`);
      }),
    );
  });

  // Nested cadences: the upstream windows a downstream range reads tile it exactly, no more, no less.
  const nested: [down: PartitionsDefinition, up: PartitionsDefinition, label: string][] = [
    [dailyPartitions({ start: '2000-01-01' }), hourlyPartitions({ start: '1999-12-27T00:00' }), 'daily <- hourly'],
    [weeklyPartitions({ start: '2000-01-03' }), dailyPartitions({ start: '1999-12-27' }), 'weekly <- daily'],
    [weeklyPartitions({ start: '2000-01-03' }), hourlyPartitions({ start: '1999-12-27T00:00' }), 'weekly <- hourly'],
    [monthlyPartitions({ start: '2000-01' }), dailyPartitions({ start: '1999-12-27' }), 'monthly <- daily'],
    [monthlyPartitions({ start: '2000-01' }), hourlyPartitions({ start: '1999-12-27T00:00' }), 'monthly <- hourly'],
  ];
  for (const [down, up, label] of nested) {
    it(`${label}: the upstream windows read tile the downstream windows exactly`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1200 }), fc.integer({ min: 1, max: 6 }), (lo, n) => {
          if (down.type !== 'time' || up.type !== 'time') throw new Error('time partitions expected');
          const read = mapToUpstream(undefined, down, up, IntervalSet.of(lo, lo + n), Date.UTC(2200, 0, 1));
          expect(read.ranges).to.have.length(1);
          const [a, b] = read.ranges[0];
          expect(timeWindow(up, a).startMs).to.equal(timeWindow(down, lo).startMs);
          expect(timeWindow(up, b - 1).endMs).to.equal(timeWindow(down, lo + n - 1).endMs);
        }),
      );
    });
  }

  const cadence = fc.constantFrom('hourly', 'daily', 'weekly', 'monthly');
  const timeDef = fc.record({ cadence, start: anyDay, hours: fc.integer({ min: 0, max: 23 }), length: fc.option(fc.integer({ min: 1, max: 400 })) }).map(({ cadence: c, start, hours, length }) => {
    const startMs = c === 'weekly' ? start - (((new Date(start).getUTCDay() + 6) % 7) * DAY) : c === 'monthly' ? Date.UTC(new Date(start).getUTCFullYear(), new Date(start).getUTCMonth(), 1) : c === 'hourly' ? start + hours * HOUR : start;
    const key = c === 'hourly' ? new Date(startMs).toISOString().slice(0, 16) : c === 'monthly' ? dayKey(startMs).slice(0, 7) : dayKey(startMs);
    const make = { hourly: hourlyPartitions, daily: dailyPartitions, weekly: weeklyPartitions, monthly: monthlyPartitions }[c];
    const def = make({ start: key });
    if (length === null) return def;
    // An exclusive end some windows later.
    return make({ start: key, end: c === 'monthly' ? partitionKey(def, length) : partitionKey(def, length) });
  });
  const staticDef = fc.uniqueArray(fc.constantFrom('eu', 'us', 'apac', 'latam', 'mea', 'cn'), { minLength: 1, maxLength: 6 }).map((v) => staticPartitions(v));
  const anyDef = fc.option(fc.oneof(timeDef, timeDef, staticDef), { freq: 4 });
  const mapping = (down: PartitionsDefinition | undefined, up: PartitionsDefinition | undefined): fc.Arbitrary<PartitionMapping | undefined> =>
    fc.oneof(
      fc.constant(undefined),
      fc.constant(identityMapping()),
      fc.constant(allPartitionsMapping()),
      fc.constant(lastPartitionMapping()),
      fc.record({ s: fc.integer({ min: -30, max: 5 }), w: fc.integer({ min: 0, max: 30 }) }).map(({ s, w }) => timeWindowMapping({ startOffset: s, endOffset: s + w })),
      down?.type === 'static' && up?.type === 'static'
        ? fc.dictionary(fc.constantFrom(...down.values), fc.subarray([...up.values])).map((m) => staticPartitionMapping(m))
        : fc.constant(identityMapping()),
    );

  it('a mapping never returns a partition outside the upstream range (as of now)', () => {
    const scenario = fc
      .record({ down: anyDef, up: anyDef, now: fc.integer({ min: 0, max: 40_000 }).map((d) => FIRST_DAY + d * DAY + 7 * HOUR) })
      .chain((s) => fc.record({ s: fc.constant(s), m: mapping(s.down ?? undefined, s.up ?? undefined), lo: fc.nat(3000), n: fc.integer({ min: 0, max: 500 }) }));
    fc.assert(
      fc.property(scenario, ({ s, m, lo, n }) => {
        const down = s.down ?? undefined;
        const up = s.up ?? undefined;
        fc.pre(mappingProblem(m, down, up) === undefined);
        const downCount = down ? partitionCount(down, s.now) : 1;
        const range = IntervalSet.of(lo, lo + n).clip(0, downCount);
        const read = mapToUpstream(m, down, up, range, s.now);
        const upCount = up ? partitionCount(up, s.now) : 0;
        for (const [a, b] of read.ranges) {
          expect(a, 'range start').to.be.at.least(0);
          expect(b, 'range end').to.be.at.most(upCount);
          expect(a).to.be.lessThan(b);
        }
      }),
      { numRuns: 500 },
    );
  });
});

/** A random DAG: node i depends on some of the nodes before it; groups and tags drawn too. */
const dag = fc.integer({ min: 1, max: 10 }).chain((n) =>
  fc.tuple(
    ...Array.from({ length: n }, (_, i) =>
      fc.record({ deps: fc.subarray(Array.from({ length: i }, (_, j) => j)), group: fc.constantFrom('ingest', 'ml', 'serve'), pii: fc.boolean() }),
    ),
  ),
);
const keyOf = (i: number) => `zone/a${i}`;

describe('properties: selection', () => {
  const graphOf = (nodes: { deps: number[]; group: string; pii: boolean }[]) =>
    defineGraph(nodes.map((x, i) => defineAsset({ key: keyOf(i), deps: x.deps.map(keyOf), compute: { kind: 'glue-sql' }, group: x.group, tags: x.pii ? { pii: 'true' } : {} })));
  const expression = (n: number): fc.Arbitrary<string> =>
    fc.oneof(
      fc.integer({ min: 0, max: n - 1 }).map(keyOf),
      fc.constantFrom('group:ingest', 'group:ml', 'tag:pii', '*', 'roots()', 'sinks()'),
      fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })).map(([a, b]) => `${keyOf(a)} or ${keyOf(b)}`),
      fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.constantFrom('group:serve', 'tag:pii')).map(([a, f]) => `+${keyOf(a)} and not ${f}`),
    );
  const scenario = dag.chain((nodes) => fc.record({ nodes: fc.constant(nodes), x: expression(nodes.length), y: expression(nodes.length) }));
  const set = (keys: string[]) => new Set(keys);

  it('+x+ is the union of +x and x+', () => {
    fc.assert(
      fc.property(scenario, ({ nodes, x }) => {
        const g = graphOf(nodes);
        const both = selectAssets(g, `+(${x})+`);
        const union = set([...selectAssets(g, `+(${x})`), ...selectAssets(g, `(${x})+`)]);
        expect(set(both)).to.deep.equal(union);
      }),
    );
  });

  it('not not x is x, and not (x or y) is (not x) and (not y)', () => {
    fc.assert(
      fc.property(scenario, ({ nodes, x, y }) => {
        const g = graphOf(nodes);
        expect(selectAssets(g, `not not (${x})`)).to.deep.equal(selectAssets(g, `(${x})`));
        expect(selectAssets(g, `not ((${x}) or (${y}))`)).to.deep.equal(selectAssets(g, `(not (${x})) and (not (${y}))`));
      }),
    );
  });

  it('+x holds every upstream asset of x and comes in topological order', () => {
    fc.assert(
      fc.property(scenario, ({ nodes, x }) => {
        const g = graphOf(nodes);
        const up = selectAssets(g, `+(${x})`);
        const at = new Map(up.map((k, i) => [k, i]));
        for (const k of up) {
          for (const d of g.get(k).deps) {
            expect(at.has(d.key), `${d.key} upstream of ${k}`).to.equal(true);
            expect(at.get(d.key)!).to.be.lessThan(at.get(k)!);
          }
        }
      }),
    );
  });
});

describe('properties: the planner', () => {
  const kinds = kindCatalog([
    { name: 'each', description: 'one partition a run', category: 'batch', backfill: { type: 'per_partition' } },
    { name: 'chunks', description: 'up to 5 partitions a run', category: 'batch', backfill: { type: 'single_run', maxPartitionsPerRun: 5 } },
    { name: 'whole', description: 'any range in one run', category: 'batch', backfill: { type: 'single_run' } },
  ]);
  const START = '2026-01-01';
  const START_MS = Date.UTC(2026, 0, 1);
  const partitioning = { daily: dailyPartitions({ start: START }), hourly: hourlyPartitions({ start: `${START}T00:00` }), none: undefined };
  const node = (i: number) => fc.record({ deps: fc.subarray(Array.from({ length: i }, (_, j) => j)), parts: fc.constantFrom('daily', 'hourly', 'none') as fc.Arbitrary<keyof typeof partitioning>, kind: fc.constantFrom('each', 'chunks', 'whole') });
  const scenario = fc.integer({ min: 1, max: 8 }).chain((n) =>
    fc.record({
      nodes: fc.tuple(...Array.from({ length: n }, (_, i) => node(i))),
      selected: fc.subarray(Array.from({ length: n }, (_, i) => i), { minLength: 1 }),
      from: fc.integer({ min: 0, max: 40 }),
      days: fc.integer({ min: 1, max: 10 }),
      // "Now" inside day 45 at some hour: the last days may be incomplete.
      nowHours: fc.integer({ min: 30 * 24, max: 45 * 24 + 23 }),
    }),
  );

  it('covers each requested asset-partition exactly once, in topological order, within each kind\'s run size', () => {
    fc.assert(
      fc.property(scenario, ({ nodes, selected, from, days, nowHours }) => {
        const assets: AssetDefinition[] = nodes.map((x, i) => defineAsset({ key: keyOf(i), deps: x.deps.map(keyOf), partitions: partitioning[x.parts], compute: { kind: x.kind } }));
        const g = defineGraph(assets, { kinds });
        const nowMs = START_MS + nowHours * HOUR;
        const fromMs = START_MS + from * DAY;
        const toMs = fromMs + (days - 1) * DAY;
        const request = { type: 'range', from: dayKey(fromMs), to: dayKey(toMs) } as const;
        let p: ReturnType<typeof plan>;
        try {
          p = plan(g, selected.map(keyOf), request, nowMs);
        } catch (e) {
          // Only when some selected asset has no complete partition in the range.
          expect((e as Error).message).to.match(/no complete (daily|hourly) partition between/);
          return;
        }
        // One step per selected asset, in topological order.
        expect(p.steps.map((s) => s.key).sort()).to.deep.equal([...new Set(selected.map(keyOf))].sort());
        const index = new Map(p.steps.map((s, i) => [s.key, i]));
        for (const s of p.steps) for (const d of g.get(s.key).deps) if (index.has(d.key)) expect(index.get(d.key)!).to.be.lessThan(index.get(s.key)!);

        const byStep = new Map<string, string[][]>();
        for (const run of planRuns(p)) byStep.set(run.step.key, [...(byStep.get(run.step.key) ?? []), runPartitionKeys(g, run) ?? ['-']]);
        for (const s of p.steps) {
          const runs = byStep.get(s.key)!;
          const x = nodes[Number(s.key.slice('zone/a'.length))];
          const got = runs.flat();
          // Expected, computed from the calendar: complete windows whose start lies in the days asked for.
          const expected: string[] = [];
          if (x.parts === 'none') expected.push('-');
          for (let t = fromMs; x.parts !== 'none' && t < toMs + DAY; t += x.parts === 'daily' ? DAY : HOUR) {
            if (t + (x.parts === 'daily' ? DAY : HOUR) <= nowMs) expected.push(x.parts === 'daily' ? dayKey(t) : new Date(t).toISOString().slice(0, 16));
          }
          expect(got, s.key).to.deep.equal(expected);
          expect(new Set(got).size).to.equal(got.length);
          const max = x.parts === 'none' ? 1 : x.kind === 'each' ? 1 : x.kind === 'chunks' ? 5 : Infinity;
          for (const r of runs) expect(r.length).to.be.within(1, max);
          if (x.kind === 'whole' || x.parts === 'none') expect(runs).to.have.length(1);
        }
        expect(p.assetPartitions).to.equal([...byStep.values()].reduce((n, runs) => n + runs.flat().length, 0));
      }),
      { numRuns: 200 },
    );
  });
});

describe('properties: contract diffs', () => {
  const scalar = fc.constantFrom('int', 'bigint', 'smallint', 'string', 'boolean', 'double', 'date', 'timestamp');
  const decimal = fc.record({ p: fc.integer({ min: 1, max: 38 }), s: fc.integer({ min: 0, max: 10 }) }).filter(({ p, s }) => s <= p).map(({ p, s }) => `decimal(${p},${s})`);
  const type = fc.oneof(scalar, decimal, scalar.map((t) => `array<${t}>`));
  const contract = fc
    .uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/), type, nullable: fc.boolean() }), { minLength: 1, maxLength: 12, selector: (c) => c.name })
    .map((columns): Contract => ({ columns }));
  /** The same type spelled otherwise: upper case, spaces after commas. */
  const respell = (t: string) => t.toUpperCase().replace(/,/g, ', ');

  it('a schema diffed with itself is compatible, however its types are spelled', () => {
    fc.assert(
      fc.property(contract, fc.boolean(), fc.boolean(), (c, strict, loud) => {
        const withEvolution: Contract = strict ? { ...c, evolution: 'strict' } : c;
        const found = c.columns.map((col) => ({ name: col.name, type: loud ? respell(col.type) : col.type, nullable: col.nullable }));
        const d = diffContract(withEvolution, found, { subject: 's', against: 't' });
        expect(d.changes).to.deep.equal([]);
        expect(d.breaking).to.equal(false);
      }),
    );
  });

  it('dropping any column is breaking and named, whatever else is there', () => {
    fc.assert(
      fc.property(contract, fc.nat(), (c, pick) => {
        const gone = c.columns[pick % c.columns.length];
        const d = diffContract(c, c.columns.filter((x) => x !== gone), { subject: 's', against: 't' });
        expect(d.breaking).to.equal(true);
        expect(d.changes.map((x) => [x.kind, x.column])).to.deep.equal([['dropped', gone.name]]);
      }),
    );
  });
});
