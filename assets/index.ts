/**
 * The reference graph: the product recommender of the seed documents. Its default export is the
 * graph every layer reads: Pulumi provisions it, the CLI runs it, the embedded runtime executes it.
 */
import { defineGraph } from './core';
import { REFERENCE_KINDS } from './kinds';
import * as batch from './reference/batch';
import * as serving from './reference/serving';
import * as sources from './reference/sources';
import { referenceDemoData } from './reference/source-data';

export const referenceAssets = [
  sources.customers,
  sources.products,
  sources.ratings,
  sources.orders,
  sources.orderLines,
  sources.userEvents,
  batch.rawCustomers,
  batch.rawProducts,
  batch.rawRatings,
  batch.trainingSet,
  batch.recommender,
  batch.itemEmbeddings,
  batch.userEmbeddings,
  batch.popularProducts,
  batch.salesHourly,
  serving.recommenderApi,
  serving.recommendations,
];

export default defineGraph(referenceAssets, { kinds: REFERENCE_KINDS });

/** Its example data: the source tables `assets source seed` and the demo fill, the stream events the demo puts. */
export const demoData = referenceDemoData;
