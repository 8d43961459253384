/**
 * Where the vector indexes live: an OpenSearch Serverless VECTORSEARCH collection (encryption,
 * network and data-access policies) or, when configured, an OpenSearch domain (encryption at
 * rest, node-to-node encryption, HTTPS only, fine-grained access with an IAM administrator,
 * optional dedicated masters, logs published to CloudWatch). Either way the endpoint is private:
 * the domain sits in the VPC, the collection accepts only its VPC endpoint, so readers (Lambdas)
 * run in the VPC and loaders run where the VPC is reachable.
 *
 * The data-access policy names the roles that load and read the indexes. The readers (Lambdas)
 * sit downstream of the indexes in the graph, so the policy is created by `grant` once the walk
 * is over, as a child of this component.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PlatformConfig } from '../config';
import type { Statement } from '../iam';
import { dataStoreOptions } from '../protection';
import type { Lake } from './lake';
import type { Network } from './network';

/** Read-only HTTP methods on a domain: searching is GET/POST/HEAD; PUT and DELETE change indexes. */
export const DOMAIN_READ_ACTIONS = ['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpHead'];
export const DOMAIN_WRITE_ACTIONS = [...DOMAIN_READ_ACTIONS, 'es:ESHttpPut', 'es:ESHttpDelete'];

/**
 * The HTTP paths (below the domain ARN) a writer of `alias` calls: its versions (`<alias>_v<n>`,
 * their `_refresh`, `_count`, `_forcemerge`), the alias itself (a loader counts through it, the
 * erasure searches through it), the alias's own API, and the two bulk endpoints. `_bulk` and
 * `_aliases` name indexes in their bodies, which IAM cannot see; the domain's fine-grained access
 * control checks those.
 */
export const domainLoaderPaths = (alias: string): string[] => [`${alias}_v*`, alias, `${alias}/*`, `_alias/${alias}`, '_aliases', '_bulk'];

/**
 * The statement ids of writers: `Load<Alias>` (`item_embeddings` -> `LoadItemEmbeddings`),
 * alphanumeric, with a counter when a second role writes the same alias (Sids are unique in a policy).
 */
function writerSids(aliases: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return aliases.map((alias) => {
    const sid = `Load${alias.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_m, _sep, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')}`;
    const n = (seen.get(sid) ?? 0) + 1;
    seen.set(sid, n);
    return n === 1 ? sid : `${sid}${n}`;
  });
}

/** Domain logs published to CloudWatch (the search and indexing slow logs and the error log). */
const DOMAIN_LOGS = ['ES_APPLICATION_LOGS', 'SEARCH_SLOW_LOGS', 'INDEX_SLOW_LOGS'] as const;

export interface SearchAccess {
  /** Roles that create index versions and swap aliases, with the alias prefixes each may touch. */
  readonly writers: readonly { readonly roleArn: pulumi.Output<string>; readonly alias: string }[];
  /** Roles that only search. */
  readonly readers: readonly pulumi.Output<string>[];
}

export class SearchBackend extends pulumi.ComponentResource {
  readonly flavour: PlatformConfig['search']['flavour'];
  readonly endpoint: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  readonly signingService: 'aoss' | 'es';
  private readonly resourceName: string;
  private readonly collectionName: string;
  /** The domain, when the flavour is `domain` (alarms watch its health). */
  domain?: aws.opensearch.Domain;
  readonly network: Network;

