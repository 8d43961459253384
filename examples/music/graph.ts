/**
 * The music example: a streaming service recommending tracks. A fork of Headwater in miniature:
 * declarations, SQL, contracts and a data generator, and no change to generic code. Point any
 * command at it with `--graph examples/music/graph.ts` (README.md beside this file).
 */
import { defineGraph } from '../../assets/core';
import { REFERENCE_KINDS } from '../../assets/kinds';
import * as batch from './batch';
import * as serving from './serving';
import * as sources from './sources';
import { musicDemoData } from './demo-data';

export const musicAssets = [
  sources.listeners,
  sources.tracks,
  sources.plays,
  sources.likes,
  sources.listeningEvents,
  batch.rawListeners,
  batch.rawTracks,
  batch.rawPlays,
  batch.rawLikes,
  batch.interactions,
  batch.recommender,
  batch.trackEmbeddings,
  batch.listenerEmbeddings,
  batch.topTracks,
  batch.listeningHourly,
  serving.musicApi,
  serving.scoredEvents,
];

/** Its data for the embedded environment: `source seed` and the demo use it. */
export const demoData = musicDemoData;

export default defineGraph(musicAssets, { kinds: REFERENCE_KINDS });
