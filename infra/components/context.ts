/**
 * What every asset component receives: the stack's configuration, the shared platform pieces
 * (lake, network, source connection, search backend, alarms) and the outputs of the assets
 * upstream of it, so that outputs flow down the graph.
 */
import { createHash } from 'node:crypto';
import type * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import type { AssetDefinition, AssetGraph, AssetKey } from '../../assets/core';
import type { AssetManifest } from '../../jobs/aws/manifest';
import type { PlatformConfig } from '../config';
import type { Lake } from './lake';
import type { Network } from './network';
import type { SearchBackend } from './search-backend';
import type { SourceDatabase } from './source-database';
import type { Alarms } from './alarms';
import type { DeletionRegister } from './erasure-register';
import type { GlueShared } from './glue-shared';
import type { Statement } from '../iam';

/** A folder of the lake as Pulumi outputs. */
export interface LakeLocationOutput {
  readonly zone: string;
  readonly bucket: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly prefix: string;
  readonly format: 'parquet' | 'json';
  readonly partitionKeys: readonly string[];
  /** `database.table`, when the asset has a catalog table. */
  readonly catalogTable?: pulumi.Output<string>;
}

/** What an asset component hands to the assets downstream of it. */
export interface AssetOutputs {
  readonly location?: LakeLocationOutput;
  readonly stream?: { readonly arn: pulumi.Output<string>; readonly name: pulumi.Output<string> };
  readonly source?: { readonly schema: string; readonly table: string };
  readonly index?: { readonly alias: string; readonly entity: 'item' | 'user' };
  readonly manifest: pulumi.Output<AssetManifest>;
  /** Dimension values of the asset's resources, by CloudWatch dimension name, for its kind's declared alarms. */
  readonly alarmDimensions?: Readonly<Record<string, pulumi.Input<string>>>;
  /** What the stack's operator (the `assets` CLI) may do to this asset; gathered into the operator policy. */
  readonly operate?: readonly Statement[];
}

export interface PlatformContext {
  readonly cfg: PlatformConfig;
  /** The graph being deployed: what a component reads of its deps' declarations (an index's model, a serving asset's bindings). */
  readonly graph: AssetGraph;
  readonly accountId: pulumi.Output<string>;
  readonly lake: Lake;
  /** Created on first use: stacks whose graph has no Glue extract need no VPC. */
  network(): Network;
  sourceDatabase(): SourceDatabase;
  search(): SearchBackend;
  glue(): GlueShared;
  readonly alarms: Alarms;
  /** The run-log table (DynamoDB): what records materializations made inside the stack writes. */
  readonly runLogTable: aws.dynamodb.Table;
  /** Erased subjects by salted hash: extracts and delivery transforms leave them out. */
  readonly deletionRegister: DeletionRegister;
  /** The stack's operator role (what the CLI runs as); loader roles trust it. */
  readonly operatorRoleArn: pulumi.Output<string>;
  /** Outputs of an upstream asset (already instantiated: the walk is topological). */
  outputsOf(key: AssetKey): AssetOutputs;
  /** Roles that load (writers) or search (readers) the vector indexes, collected for the search access policy. */
  searchWriter(roleArn: pulumi.Output<string>, alias: string): void;
  searchReader(roleArn: pulumi.Output<string>): void;
}

/** The arguments every asset component takes. */
export interface AssetComponentArgs {
  readonly asset: AssetDefinition;
  readonly ctx: PlatformContext;
}

/** `${stack}-${slug}`, bounded to the 64 characters most AWS names allow. */
export const physicalName = (stack: string, slugText: string, max = 64): string => {
  const name = `headwater-${stack}-${slugText}`;
  if (name.length <= max) return name;
  // Truncating alone could make two long keys collide; a hash of the full name keeps them apart.
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, max - 9)}-${hash}`;
};
