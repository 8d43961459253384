/**
 * Tags on every taggable resource, applied by a resource transformation so that no component can
 * forget them. A resource is taggable when its class declares a `tags` input: the generated
 * classes put the key in their inputs even when unset, which is what we test.
 */
import type * as pulumi from '@pulumi/pulumi';

export const TAG_ASSET = 'headwater:asset';
export const TAG_ENV = 'headwater:env';
export const TAG_OWNER = 'owner';
/** The `headwater:asset` value of resources shared by every asset (lake, network, alarms). */
export const SHARED_ASSET = 'platform';

/** Types seen taggable during this process: the policy test checks the policy pack's list against it. */
export const taggableTypesSeen = new Set<string>();

/**
 * A transformation adding `tags` to taggable resources without overriding tags already there:
 * transformations run innermost first, so an asset's component wins over the platform's.
 */
export function tagTransformation(tags: Readonly<Record<string, string>>): pulumi.ResourceTransformation {
  return (args) => {
    if (!('tags' in args.props)) return undefined;
    taggableTypesSeen.add(args.type);
    const current = (args.props.tags ?? {}) as Record<string, unknown>;
    return { props: { ...args.props, tags: { ...tags, ...current } }, opts: args.opts };
  };
}
