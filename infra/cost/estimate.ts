/**
 * Prices a synthesized stack from the price table: what each resource costs per month while the
 * stack is idle (nothing running, no traffic), and what each unit of work costs on top (per Glue
 * DPU-hour, per GB ingested, per million requests), per resource and per asset. Resource types
 * that cost nothing idle are named with the reason (FREE_WHEN_IDLE); anything else is reported as
 * unpriced, so a new resource type cannot slip into the total unnoticed.
 */
import type { RecordedResource } from '../synth/mocks';
import { isProviderResource } from '../synth/mocks';
import type { TreeNode } from '../synth/synthesize';
import { FREE_WHEN_IDLE, HOURS_PER_MONTH, PRICE_TABLE, type Price, type PriceItem, type RegionPrices } from './price-table';

/** One resource's idle price: how it was computed, and from which prices. */
export interface IdleLine {
  readonly type: string;
  readonly name: string;
  readonly asset: string;
  readonly monthlyUsd: number;
  readonly basis: string;
  /** `recalled` when any price used was not re-read from its page (see price-table.ts). */
  readonly checked: Price['checked'];
}

/** A price per unit of work the resource does. */
export interface UnitPrice {
  readonly type: string;
  readonly name: string;
  readonly asset: string;
  readonly per: string;
  readonly usd: number;
}

export interface CostReport {
  readonly stack: string;
  readonly region: string;
  readonly asOf: string;
  readonly currency: 'USD';
  readonly idleMonthlyUsd: number;
  /** Resources the program creates (providers and components excluded). */
  readonly resourceCount: number;
  /** How many of them are priced or named free. */
  readonly priced: number;
  /** Resources neither priced nor known to be free: the total may be missing them. */
  readonly unpriced: readonly { readonly type: string; readonly name: string }[];
  /** Every resource that costs money idle. */
  readonly resources: readonly IdleLine[];
  readonly free: readonly { readonly type: string; readonly name: string; readonly asset: string; readonly reason: string }[];
  readonly variable: readonly UnitPrice[];
  /** Idle monthly cost per asset (`platform` for shared resources). */
  readonly byAsset: Readonly<Record<string, number>>;
}

/** Thrown for a region the price table does not cover. */
export class UnknownRegionError extends Error {
  override name = 'UnknownRegionError';
}

const round = (x: number): number => Math.round(x * 100) / 100;
const assetOf = (r: RecordedResource): string => String((r.inputs.tags as Record<string, unknown> | undefined)?.['headwater:asset'] ?? 'platform');
/** DPUs of one Glue worker of each type. */
const GLUE_DPU: Record<string, number> = { 'G.025X': 0.25, 'G.1X': 1, 'G.2X': 2, 'G.4X': 4, 'G.8X': 8, Standard: 1 };

/**
 * The asset each resource belongs to, from the component tree: everything under an asset's
 * component is that asset's (untaggable resources such as provisioned concurrency included).
 */
export function assetsByResource(root: TreeNode, assetOfComponent: (name: string) => string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (node: TreeNode, asset: string | undefined) => {
    const here = asset ?? (node.type.startsWith('headwater:') ? assetOfComponent(node.name) : undefined);
    if (here) out.set(`${node.type}::${node.name}`, here);
    for (const c of node.children) walk(c, here);
  };
  walk(root, undefined);
  return out;
}

/** Prices the resources of a synthesized stack in `region`; `owners` attributes resources to assets (else their tag). */
export function estimateCost(stack: string, region: string, recorded: readonly RecordedResource[], owners: ReadonlyMap<string, string> = new Map()): CostReport {
  const prices = PRICE_TABLE[region];
  if (!prices) throw new UnknownRegionError(`no prices for region '${region}' in infra/cost/price-table.ts (covered: ${Object.keys(PRICE_TABLE).join(', ')}); add the region's prices with their source and date`);
  const resources = recorded.filter((r) => isProviderResource(r) && !r.type.startsWith('pulumi:'));
  const all = recorded.filter(isProviderResource);
  const lines: IdleLine[] = [];
  const free: CostReport['free'][number][] = [];
  const variable: UnitPrice[] = [];
  const unpriced: { type: string; name: string }[] = [];
  for (const r of resources) {
    const asset = owners.get(`${r.type}::${r.name}`) ?? assetOf(r);
    const idle = idleLine(r, prices, all);
    if (idle) lines.push({ type: r.type, name: r.name, asset, ...idle });
    for (const u of unitPrices(r, prices)) variable.push({ type: r.type, name: r.name, asset, ...u });
    if (!idle) {
      const reason = FREE_WHEN_IDLE[r.type] ?? freeVariant(r);
      if (reason) free.push({ type: r.type, name: r.name, asset, reason });
      else unpriced.push({ type: r.type, name: r.name });
    }
  }
  const byAsset: Record<string, number> = {};
  for (const l of lines) byAsset[l.asset] = round((byAsset[l.asset] ?? 0) + l.monthlyUsd);
  return {
    stack,
    region,
    asOf: prices.asOf,
    currency: 'USD',
    idleMonthlyUsd: round(lines.reduce((sum, l) => sum + l.monthlyUsd, 0)),
    resourceCount: resources.length,
    priced: resources.length - unpriced.length,
    unpriced,
    resources: lines.sort((a, b) => b.monthlyUsd - a.monthlyUsd),
    free,
    variable,
    byAsset: Object.fromEntries(Object.entries(byAsset).sort(([, a], [, b]) => b - a)),
  };
}