  constructor(name: string, args: { cfg: PlatformConfig; lake: Lake; network: Network; accountId: pulumi.Output<string> }, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:search:SearchBackend', name, {}, opts);
    const { cfg, lake, network } = args;
    this.network = network;
    const keep = { parent: this, ...dataStoreOptions(cfg) };
    const child = { parent: this };
    this.resourceName = name;
    this.flavour = cfg.search.flavour;
    // Collection names: 3-32 lower-case characters; domain names: 3-28.
    this.collectionName = `hw-${cfg.stack}-vectors`.slice(0, 28);
    if (cfg.search.flavour === 'serverless') {
      this.signingService = 'aoss';
      const scope = [{ ResourceType: 'collection', Resource: [`collection/${this.collectionName}`] }];
      const encryption = new aws.opensearch.ServerlessSecurityPolicy(
        `${name}-encryption`,
        {
          name: `${this.collectionName}-enc`,
          type: 'encryption',
          description: 'vector collection encrypted with the platform key',
          policy: pulumi.jsonStringify({ Rules: scope, AWSOwnedKey: false, KmsARN: lake.key.arn }),
        },
        child,
      );
      const endpoint = new aws.opensearch.ServerlessVpcEndpoint(
        `${name}-vpce`,
        {
          name: `${this.collectionName}-vpce`.slice(0, 32),
          vpcId: network.vpcId,
          subnetIds: network.privateSubnetIds,
          securityGroupIds: [network.searchEndpoint.id],
        },
        child,
      );
      const networkPolicy = new aws.opensearch.ServerlessSecurityPolicy(
        `${name}-network`,
        {
          name: `${this.collectionName}-net`,
          type: 'network',
          description: 'the collection API through the VPC endpoint only; no public access, no dashboards',
          policy: pulumi.jsonStringify([{ Rules: scope, AllowFromPublic: false, SourceVPCEs: [endpoint.id] }]),
        },
        child,
      );
      const collection = new aws.opensearch.ServerlessCollection(
        `${name}-collection`,
        {
          name: this.collectionName,
          type: 'VECTORSEARCH',
          description: 'k-NN indexes of the recommender, one version per load behind an alias',
          standbyReplicas: cfg.search.standbyReplicas ? 'ENABLED' : 'DISABLED',
        },
        { ...keep, dependsOn: [encryption, networkPolicy] },
      );
      this.endpoint = collection.collectionEndpoint;
      this.arn = collection.arn;
    } else {
      this.signingService = 'es';
      const count = cfg.search.domainInstanceCount;
      const zones = Math.min(3, count);
      const logs = this.domainLogs(name, cfg, lake, args.accountId);
      this.domain = new aws.opensearch.Domain(
        `${name}-domain`,
        {
          domainName: this.collectionName,
          engineVersion: 'OpenSearch_2.19',
          clusterConfig: {
            instanceType: cfg.search.domainInstanceType,
            instanceCount: count,
            zoneAwarenessEnabled: count > 1,
            zoneAwarenessConfig: count > 1 ? { availabilityZoneCount: zones } : undefined,
            // Dedicated masters keep the cluster state off the data nodes: a busy node cannot stall elections.
            dedicatedMasterEnabled: cfg.search.dedicatedMasterType !== undefined,
            dedicatedMasterType: cfg.search.dedicatedMasterType,
            dedicatedMasterCount: cfg.search.dedicatedMasterType !== undefined ? 3 : undefined,
          },
          // One subnet per zone the data nodes span; only the search clients' group may connect.
          vpcOptions: { subnetIds: network.privateSubnetIds.apply((ids) => ids.slice(0, zones)), securityGroupIds: [network.searchEndpoint.id] },
          ebsOptions: { ebsEnabled: true, volumeType: 'gp3', volumeSize: cfg.search.domainVolumeGb },
          encryptAtRest: { enabled: true, kmsKeyId: lake.key.arn },
          nodeToNodeEncryption: { enabled: true },
          domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: 'Policy-Min-TLS-1-2-PFS-2023-10' },
          advancedSecurityOptions: {
            enabled: true,
            internalUserDatabaseEnabled: false,
            masterUserOptions: { masterUserArn: cfg.search.domainMasterUserArn },
          },
          logPublishingOptions: logs.map(({ logType, group }) => ({ logType, cloudwatchLogGroupArn: group.arn, enabled: true })),
        },
        { ...keep, dependsOn: logs.map((l) => l.policy) },
      );
      this.endpoint = pulumi.interpolate`https://${this.domain.endpoint}`;
      this.arn = this.domain.arn;
    }
    this.registerOutputs({ endpoint: this.endpoint, arn: this.arn });
  }

  /** The domain's log groups (retention, logs key) and the resource policy letting the service write them. */
  private domainLogs(name: string, cfg: PlatformConfig, lake: Lake, accountId: pulumi.Output<string>) {
    const child = { parent: this };
    const groups = DOMAIN_LOGS.map((logType) => ({
      logType,
      group: new aws.cloudwatch.LogGroup(
        `${name}-${logType.toLowerCase().replace(/_/g, '-')}`,
        { name: `/aws/opensearch/${this.collectionName}/${logType.toLowerCase()}`, retentionInDays: cfg.logRetentionDays, kmsKeyId: lake.logsKey.arn },
        child,
      ),
    }));
    const policy = new aws.cloudwatch.LogResourcePolicy(
      `${name}-log-policy`,
      {
        policyName: `${this.collectionName}-logs`,
        policyDocument: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'OpenSearchWritesItsLogs',
              Effect: 'Allow',
              Principal: { Service: 'es.amazonaws.com' },
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              Resource: groups.map((g) => pulumi.interpolate`${g.group.arn}:*`),
              Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
            },
          ],
        }),
      },
      child,
    );
    return groups.map((g) => ({ ...g, policy }));
  }

  /**
   * IAM statements letting a role search the indexes (`read`), or change them (`write`): with
   * aliases, on a domain only those aliases' paths (a loader, the erasure worker); without, every
   * index of the backend. On a collection the data-access policy of `grant` narrows either to the
   * roles' aliases.
   */
  statements(mode: 'read' | 'write', aliases?: readonly string[]): Statement[] {
    if (this.signingService === 'aoss') {
      // aoss:APIAccessAll only opens the HTTP API; what a role may do inside is the data-access policy.
      return [{ Sid: 'SearchApi', Effect: 'Allow', Action: ['aoss:APIAccessAll'], Resource: [this.arn] }];
    }
    const paths = mode === 'write' && aliases?.length ? [...new Set(aliases.flatMap(domainLoaderPaths))] : ['*'];
    return [{ Sid: 'SearchApi', Effect: 'Allow', Action: mode === 'read' ? DOMAIN_READ_ACTIONS : DOMAIN_WRITE_ACTIONS, Resource: paths.map((p) => pulumi.interpolate`${this.arn}/${p}`) }];
  }

  /** Creates the access policy naming exactly the loader and reader roles. Call once, after the walk. */
  grant(access: SearchAccess): void {
    const child = { parent: this };
    if (this.signingService === 'aoss') {
      const coll = this.collectionName;
      const writersOut = pulumi.output(access.writers.map((w) => ({ roleArn: w.roleArn, alias: w.alias })));
      const rules = pulumi.all([writersOut, pulumi.output([...access.readers])]).apply(([writers, readers]) => [
        ...writers.map(({ roleArn, alias }) => ({
          Description: `loader of ${alias}: creates versions and swaps the alias`,
          Rules: [
            { ResourceType: 'index', Resource: [`index/${coll}/${alias}*`], Permission: ['aoss:CreateIndex', 'aoss:DeleteIndex', 'aoss:UpdateIndex', 'aoss:DescribeIndex', 'aoss:ReadDocument', 'aoss:WriteDocument'] },
            { ResourceType: 'collection', Resource: [`collection/${coll}`], Permission: ['aoss:DescribeCollectionItems', 'aoss:UpdateCollectionItems'] },
          ],
          Principal: [roleArn],
        })),
        ...(readers.length
          ? [
              {
                Description: 'readers: search only',
                Rules: [{ ResourceType: 'index', Resource: writers.map(({ alias }) => `index/${coll}/${alias}*`), Permission: ['aoss:DescribeIndex', 'aoss:ReadDocument'] }],
                Principal: readers,
              },
            ]
          : []),
      ]);
      new aws.opensearch.ServerlessAccessPolicy(
        `${this.resourceName}-access`,
        { name: `${coll}-access`, type: 'data', description: 'index loaders write, Lambdas read', policy: rules.apply((r) => JSON.stringify(r)) },
        child,
      );
      return;
    }
    const domain = this.domain!;
    const sids = writerSids(access.writers.map((w) => w.alias));
    // Loaders change their own index; readers (the Lambdas) only search.
    new aws.opensearch.DomainPolicy(
      `${this.resourceName}-access`,
      {
        domainName: domain.domainName,
        accessPolicies: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            // Each loader its own alias: within the account, this policy alone would grant what it names.
            ...access.writers.map((w, i) => ({ Sid: sids[i], Effect: 'Allow', Principal: { AWS: w.roleArn }, Action: DOMAIN_WRITE_ACTIONS, Resource: domainLoaderPaths(w.alias).map((p) => pulumi.interpolate`${domain.arn}/${p}`) })),
            ...(access.readers.length
              ? [{ Sid: 'Readers', Effect: 'Allow', Principal: { AWS: pulumi.output([...access.readers]) }, Action: DOMAIN_READ_ACTIONS, Resource: pulumi.interpolate`${domain.arn}/*` }]
              : []),
          ],
        }),
      },
      child,
    );
  }
}
