/**
 * The music example's data for the embedded environment, exported by the graph module as
 * `demoData`: `assets --graph examples/music/graph.ts source seed` and `npm run demo -- --graph
 * examples/music/graph.ts` fill the source tables with it, and the demo's streaming half puts its
 * listening events on the stream.
 */
import type { DemoData, SourceDataset, StreamEvents } from '../../assets/core';
import { csvField } from './data/csv-files';
import { listeningEventGenerator } from './data/events';
import { generateMusicData, MUSIC_DEFAULTS, resolveMusicOptions } from './data/generate';
import { MUSIC_SOURCE_TABLES } from './data/schema';

export const musicSource: SourceDataset = {
  description: 'listeners, a track catalogue, plays and likes of a music streaming service',
  tables: MUSIC_SOURCE_TABLES,
  sizes: [
    { name: 'listeners', description: `listeners (default ${MUSIC_DEFAULTS.listeners.toLocaleString('en-US')})` },
    { name: 'tracks', description: `tracks (default ${MUSIC_DEFAULTS.tracks.toLocaleString('en-US')})` },
    { name: 'interactions', description: `listener-track pairs discovered, each one to four plays (default ${MUSIC_DEFAULTS.interactions.toLocaleString('en-US')})` },
  ],
  resolveSizes(given) {
    const { listeners, tracks, interactions } = resolveMusicOptions({ listeners: given.listeners, tracks: given.tracks, interactions: given.interactions });
    return { listeners, tracks, interactions };
  },
  async generate(o, sink) {
    const { listeners, tracks, interactions } = o.sizes;
    for (const chunk of generateMusicData({ listeners, tracks, interactions, days: o.days, seed: o.seed, untilMs: o.untilMs })) {
      await sink(chunk.table, chunk.rows.map((r) => r.map(csvField).join(',') + '\n').join(''), chunk.rows.length);
    }
  },
};

const tracksOf = (x: unknown): string[] => (Array.isArray(x) ? x.map((t) => String((t as { track_id?: unknown; id?: unknown }).track_id ?? (t as { id?: unknown }).id ?? t)) : []);

export const listeningEventStream: StreamEvents = {
  generator: (ids, options) => listeningEventGenerator(ids, options),
  // The apps partition by listener: one listener's events stay in order.
  partitionKey: (e) => ('listener_id' in e ? String((e as { listener_id: unknown }).listener_id) : undefined),
  eventTime: (r) => (typeof r.event_time === 'string' ? r.event_time : undefined),
  describe: (r) =>
    `listener ${String(r.listener_id)} played ${tracksOf(r.recent_tracks).join(', ')} -> next ${tracksOf(r.recommended_items).slice(0, 5).join(', ')}; like it ${tracksOf(r.similar_items).slice(0, 5).join(', ')}${r.fallback ? ' (fallback)' : ''}`,
  apiExample: (r) => (typeof r.listener_id === 'string' ? `/recommendations?listener_id=${r.listener_id}&k=5` : undefined),
};

export const musicDemoData: DemoData = { source: musicSource, stream: listeningEventStream };
