/** The Pulumi program under mocks, for the dev and prod stacks: resources per asset, IAM scope, the manifest. */
import { mocks, stackConfig, synth } from './mock-runtime';
import { expect } from 'chai';
import graph from '../../assets';
import type { RecordedResource } from '../../infra/synth/mocks';
import { MOCK_ACCOUNT } from '../../infra/synth/mocks';
import type { Synthesis } from '../../infra/synth/synthesize';
import { slug } from '../../infra/lake-layout';
import { defineAsset, defineGraph } from '../../assets/core';
import { REFERENCE_KINDS, lambdaApi } from '../../assets/kinds';

const byType = (s: Synthesis, type: string) => s.resources.filter((r) => r.type === type);
const named = (s: Synthesis, type: string, name: string): RecordedResource => {
  const r = s.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}; have ${byType(s, type).map((x) => x.name).join(', ')}`);
  return r;
};
type Stmt = { Sid: string; Effect: string; Action: string[]; Resource: string[]; Condition?: Record<string, Record<string, string[]>> };
const statements = (s: Synthesis, policyName: string): Stmt[] => JSON.parse(String(named(s, 'aws:iam/rolePolicy:RolePolicy', policyName).inputs.policy)).Statement;
const REGION = 'eu-west-1';

/** What each kind must yield, by the component's resource names. */
const EXPECTED: Record<string, (key: string) => [type: string, name: string][]> = {
  'rds-table': (k) => [['aws:glue/catalogTable:CatalogTable', `${slug(k)}-table`]],
  'kinesis-stream': (k) => [['aws:kinesis/stream:Stream', `${slug(k)}-stream`]],
  'glue-extract': (k) => [['aws:glue/job:Job', `${slug(k)}-job`], ['aws:iam/role:Role', `${slug(k)}-role`], ['aws:iam/rolePolicy:RolePolicy', `${slug(k)}-policy`]],
  'glue-sql': (k) => [['aws:glue/job:Job', `${slug(k)}-job`], ['aws:iam/role:Role', `${slug(k)}-role`], ['aws:s3/bucketObjectv2:BucketObjectv2', `${slug(k)}-sql`]],
  'emr-spark': (k) => [['aws:emrserverless/application:Application', `${slug(k)}-app`], ['aws:iam/role:Role', `${slug(k)}-role`], ['aws:s3/bucketObjectv2:BucketObjectv2', `${slug(k)}-script`]],
  'vector-index': (k) => [['aws:lambda/function:Function', `${slug(k)}-loader-fn`], ['aws:iam/role:Role', `${slug(k)}-loader-role`], ['aws:iam/rolePolicy:RolePolicy', `${slug(k)}-loader-policy`]],
  'lambda-api': (k) => [['aws:lambda/function:Function', `${slug(k)}-fn`], ['aws:lambda/functionUrl:FunctionUrl', `${slug(k)}-url`], ['aws:lambda/alias:Alias', `${slug(k)}-live`]],
  'stream-delivery': (k) => [['aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream', `${slug(k)}-firehose`], ['aws:lambda/function:Function', `${slug(k)}-transform-fn`]],
};

for (const stack of ['dev', 'prod'] as const) {
  describe(`infra program under mocks: ${stack} stack`, () => {
    let s: Synthesis;
    before(async () => {
      s = await synth(stack);
    });

    it('instantiates one component of its kind per asset, with the kind\'s resources, parented under the platform', () => {
      for (const key of graph.keys) {
        const asset = graph.get(key);
        const component = s.resources.find((r) => r.type.startsWith('headwater:') && r.name === slug(key));
        expect(component, `component of ${key}`).to.not.equal(undefined);
        for (const [type, name] of EXPECTED[asset.compute.kind](key)) expect(() => named(s, type, name), `${key}: ${type} ${name}`).to.not.throw();
      }
      const platform = s.root;
      expect(platform.type).to.equal('headwater:platform:Platform');
      expect(platform.children.map((c) => c.name)).to.include.members(graph.keys.map(slug));
      expect(platform.children.find((c) => c.name === 'raw-ratings')!.children.map((c) => c.type)).to.include('aws:glue/job:Job');
    });

    it('builds the lake: a bucket per zone, KMS, versioning, public access block, TLS-only policy, lifecycle, catalog tables', () => {
      const zones = ['analytics', 'artifacts', 'model', 'raw', 'serving', 'training'];
      expect(byType(s, 'aws:s3/bucket:Bucket').map((b) => b.name).sort()).to.deep.equal(zones.map((z) => `lake-${z}`));
      for (const z of zones) {
        expect(named(s, 'aws:s3/bucketVersioning:BucketVersioning', `lake-${z}-versioning`).inputs.versioningConfiguration).to.deep.equal({ status: 'Enabled' });
        const sse = named(s, 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', `lake-${z}-encryption`).inputs.rules as { applyServerSideEncryptionByDefault: { sseAlgorithm: string } }[];
        expect(sse[0].applyServerSideEncryptionByDefault.sseAlgorithm).to.equal('aws:kms');
        const rules = named(s, 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', `lake-${z}-lifecycle`).inputs.rules as { id: string; transitions?: { days: number; storageClass: string }[] }[];
        expect(rules.map((r) => r.id)).to.include('abort-incomplete-uploads');
        // Instant Retrieval: Glue reads archived raw days directly, so a backfill needs no restore.
        const glacier = rules.find((r) => r.id === 'to-glacier-ir');
        if (z === 'raw') expect(glacier!.transitions![0]).to.deep.equal({ days: stack === 'dev' ? 30 : 90, storageClass: 'GLACIER_IR' });
        else expect(glacier).to.equal(undefined);
      }
      const training = named(s, 'aws:glue/catalogTable:CatalogTable', 'lake-table-ratings_ml_training').inputs as { storageDescriptor: { columns: { name: string }[]; location: string }; partitionKeys: { name: string }[] };
      expect(training.storageDescriptor.columns).to.have.length(13);
      expect(training.partitionKeys.map((k) => k.name)).to.deep.equal(['dt']);
      expect(training.storageDescriptor.location).to.equal('s3://lake-training/ratings_ml_training/');
      const recs = named(s, 'aws:glue/catalogTable:CatalogTable', 'lake-table-serving_recommendations').inputs as { partitionKeys: { name: string }[] };
      expect(recs.partitionKeys.map((k) => k.name)).to.deep.equal(['year', 'month', 'day', 'hour']);
    });

    it('scopes each Glue job role to exactly its deps\' prefixes (read) and its own (write)', () => {
      const st = statements(s, 'training-ratings-ml-training-policy');
      const sid = (x: string) => st.find((t) => t.Sid === x)!;
      expect(sid('OutputWrite').Resource).to.deep.equal(['arn:aws:s3:::lake-training/ratings_ml_training/*']);
      expect(sid('OutputList').Condition!.StringLike['s3:prefix']).to.deep.equal(['ratings_ml_training/*']);
      const reads = st.filter((t) => /^Dep\dRead$/.test(t.Sid)).flatMap((t) => t.Resource).sort();
      expect(reads).to.deep.equal(['arn:aws:s3:::lake-raw/customers/*', 'arn:aws:s3:::lake-raw/products/*', 'arn:aws:s3:::lake-raw/ratings/*']);
      expect(st.flatMap((t) => t.Action)).to.not.include('secretsmanager:GetSecretValue');
      // The extract reads the source: the secret, exactly.
      const extract = statements(s, 'raw-ratings-policy');
      expect(extract.find((t) => t.Sid === 'SourceSecret')!.Resource).to.deep.equal([stackConfig(stack).source.secretArn]);
      expect(extract.find((t) => t.Sid === 'OutputWrite')!.Resource).to.deep.equal(['arn:aws:s3:::lake-raw/ratings/*']);
      expect(extract.find((t) => t.Sid === 'CatalogPartitions')!.Resource).to.deep.equal([
        `arn:aws:glue:${REGION}:${MOCK_ACCOUNT}:catalog`,
        `arn:aws:glue:${REGION}:${MOCK_ACCOUNT}:database/headwater_${stack}`,
        `arn:aws:glue:${REGION}:${MOCK_ACCOUNT}:table/headwater_${stack}/raw_ratings`,
      ]);
    });

    it('configures Glue jobs: Glue 5.0, retries, timeout, security configuration, the JDBC connection for extracts, the SQL file', () => {
      const job = named(s, 'aws:glue/job:Job', 'raw-ratings-job').inputs as Record<string, unknown> & { defaultArguments: Record<string, string>; command: { scriptLocation: string } };
      expect(job).to.include({ glueVersion: '5.0', maxRetries: 1, timeout: 30, workerType: 'G.1X', numberOfWorkers: stack === 'dev' ? 2 : 4, securityConfiguration: `headwater-${stack}-glue` });
      expect(job.connections).to.deep.equal([`headwater-${stack}-source`]);
      expect(job.command.scriptLocation).to.equal('s3://lake-artifacts/code/glue/jdbc_extract.py');
      expect(job.defaultArguments).to.include({ '--source_table': 'ratings', '--partition_column': 'ratedAt', '--partition_keys': 'dt', '--output_uri': 's3://lake-raw/ratings/' });
      const sql = named(s, 'aws:glue/job:Job', 'analytics-sales-hourly-job').inputs as { defaultArguments: Record<string, string>; connections: string[] };
      expect(sql.defaultArguments['--sql_uri']).to.equal('s3://lake-artifacts/code/analytics-sales-hourly/sales_hourly.sql');
      const inputs = JSON.parse(sql.defaultArguments['--inputs']) as { view: string; kind: string }[];
      expect(inputs.map((i) => `${i.view}:${i.kind}`)).to.deep.equal(['source__orders:jdbc', 'source__order_lines:jdbc', 'raw__products:lake', 'raw__customers:lake']);
      expect(sql.connections).to.have.length(1);
      const conn = byType(s, 'aws:glue/connection:Connection')[0].inputs as { connectionProperties: Record<string, string> };
      expect(conn.connectionProperties).to.include({ SECRET_ID: stackConfig(stack).source.secretArn, JDBC_ENFORCE_SSL: 'true' });
    });

    it('gives the EMR application its capacity and the job role exactly its inputs, output and logs', () => {
      const app = named(s, 'aws:emrserverless/application:Application', 'model-recommender-app').inputs as Record<string, unknown>;
      expect(app).to.deep.include({ type: 'spark', releaseLabel: 'emr-7.5.0', autoStartConfiguration: { enabled: true }, autoStopConfiguration: { enabled: true, idleTimeoutMinutes: 15 } });
      expect(app.maximumCapacity).to.deep.equal(stack === 'dev' ? { cpu: '8 vCPU', memory: '32 GB' } : { cpu: '32 vCPU', memory: '128 GB' });
      const st = statements(s, 'model-recommender-policy');
      expect(st.find((t) => t.Sid === 'OutputWrite')!.Resource).to.deep.equal(['arn:aws:s3:::lake-model/recommender/*']);
      expect(st.filter((t) => /^Dep\dRead$/.test(t.Sid)).flatMap((t) => t.Resource).sort()).to.deep.equal([
        'arn:aws:s3:::lake-raw/customers/*',
        'arn:aws:s3:::lake-raw/products/*',
        'arn:aws:s3:::lake-training/ratings_ml_training/*',
      ]);
      const m = s.manifest.assets['model/recommender'];
      expect(m.kind).to.equal('emr-spark');
      if (m.kind === 'emr-spark') {
        expect(m.entryPoint).to.equal('s3://lake-artifacts/code/model-recommender/train_recommender.py');
        expect(m.entryPointArguments).to.include.members(['--output', 's3://lake-model/recommender/', '--factors', '32', '--input', 'training__ratings_ml_training=s3://lake-training/ratings_ml_training/']);
      }
    });

    it('scopes the index loaders to their embeddings and the search backend of the stack', () => {
      const st = statements(s, 'index-item-embeddings-loader-policy');
      expect(st.find((t) => t.Sid === 'EmbeddingsRead')).to.deep.include({ Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::lake-model/recommender/item_embeddings.parquet'] });
      expect(st.flatMap((t) => t.Action)).to.not.include('s3:ListBucket');
      expect(statements(s, 'index-user-embeddings-loader-policy').find((t) => t.Sid === 'EmbeddingsRead')!.Resource).to.deep.equal(['arn:aws:s3:::lake-model/recommender/user_embeddings.parquet']);
      const item = s.manifest.assets['index/item_embeddings'];
      expect(item).to.deep.include({
        kind: 'vector-index',
        alias: 'item_embeddings',
        idField: 'product_code',
        dimension: 33,
        signingService: 'es',
        embeddings: { bucket: 'lake-model', key: 'recommender/item_embeddings.parquet', idColumn: 'product_code' },
      });
      expect(s.manifest.assets['index/user_embeddings']).to.deep.include({ embeddings: { bucket: 'lake-model', key: 'recommender/user_embeddings.parquet', idColumn: 'customer_number' } });
      const api = st.find((t) => t.Sid === 'SearchApi')!;
      const domainArn = `arn:aws:es:${REGION}:${MOCK_ACCOUNT}:domain/hw-${stack}-vectors`;
      expect(api.Resource).to.deep.equal([`${domainArn}/item_embeddings_v*`, `${domainArn}/item_embeddings`, `${domainArn}/item_embeddings/*`, `${domainArn}/_alias/item_embeddings`, `${domainArn}/_aliases`, `${domainArn}/_bulk`]);
      const domain = byType(s, 'aws:opensearch/domain:Domain')[0].inputs as Record<string, Record<string, unknown>>;
      expect(domain.encryptAtRest.enabled).to.equal(true);
      expect(domain.nodeToNodeEncryption).to.deep.equal({ enabled: true });
      expect(domain.domainEndpointOptions.enforceHttps).to.equal(true);
      expect(domain.advancedSecurityOptions).to.deep.include({ enabled: true, internalUserDatabaseEnabled: false });
      expect(byType(s, 'aws:opensearch/serverlessCollection:ServerlessCollection')).to.have.length(0);
    });

    it('runs each index load in its own Lambda: the handler, one load at a time, in the VPC, its entry fixed by the stack', () => {
      const fn = named(s, 'aws:lambda/function:Function', 'index-item-embeddings-loader-fn').inputs as Record<string, unknown> & { environment: { variables: Record<string, string> }; vpcConfig: { securityGroupIds: string[] } };
      expect(fn).to.include({ name: `headwater-${stack}-index-item-embeddings-loader`, runtime: 'nodejs22.x', handler: 'index.handler', memorySize: 1024, timeout: 900, reservedConcurrentExecutions: 1 });
      expect(fn.description).to.equal('index/item_embeddings: jobs/aws/index-load-handler.ts');
      expect(fn.vpcConfig.securityGroupIds).to.deep.equal(['sg-network-search-clients']);
      const entry = JSON.parse(fn.environment.variables.HEADWATER_INDEX_ENTRY) as Record<string, unknown>;
      const { loaderFunctionName, loaderFunctionArn, ...published } = s.manifest.assets['index/item_embeddings'] as unknown as Record<string, unknown>;
      // The function's entry is the manifest's, less its own name; the manifest names the function for the CLI and the state machines.
      expect(entry).to.deep.equal(published);
      expect(entry.loaderRoleArn).to.equal(`arn:aws:iam::${MOCK_ACCOUNT}:role/index-item-embeddings-loader-role`);
      expect(loaderFunctionName).to.equal(`headwater-${stack}-index-item-embeddings-loader`);
      expect(loaderFunctionArn).to.equal(`arn:aws:lambda:${REGION}:${MOCK_ACCOUNT}:function:headwater-${stack}-index-item-embeddings-loader`);
      expect(fn.environment.variables).to.include({ HEADWATER_ENV: stack, HEADWATER_ASSET: 'index/item_embeddings' });
    });

    it('keeps the search domain private, with dedicated masters in prod and its logs published', () => {
      const domain = byType(s, 'aws:opensearch/domain:Domain')[0].inputs as Record<string, Record<string, unknown>> & { logPublishingOptions: { logType: string; cloudwatchLogGroupArn: string }[] };
      const vpc = domain.vpcOptions as { subnetIds: string[]; securityGroupIds: string[] };
      expect(vpc.subnetIds).to.have.length(stack === 'dev' ? 1 : 3);
      expect(vpc.securityGroupIds).to.deep.equal(['sg-network-search']);
      const sg = named(s, 'aws:ec2/securityGroup:SecurityGroup', 'network-search').inputs as { ingress: { fromPort: number; securityGroups: string[]; cidrBlocks?: string[] }[] };
      expect(sg.ingress).to.have.length(1);
      expect(sg.ingress[0]).to.deep.include({ fromPort: 443, securityGroups: ['sg-network-search-clients'] });
      expect(sg.ingress[0].cidrBlocks).to.equal(undefined);
      if (stack === 'prod') expect(domain.clusterConfig).to.deep.include({ dedicatedMasterEnabled: true, dedicatedMasterType: 'm7g.large.search', dedicatedMasterCount: 3 });
      else expect(domain.clusterConfig).to.deep.include({ dedicatedMasterEnabled: false, instanceType: 't3.small.search', instanceCount: 1 });
      expect(domain.logPublishingOptions.map((l) => l.logType).sort()).to.deep.equal(['ES_APPLICATION_LOGS', 'INDEX_SLOW_LOGS', 'SEARCH_SLOW_LOGS']);
      const policy = JSON.parse(String(byType(s, 'aws:cloudwatch/logResourcePolicy:LogResourcePolicy')[0].inputs.policyDocument)) as { Statement: { Principal: unknown; Condition: unknown }[] };
      expect(policy.Statement[0]).to.deep.include({ Principal: { Service: 'es.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': MOCK_ACCOUNT } } });
      // The Lambdas that read or load it run in the VPC as search clients.
      for (const fnName of ['serving-recommender-api-fn', 'serving-recommendations-transform-fn', 'index-item-embeddings-loader-fn', 'index-user-embeddings-loader-fn']) {
        expect((named(s, 'aws:lambda/function:Function', fnName).inputs.vpcConfig as { securityGroupIds: string[] }).securityGroupIds).to.deep.equal(['sg-network-search-clients']);
      }
    });

    it('lets readers search and only each loader change its own index (domain access policy)', () => {
      const policy = JSON.parse(String(byType(s, 'aws:opensearch/domainPolicy:DomainPolicy')[0].inputs.accessPolicies)) as { Statement: { Sid: string; Principal: { AWS: string[] }; Action: string[]; Resource: string[] }[] };
      const loaders = policy.Statement.find((x) => x.Sid === 'LoadItemEmbeddings')!;
      const readers = policy.Statement.find((x) => x.Sid === 'Readers')!;
      expect(loaders.Principal.AWS).to.equal(`arn:aws:iam::${MOCK_ACCOUNT}:role/index-item-embeddings-loader-role`);
      expect(loaders.Resource.every((r) => /\/(item_embeddings_v\*|item_embeddings|item_embeddings\/\*|_alias\/item_embeddings|_aliases|_bulk)$/.test(r))).to.equal(true);
      expect(readers.Principal.AWS.map((a) => a.split('/').pop()).sort()).to.deep.equal(['serving-recommendations-transform-role', 'serving-recommender-api-role']);
      expect(readers.Action).to.deep.equal(['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpHead']);
      expect(readers.Action).to.not.include.members(['es:ESHttpPut', 'es:ESHttpDelete']);
      expect(loaders.Action).to.include.members(['es:ESHttpPut', 'es:ESHttpDelete']);
      expect(statements(s, 'serving-recommender-api-policy').find((t) => t.Sid === 'SearchApi')!.Action).to.deep.equal(['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpHead']);
    });

    it('deploys the Lambdas on nodejs22.x arm64 from the handlers, the API behind an IAM Function URL with concurrency from config', () => {
      const fn = named(s, 'aws:lambda/function:Function', 'serving-recommender-api-fn').inputs as Record<string, unknown> & { environment: { variables: Record<string, string> } };
      expect(fn).to.include({ runtime: 'nodejs22.x', handler: 'index.handler', publish: true, reservedConcurrentExecutions: stack === 'dev' ? 20 : 200 });
      expect(fn.architectures).to.deep.equal(['arm64']);
      expect(fn.environment.variables).to.include({ HEADWATER_MODE: 'aws', OPENSEARCH_SERVICE: 'es', RECOMMENDER_BUDGET_MS: '200', HEADWATER_SERVING_MODEL: 's3://lake-model/recommender/' });
      // Index aliases travel in the serving config (HEADWATER_SERVING), from the index declarations.
      expect(JSON.parse(fn.environment.variables.HEADWATER_SERVING).indexes).to.deep.equal({ user: 'user_embeddings', item: 'item_embeddings' });
      expect(fn.environment.variables).to.include({ HEADWATER_INDEX_ITEM: 'item_embeddings', HEADWATER_INDEX_USER: 'user_embeddings', HEADWATER_LAKE_MODEL__RECOMMENDER: 's3://lake-model/recommender/' });
      expect(named(s, 'aws:lambda/functionUrl:FunctionUrl', 'serving-recommender-api-url').inputs).to.include({ authorizationType: 'AWS_IAM', qualifier: 'live' });
      // Dev keeps no warm instances (an idle cost); prod keeps ten.
      const provisioned = byType(s, 'aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig');
      if (stack === 'dev') expect(provisioned).to.have.length(0);
      else expect(provisioned[0].inputs.provisionedConcurrentExecutions).to.equal(10);
      expect(named(s, 'aws:lambda/alias:Alias', 'serving-recommender-api-live').inputs).to.include({ name: 'live', functionVersion: '1' });
    });

    it('wires Kinesis -> Firehose (transform Lambda) -> the lake with the hourly layout and an error prefix', () => {
      const stream = byType(s, 'aws:kinesis/stream:Stream')[0].inputs as Record<string, unknown>;
      expect(stream).to.include({ encryptionType: 'KMS', retentionPeriod: 24 });
      expect(stream.streamModeDetails).to.deep.equal({ streamMode: 'PROVISIONED' });
      expect(stream.shardCount).to.equal(stack === 'dev' ? 1 : 4);
      const firehose = byType(s, 'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream')[0].inputs as { kinesisSourceConfiguration: { kinesisStreamArn: string }; extendedS3Configuration: Record<string, unknown> & { processingConfiguration: { processors: { parameters: { parameterName: string; parameterValue: string }[] }[] } } };
      expect(firehose.kinesisSourceConfiguration.kinesisStreamArn).to.equal(`arn:aws:kinesis:${REGION}:${MOCK_ACCOUNT}:stream/headwater-${stack}-stream-user-events`);
      const s3 = firehose.extendedS3Configuration;
      expect(s3).to.include({ bucketArn: 'arn:aws:s3:::lake-serving', bufferingInterval: 60, bufferingSize: 5 });
      expect(s3.prefix).to.equal('recommendations/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/');
      expect(String(s3.errorOutputPrefix)).to.match(/^errors\/recommendations\/!\{firehose:error-output-type\}\//);
      // A published version, never $LATEST: a deploy swaps the transform atomically.
      expect(s3.processingConfiguration.processors[0].parameters[0].parameterValue).to.equal(`arn:aws:lambda:${REGION}:${MOCK_ACCOUNT}:function:headwater-${stack}-serving-recommendations-transform:1`);
      expect(named(s, 'aws:lambda/function:Function', 'serving-recommendations-transform-fn').inputs.publish).to.equal(true);
      // Source records are backed up, under a prefix that expires.
      expect(s3).to.deep.include({ s3BackupMode: 'Enabled' });
      expect((s3.s3BackupConfiguration as { prefix: string }).prefix).to.match(/^backup\/recommendations\/year=/);
      const lifecycle = named(s, 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', 'lake-serving-lifecycle').inputs.rules as { filter: { prefix?: string }; expiration?: { days: number } }[];
      expect(lifecycle.filter((r) => r.expiration).map((r) => [r.filter.prefix, r.expiration!.days])).to.deep.equal([['errors/recommendations/', 30], ['backup/recommendations/', 14]]);
      // Firehose only adds objects.
      const firehoseActions = statements(s, 'serving-recommendations-firehose-policy').flatMap((t) => t.Action);
      expect(firehoseActions).to.include('s3:PutObject');
      expect(firehoseActions).to.not.include.members(['s3:DeleteObject']);
      expect(firehoseActions).to.not.include('s3:GetObject');
      // Athena sees every hourly folder through partition projection.
      const table = named(s, 'aws:glue/catalogTable:CatalogTable', 'lake-table-serving_recommendations').inputs.parameters as Record<string, string>;
      expect(table).to.include({ 'projection.enabled': 'true', 'projection.hour.range': '0,23', 'storage.location.template': 's3://lake-serving/recommendations/year=${year}/month=${month}/day=${day}/hour=${hour}/' });
      const st = statements(s, 'serving-recommendations-firehose-policy');
      expect(st.find((t) => t.Sid === 'ReadStream')!.Resource).to.deep.equal([firehose.kinesisSourceConfiguration.kinesisStreamArn]);
    });

    it('provisions the run log, the alarm topic and the alarms the SLOs need', () => {
      const table = byType(s, 'aws:dynamodb/table:Table').find((t) => t.inputs.name === `headwater-${stack}-runlog`)!.inputs as Record<string, unknown>;
      expect(table).to.deep.include({ billingMode: 'PAY_PER_REQUEST', pointInTimeRecovery: { enabled: true }, hashKey: 'pk', rangeKey: 'sk' });
      expect(byType(s, 'aws:sns/topic:Topic')[0].inputs.kmsMasterKeyId).to.be.a('string');
      expect(byType(s, 'aws:sns/topicSubscription:TopicSubscription')[0].inputs).to.include({ protocol: 'email', endpoint: stackConfig(stack).alarmEmail });
      const alarms = byType(s, 'aws:cloudwatch/metricAlarm:MetricAlarm').map((a) => a.inputs as Record<string, unknown> & { dimensions: Record<string, string> });
      const fresh = alarms.find((a) => a.metricName === 'AssetMaterialized' && a.dimensions.Asset === 'analytics/sales_hourly')!;
      // Missing data is not breaching: a new stack does not alarm before the asset ever ran.
      expect(fresh).to.include({ namespace: 'Headwater', statistic: 'Sum', period: 3600, threshold: 1, comparisonOperator: 'LessThanThreshold', treatMissingData: 'missing' });
      expect(alarms.find((a) => a.extendedStatistic === 'p99')).to.include({ metricName: 'Duration', threshold: 1000 });
      // One per Lambda: the API, the Firehose transform, the delivery recorder, the orchestration recorder, the two index loads, the erasure worker.
      expect(alarms.filter((a) => a.metricName === 'Errors')).to.have.length(7);
      expect(alarms.find((a) => a.metricName === 'ExecuteProcessing.Success')).to.not.equal(undefined);
      expect(alarms.find((a) => a.metricName === 'FailedJobs')).to.include({ namespace: 'AWS/EMRServerless' });
      // Six Glue assets and the erase job.
      expect(alarms.filter((a) => a.metricName === 'glue.driver.aggregate.numFailedTasks')).to.have.length(7);
      const rules = byType(s, 'aws:cloudwatch/eventRule:EventRule').map((r) => JSON.parse(String(r.inputs.eventPattern)).source[0]).sort();
      expect(rules).to.deep.equal(['aws.emr-serverless', 'aws.glue', 'aws.s3']);
    });

    it('publishes a manifest for every asset, as a stack output and the SSM parameter', () => {
      expect(Object.keys(s.manifest.assets).sort()).to.deep.equal([...graph.keys].sort());
      expect(s.manifest).to.include({ version: 1, stack, region: REGION, accountId: MOCK_ACCOUNT });
      expect(s.manifest.runLog.tableName).to.equal(`headwater-${stack}-runlog`);
      const glue = s.manifest.assets['analytics/sales_hourly'];
      expect(glue).to.deep.include({ kind: 'glue-sql', jobName: `headwater-${stack}-analytics-sales-hourly` });
      expect(glue.location).to.deep.equal({ bucket: 'lake-analytics', prefix: 'sales_hourly/', partitionKeys: ['dt', 'hour'], catalogTable: `headwater_${stack}.analytics_sales_hourly` });
      const param = byType(s, 'aws:ssm/parameter:Parameter').find((p) => p.inputs.name === `/headwater/${stack}/manifest`)!.inputs;
      const value = JSON.parse(String(param.value)) as { $ref?: string };
      // Inline when it fits an SSM parameter, else a reference to the S3 copy that always holds it.
      if (value.$ref) expect(value.$ref).to.equal(`s3://lake-artifacts/manifest/${stack}.json`);
      else expect(value).to.deep.equal(JSON.parse(JSON.stringify(s.manifest)));
      const object = named(s, 'aws:s3/bucketObjectv2:BucketObjectv2', 'manifest-object').inputs;
      expect(JSON.parse(String(object.content))).to.deep.equal(JSON.parse(JSON.stringify(s.manifest)));
    });

    it('tags every taggable resource with its asset, the stack and an owner', () => {
      const tagged = s.resources.filter((r) => r.inputs.tags);
      expect(tagged.length).to.be.greaterThan(40);
      for (const r of tagged) expect(r.inputs.tags, `${r.type} ${r.name}`).to.include.keys('headwater:asset', 'headwater:env', 'owner');
      expect(named(s, 'aws:glue/job:Job', 'raw-ratings-job').inputs.tags).to.deep.equal({ 'headwater:asset': 'raw/ratings', 'headwater:env': stack, owner: 'team:data-platform' });
      expect(named(s, 'aws:lambda/function:Function', 'serving-recommender-api-fn').inputs.tags).to.include({ 'headwater:asset': 'serving/recommender_api', owner: 'team:ml' });
      expect(named(s, 'aws:s3/bucket:Bucket', 'lake-raw').inputs.tags).to.include({ 'headwater:asset': 'platform' });
    });

    it('creates or reuses the network as configured', () => {
      const vpcs = s.resources.filter((r) => r.type === 'awsx:ec2:Vpc');
      if (stack === 'dev') {
        expect(vpcs).to.have.length(1);
        // No NAT in dev: interface endpoints in one zone carry Glue's AWS API calls.
        expect(vpcs[0].inputs).to.deep.include({ cidrBlock: '10.20.0.0/16', numberOfAvailabilityZones: 2, natGateways: { strategy: 'None' } });
        const endpoints = byType(s, 'aws:ec2/vpcEndpoint:VpcEndpoint').map((e) => e.inputs as { serviceName: string; subnetIds: string[]; privateDnsEnabled: boolean });
        expect(endpoints.map((e) => e.serviceName.split('.').pop()).sort()).to.deep.equal(['glue', 'logs', 'monitoring', 'secretsmanager']);
        for (const e of endpoints) expect(e).to.deep.include({ subnetIds: ['subnet-private-a'], privateDnsEnabled: true });
      } else {
        // Prod reads the network team's stack instead of hard-coding its ids.
        expect(vpcs).to.have.length(0);
        expect(byType(s, 'pulumi:pulumi:StackReference')[0].inputs).to.include({ name: 'acme/network/prod' });
        const conn = byType(s, 'aws:glue/connection:Connection')[0].inputs as { physicalConnectionRequirements: { subnetId: string; securityGroupIdLists: string[] } };
        expect(conn.physicalConnectionRequirements.subnetId).to.equal('subnet-acme-network-prod-1');
        expect(conn.physicalConnectionRequirements.securityGroupIdLists).to.include('sg-acme-network-prod-shared');
      }
      // The Glue group reaches the source database port and HTTPS, nothing else.
      const glue = named(s, 'aws:ec2/securityGroup:SecurityGroup', 'network-glue').inputs as { egress: { protocol: string; fromPort: number; cidrBlocks?: string[]; self?: boolean }[] };
      expect(glue.egress.filter((e) => e.cidrBlocks).map((e) => `${e.protocol}:${e.fromPort}`).sort()).to.deep.equal(['tcp:443', 'tcp:5432']);
      expect(glue.egress.some((e) => e.protocol === '-1')).to.equal(false);
    });
  });
}

describe('infra program: what it refuses', () => {
  it('names the asset and the path when a Lambda handler is missing', async () => {
    const deps = graph.get('serving/recommender_api').deps.map((d) => d.key);
    const g = defineGraph([...graph.keys.map((k) => graph.get(k)), defineAsset({ key: 'serving/ghost', deps, compute: lambdaApi({ handler: 'jobs/serving/ghost/handler.ts' }), storage: { kind: 'none' } })], { kinds: REFERENCE_KINDS });
    let error: unknown;
    try {
      await synth('dev', g, stackConfig('dev'));
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/serving\/ghost: Lambda handler 'jobs\/serving\/ghost\/handler.ts' does not exist/);
    // Refused before its function exists (other assets' functions, such as the index loads, may come first in the walk).
    expect(mocks.resources.some((r) => r.type === 'aws:lambda/function:Function' && r.name.includes('ghost'))).to.equal(false);
  });

  it('a serving asset reading an index but not the model it serves is refused by the graph, before any resource', () => {
    const alone = () =>
      defineGraph(graph.keys.map((k) => graph.get(k)).concat(defineAsset({ key: 'serving/alone', deps: ['index/item_embeddings'], compute: lambdaApi({ handler: 'jobs/serving/recommender-api/handler.ts' }), storage: { kind: 'none' } })), { kinds: REFERENCE_KINDS });
    expect(alone).to.throw(/serving\/alone: cannot serve: it needs a dep on the emr-spark asset whose 'model' it serves/);
  });
});
