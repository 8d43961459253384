/**
 * jobs/spark/train_recommender.py encodes features exactly as jobs/model/features.ts does, from the
 * same declaration: the same vocabularies, scalers and slots for categorical, numeric and
 * multi-valued features (lists and separated strings), checked by running the script's pure part
 * with python3 (pyspark stubbed: it exists only on Spark) on the same entities.
 */
import { expect } from 'chai';
import { recommenderModel } from '../../assets/kinds';
import type { FeatureValues } from '../../jobs/model/artifact';
import { encodeEntities, entitySchema, fitVocabulary } from '../../jobs/model/features';
import { runTrainerPython } from '../model/train-recommender-python';

const MODEL = recommenderModel({
  interactions: { asset: 'training/plays', user: 'listener', item: 'track', rating: 'plays', time: 'day' },
  users: {
    id: 'listener',
    field: 'listener_id',
    features: [
      { column: 'city', type: 'categorical' },
      { column: 'country', type: 'categorical' },
      { column: 'creditLimit', type: 'numeric', field: 'credit_limit' },
    ],
  },
  items: {
    id: 'track',
    field: 'track_id',
    features: [
      { column: 'genres', type: 'multi' },
      { column: 'moods', type: 'multi', separator: ';' },
      { column: 'label', type: 'categorical' },
      { column: 'price', type: 'numeric' },
    ],
  },
});

const PROGRAM = `
out = {}
for case, spec in job.items():
    s = t.Side(spec["rows"], spec["schema"], spec["minCount"])
    out[case] = {"fitted": s.fitted, "size": s.size, "slots": [s.slots(r) for r in spec["rows"]], "schema": t.entity_schema(spec["declaration"])}
print(json.dumps(out))
`;

const users: FeatureValues[] = [
  { city: 'Nantes', country: 'France', creditLimit: 21000 },
  { city: 'Las Vegas', country: 'USA', creditLimit: '71800.00' },
  { city: 'Nantes', country: 'France', creditLimit: null },
  { city: null, country: 'Norway', creditLimit: 0 },
];
const items: FeatureValues[] = [
  { genres: ['rock', 'pop'], moods: 'calm; happy', label: 'A', price: 1.5 },
  { genres: 'jazz|rock|rock', moods: 'calm', label: 'B', price: '0.99' },
  { genres: [], moods: null, label: null, price: null },
  { genres: ['blues', null, ' pop '], moods: ';;', label: 'A', price: 2 },
];

/** The JS encoding as (slot, weight) pairs per entity. */
function jsSlots(side: 'users' | 'items', rows: FeatureValues[], minCount: number) {
  const vocab = fitVocabulary(entitySchema(MODEL[side]), rows, minCount);
  const enc = encodeEntities(vocab, rows);
  const slots = rows.map((_, e) => Array.from({ length: enc.offsets[e + 1] - enc.offsets[e] }, (_, j) => [enc.slots[enc.offsets[e] + j], enc.weights[enc.offsets[e] + j]]));
  return { vocab, slots };
}

describe('Spark trainer features = jobs/model/features.ts', () => {
  it('same schema, vocabularies, scalers and slots for users and items (multi-valued features included, rare values folded)', () => {
    const cases = {
      user: { side: 'users', rows: users, minCount: 1 },
      item: { side: 'items', rows: items, minCount: 1 },
      itemRare: { side: 'items', rows: items, minCount: 2 },
    } as const;
    const input = Object.fromEntries(
      Object.entries(cases).map(([k, c]) => [k, { rows: c.rows, minCount: c.minCount, schema: entitySchema(MODEL[c.side]), declaration: JSON.parse(JSON.stringify(MODEL[c.side])) as unknown }]),
    );
    type Out = { fitted: { column: string; type: string; vocabulary?: string[]; mean?: number; std?: number }[]; size: number; slots: [number, number][][]; schema: unknown };
    const py = runTrainerPython<Record<keyof typeof cases, Out>>(PROGRAM, input);
    for (const [name, c] of Object.entries(cases) as [keyof typeof cases, (typeof cases)[keyof typeof cases]][]) {
      const js = jsSlots(c.side, c.rows as FeatureValues[], c.minCount);
      expect(py[name].schema, `${name} schema`).to.deep.equal(entitySchema(MODEL[c.side]));
      expect(py[name].size, `${name} slot count`).to.equal(js.vocab.slotCount);
      py[name].fitted.forEach((f, i) => {
        const j = js.vocab.features[i];
        expect(f.column).to.equal(j.column);
        expect(f.type).to.equal(j.type);
        if (j.type === 'numeric') {
          expect(f.mean).to.be.closeTo(j.mean, 1e-9);
          expect(f.std).to.be.closeTo(j.std, 1e-6);
        } else expect(f.vocabulary, `${name} ${j.column} vocabulary`).to.deep.equal(j.vocabulary);
      });
      py[name].slots.forEach((pairs, e) => {
        expect(pairs.map((p) => p[0]), `${name} ${e} slots`).to.deep.equal(js.slots[e].map((p) => p[0]));
        pairs.forEach((p, j) => expect(p[1]).to.be.closeTo(js.slots[e][j][1], 1e-6));
      });
    }
    expect(py.item.fitted[0].vocabulary).to.deep.equal(['blues', 'jazz', 'pop', 'rock']);
    expect(py.item.fitted[1].vocabulary).to.deep.equal(['calm', 'happy']);
    // Item 1: 'jazz|rock|rock' is two distinct genres, weight 1/2 each.
    expect(py.item.slots[1].slice(0, 2)).to.deep.equal([[1, 0.5], [3, 0.5]]);
    expect(py.itemRare.fitted[0].vocabulary, 'genres on one item only fold into unknown at minCount 2').to.deep.equal(['pop', 'rock']);
  });
});
