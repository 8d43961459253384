/**
 * Pulumi entry point (Pulumi.yaml `main`): the reference graph, provisioned with the stack's
 * configuration. Exports the manifest the `assets` CLI reads (also published to SSM).
 */
import * as pulumi from '@pulumi/pulumi';
import graph from '../assets';
import { loadConfig } from './config';
import { buildPlatform } from './platform';

const headwater = new pulumi.Config('headwater');
const cfg = loadConfig(pulumi.getStack(), new pulumi.Config('aws').get('region'), { get: (key) => headwater.get(key) });
const platform = buildPlatform(graph, cfg);

export const manifest = platform.manifest;
export const manifestParameter = platform.manifestParameter;
