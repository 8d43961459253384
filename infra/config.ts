/**
 * The stack's configuration, typed: every `headwater:*` key with its default, read from a
 * `ConfigSource` (Pulumi's config when deploying, the stack's YAML file under mocks). Problems are
 * collected and thrown together, each naming the key and the `pulumi config set` that fixes it.
 */

/** Where raw config values come from: a key (without the `headwater:` namespace) to its text. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

export type SearchFlavour = 'serverless' | 'domain';

/**
 * An awsx VPC this stack creates (with NAT, or with interface endpoints in `endpointAzCount` zones
 * instead: cheaper for an idle stack), an existing VPC given by ids, or one read from another
 * stack's outputs (`vpcId`, `privateSubnetIds`, optionally `securityGroupIds`).
 */
export type VpcConfig =
  | {
      readonly mode: 'create';
      readonly cidrBlock: string;
      readonly azCount: number;
      readonly natGateways: 'single' | 'one-per-az' | 'none';
      /** Interface endpoints (service names like `glue`, `logs`) for AWS APIs, needed when there is no NAT. @default [] */
      readonly interfaceEndpoints?: readonly string[];
      /** Zones the interface endpoints are placed in (each zone is billed per endpoint-hour). @default 1 */
      readonly endpointAzCount?: number;
    }
  | { readonly mode: 'existing'; readonly vpcId: string; readonly privateSubnetIds: readonly string[]; readonly securityGroupIds: readonly string[] }
  | { readonly mode: 'stack'; readonly stack: string };

export interface PlatformConfig {
  /** Stack name (`dev`, `prod`): part of every resource name and of the manifest's SSM path. */
  readonly stack: string;
  /** The graph module the stack provisions, relative to the project root (a fork's own graph). @default 'assets/index.ts' (the reference graph) */
  readonly graph: string;
  readonly region: string;
  /** Owner tag for shared resources (assets use their own `owners`). */
  readonly owner: string;
  readonly lake: {
    /** Zones whose objects move to Glacier after `glacierAfterDays` (the raw zone by default). */
    readonly glacierZones: readonly string[];
    readonly glacierAfterDays: number;
    /** Noncurrent object versions are deleted after this many days. */
    readonly noncurrentVersionDays: number;
    readonly abortMultipartDays: number;
    /** Allows `pulumi destroy` to delete non-empty buckets (dev only). */
    readonly forceDestroy: boolean;
  };
  readonly logRetentionDays: number;
  readonly sizes: {
    /** Multiplies every Glue job's declared worker count (prod runs bigger than dev). */
    readonly glueWorkerMultiplier: number;
    /** EMR Serverless maximum capacity; overrides the asset's declared capacity when set. */
    readonly emrMaxCpu?: string;
    readonly emrMaxMemory?: string;
    /** Overrides the stream's declared capacity mode. */
    readonly kinesisMode?: 'provisioned' | 'on-demand';
    readonly kinesisShards?: number;
  };
  readonly search: {
    readonly flavour: SearchFlavour;
    /** Serverless: redundant replicas (off in dev halves the OCU floor). */
    readonly standbyReplicas: boolean;
    readonly domainInstanceType: string;
    readonly domainInstanceCount: number;
    readonly domainVolumeGb: number;
    /** Domain: the IAM role that administers fine-grained access (required for a domain). */
    readonly domainMasterUserArn?: string;
    /** Domain: dedicated master node type and count (3); none when unset. */
    readonly dedicatedMasterType?: string;
  };
  readonly vpc: VpcConfig;
  readonly source: {
    readonly jdbcUrl: string;
    readonly secretArn: string;
  };
  readonly alarmEmail?: string;
  readonly api: {
    readonly reservedConcurrency?: number;
    readonly provisionedConcurrency?: number;
    /** Gradual deploy: the version the `live` alias keeps serving, and the share of traffic the new version gets. */
    readonly stableVersion?: string;
    readonly canaryWeight?: number;
  };
  /** Protect and retain data stores (buckets, stream, table, keys, search) against replacement and destroy. */
  readonly protectData: boolean;
  /** Monthly cost budget in USD (AWS Budgets alerts at 80% actual and 100% forecast). */
  readonly budgetMonthlyUsd: number;
  /**
   * IAM roles allowed to assume the stack's operator role (which runs the CLI, index loads included).
   * @default [] (people of this account, with MFA)
   */
  readonly operatorRoleArns: readonly string[];
}