/** Idle-free variants of priced types (a gateway endpoint, a standard parameter, a VPC without NAT). */
function freeVariant(r: RecordedResource): string | undefined {
  if (r.type === 'aws:ec2/vpcEndpoint:VpcEndpoint' && r.inputs.vpcEndpointType === 'Gateway') return 'gateway endpoints are free';
  if (r.type === 'aws:ssm/parameter:Parameter') return 'standard parameters are free';
  if (r.type === 'awsx:ec2:Vpc') return 'no NAT gateway: VPC, subnets, route tables and the internet gateway are free';
  if (r.type === 'aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig') return 'no provisioned instances';
  return undefined;
}

function idleLine(r: RecordedResource, prices: RegionPrices, all: readonly RecordedResource[]): Omit<IdleLine, 'type' | 'name' | 'asset'> | undefined {
  const item = (k: PriceItem) => prices.items[k];
  const line = (parts: { price: Price; qty: number; what: string }[]) => {
    const monthlyUsd = round(parts.reduce((s, x) => s + x.price.usd * x.qty, 0));
    if (monthlyUsd === 0) return undefined;
    return {
      monthlyUsd,
      basis: parts.map((x) => `${x.what}: ${+x.qty.toFixed(4)} ${x.price.unit} x $${x.price.usd}`).join(' + '),
      checked: parts.some((x) => x.price.checked === 'recalled') ? ('recalled' as const) : ('search' as const),
    };
  };
  const i = r.inputs as Record<string, unknown>;
  switch (r.type) {
    case 'awsx:ec2:Vpc': {
      const strategy = (i.natGateways as { strategy?: string } | undefined)?.strategy ?? 'OnePerAz';
      const nats = strategy === 'None' ? 0 : strategy === 'Single' ? 1 : Number(i.numberOfAvailabilityZones ?? 3);
      return line([
        { price: item('natGatewayHour'), qty: nats * HOURS_PER_MONTH, what: `${nats} NAT gateway(s)` },
        { price: item('publicIpv4Hour'), qty: nats * HOURS_PER_MONTH, what: 'their public IPv4 addresses' },
      ]);
    }
    case 'aws:ec2/vpcEndpoint:VpcEndpoint':
    case 'aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint': {
      if (i.vpcEndpointType === 'Gateway') return undefined;
      const azs = ((i.subnetIds as string[] | undefined) ?? []).length || 1;
      return line([{ price: item('interfaceEndpointAzHour'), qty: azs * HOURS_PER_MONTH, what: `interface endpoint in ${azs} zone(s)` }]);
    }
    case 'aws:opensearch/domain:Domain': {
      const c = i.clusterConfig as { instanceType: string; instanceCount: number; dedicatedMasterEnabled?: boolean; dedicatedMasterType?: string; dedicatedMasterCount?: number };
      const ebs = i.ebsOptions as { volumeSize?: number } | undefined;
      const instance = (type: string): Price => {
        const p = prices.opensearchInstanceHour[type];
        if (!p) throw new UnknownRegionError(`no price for OpenSearch instance type '${type}' in ${r.name}; add it to opensearchInstanceHour in infra/cost/price-table.ts`);
        return p;
      };
      const parts = [
        { price: instance(c.instanceType), qty: c.instanceCount * HOURS_PER_MONTH, what: `${c.instanceCount} x ${c.instanceType} data node(s)` },
        { price: item('opensearchGp3GbMonth'), qty: (ebs?.volumeSize ?? 0) * c.instanceCount, what: `gp3 ${ebs?.volumeSize ?? 0} GB per node` },
      ];
      if (c.dedicatedMasterEnabled && c.dedicatedMasterType) {
        parts.push({ price: instance(c.dedicatedMasterType), qty: (c.dedicatedMasterCount ?? 3) * HOURS_PER_MONTH, what: `${c.dedicatedMasterCount ?? 3} x ${c.dedicatedMasterType} dedicated master(s)` });
      }
      return line(parts);
    }
    case 'aws:opensearch/serverlessCollection:ServerlessCollection': {
      // Minimum capacity: half an OCU each for indexing and search, doubled with standby replicas.
      const ocus = i.standbyReplicas === 'DISABLED' ? 1 : 2;
      return line([{ price: item('opensearchOcuHour'), qty: ocus * HOURS_PER_MONTH, what: `${ocus} OCU minimum (indexing + search)` }]);
    }
    case 'aws:kinesis/stream:Stream': {
      const mode = (i.streamModeDetails as { streamMode?: string } | undefined)?.streamMode;
      if (mode === 'ON_DEMAND') return line([{ price: item('kinesisOnDemandStreamHour'), qty: HOURS_PER_MONTH, what: 'on-demand stream' }]);
      const shards = Number(i.shardCount ?? 1);
      return line([{ price: item('kinesisShardHour'), qty: shards * HOURS_PER_MONTH, what: `${shards} shard(s)` }]);
    }
    case 'aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig': {
      const fn = all.find((x) => x.type === 'aws:lambda/function:Function' && x.inputs.name === i.functionName);
      const gb = Number(fn?.inputs.memorySize ?? 128) / 1024;
      const arm = ((fn?.inputs.architectures as string[] | undefined) ?? []).includes('arm64');
      const n = Number(i.provisionedConcurrentExecutions ?? 0);
      return line([{ price: item(arm ? 'lambdaProvisionedGbSecondArm' : 'lambdaProvisionedGbSecondX86'), qty: n * gb * HOURS_PER_MONTH * 3600, what: `${n} provisioned instance(s) of ${gb} GB` }]);
    }
    case 'aws:kms/key:Key':
      return line([{ price: item('kmsKeyMonth'), qty: 1, what: 'customer-managed key' }]);
    case 'aws:cloudwatch/metricAlarm:MetricAlarm': {
      const metrics = ((i.metricQueries as { metric?: unknown }[] | undefined) ?? []).filter((q) => q.metric).length || 1;
      return line([{ price: item('alarmMetricMonth'), qty: metrics, what: `alarm on ${metrics} metric(s)` }]);
    }
    case 'aws:ssm/parameter:Parameter':
      return i.tier === 'Advanced' ? line([{ price: item('ssmAdvancedParameterMonth'), qty: 1, what: 'advanced parameter' }]) : undefined;
    default:
      return undefined;
  }
}

