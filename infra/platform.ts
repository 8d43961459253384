/**
 * The program: walks the asset graph in topological order and instantiates, for each asset, the
 * component of its compute kind, handing it the outputs of the assets upstream. Shared pieces
 * (lake, run log, alarms; network, source connection, Glue settings and search backend on first
 * use) live under one root component whose transformation tags every taggable resource.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { codeVersionOf, faceOf, type AssetDefinition, type AssetGraph, type AssetKey } from '../assets/core';
import type { KindName } from '../assets/kinds';
import { readRepoFile } from '../jobs/engine/repo-files';
import { MANIFEST_VERSION, METRICS_NAMESPACE, type StackManifest } from '../jobs/aws/manifest';
import type { PlatformConfig } from './config';
import { Alarms } from './components/alarms';
import { CostControls } from './components/cost-controls';
import { OperatorAccess } from './components/operator';
import type { AssetComponentArgs, AssetOutputs, PlatformContext } from './components/context';
import { EmrSparkJob } from './components/emr-spark';
import { GlueExtractJob, GlueSqlJob } from './components/glue-job';
import { GlueShared } from './components/glue-shared';
import { LambdaApi } from './components/lambda-api';
import { Lake } from './components/lake';
import { ManifestPublisher } from './components/manifest';
import { Erasure } from './components/erasure';
import { DeletionRegister } from './components/erasure-register';
import { Orchestration } from './components/orchestration';
import { Network } from './components/network';
import { RunLog } from './components/run-log';
import { SearchBackend } from './components/search-backend';
import { SourceDatabase } from './components/source-database';
import { KinesisStream, RdsTable } from './components/sources';
import { StreamDelivery } from './components/stream-delivery';
import { VectorIndex } from './components/vector-index';
import { slug } from './lake-layout';
import { SHARED_ASSET, TAG_ASSET, TAG_ENV, TAG_OWNER, tagTransformation } from './tags';

type AssetComponent = pulumi.ComponentResource & { readonly outputs: AssetOutputs };
type ComponentClass = new (name: string, args: AssetComponentArgs, opts?: pulumi.ComponentResourceOptions) => AssetComponent;

/** The Pulumi component of each kind of the list (assets/kinds/index.ts); a kind without one does not compile. */
export const KIND_COMPONENTS: { readonly [K in KindName]: ComponentClass } = {
  'rds-table': RdsTable,
  'kinesis-stream': KinesisStream,
  'glue-extract': GlueExtractJob,
  'glue-sql': GlueSqlJob,
  'emr-spark': EmrSparkJob,
  'vector-index': VectorIndex,
  'lambda-api': LambdaApi,
  'stream-delivery': StreamDelivery,
};

export interface Platform {
  readonly root: pulumi.ComponentResource;
  readonly lake: Lake;
  readonly runLog: RunLog;
  readonly alarms: Alarms;
  readonly orchestration: Orchestration;
  readonly erasure: Erasure;
  readonly components: ReadonlyMap<AssetKey, AssetComponent>;
  readonly manifest: pulumi.Output<StackManifest>;
  readonly manifestParameter: string;
  readonly operator: OperatorAccess;
}

/** The root of the stack's resource tree; its outputs are registered once the walk is over. */
class PlatformRoot extends pulumi.ComponentResource {
  constructor(name: string, opts: pulumi.ComponentResourceOptions) {
    super('headwater:platform:Platform', name, {}, opts);
  }

  done(outputs: pulumi.Inputs): void {
    this.registerOutputs(outputs);
  }
}