/** Every key this loader reads, with what it does (infra/README.md's table repeats these words). */
export const CONFIG_KEYS: Readonly<Record<string, string>> = {
  graph: 'the graph module the stack provisions, relative to the project root, e.g. examples/music/graph.ts (default assets/index.ts, the reference graph)',
  owner: 'owner tag of shared resources (default team:data-platform)',
  lakeGlacierZones: 'JSON list of lake zones moved to Glacier (default ["raw"])',
  lakeGlacierAfterDays: 'days before objects of those zones move to Glacier (default 90)',
  lakeNoncurrentVersionDays: 'days before noncurrent object versions are deleted (default 30)',
  lakeAbortMultipartDays: 'days before incomplete multipart uploads are aborted (default 7)',
  lakeForceDestroy: 'let `pulumi destroy` empty the buckets (default false; true only for dev)',
  logRetentionDays: 'CloudWatch log retention of Lambdas and jobs (default 30)',
  glueWorkerMultiplier: "multiplies each Glue asset's declared workers (default 1)",
  emrMaxCpu: "EMR Serverless maximum vCPU, e.g. '16 vCPU' (default: the asset's declaration)",
  emrMaxMemory: "EMR Serverless maximum memory, e.g. '64 GB' (default: the asset's declaration)",
  kinesisMode: "'provisioned' or 'on-demand' (default: the stream asset's declaration)",
  kinesisShards: "shard count in provisioned mode (default: the stream asset's declaration)",
  searchFlavour: "'serverless' (OpenSearch Serverless VECTORSEARCH collection) or 'domain' (default serverless)",
  searchStandbyReplicas: 'serverless: redundant standby replicas (default true)',
  domainInstanceType: 'domain: data node instance type (default r7g.large.search)',
  domainInstanceCount: 'domain: data node count, spread over zones (default 3)',
  domainVolumeGb: 'domain: gp3 volume per node in GB (default 100)',
  domainMasterUserArn: 'domain: IAM role ARN of the fine-grained access administrator (required for a domain)',
  vpc: 'JSON: {"mode":"create","cidrBlock":"10.20.0.0/16","azCount":2,"natGateways":"single"|"none","interfaceEndpoints":[...],"endpointAzCount":1}, {"mode":"existing","vpcId":"vpc-...","privateSubnetIds":[...],"securityGroupIds":[...]} or {"mode":"stack","stack":"org/network/prod"} (a stack reference)',
  sourceJdbcUrl: 'JDBC URL of the source database read replica (required), e.g. jdbc:postgresql://host:5432/classicmodels',
  sourceSecretArn: 'Secrets Manager ARN of the source database credentials (required; username and password keys)',
  alarmEmail: 'e-mail subscribed to the alarm topic (optional; confirm the subscription once)',
  apiReservedConcurrency: "recommender API reserved concurrency (default: the asset's declaration)",
  apiProvisionedConcurrency: "recommender API provisioned concurrency (default: the asset's declaration; 0 disables)",
  operatorRoleArns: 'JSON list of IAM role ARNs allowed to assume the stack\'s operator role (default none: people of this account, with MFA)',
  domainDedicatedMasterType: 'domain: dedicated master node type, three of them (default none; set for production, e.g. m7g.large.search)',
  protectData: 'protect and retain data stores against replacement and `pulumi destroy` (default true; false only for disposable stacks)',
  budgetMonthlyUsd: 'monthly AWS Budget of the stack in USD, alerting the alarm e-mail at 80% actual and 100% forecast (default 500)',
  apiStableVersion: 'gradual deploy: the Lambda version the live alias keeps (default: the new version takes all traffic)',
  apiCanaryWeight: 'gradual deploy: share of traffic (0 to 1) the new version gets while apiStableVersion is set (default 0.1)',
};

