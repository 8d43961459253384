/**
 * "Atomic model writes": the model folder (model.json and both embeddings tables) is replaced in
 * one swap, so a reader, or the next run after a crash, finds the previous model or the new one,
 * never a mix. Crashes are real: a child process SIGKILLs itself at each file operation of the
 * swap, and of the executor's write, so no cleanup code gets to run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import graph from '../../assets';
import { createEmrSparkExecutor, MODEL_FILES, recoverInterruptedSwap, swapFolder } from '../../jobs/embedded/executors/emr-spark';
import { modelProblem } from '../../jobs/model/artifact';
import { writeSyntheticLake } from './lake-fixture';
import { syntheticRatings } from './synthetic';
import { smallModel } from './fixtures/train-child';

const REPO = path.resolve(__dirname, '..', '..');

/** Runs a fixture under tsx; returns how it ended. */
function runChild(script: string, args: readonly string[]): { signal: NodeJS.Signals | null; status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', script), ...args], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
  return { signal: r.signal, status: r.status, stderr: r.stderr };
}

/** A folder's files and their bytes. */
function snapshot(dir: string): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]));
}
const writeFolder = (dir: string, files: Record<string, string>) => {
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), body);
};

describe('model writes: swapFolder and recoverInterruptedSwap', () => {
  let root: string;
  const OLD = { 'model.json': 'old model', 'item_embeddings.parquet': 'old items', 'user_embeddings.parquet': 'old users' };
  const NEW = { 'model.json': 'new model', 'item_embeddings.parquet': 'new items', 'user_embeddings.parquet': 'new users' };
  const b64 = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).sort().map(([f, s]) => [f, Buffer.from(s).toString('base64')]));

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-swap-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('replaces the target by the staged folder and leaves nothing else behind', () => {
    writeFolder(path.join(root, 'recommender'), OLD);
    writeFolder(path.join(root, '.staged'), NEW);
    swapFolder(path.join(root, '.staged'), path.join(root, 'recommender'));
    expect(snapshot(path.join(root, 'recommender'))).to.deep.equal(b64(NEW));
    expect(fs.readdirSync(root)).to.deep.equal(['recommender']);
  });

  it('moves the staged folder in when there is no target yet, and clears a stale parked folder first', () => {
    writeFolder(path.join(root, '.recommender.previous'), { 'model.json': 'stale' });
    writeFolder(path.join(root, 'recommender'), OLD);
    writeFolder(path.join(root, '.staged'), NEW);
    swapFolder(path.join(root, '.staged'), path.join(root, 'recommender'));
    expect(snapshot(path.join(root, 'recommender'))).to.deep.equal(b64(NEW));
    expect(fs.readdirSync(root)).to.deep.equal(['recommender']);

    writeFolder(path.join(root, '.first'), OLD);
    swapFolder(path.join(root, '.first'), path.join(root, 'fresh'));
    expect(snapshot(path.join(root, 'fresh'))).to.deep.equal(b64(OLD));
  });

  it('puts the old folder back when the staged one cannot be moved in, and says why', () => {
    writeFolder(path.join(root, 'recommender'), OLD);
    expect(() => swapFolder(path.join(root, '.missing'), path.join(root, 'recommender'))).to.throw(/ENOENT/);
    expect(snapshot(path.join(root, 'recommender'))).to.deep.equal(b64(OLD));
    expect(fs.readdirSync(root)).to.deep.equal(['recommender']);
  });

  it('recovers a swap interrupted between its two renames, and leaves a complete folder alone', () => {
    writeFolder(path.join(root, '.recommender.previous'), OLD);
    recoverInterruptedSwap(path.join(root, 'recommender'));
    expect(snapshot(path.join(root, 'recommender'))).to.deep.equal(b64(OLD));
    expect(fs.readdirSync(root)).to.deep.equal(['recommender']);

    // Both present: the target is the committed one; the parked copy is not brought back.
    writeFolder(path.join(root, '.recommender.previous'), NEW);
    recoverInterruptedSwap(path.join(root, 'recommender'));
    expect(snapshot(path.join(root, 'recommender'))).to.deep.equal(b64(OLD));
    // Nothing at all: nothing to do.
    expect(() => recoverInterruptedSwap(path.join(root, 'absent'))).to.not.throw();
    expect(fs.existsSync(path.join(root, 'absent'))).to.equal(false);
  });

  // The swap's file operations: rm parked, rename target aside, rename staged in, rm parked.
  for (const spec of ['before:0', 'before:1', 'before:2', 'before:3', 'after:3']) {
    it(`leaves the old model or the new one, never a mix or nothing, when killed ${spec.replace(':', ' operation ')}`, function () {
      this.timeout(60_000);
      const target = path.join(root, 'recommender');
      writeFolder(target, OLD);
      writeFolder(path.join(root, '.staged'), NEW);
      const r = runChild('swap-child.ts', [path.join(root, '.staged'), target, spec]);
      expect(r.signal, r.stderr).to.equal('SIGKILL');
      recoverInterruptedSwap(target);
      const after = snapshot(target);
      // Until the staged folder is renamed in (operation 2), the old model stands; after it, the new.
      expect(after).to.deep.equal(spec.endsWith(':3') ? b64(NEW) : b64(OLD));
      // A later swap still works from whatever the crash left.
      writeFolder(path.join(root, '.again'), NEW);
      swapFolder(path.join(root, '.again'), target);
      expect(snapshot(target)).to.deep.equal(b64(NEW));
      expect(fs.readdirSync(root).filter((f) => f !== '.staged')).to.deep.equal(['recommender']);
    });
  }
});

