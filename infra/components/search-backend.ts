/**
 * Where the vector indexes live: an OpenSearch Serverless VECTORSEARCH collection (encryption,
 * network and data-access policies) or, when configured, an OpenSearch domain (encryption at
 * rest, node-to-node encryption, HTTPS only, fine-grained access with an IAM administrator).
 *
 * The data-access policy names the roles that load and read the indexes. The readers (Lambdas)
 * sit downstream of the indexes in the graph, so the policy is created by `grant` once the walk
 * is over, as a child of this component.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PlatformConfig } from '../config';
import type { Statement } from '../iam';
import type { Lake } from './lake';

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
  private domain?: aws.opensearch.Domain;

  constructor(name: string, args: { cfg: PlatformConfig; lake: Lake }, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:search:SearchBackend', name, {}, opts);
    const { cfg, lake } = args;
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
      const network = new aws.opensearch.ServerlessSecurityPolicy(
        `${name}-network`,
        {
          name: `${this.collectionName}-net`,
          type: 'network',
          description: 'HTTPS endpoint reachable with SigV4 credentials only (the data-access policy decides who); no dashboards',
          policy: JSON.stringify([{ Rules: scope, AllowFromPublic: true }]),
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
        { parent: this, dependsOn: [encryption, network] },
      );
      this.endpoint = collection.collectionEndpoint;
      this.arn = collection.arn;
    } else {
      this.signingService = 'es';
      const count = cfg.search.domainInstanceCount;
      this.domain = new aws.opensearch.Domain(
        `${name}-domain`,
        {
          domainName: this.collectionName,
          engineVersion: 'OpenSearch_2.19',
          clusterConfig: {
            instanceType: cfg.search.domainInstanceType,
            instanceCount: count,
            zoneAwarenessEnabled: count > 1,
            zoneAwarenessConfig: count > 1 ? { availabilityZoneCount: Math.min(3, count) } : undefined,
          },
          ebsOptions: { ebsEnabled: true, volumeType: 'gp3', volumeSize: cfg.search.domainVolumeGb },
          encryptAtRest: { enabled: true, kmsKeyId: lake.key.arn },
          nodeToNodeEncryption: { enabled: true },
          domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: 'Policy-Min-TLS-1-2-PFS-2023-10' },
          advancedSecurityOptions: {
            enabled: true,
            internalUserDatabaseEnabled: false,
            masterUserOptions: { masterUserArn: cfg.search.domainMasterUserArn },
          },
        },
        child,
      );
      this.endpoint = pulumi.interpolate`https://${this.domain.endpoint}`;
      this.arn = this.domain.arn;
    }
    this.registerOutputs({ endpoint: this.endpoint, arn: this.arn });
  }

  /** IAM statements letting a role load (`write`) or search (`read`) the indexes. */
  statements(mode: 'read' | 'write'): Statement[] {
    if (this.signingService === 'aoss') {
      // aoss:APIAccessAll only opens the HTTP API; what a role may do inside is the data-access policy.
      return [{ Sid: 'SearchApi', Effect: 'Allow', Action: ['aoss:APIAccessAll'], Resource: [this.arn] }];
    }
    const actions = mode === 'read' ? ['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpHead'] : ['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpHead', 'es:ESHttpPut', 'es:ESHttpDelete'];
    return [{ Sid: 'SearchApi', Effect: 'Allow', Action: actions, Resource: [pulumi.interpolate`${this.arn}/*`] }];
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
    const principals = pulumi.output([...access.writers.map((w) => w.roleArn), ...access.readers]);
    new aws.opensearch.DomainPolicy(
      `${this.resourceName}-access`,
      {
        domainName: domain.domainName,
        accessPolicies: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'LoadersAndReaders',
              Effect: 'Allow',
              Principal: { AWS: principals },
              Action: ['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpHead', 'es:ESHttpPut', 'es:ESHttpDelete'],
              Resource: pulumi.interpolate`${domain.arn}/*`,
            },
          ],
        }),
      },
      child,
    );
  }
}
