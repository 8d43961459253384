/** Source assets of the music service: owned by its backend team, observed and contract-checked, never materialized. */
import { defineAsset, type Contract } from '../../assets/core';
import { kinesisStream, rdsTable } from '../../assets/kinds';
import { likesContract, listenersContract, listeningEventsContract, playsContract, tracksContract } from './contracts';

const BACKEND = ['team:streaming-backend'];

const table = (name: string, contract: Contract, description: string) =>
  defineAsset({
    key: `source/${name}`,
    source: true,
    compute: rdsTable({ table: name }),
    storage: { kind: 'rds' },
    contract,
    owners: BACKEND,
    group: 'sources',
    tags: { domain: 'music', ...(contract.columns.some((c) => c.pii || c.subject) ? { pii: 'true' } : {}) },
    description,
  });

export const listeners = table('listeners', listenersContract, 'Listener accounts: age band, country and subscription plan.');
export const tracks = table('tracks', tracksContract, 'The track catalogue: artist, genres, duration, release year.');
export const plays = table('plays', playsContract, 'Every play: who played which track when, and for how long.');
export const likes = table('likes', likesContract, 'Tracks listeners saved to their library.');

export const listeningEvents = defineAsset({
  key: 'stream/listening_events',
  source: true,
  compute: kinesisStream({ mode: 'on-demand', retentionHours: 24 }),
  storage: { kind: 'kinesis' },
  contract: listeningEventsContract,
  owners: BACKEND,
  group: 'sources',
  tags: { domain: 'music', latency: 'realtime', pii: 'true' },
  description: 'What listeners play right now, from the apps: the listener with their last few tracks.',
});