describe('model writes: the emr-spark executor killed mid-write', function () {
  this.timeout(180_000);
  let home: string;
  let lake: string;
  const modelDir = () => path.join(lake, 'model', 'recommender');

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-model-swap-'));
    lake = path.join(home, 'lake');
    const s = syntheticRatings({ customers: 120, products: 40, ratings: 3000, days: 20, seed: 5 });
    await writeSyntheticLake(lake, s.data);
  });
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  const train = (seed: number) =>
    createEmrSparkExecutor({ lakeRoot: lake }).execute({ graph, asset: smallModel(seed), runId: 'r', partitions: null, inputs: [], log: () => undefined, signal: new AbortController().signal });

  // Operation 0 is model.json written; 1-4 are the swap (see above).
  for (const spec of ['after:0', 'after:2', 'after:3']) {
    it(`keeps every file of the previous model, or has every file of the new one, when killed ${spec.replace(':', ' operation ')}`, async () => {
      fs.rmSync(path.join(lake, 'model'), { recursive: true, force: true });
      await train(1);
      const previous = snapshot(modelDir());
      expect(Object.keys(previous)).to.deep.equal(Object.values(MODEL_FILES).sort());

      // Another seed: every file of the new model differs from the previous one.
      const r = runChild('train-child.ts', [lake, '2', spec]);
      expect(r.status, r.stderr).to.not.equal(1);
      recoverInterruptedSwap(modelDir());
      const now = snapshot(modelDir());
      expect(Object.keys(now), 'a complete model folder').to.deep.equal(Object.keys(previous));
      const unchanged = Object.keys(now).filter((f) => now[f] === previous[f]);
      expect([0, Object.keys(previous).length], `old files beside new ones: ${unchanged.join(', ')}`).to.include(unchanged.length);
      expect(modelProblem(JSON.parse(fs.readFileSync(path.join(modelDir(), MODEL_FILES.model), 'utf8')))).to.equal(undefined);

      // The next run recovers from whatever the crash left and commits its model.
      await train(3);
      expect(Object.keys(snapshot(modelDir()))).to.deep.equal(Object.values(MODEL_FILES).sort());
    });
  }
});
