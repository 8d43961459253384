/** The serving half of the music example: the recommendation API and the stream that scores what people play. */
import { defineAsset } from '../../assets/core';
import { lambdaApi, streamDelivery } from '../../assets/kinds';
import { latestTopTracks, listenerEmbeddings, recommender, trackEmbeddings } from './batch';
import { scoredEventsContract } from './contracts';
import { listeningEvents } from './sources';

const ML = ['team:personalisation'];

export const musicApi = defineAsset({
  key: 'serving/music_api',
  deps: [trackEmbeddings, listenerEmbeddings, recommender, latestTopTracks],
  compute: lambdaApi({ handler: 'jobs/serving/recommender-api/handler.ts', budgetMs: 150 }),
  storage: { kind: 'none' },
  code: ['jobs/serving/recommender-api/handler.ts'],
  owners: ML,
  group: 'serving',
  tags: { slo: 'p99<500ms', fallback: 'analytics/top_tracks' },
  description: 'Tracks for a listener (known, or new from age band, country and plan) and tracks like a track; the week\'s top tracks when anything fails.',
});

export const scoredEvents = defineAsset({
  key: 'serving/listening_recommendations',
  deps: [listeningEvents, trackEmbeddings, listenerEmbeddings, recommender, latestTopTracks],
  compute: streamDelivery({ transform: 'jobs/serving/stream-transform/handler.ts', bufferIntervalSeconds: 60, bufferSizeMb: 5 }),
  storage: { kind: 'lake', zone: 'serving', format: 'json', layout: 'year=/month=/day=/hour=' },
  contract: scoredEventsContract,
  code: ['jobs/serving/stream-transform/handler.ts'],
  owners: ML,
  group: 'serving',
  tags: { latency: 'realtime' },
  description: 'Next tracks for every listening event: Kinesis -> Firehose (transform Lambda) -> the lake.',
});
