/**
 * jobs/spark/train_recommender.py encodes features exactly as jobs/model/features.ts does: the same
 * vocabularies (product code included), scalers and slots, checked by running the script's pure
 * part with python3 (pyspark and boto3 stubbed: they exist only on EMR) on the same entities.
 */
import { expect } from 'chai';
import type { FeatureValues } from '../../jobs/model/artifact';
import { ITEM_FEATURES, USER_FEATURES, encodeEntities, fitVocabulary, type FeatureSchema } from '../../jobs/model/features';
import { runTrainerPython } from '../model/train-recommender-python';

const PROGRAM = `
out = {}
for case, spec in job.items():
    rows = spec["rows"]
    cat, num = (t.USER_CATEGORICAL, t.USER_NUMERIC) if spec["side"] == "user" else (t.ITEM_CATEGORICAL, t.ITEM_NUMERIC)
    s = t.Side(rows, cat, num, spec["minCount"])
    out[case] = {"categorical": s.categorical, "numeric": s.numeric, "size": s.size, "slots": [s.slots(r) for r in rows]}
print(json.dumps(out))
`;

const users: FeatureValues[] = [
  { city: 'Nantes', country: 'France', creditLimit: 21000 },
  { city: 'Las Vegas', country: 'USA', creditLimit: '71800.00' },
  { city: 'Nantes', country: 'France', creditLimit: null },
  { city: null, country: 'Norway', creditLimit: 0 },
];
const items: FeatureValues[] = [
  { productCode: 'S10_1678', productLine: 'Motorcycles', productScale: '1:10', productVendor: 'Min Lin Diecast', buyPrice: 48.81, MSRP: 95.7, quantityInStock: 7933 },
  { productCode: 'S10_1949', productLine: 'Classic Cars', productScale: '1:10', productVendor: 'Classic Metal Creations', buyPrice: '98.58', MSRP: 214.3, quantityInStock: 7305 },
  { productCode: 'S10_2016', productLine: 'Motorcycles', productScale: '1:12', productVendor: null, buyPrice: 68.99, MSRP: 118.94, quantityInStock: null },
];

/** The JS encoding as (slot, weight) pairs per entity. */
function jsSlots(schema: FeatureSchema, rows: FeatureValues[], minCount: number) {
  const vocab = fitVocabulary(schema, rows, minCount);
  const enc = encodeEntities(vocab, rows);
  const slots = rows.map((_, e) => Array.from({ length: enc.offsets[e + 1] - enc.offsets[e] }, (_, j) => [enc.slots[enc.offsets[e] + j], enc.weights[enc.offsets[e] + j]]));
  return { vocab, slots };
}

describe('Spark trainer features = jobs/model/features.ts', () => {
  it('same vocabularies, scalers and slots for users and items (product code included, rare values folded)', () => {
    const cases = {
      user: { side: 'user', rows: users, minCount: 1 },
      item: { side: 'item', rows: items, minCount: 1 },
      itemRare: { side: 'item', rows: items, minCount: 2 },
    };
    const py = runTrainerPython<
      Record<keyof typeof cases, { categorical: Record<string, string[]>; numeric: { name: string; mean: number; std: number }[]; size: number; slots: [number, number][][] }>
    >(PROGRAM, cases);
    for (const [side, schema, rows, minCount] of [['user', USER_FEATURES, users, 1], ['item', ITEM_FEATURES, items, 1], ['itemRare', ITEM_FEATURES, items, 2]] as const) {
      const js = jsSlots(schema, rows as FeatureValues[], minCount);
      expect(py[side].categorical, `${side} vocabularies`).to.deep.equal(js.vocab.categorical);
      expect(Object.keys(py[side].categorical), `${side} feature order`).to.deep.equal(schema.categorical);
      expect(py[side].size, `${side} slot count`).to.equal(js.vocab.slotCount);
      py[side].numeric.forEach((f, i) => {
        expect(f.name).to.equal(js.vocab.numeric[i].name);
        expect(f.mean).to.be.closeTo(js.vocab.numeric[i].mean, 1e-9);
        expect(f.std).to.be.closeTo(js.vocab.numeric[i].std, 1e-6);
      });
      py[side].slots.forEach((pairs, e) => {
        expect(pairs.map((p) => p[0]), `${side} ${e} slots`).to.deep.equal(js.slots[e].map((p) => p[0]));
        pairs.forEach((p, j) => expect(p[1]).to.be.closeTo(js.slots[e][j][1], 1e-5));
      });
    }
    expect(py.item.categorical.productCode).to.deep.equal(['S10_1678', 'S10_1949', 'S10_2016']);
    expect(py.itemRare.categorical.productCode, 'codes seen once fold into unknown at minCount 2').to.deep.equal([]);
  });
});
