/**
 * The Headwater policy pack, for `pulumi preview --policy-pack infra/policy` (see infra/README.md).
 * The policies themselves live in policies.ts so tests can evaluate them under mocks.
 */
import { PolicyPack } from '@pulumi/policy';
import { policies } from './policies';

new PolicyPack('headwater', { policies, description: 'Headwater: no public data, encryption at rest, scoped IAM, TLS only, supported runtimes, tags' });
