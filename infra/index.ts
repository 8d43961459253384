/**
 * Pulumi entry point (Pulumi.yaml `main`): the graph module named by the stack's `headwater:graph`
 * (default the reference graph, assets/index.ts), provisioned with the stack's configuration.
 * Exports the manifest the `assets` CLI reads (also published to SSM).
 */
import * as pulumi from '@pulumi/pulumi';
import { loadConfig } from './config';
import { loadGraphModule } from './graph-module';
import { buildPlatform } from './platform';

const headwater = new pulumi.Config('headwater');
const cfg = loadConfig(pulumi.getStack(), new pulumi.Config('aws').get('region'), { get: (key) => headwater.get(key) });
const platform = buildPlatform(loadGraphModule(cfg.graph), cfg);

export const manifest = platform.manifest;
export const manifestParameter = platform.manifestParameter;
/** What a platform team hands to whoever operates the stack: the role to assume, or the policy to attach. */
export const operatorRoleArn = platform.operator.role.arn;
export const operatorPolicyArn = platform.operator.policy!.arn;
export const operatorPolicy = platform.operator.policy!.policy;
