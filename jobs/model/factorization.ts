/**
 * The learning core: a two-tower factorization machine over features, trained on liked ratings
 * with a ranking objective: a sampled softmax over the catalog (default; it is the likelihood of
 * "which product does this customer pick", and ranks the head best) or BPR (pairwise).
 *
 *   score(user, item) = userEmbedding . itemEmbedding + itemBias
 *   userEmbedding = sum of the user's feature factors (weights: 1 for a category, the scaled value for a number)
 *   itemEmbedding = the same over item features;  itemBias = sum of item feature biases
 *
 * This is an FM whose user-item interaction terms are kept; user-user terms and user biases are
 * dropped because they shift every item of a user equally and so never change a ranking, and
 * item-item terms are dropped so that the score stays an inner product (see artifact.ts).
 *
 * Why it is fast: the loss only touches entity embeddings, so a mini-batch of whole users
 * accumulates gradients per entity, pushes them to the few feature slots of each touched entity
 * once, takes one Adam step, and recomputes only the item embeddings the next batch uses.
 * Cost per epoch ~ (liked ratings + users x negatives) x K, not ratings x features x K.
 */
import type { EncodedEntities } from './features';
import { shuffleInPlace } from '../seeded-random';

export interface FactorizationOptions {
  readonly factors: number;
  readonly epochs: number;
  /** Adam step size. */
  readonly learningRate: number;
  /** L2 pull towards zero of every factor and bias, per step (rare features stay small). */
  readonly regularization: number;
  /** Positive pairs per Adam step: a trade-off between steps per epoch and per-step overhead. */
  readonly batchSize: number;
  /** `softmax` (sampled, ranks the head of the catalog better) or `bpr` (pairwise). */
  readonly objective: 'softmax' | 'bpr';
  /** Items drawn per user for the sampled softmax. */
  readonly negatives: number;
  readonly random: () => number;
  /** Slots that start at zero (the "unknown value" slots). */
  readonly zeroUserSlots?: readonly number[];
  readonly zeroItemSlots?: readonly number[];
  /** Starting item slot biases (e.g. log popularity), so the optimizer refines them instead of climbing to them. */
  readonly initialItemBias?: Float32Array;
  /**
   * Slots from which on rows are ids (the hybrid's one row per known entity), regularized by
   * `idRegularization` once per step instead of per use (see `AdamBlock.step`): an id row sees one
   * entity's history only and would otherwise learn it by heart.
   */
  readonly userIdSlotsFrom?: number;
  readonly itemIdSlotsFrom?: number;
  readonly idRegularization?: number;
}

/** Learned parameters: factor rows per slot (row-major, `factors` wide) and a bias per item slot. */
export interface FactorParameters {
  readonly factors: number;
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  readonly itemBias: Float32Array;
  /** Mean BPR loss of each epoch (log(1 + e^-margin)), for progress and tests. */
  readonly epochLoss: readonly number[];
}

/**
 * Adam state of one parameter block of `rows` rows `width` wide. L2 is applied per occurrence
 * (as SGD on a factorization machine does): a slot used by many ratings is pulled to zero as
 * often as it is pushed by them, so rare and frequent features are regularized alike.
 */
class AdamBlock {
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly grad: Float32Array;
  /** Occurrences of each row in the current batch. */
  readonly uses: Float32Array;
  constructor(
    readonly value: Float32Array,
    private readonly width: number,
    /** Rows from `idFrom` on are pulled with `idReg` instead of the step's `reg`. */
    private readonly idFrom = Infinity,
    private readonly idReg = 0,
  ) {
    this.m = new Float32Array(value.length);
    this.v = new Float32Array(value.length);
    this.grad = new Float32Array(value.length);
    this.uses = new Float32Array(value.length / width);
  }

  /** Gradient ascent on `(grad - reg * uses * value) / scale`, then clears `grad` and `uses`. */
  step(lr: number, reg: number, scale: number, t: number): void {
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 / (1 - b1 ** t);
    const c2 = 1 / (1 - b2 ** t);
    const { value, m, v, grad, uses, width } = this;
    for (let row = 0; row < uses.length; row++) {
      // Id rows not in this batch are left as they are (lazy Adam, as for sparse embeddings): a
      // batch touches a few of thousands of ids, and moving all of them on stale momentum costs
      // time and drifts rows their history does not support.
      if (row >= this.idFrom && uses[row] === 0) continue;
      // A feature row is pulled per use (shared rows regularized alike, rare or frequent); an id
      // row once per step it takes part in, so an id with little history stays near zero (its
      // entity is then served by its features) and one with much history earns its own row.
      const decay = row >= this.idFrom ? (uses[row] > 0 ? this.idReg : 0) : reg * uses[row];
      for (let i = row * width; i < (row + 1) * width; i++) {
        const g = (grad[i] - decay * value[i]) / scale;
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        value[i] += (lr * m[i] * c1) / (Math.sqrt(v[i] * c2) + 1e-8);
        grad[i] = 0;
      }
      uses[row] = 0;
    }
  }
}