/** Thrown when the stack's configuration is incomplete or wrong; lists every problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly stackName: string,
    readonly problems: readonly string[],
  ) {
    super(`stack '${stackName}' configuration has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The reference graph's module: what a stack provisions when `headwater:graph` is unset. */
export const DEFAULT_GRAPH_MODULE = 'assets/index.ts';

const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$/;

/** Reads and validates the stack's configuration. */
export function loadConfig(stack: string, region: string | undefined, source: ConfigSource): PlatformConfig {
  const problems: string[] = [];
  const fix = (key: string, example: string) => `set it with \`pulumi config set headwater:${key} ${example} --stack ${stack}\``;

  const raw = (key: string): string | undefined => {
    if (!(key in CONFIG_KEYS)) throw new Error(`internal: config key '${key}' is not documented in CONFIG_KEYS`);
    const v = source.get(key);
    return v === undefined || v === '' ? undefined : v;
  };
  const str = (key: string, dflt?: string): string | undefined => raw(key) ?? dflt;
  const num = (key: string, dflt: number | undefined, min: number, max: number): number | undefined => {
    const v = raw(key);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) {
      problems.push(`headwater:${key} is '${v}', expected a number from ${min} to ${max}; ${fix(key, String(dflt ?? min))}`);
      return dflt;
    }
    return n;
  };
  const bool = (key: string, dflt: boolean): boolean => {
    const v = raw(key);
    if (v === undefined) return dflt;
    if (v === 'true' || v === 'false') return v === 'true';
    problems.push(`headwater:${key} is '${v}', expected true or false`);
    return dflt;
  };
  const json = <T>(key: string, dflt: T, check: (x: unknown) => string | undefined): T => {
    const v = raw(key);
    if (v === undefined) return dflt;
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      problems.push(`headwater:${key} is not JSON ('${v}'); expected ${CONFIG_KEYS[key]}`);
      return dflt;
    }
    const p = check(parsed);
    if (p) {
      problems.push(`headwater:${key}: ${p}`);
      return dflt;
    }
    return parsed as T;
  };
  const oneOf = <T extends string>(key: string, values: readonly T[], dflt?: T): T | undefined => {
    const v = raw(key);
    if (v === undefined) return dflt;
    if ((values as readonly string[]).includes(v)) return v as T;
    problems.push(`headwater:${key} is '${v}', expected one of ${values.map((x) => `'${x}'`).join(', ')}`);
    return dflt;
  };
  const stringList = (x: unknown) => (Array.isArray(x) && x.every((s) => typeof s === 'string') ? undefined : 'expected a JSON list of strings');

  if (!region) problems.push(`aws:region is not set; set it with \`pulumi config set aws:region eu-west-1 --stack ${stack}\``);

  const jdbcUrl = str('sourceJdbcUrl');
  if (!jdbcUrl) problems.push(`headwater:sourceJdbcUrl is required (the source database the Glue extracts read); ${fix('sourceJdbcUrl', 'jdbc:postgresql://replica.example:5432/classicmodels')}`);
  else if (!/^jdbc:[a-z]+:\/\/[^/]+\/.+/.test(jdbcUrl)) problems.push(`headwater:sourceJdbcUrl '${jdbcUrl}' is not a JDBC URL like jdbc:postgresql://host:5432/db`);
  const secretArn = str('sourceSecretArn');
  if (!secretArn) problems.push(`headwater:sourceSecretArn is required (Secrets Manager secret with the source credentials); ${fix('sourceSecretArn', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:headwater/source-AbCdEf')}`);
  else if (!ARN.test(secretArn) || !secretArn.includes(':secretsmanager:')) problems.push(`headwater:sourceSecretArn '${secretArn}' is not a Secrets Manager ARN`);

  const flavour = oneOf<SearchFlavour>('searchFlavour', ['serverless', 'domain'], 'serverless')!;
  const domainMasterUserArn = str('domainMasterUserArn');
  if (flavour === 'domain' && !domainMasterUserArn) {
    problems.push(`headwater:domainMasterUserArn is required when searchFlavour is 'domain' (fine-grained access needs an administrator); ${fix('domainMasterUserArn', 'arn:aws:iam::123456789012:role/search-admin')}`);
  } else if (domainMasterUserArn && !ARN.test(domainMasterUserArn)) problems.push(`headwater:domainMasterUserArn '${domainMasterUserArn}' is not an IAM ARN`);

  const vpc = json<VpcConfig>('vpc', { mode: 'create', cidrBlock: '10.20.0.0/16', azCount: 2, natGateways: 'single' }, vpcProblem);
  const alarmEmail = str('alarmEmail');
  if (alarmEmail && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) problems.push(`headwater:alarmEmail '${alarmEmail}' is not an e-mail address`);
  const operatorRoleArns = json<string[]>('operatorRoleArns', [], (x) => stringList(x) ?? ((x as string[]).find((a) => !ARN.test(a)) ? 'every entry must be an IAM role ARN' : undefined));

  const graph = str('graph', DEFAULT_GRAPH_MODULE)!;
  if (!/\.(ts|js|cjs|mjs)$/.test(graph)) problems.push(`headwater:graph is '${graph}', expected a .ts or .js module path; ${fix('graph', 'examples/music/graph.ts')}`);

  const cfg: PlatformConfig = {
    stack,
    graph,
    region: region ?? 'unset',
    owner: str('owner', 'team:data-platform')!,
    lake: {
      glacierZones: json<string[]>('lakeGlacierZones', ['raw'], stringList),
      glacierAfterDays: num('lakeGlacierAfterDays', 90, 1, 3650)!,
      noncurrentVersionDays: num('lakeNoncurrentVersionDays', 30, 1, 3650)!,
      abortMultipartDays: num('lakeAbortMultipartDays', 7, 1, 365)!,
      forceDestroy: bool('lakeForceDestroy', false),
    },
    logRetentionDays: num('logRetentionDays', 30, 1, 3653)!,
    sizes: {
      glueWorkerMultiplier: num('glueWorkerMultiplier', 1, 1, 100)!,
      emrMaxCpu: str('emrMaxCpu'),
      emrMaxMemory: str('emrMaxMemory'),
      kinesisMode: oneOf('kinesisMode', ['provisioned', 'on-demand'] as const),
      kinesisShards: num('kinesisShards', undefined, 1, 10_000),
    },
    search: {
      flavour,
      standbyReplicas: bool('searchStandbyReplicas', true),
      domainInstanceType: str('domainInstanceType', 'r7g.large.search')!,
      domainInstanceCount: num('domainInstanceCount', 3, 1, 80)!,
      domainVolumeGb: num('domainVolumeGb', 100, 10, 16_384)!,
      domainMasterUserArn,
      dedicatedMasterType: str('domainDedicatedMasterType'),
    },
    vpc,
    source: { jdbcUrl: jdbcUrl ?? '', secretArn: secretArn ?? '' },
    alarmEmail,
    api: {
      reservedConcurrency: num('apiReservedConcurrency', undefined, 1, 10_000),
      provisionedConcurrency: num('apiProvisionedConcurrency', undefined, 0, 10_000),
      stableVersion: str('apiStableVersion'),
      canaryWeight: num('apiCanaryWeight', 0.1, 0, 1),
    },
    protectData: bool('protectData', true),
    budgetMonthlyUsd: num('budgetMonthlyUsd', 500, 1, 10_000_000)!,
    operatorRoleArns,
  };
  if (cfg.api.reservedConcurrency !== undefined && cfg.api.provisionedConcurrency !== undefined && cfg.api.provisionedConcurrency > cfg.api.reservedConcurrency) {
    problems.push(`headwater:apiProvisionedConcurrency (${cfg.api.provisionedConcurrency}) exceeds headwater:apiReservedConcurrency (${cfg.api.reservedConcurrency}); AWS refuses that`);
  }
  if (cfg.api.stableVersion !== undefined && !/^\d+$/.test(cfg.api.stableVersion)) {
    problems.push(`headwater:apiStableVersion is '${cfg.api.stableVersion}', expected a published Lambda version number such as 7; ${fix('apiStableVersion', '7')}`);
  }
  if (problems.length) throw new ConfigError(stack, problems);
  return cfg;
}

