/** The serving half: the recommendation API and the stream that scores every browsing event. */
import { defineAsset } from '../core';
import { lambdaApi, streamDelivery } from '../kinds';
import { itemEmbeddings, latestPopular, recommender, userEmbeddings } from './batch';
import { recommendationsContract } from './contracts';
import { userEvents } from './sources';

const ML = ['team:ml'];

export const recommenderApi = defineAsset({
  key: 'serving/recommender_api',
  deps: [itemEmbeddings, userEmbeddings, recommender, latestPopular],
  // `/lab`: the seed lab's clients run unchanged against `<api>/lab` (jobs/serving/README.md).
  compute: lambdaApi({ handler: 'jobs/serving/recommender-api/handler.ts', budgetMs: 200, lab: { basePath: '/lab', aliases: { creditlimit: 'credit_limit' } } }),
  storage: { kind: 'none' },
  code: ['jobs/serving/recommender-api/handler.ts'],
  owners: ML,
  group: 'serving',
  tags: { slo: 'p99<1s', fallback: 'analytics/popular_products' },
  description: '/recommendations, /items_from_user, /items_from_item, /user_embeddings; popular products when anything fails.',
});

export const recommendations = defineAsset({
  key: 'serving/recommendations',
  deps: [userEvents, itemEmbeddings, userEmbeddings, recommender, latestPopular],
  compute: streamDelivery({ transform: 'jobs/serving/stream-transform/handler.ts', bufferIntervalSeconds: 60, bufferSizeMb: 5 }),
  storage: { kind: 'lake', zone: 'serving', format: 'json', layout: 'year=/month=/day=/hour=' },
  contract: recommendationsContract,
  code: ['jobs/serving/stream-transform/handler.ts'],
  owners: ML,
  group: 'serving',
  tags: { latency: 'realtime' },
  description: 'Recommendations for every browsing event: Kinesis -> Firehose (transform Lambda) -> the lake.',
});
