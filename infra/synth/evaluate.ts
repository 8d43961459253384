/**
 * Evaluates the policy pack's functions against resources captured under mocks. Pulumi mocks
 * never run policy packs, so this harness calls each policy's `validateResource` with the
 * resource's inputs (what the engine passes at preview) and `validateStack` with every
 * resource's outputs, collecting violations.
 */
import type { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from '@pulumi/policy';
import { isProviderResource, type RecordedResource } from './mocks';

export interface Violation {
  readonly policy: string;
  readonly type: string;
  readonly name: string;
  readonly message: string;
}

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

const OPTIONS = { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };

class NotApplicable extends Error {}

const common = {
  stackTags: new Map<string, string>(),
  isType: () => false,
  asType: () => undefined,
  getConfig: <T extends object>() => ({}) as T,
  notApplicable: (reason?: string): never => {
    throw new NotApplicable(reason);
  },
};

/** Runs every policy over the resources; returns the violations (empty when all pass). */
export async function evaluatePolicies(policies: readonly AnyPolicy[], resources: readonly RecordedResource[]): Promise<Violation[]> {
  const violations: Violation[] = [];
  const custom = resources.filter(isProviderResource);
  for (const policy of policies) {
    if ('validateResource' in policy && policy.validateResource) {
      const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
      for (const r of custom) {
        const report: ReportViolation = (message) => void violations.push({ policy: policy.name, type: r.type, name: r.name, message });
        const args = { ...common, type: r.type, props: r.inputs, urn: r.urn, name: r.name, opts: { ...OPTIONS, protect: r.protect === true }, provider: providerOf(r, custom) } as unknown as ResourceValidationArgs;
        for (const validate of validations) await run(() => validate(args, report));
      }
    }
    if ('validateStack' in policy && policy.validateStack) {
      const byUrn = new Map(custom.map((r) => [r.urn, r]));
      const report: ReportViolation = (message, urn) => {
        const r = urn ? byUrn.get(urn) : undefined;
        violations.push({ policy: policy.name, type: r?.type ?? 'stack', name: r?.name ?? '-', message });
      };
      const stackResources = custom.map(
        (r) =>
          ({ ...common, type: r.type, props: r.state, urn: r.urn, name: r.name, opts: { ...OPTIONS, protect: r.protect === true }, provider: providerOf(r, custom), dependencies: [], propertyDependencies: {} }) as unknown as PolicyResource,
      );
      const args = { ...common, resources: stackResources } as unknown as StackValidationArgs;
      await run(() => policy.validateStack!(args, report));
    }
  }
  return violations;
}

/** The provider resource a reference (`urn:...::<type>::<name>::<id>`) points at, shaped as the policy engine passes it. */
function providerOf(r: RecordedResource, all: readonly RecordedResource[]): { type: string; name: string; urn: string; props: Record<string, unknown> } | undefined {
  if (!r.provider) return undefined;
  const parts = r.provider.split('::');
  const [type, name] = [parts[parts.length - 3], parts[parts.length - 2]];
  const p = all.find((x) => x.type === type && x.name === name);
  return p ? { type: p.type, name: p.name, urn: p.urn, props: p.inputs } : { type, name, urn: r.provider, props: {} };
}

async function run(f: () => void | Promise<void>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!(e instanceof NotApplicable)) throw e;
  }
}