function vpcProblem(x: unknown): string | undefined {
  const v = x as Record<string, unknown>;
  if (!v || typeof v !== 'object') return 'expected a JSON object';
  if (v.mode === 'create') {
    if (typeof v.cidrBlock !== 'string' || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(v.cidrBlock)) return 'mode create needs cidrBlock like "10.20.0.0/16"';
    if (!Number.isInteger(v.azCount) || (v.azCount as number) < 2 || (v.azCount as number) > 6) return 'mode create needs azCount from 2 to 6 (Glue and OpenSearch want two zones)';
    if (!['single', 'one-per-az', 'none'].includes(String(v.natGateways))) return "mode create needs natGateways 'single', 'one-per-az' or 'none'";
    if (v.interfaceEndpoints !== undefined && !(Array.isArray(v.interfaceEndpoints) && v.interfaceEndpoints.every((e) => typeof e === 'string' && /^[a-z0-9.-]+$/.test(e)))) {
      return 'interfaceEndpoints must be a list of AWS service names such as "glue", "logs", "secretsmanager"';
    }
    if (v.endpointAzCount !== undefined && (!Number.isInteger(v.endpointAzCount) || (v.endpointAzCount as number) < 1 || (v.endpointAzCount as number) > (v.azCount as number))) {
      return 'endpointAzCount must be a whole number from 1 to azCount';
    }
    if (v.natGateways === 'none' && !(Array.isArray(v.interfaceEndpoints) && v.interfaceEndpoints.length)) {
      return "natGateways 'none' needs interfaceEndpoints (e.g. [\"glue\",\"secretsmanager\",\"logs\",\"monitoring\",\"kms\"]): without NAT, Glue reaches AWS APIs only through them";
    }
    return undefined;
  }
  if (v.mode === 'stack') {
    if (typeof v.stack !== 'string' || !/^[^/\s]+\/[^/\s]+\/[^/\s]+$/.test(v.stack)) return 'mode stack needs stack, the network stack\'s full name "org/project/stack" (its outputs vpcId and privateSubnetIds are read)';
    return undefined;
  }
  if (v.mode === 'existing') {
    if (typeof v.vpcId !== 'string' || !v.vpcId.startsWith('vpc-')) return 'mode existing needs vpcId like "vpc-0abc..."';
    const subnets = v.privateSubnetIds;
    if (!Array.isArray(subnets) || subnets.length < 1 || !subnets.every((s) => typeof s === 'string' && s.startsWith('subnet-'))) {
      return 'mode existing needs privateSubnetIds, a list of "subnet-..." ids';
    }
    const sgs = v.securityGroupIds;
    if (!Array.isArray(sgs) || !sgs.every((s) => typeof s === 'string' && s.startsWith('sg-'))) return 'mode existing needs securityGroupIds, a list of "sg-..." ids (may be empty)';
    return undefined;
  }
  return `mode must be 'create', 'existing' or 'stack', got '${String(v.mode)}'`;
}
