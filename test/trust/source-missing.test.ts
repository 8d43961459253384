/**
 * A dropped source table is missing, not "new data" (issue 8, "Why": status called a dropped
 * source table new data). Its observation says it was not found, status shows the source as
 * missing with what the observation saw, and what was built from it is stale because its
 * source is missing.
 */
import { expect } from 'chai';
import { runCli } from '../cli/run-cli';
import { testHome, type TestHome } from '../contracts/fixture';
import { saveEnv } from '../setup/environment';

interface StatusJson {
  assets: { key: string; state: string; causes: string[] }[];
}

describe('a dropped source table', function () {
  this.timeout(120_000);
  let restoreEnv: () => void = () => undefined;
  let home: TestHome;
  before(async () => {
    restoreEnv = saveEnv(['NO_COLOR']);
    process.env.NO_COLOR = '1';
    home = await testHome();
  });
  after(async () => {
    await home?.close();
    restoreEnv();
  });

  it('shows as missing in status, and its downstream as stale because of it (not "new data")', async () => {
    const first = await runCli(['materialize', 'raw/products']);
    expect(first.code, first.err).to.equal(0);
    expect((await runCli(['source', 'query', 'DROP TABLE products CASCADE', '--yes'])).code).to.equal(0);
    const again = await runCli(['materialize', 'raw/products']);
    expect(again.code, 'the extract refuses a missing table').to.equal(1);
    expect(again.err).to.contain('the table does not exist');

    const json = await runCli(['status', '--json']);
    expect(json.code, json.err).to.equal(0);
    const byKey = new Map((JSON.parse(json.out) as StatusJson).assets.map((a) => [a.key, a]));
    const source = byKey.get('source/products')!;
    expect(source.state).to.equal('missing');
    expect(source.causes.join(' ')).to.contain('not found in the source').and.to.contain('the table does not exist');
    const raw = byKey.get('raw/products')!;
    expect(raw.state).to.equal('stale');
    expect(raw.causes).to.deep.equal(['source/products is missing (not found in the source when last observed)']);

    const text = await runCli(['status']);
    expect(text.out).to.match(/source\/products: not found in the source when observed .*the table does not exist/);
    expect(text.out).not.to.contain('new data in source/products');
  });
});
