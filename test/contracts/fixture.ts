/**
 * Shared fixture for the data tests: a small seeded source (built once, copied per test, since
 * creating a PGlite database costs seconds), a temporary HEADWATER_HOME, and step contexts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AssetGraph } from '../../assets/core';
import graph from '../../assets/index';
import type { StepContext } from '../../jobs/engine/environment';
import { sharedSource, type SourceAccess } from '../../jobs/embedded/source/db';
import { seedSource } from '../../jobs/embedded/source/seed';
import { classicmodels } from '../../assets/reference/source-data';
import { withEnv } from '../setup/environment';

/** Data ends at this hour, so windows in tests are fixed. */
export const UNTIL = new Date('2026-03-04T00:00:00Z');
export const SMALL_SEED = { dataset: classicmodels, sizes: { customers: 150, products: 40, ratings: 2500, orders: 400 }, days: 3, seed: 7, until: UNTIL } as const;

let template: Promise<string> | undefined;

/** A seeded source database directory, built once per test process. */
function seededTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hw-template-')), 'source-db');
    await seedSource({ ...SMALL_SEED, dir });
    return dir;
  })();
  return template;
}

export interface TestHome {
  readonly root: string;
  readonly lake: string;
  readonly sourceDir: string;
  readonly source: SourceAccess;
  close(): Promise<void>;
}

/** A fresh HEADWATER_HOME with a copy of the small seeded source and an empty lake. */
export async function testHome(): Promise<TestHome> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-home-'));
  const restoreEnv = withEnv({ HEADWATER_HOME: root });
  const sourceDir = path.join(root, 'source-db');
  fs.cpSync(await seededTemplate(), sourceDir, { recursive: true });
  const source = sharedSource({ dir: sourceDir });
  return {
    root,
    lake: path.join(root, 'lake'),
    sourceDir,
    source,
    async close() {
      await source.close();
      fs.rmSync(root, { recursive: true, force: true });
      restoreEnv();
    },
  };
}

/** The reference graph. */
export const referenceGraph: AssetGraph = graph;

/** A step context for `key` over `partitions` (null for unpartitioned). */
export function stepContext(key: string, partitions: readonly string[] | null, logs: string[] = []): StepContext {
  const asset = referenceGraph.get(key);
  return {
    graph: referenceGraph,
    asset,
    runId: `test-${crypto.randomBytes(3).toString('hex')}`,
    partitions,
    inputs: asset.deps.map((d) => ({ key: d.key, source: referenceGraph.get(d.key).source, partitions: null })),
    log: (m) => logs.push(m),
    signal: new AbortController().signal,
  };
}

/** Every file under `dir` with its sha256: "byte-for-byte unchanged" is equality of this map. */
export function treeDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        out[path.relative(dir, p) + '/'] = 'dir';
        walk(p);
      } else out[path.relative(dir, p)] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Daily partition keys of the seeded window. */
export const SEEDED_DAYS = ['2026-03-01', '2026-03-02', '2026-03-03'];