/** Builds every resource of the stack for `graph` under `cfg`. */
export function buildPlatform(graph: AssetGraph, cfg: PlatformConfig, options: { observe?: pulumi.ResourceTransformation } = {}): Platform {
  const unknown = graph.keys.map((k) => graph.get(k)).filter((a) => !faceOf(KIND_COMPONENTS, a.compute.kind));
  if (unknown.length) {
    throw new Error(
      `no Pulumi component for compute kind(s) ${[...new Set(unknown.map((a) => `'${a.compute.kind}'`))].join(', ')} (used by ${unknown.map((a) => a.key).join(', ')}); ` +
        `add the kind to assets/kinds/index.ts and its component to KIND_COMPONENTS in infra/platform.ts (known: ${Object.keys(KIND_COMPONENTS).join(', ')})`,
    );
  }
  const root = new PlatformRoot(`headwater-${cfg.stack}`, {
    // Provider default tags reach every AWS resource, the children of awsx components included.
    providers: [taggedProvider(cfg)],
    transformations: [
      tagTransformation({ [TAG_ASSET]: SHARED_ASSET, [TAG_ENV]: cfg.stack, [TAG_OWNER]: cfg.owner }),
      // Mock runs watch every resource (with its parent) to print the tree and run the policies.
      ...(options.observe ? [options.observe] : []),
    ],
  });
  const shared = { parent: root };
  const accountId = aws.getCallerIdentityOutput({}, shared).accountId;
  const assets = graph.keys.map((k) => graph.get(k));
  const lake = new Lake('lake', { cfg, accountId, assets }, shared);
  const runLog = new RunLog('runlog', { cfg, lake }, shared);
  // Before the assets: extracts and delivery streams consult it.
  const deletionRegister = new DeletionRegister('erasure', { cfg, lake, accountId }, shared);
  const alarms = new Alarms('alarms', { cfg, lake, accountId }, shared);
  const operator = new OperatorAccess('operator', { cfg, lake, accountId }, shared);
  new CostControls('cost', { cfg }, shared);

  const lazy = <T>(make: () => T): (() => T) => {
    let value: T | undefined;
    return () => (value ??= make());
  };
  const network = lazy(() => new Network('network', { cfg }, shared));
  const sourceDatabase = lazy(() => new SourceDatabase('source', { cfg, network: network() }, shared));
  const glue = lazy(() => new GlueShared('glue', { cfg, lake }, shared));
  let searchBackend: SearchBackend | undefined;
  const search = () => {
    if (searchBackend) return searchBackend;
    searchBackend = new SearchBackend('search', { cfg, lake, network: network(), accountId }, shared);
    if (searchBackend.domain) alarms.searchDomain(searchBackend, searchBackend.domain.domainName, accountId, cfg.search.domainVolumeGb);
    return searchBackend;
  };
  const writers: { roleArn: pulumi.Output<string>; alias: string }[] = [];
  const readers: pulumi.Output<string>[] = [];
  const outputs = new Map<AssetKey, AssetOutputs>();

  const ctx: PlatformContext = {
    cfg,
    graph,
    accountId,
    lake,
    alarms,
    runLogTable: runLog.table,
    deletionRegister,
    operatorRoleArn: operator.role.arn,
    network,
    sourceDatabase,
    search,
    glue,
    outputsOf(key) {
      const o = outputs.get(key);
      if (!o) throw new Error(`internal: outputs of '${key}' requested before it was instantiated; the walk must be topological`);
      return o;
    },
    searchWriter: (roleArn, alias) => void writers.push({ roleArn, alias }),
    searchReader: (roleArn) => void readers.push(roleArn),
  };

  const components = new Map<AssetKey, AssetComponent>();
  for (const asset of assets) {
    const Component = faceOf(KIND_COMPONENTS, asset.compute.kind)!;
    const component = new Component(slug(asset.key), { asset, ctx }, { parent: root, transformations: [tagTransformation(assetTags(asset, cfg))] });
    alarms.forKind(component, asset, component.outputs.alarmDimensions ?? {});
    if (asset.freshness) alarms.freshness(component, asset, asset.freshness.maxLagMinutes);
    components.set(asset.key, component);
    outputs.set(asset.key, component.outputs);
  }
  // Before the search access policy: the erasure worker deletes index documents.
  const erasure = new Erasure('erasure', { cfg, accountId, graph, lake, runLogTable: runLog.table, register: deletionRegister, alarms, glue, network, search, outputsOf: ctx.outputsOf, searchWriter: ctx.searchWriter }, shared);
  // Readers (Lambdas) come after the indexes in the graph: the access policy waits for the whole walk.
  if (searchBackend) searchBackend.grant({ writers, readers });
  const orchestration = new Orchestration(
    'orchestration',
    { cfg, accountId, graph, lake, runLogTable: runLog.table, alarms, manifestOf: (key) => outputs.get(key)!.manifest, codeVersion: (a) => codeVersionOf(a, readRepoFile) },
    shared,
  );
  lake.seal();
  alarms.seal();
  const operatorPolicy = operator.grant({ runLogTableArn: runLog.table.arn, topicArn: alarms.topic.arn, assets: [...assets.map((a) => outputs.get(a.key)!.operate ?? []), erasure.operate] });
  const alarmList = [...alarms.created];

  const manifest = pulumi
    .all([accountId, pulumi.output(Object.fromEntries(Object.entries(lake.buckets).map(([z, b]) => [z, b.bucket]))), lake.key.arn, lake.database.name, runLog.table.name, alarms.topic.arn, pulumi.all(assets.map((a) => outputs.get(a.key)!.manifest)), erasure.manifest])
    .apply(([account, buckets, kmsKeyArn, glueDatabase, tableName, alarmTopicArn, entries, erasureManifest]): StackManifest => ({
      version: MANIFEST_VERSION,
      stack: cfg.stack,
      region: cfg.region,
      accountId: account,
      lake: { buckets, kmsKeyArn, glueDatabase },
      runLog: { tableName },
      alarmTopicArn,
      metricsNamespace: METRICS_NAMESPACE,
      assets: Object.fromEntries(entries.map((e) => [e.key, e])),
      alarms: alarmList,
      erasure: erasureManifest,
    }));
  const publisher = new ManifestPublisher('manifest', { stack: cfg.stack, lake, manifest }, shared);
  root.done({ manifest, manifestParameter: publisher.parameterName, operatorRoleArn: operator.role.arn, operatorPolicyArn: operatorPolicy.arn });
  return { root, lake, runLog, alarms, orchestration, erasure, components, manifest, manifestParameter: publisher.parameterName, operator };
}

/** The AWS provider of the stack: its region, and the shared tags as default tags. */
function taggedProvider(cfg: PlatformConfig): aws.Provider {
  return new aws.Provider(`aws-${cfg.stack}`, { region: cfg.region as aws.Region, defaultTags: { tags: { [TAG_ASSET]: SHARED_ASSET, [TAG_ENV]: cfg.stack, [TAG_OWNER]: cfg.owner } } });
}

/** Tags an asset's resources carry: its key, and its first owner as `owner`. */
function assetTags(asset: AssetDefinition, cfg: PlatformConfig): Record<string, string> {
  return { [TAG_ASSET]: asset.key, [TAG_OWNER]: asset.owners[0] ?? cfg.owner, [TAG_ENV]: cfg.stack };
}