/** Small random factors (seeded); unknown-value slots at zero so an unseen value adds nothing until learned. */
function initFactors(slots: number, k: number, random: () => number, zero: readonly number[] = []): Float32Array {
  const w = new Float32Array(slots * k);
  const scale = 0.1 / Math.sqrt(k);
  for (let i = 0; i < w.length; i++) w[i] = (random() * 2 - 1) * scale;
  for (const s of zero) w.fill(0, s * k, (s + 1) * k);
  return w;
}

/** Writes entity `e`'s embedding (sum of weighted slot rows) into `out` at offset `o`. */
function embedInto(enc: EncodedEntities, w: Float32Array, k: number, e: number, out: Float32Array, o: number): void {
  out.fill(0, o, o + k);
  for (let p = enc.offsets[e]; p < enc.offsets[e + 1]; p++) {
    const s = enc.slots[p] * k;
    const x = enc.weights[p];
    for (let f = 0; f < k; f++) out[o + f] += x * w[s + f];
  }
}

/**
 * Trains on liked (user, item) pairs, grouped by user. Each pair is contrasted with one product
 * drawn uniformly, so popular products earn their bias and feature factors carry the preferences.
 * A batch takes whole users (shuffled each epoch), so a user's embedding is built and
 * back-propagated once per batch, not once per rating; gradients are summed over the batch
 * before the step, so order inside a batch does not matter.
 */
