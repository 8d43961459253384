/**
 * `infra:plan` and `bench:synth` share this: synthesize a graph under a stack's configuration with
 * mocks, print the resource tree (type, name, key settings) and the policy results — what
 * `pulumi preview --policy-pack` would show, for people with no AWS account.
 */
import type { AssetGraph } from '../../assets/core';
import type { PlatformConfig } from '../config';
import { policies } from '../policy/policies';
import { evaluatePolicies, type Violation } from './evaluate';
import { isProviderResource, type RecordingMocks } from './mocks';
import { synthesize, type TreeNode } from './synthesize';

/** Settings worth a glance per resource, by input name (nested with dots). */
const KEY_SETTINGS = [
  'name', 'runtime', 'architectures', 'memorySize', 'reservedConcurrentExecutions', 'provisionedConcurrentExecutions', 'authorizationType', 'qualifier',
  'glueVersion', 'workerType', 'numberOfWorkers', 'timeout', 'maxRetries', 'connectionType',
  'releaseLabel', 'maximumCapacity.cpu', 'maximumCapacity.memory', 'autoStopConfiguration.idleTimeoutMinutes',
  'streamModeDetails.streamMode', 'shardCount', 'retentionPeriod', 'encryptionType',
  'destination', 'extendedS3Configuration.prefix', 'extendedS3Configuration.bufferingInterval', 'extendedS3Configuration.bufferingSize',
  'type', 'standbyReplicas', 'engineVersion', 'clusterConfig.instanceType', 'clusterConfig.instanceCount',
  'billingMode', 'pointInTimeRecovery.enabled', 'hashKey', 'rangeKey',
  'enableKeyRotation', 'versioningConfiguration.status', 'key', 'tableType', 'partitionKeys',
  'metricName', 'extendedStatistic', 'threshold', 'retentionInDays', 'tier', 'cidrBlock', 'numberOfAvailabilityZones',
];

function get(o: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);
}

/** A short `k=v` summary of a resource's key settings. */
export function keySettings(inputs: Record<string, unknown>): string {
  return KEY_SETTINGS.map((k) => [k, get(inputs, k)] as const)
    .filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? (v as unknown[]).map((x) => (typeof x === 'object' ? (x as { name?: string }).name : x)).join(',') : String(v)}`)
    .join(' ');
}

export interface PlanNode {
  readonly type: string;
  readonly name: string;
  readonly settings?: string;
  readonly children?: PlanNode[];
}

const toPlan = (n: TreeNode): PlanNode => ({
  type: n.type,
  name: n.name,
  ...(n.resource && isProviderResource(n.resource) ? { settings: keySettings(n.resource.inputs) } : {}),
  ...(n.children.length ? { children: n.children.map(toPlan) } : {}),
});

/** The tree as indented lines. */
export function renderTree(node: PlanNode, indent = ''): string[] {
  const head = `${indent}${node.type}  ${node.name}${node.settings ? `  [${node.settings}]` : ''}`;
  return [head, ...(node.children ?? []).flatMap((c) => renderTree(c, `${indent}  `))];
}

export interface PlanReport {
  readonly stack: string;
  readonly assets: number;
  readonly resources: number;
  readonly components: number;
  readonly byType: Record<string, number>;
  readonly tree: PlanNode;
  readonly policies: { readonly policy: string; readonly passed: boolean }[];
  readonly violations: number;
  readonly violationDetails: readonly Violation[];
  readonly synthMs: number;
  readonly policyMs: number;
}

/** Synthesizes and checks; `synthMs` is program + mocks until every registration settled. */
export async function plan(mocks: RecordingMocks, graph: AssetGraph, cfg: PlatformConfig): Promise<PlanReport> {
  const t0 = performance.now();
  const s = await synthesize(mocks, graph, cfg);
  const synthMs = performance.now() - t0;
  const t1 = performance.now();
  const violations = await evaluatePolicies(policies, s.resources);
  const policyMs = performance.now() - t1;
  const custom = s.resources.filter(isProviderResource);
  const byType: Record<string, number> = {};
  for (const r of custom) byType[r.type] = (byType[r.type] ?? 0) + 1;
  return {
    stack: cfg.stack,
    assets: graph.keys.length,
    resources: custom.length,
    components: s.resources.length - custom.length,
    byType: Object.fromEntries(Object.entries(byType).sort(([a], [b]) => a.localeCompare(b))),
    tree: toPlan(s.root),
    policies: policies.map((p) => ({ policy: p.name, passed: !violations.some((v) => v.policy === p.name) })),
    violations: violations.length,
    violationDetails: violations,
    synthMs: Math.round(synthMs),
    policyMs: Math.round(policyMs),
  };
}