function unitPrices(r: RecordedResource, prices: RegionPrices): { per: string; usd: number }[] {
  const it = prices.items;
  const i = r.inputs as Record<string, unknown>;
  switch (r.type) {
    case 'aws:glue/job:Job': {
      const dpu = (GLUE_DPU[String(i.workerType)] ?? 1) * Number(i.numberOfWorkers ?? 2);
      return [
        { per: 'DPU-hour', usd: it.glueDpuHour.usd },
        { per: `hour of a run (${dpu} DPU)`, usd: round(dpu * it.glueDpuHour.usd) },
      ];
    }
    case 'aws:emrserverless/application:Application':
      return [
        { per: 'vCPU-hour', usd: it.emrVcpuHour.usd },
        { per: 'GB-hour', usd: it.emrGbHour.usd },
      ];
    case 'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream':
      return [{ per: 'GB ingested', usd: it.firehoseGbIngested.usd }];
    case 'aws:kinesis/stream:Stream':
      return (i.streamModeDetails as { streamMode?: string } | undefined)?.streamMode === 'ON_DEMAND'
        ? [{ per: 'GB written', usd: it.kinesisOnDemandGbIn.usd }]
        : [{ per: 'million PUT payload units (25 KB)', usd: it.kinesisPutUnitsMillion.usd }];
    case 'aws:lambda/function:Function':
      return [
        { per: 'million requests', usd: it.lambdaRequestsMillion.usd },
        { per: 'GB-second (arm64)', usd: it.lambdaGbSecondArm.usd },
      ];
    case 'aws:s3/bucket:Bucket':
      return [
        { per: 'GB-month (Standard)', usd: it.s3StandardGbMonth.usd },
        { per: 'GB-month (Glacier Instant Retrieval)', usd: it.s3GlacierIrGbMonth.usd },
      ];
    case 'aws:dynamodb/table:Table':
      return [
        { per: 'million write request units', usd: it.dynamoWriteMillion.usd },
        { per: 'million read request units', usd: it.dynamoReadMillion.usd },
      ];
    case 'aws:cloudwatch/logGroup:LogGroup':
      return [{ per: 'GB ingested', usd: it.logsIngestedGb.usd }];
    case 'aws:ec2/vpcEndpoint:VpcEndpoint':
      return i.vpcEndpointType === 'Interface' ? [{ per: 'GB processed', usd: it.interfaceEndpointGb.usd }] : [];
    case 'awsx:ec2:Vpc':
      return (i.natGateways as { strategy?: string } | undefined)?.strategy === 'None' ? [] : [{ per: 'GB through NAT', usd: it.natGatewayGb.usd }];
    default:
      return [];
  }
}
