/**
 * Runs the program under Pulumi mocks and returns what it registered: every resource with its
 * inputs and mock outputs, the component tree, and the manifest. The caller installs the mocks
 * once per process (`pulumi.runtime.setMocks`) before importing the program.
 */
import type * as pulumi from '@pulumi/pulumi';
import * as settings from '@pulumi/pulumi/runtime/settings';
import type { AssetGraph } from '../../assets/core';
import type { StackManifest } from '../../jobs/aws/manifest';
import type { PlatformConfig } from '../config';
import { buildPlatform, type Platform } from '../platform';
import type { RecordedResource, RecordingMocks } from './mocks';

/** A node of the resource tree: what the program declared and under which parent. */
export interface TreeNode {
  readonly type: string;
  readonly name: string;
  readonly children: TreeNode[];
  /** The recorded registration (absent for component resources the mocks do not see as custom). */
  resource?: RecordedResource;
}

export interface Synthesis {
  readonly resources: readonly RecordedResource[];
  readonly root: TreeNode;
  readonly manifest: StackManifest;
  readonly platform: Platform;
}

/** Resolves an output's value (known under mocks). */
export const valueOf = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply((v) => resolve(v)));

// waitForRPCs is exported by the runtime but marked internal in its types.
const waitForRPCs = (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs;

/** Synthesizes `graph` under `cfg` with the installed mocks. */
export async function synthesize(mocks: RecordingMocks, graph: AssetGraph, cfg: PlatformConfig): Promise<Synthesis> {
  mocks.reset(cfg.region);
  const nodes = new Map<pulumi.Resource, TreeNode>();
  const options = new Map<pulumi.Resource, { protect?: boolean; retainOnDelete?: boolean }>();
  const order: { resource: pulumi.Resource; parent?: pulumi.Resource }[] = [];
  let platform: Platform;
  try {
    platform = buildPlatform(graph, cfg, {
      observe: (args) => {
        nodes.set(args.resource, { type: args.type, name: args.name, children: [] });
        options.set(args.resource, { protect: args.opts.protect, retainOnDelete: (args.opts as pulumi.CustomResourceOptions).retainOnDelete });
        order.push({ resource: args.resource, parent: args.opts.parent });
        return undefined;
      },
    });
  } catch (e) {
    // Let what was registered before the failure settle, so it cannot leak into the next synthesis.
    await waitForRPCs();
    throw e;
  }
  const manifest = await valueOf(platform.manifest);
  await waitForRPCs();
  const byKey = new Map(mocks.resources.map((r) => [`${r.type}::${r.name}`, r]));
  let root: TreeNode | undefined;
  for (const { resource, parent } of order) {
    const node = nodes.get(resource)!;
    node.resource = byKey.get(`${node.type}::${node.name}`);
    if (node.resource) Object.assign(node.resource, options.get(resource));
    const parentNode = parent ? nodes.get(parent) : undefined;
    if (parentNode) parentNode.children.push(node);
    else root ??= node;
  }
  return { resources: [...mocks.resources], root: root!, manifest, platform };
}
