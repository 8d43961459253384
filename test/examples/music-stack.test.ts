/**
 * The music example's stack: the generic Pulumi program synthesizes it under mocks for the dev and
 * prod stacks with a component per asset named after the example's own keys, Glue jobs running
 * the example's SQL, IAM scoped to its prefixes, and no policy violation.
 */
import { synth } from '../infra/mock-runtime';
import { expect } from 'chai';
import { listeningModel } from '../../examples/music/batch';
import music from '../../examples/music/graph';
import { servingVariable, type ServingConfig } from '../../assets/kinds';
import { slug } from '../../infra/lake-layout';
import { policies } from '../../infra/policy/policies';
import { evaluatePolicies } from '../../infra/synth/evaluate';
import type { Synthesis } from '../../infra/synth/synthesize';

const named = (s: Synthesis, type: string, name: string) => {
  const r = s.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}; have ${s.resources.filter((x) => x.type === type).map((x) => x.name).join(', ')}`);
  return r;
};

for (const stack of ['dev', 'prod'] as const) {
  describe(`music example: its stack under mocks (${stack})`, function () {
    this.timeout(120_000);
    let s: Synthesis;
    before(async () => {
      s = await synth(stack, music);
    });

    it('has a component per asset, under the platform, named after the example\'s keys', () => {
      const children = s.root.children.map((c) => c.name);
      expect(children).to.include.members(music.keys.map(slug));
      expect(s.resources.some((r) => /ratings|customer|product/i.test(r.name)), 'a resource named after the reference graph').to.equal(false);
    });

    it('uploads the example\'s own SQL for its Glue jobs and catalogues its training table', () => {
      const sql = named(s, 'aws:s3/bucketObjectv2:BucketObjectv2', `${slug('training/listening_interactions')}-sql`);
      expect(String(sql.inputs.key)).to.match(/listening_interactions\.sql$/);
      const table = named(s, 'aws:glue/catalogTable:CatalogTable', 'lake-table-listening_interactions').inputs as { storageDescriptor: { columns: { name: string }[] } };
      expect(table.storageDescriptor.columns.map((c) => c.name)).to.include.members(['listener_id', 'track_id', 'rating', 'genres']);
    });

    it('scopes the training job to its deps\' prefixes (read) and its own (write)', () => {
      const policy = JSON.parse(String(named(s, 'aws:iam/rolePolicy:RolePolicy', `${slug('training/listening_interactions')}-policy`).inputs.policy)) as {
        Statement: { Sid: string; Resource: string[] }[];
      };
      const write = policy.Statement.find((t) => t.Sid === 'OutputWrite')!;
      expect(write.Resource).to.deep.equal(['arn:aws:s3:::lake-training/listening_interactions/*']);
    });

    it('configures the API and the stream Lambdas with the example\'s fields, model, indexes and fallback', () => {
      for (const key of ['serving/music_api', 'serving/listening_recommendations']) {
        const fn = s.resources.find((r) => r.type === 'aws:lambda/function:Function' && r.name.startsWith(slug(key)))!;
        const variables = (fn.inputs.environment as { variables: Record<string, string> }).variables;
        const config = JSON.parse(variables[servingVariable('config')]) as ServingConfig;
        expect(config.user.field).to.equal('listener_id');
        expect(config.user.features.map((f) => f.field)).to.deep.equal(['age_band', 'country', 'subscription']);
        expect(config.item.field).to.equal('track_id');
        expect(config.indexes).to.deep.equal({ user: 'listener_embeddings', item: 'track_embeddings' });
        expect(config.fallback?.asset).to.equal('analytics/top_tracks');
        expect(variables[servingVariable('model')]).to.equal('s3://lake-model/track_recommender/');
        expect(variables[servingVariable('fallback')]).to.equal('s3://lake-analytics/top_tracks/');
      }
    });

    it('hands the EMR job the model the example declares (the PySpark trainer reads the same declaration)', () => {
      const args = s.manifest.assets['model/track_recommender'] as unknown as { entryPointArguments: string[] };
      const at = args.entryPointArguments.indexOf('--model');
      expect(at, args.entryPointArguments.join(' ')).to.be.greaterThan(-1);
      expect(JSON.parse(args.entryPointArguments[at + 1])).to.deep.include({ interactions: listeningModel.interactions });
    });

    it('has the Glue job publish the fallback list the example declares', () => {
      const job = named(s, 'aws:glue/job:Job', `${slug('analytics/top_tracks')}-job`).inputs as { defaultArguments: Record<string, string> };
      expect(JSON.parse(job.defaultArguments['--fallback'])).to.include({ id: 'track_id', orderBy: 'score', top: 100 });
    });

    it('passes every policy of the pack', async () => {
      const violations = (await evaluatePolicies(policies, s.resources)).map((v) => `${v.policy}: ${v.message}`);
      expect(violations).to.deep.equal([]);
    });
  });
}