export function trainFactorization(
  users: EncodedEntities,
  items: EncodedEntities,
  userSlots: number,
  itemSlots: number,
  liked: { readonly offsets: Int32Array; readonly items: Int32Array },
  o: FactorizationOptions,
): FactorParameters {
  const k = o.factors;
  const nItems = items.count;
  const idReg = o.idRegularization ?? o.regularization;
  const uW = new AdamBlock(initFactors(userSlots, k, o.random, o.zeroUserSlots), k, o.userIdSlotsFrom, idReg);
  const iW = new AdamBlock(initFactors(itemSlots, k, o.random, o.zeroItemSlots), k, o.itemIdSlotsFrom, idReg);
  const iB = new AdamBlock(o.initialItemBias ? Float32Array.from(o.initialItemBias) : new Float32Array(itemSlots), 1);
  const epochLoss: number[] = [];
  const pairs = liked.items.length;
  if (pairs === 0 || nItems < 2) return { factors: k, userFactors: uW.value, itemFactors: iW.value, itemBias: iB.value, epochLoss };

  const eu = new Float32Array(k);
  const gu = new Float32Array(k);
  // Item embeddings, recomputed lazily: `freshI[i] === step` means up to date for this step.
  const ei = new Float32Array(nItems * k);
  const bi = new Float32Array(nItems);
  const freshI = new Int32Array(nItems).fill(-1);
  // Per-item gradients of the current batch, and which items they belong to.
  const gi = new Float32Array(nItems * k);
  const gb = new Float32Array(nItems);
  const usedI = new Int32Array(nItems).fill(-1);
  const touchedI = new Int32Array(nItems);
  const seenI = new Int32Array(nItems);
  let ni = 0;
  let step = 0;

  const withItem = (i: number): void => {
    if (freshI[i] !== step) {
      freshI[i] = step;
      embedInto(items, iW.value, k, i, ei, i * k);
      let b = 0;
      for (let p = items.offsets[i]; p < items.offsets[i + 1]; p++) b += items.weights[p] * iB.value[items.slots[p]];
      bi[i] = b;
    }
    if (usedI[i] !== step) {
      usedI[i] = step;
      touchedI[ni++] = i;
      gi.fill(0, i * k, i * k + k);
      gb[i] = 0;
      seenI[i] = 0;
    }
    seenI[i]++;
  };

  /** BPR: each liked item against one uniformly drawn item. Returns the summed loss. */
  const bprUser = (u: number): number => {
    let loss = 0;
    for (let q = liked.offsets[u]; q < liked.offsets[u + 1]; q++) {
      const i = liked.items[q];
      let j = Math.floor(o.random() * (nItems - 1));
      if (j >= i) j++;
      withItem(i);
      withItem(j);
      const oi = i * k;
      const oj = j * k;
      let margin = bi[i] - bi[j];
      for (let f = 0; f < k; f++) margin += eu[f] * (ei[oi + f] - ei[oj + f]);
      // d/dmargin log(sigmoid(margin)) = sigmoid(-margin), computed without overflow.
      const e = Math.exp(-Math.abs(margin));
      const g = margin > 0 ? e / (1 + e) : 1 / (1 + e);
      loss += margin > 0 ? Math.log1p(e) : Math.log1p(e) - margin;
      for (let f = 0; f < k; f++) {
        const uf = g * eu[f];
        gu[f] += g * (ei[oi + f] - ei[oj + f]);
        gi[oi + f] += uf;
        gi[oj + f] -= uf;
      }
      gb[i] += g;
      gb[j] -= g;
    }
    return loss;
  };

  // Sampled softmax: the user's liked items against `negatives` items drawn uniformly, shared by
  // all of that user's liked items. The sum over all items is estimated as (items / negatives)
  // times the sum over the sample, so this approximates the full softmax over the catalog.
  const negatives = Math.min(nItems, Math.max(1, Math.floor(o.negatives)));
  const negItems = new Int32Array(negatives);
  const negScore = new Float64Array(negatives);
  const negWeight = new Float64Array(negatives);
  const expand = nItems / negatives;
  const score = (i: number): number => {
    const oi = i * k;
    let s = bi[i];
    for (let f = 0; f < k; f++) s += eu[f] * ei[oi + f];
    return s;
  };
  const softmaxUser = (u: number): number => {
    let max = -Infinity;
    for (let t = 0; t < negatives; t++) {
      const j = Math.floor(o.random() * nItems);
      withItem(j);
      negItems[t] = j;
      negScore[t] = score(j);
      if (negScore[t] > max) max = negScore[t];
    }
    let z = 0;
    for (let t = 0; t < negatives; t++) z += (negScore[t] = Math.exp(negScore[t] - max));
    z *= expand;
    negWeight.fill(0);
    let loss = 0;
    for (let q = liked.offsets[u]; q < liked.offsets[u + 1]; q++) {
      const i = liked.items[q];
      withItem(i);
      const si = score(i) - max;
      // Scores are capped so exp() cannot overflow when a liked item far outscores the sample.
      const ei_ = Math.exp(Math.min(si, 60));
      const denom = ei_ + z;
      const g = z / denom; // 1 - p(i)
      loss += Math.log(denom) - Math.min(si, 60);
      const oi = i * k;
      for (let f = 0; f < k; f++) {
        gu[f] += g * ei[oi + f];
        gi[oi + f] += g * eu[f];
      }
      gb[i] += g;
      const share = expand / denom;
      for (let t = 0; t < negatives; t++) negWeight[t] += share * negScore[t];
    }
    for (let t = 0; t < negatives; t++) {
      const j = negItems[t];
      const w = negWeight[t];
      const oj = j * k;
      for (let f = 0; f < k; f++) {
        gu[f] -= w * ei[oj + f];
        gi[oj + f] -= w * eu[f];
      }
      gb[j] -= w;
    }
    return loss;
  };

  const activeUsers = Int32Array.from({ length: users.count }, (_, u) => u).filter((u) => liked.offsets[u + 1] > liked.offsets[u]);
  const batch = Math.max(1, Math.floor(o.batchSize));
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffleInPlace(activeUsers, o.random);
    let loss = 0;
    let next = 0;
    while (next < activeUsers.length) {
      let n = 0;
      ni = 0;
      while (next < activeUsers.length && n < batch) {
        const u = activeUsers[next++];
        embedInto(users, uW.value, k, u, eu, 0);
        gu.fill(0);
        loss += o.objective === 'bpr' ? bprUser(u) : softmaxUser(u);
        const count = liked.offsets[u + 1] - liked.offsets[u];
        n += count;
        // Chain rule to the feature slots: d score / d slot row = slot weight x d score / d embedding.
        scatter(users, gu, u, 0, k, uW.grad, uW.uses, count);
      }
      for (let t = 0; t < ni; t++) {
        const x = touchedI[t];
        scatter(items, gi, x, x * k, k, iW.grad, iW.uses, seenI[x]);
        for (let p = items.offsets[x]; p < items.offsets[x + 1]; p++) {
          iB.grad[items.slots[p]] += items.weights[p] * gb[x];
          iB.uses[items.slots[p]] += seenI[x];
        }
      }
      step++;
      uW.step(o.learningRate, o.regularization, n, step);
      iW.step(o.learningRate, o.regularization, n, step);
      iB.step(o.learningRate, o.regularization, n, step);
    }
    epochLoss.push(loss / pairs);
  }
  return { factors: k, userFactors: uW.value, itemFactors: iW.value, itemBias: iB.value, epochLoss };
}

/** Adds entity `e`'s gradient (`g` at `at`) to the rows of its slots, times each slot's weight; counts `times` uses. */
function scatter(enc: EncodedEntities, g: Float32Array, e: number, at: number, k: number, out: Float32Array, uses: Float32Array, times: number): void {
  for (let p = enc.offsets[e]; p < enc.offsets[e + 1]; p++) {
    uses[enc.slots[p]] += times;
    const s = enc.slots[p] * k;
    const x = enc.weights[p];
    for (let f = 0; f < k; f++) out[s + f] += x * g[at + f];
  }
}
