// One typed configuration for every floe process: built-in defaults that match the local stack,
// overlaid by the environment's profile file (deploy/profiles/<env>.env), an optional private
// profile file (FLOE_PROFILE_FILE, for secrets), and finally the process environment.
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

const here = dirname(fileURLToPath(import.meta.url));
export const PROFILES_DIR = join(here, 'profiles');

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const url = z.string().url();
/** A duration as Temporal and people write it: 90s, 15m, 1h, 3d. */
const duration = z.string().regex(/^[1-9]\d*(s|m|h|d)$/, 'must be a duration like 90s, 15m, 1h or 3d');

/** Every key floe reads, with its env var name, default and validation. */
const keys = {
  FLOE_ENV: z.enum(ENVIRONMENTS).default('dev'),
  FLOE_STATE_DIR: z.string().min(1).default(join(homedir(), '.local', 'state', 'floe')),
  FLOE_CACHE_DIR: z.string().min(1).default(join(homedir(), '.cache', 'floe')),
  FLOE_HOST: z.string().min(1).default('127.0.0.1'),

  FLOE_TEMPORAL_PORT: port.default(7233),
  FLOE_TEMPORAL_UI_PORT: port.default(8233),
  FLOE_TEMPORAL_ADDRESS: z.string().optional(),
  FLOE_TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  FLOE_TASK_QUEUE: z.string().min(1).default('floe'),

  FLOE_KAFKA_PORT: port.default(9092),
  FLOE_KAFKA_CONTROLLER_PORT: port.default(9093),
  FLOE_KAFKA_BROKERS: z.string().optional(),
  FLOE_TELEMETRY_TOPIC: z.string().min(1).default('iot-telemetry'),
  FLOE_REGISTRY_TOPIC: z.string().min(1).default('iot-device-registry'),
  FLOE_TELEMETRY_PARTITIONS: positiveInt.default(3),

  FLOE_S3_PORT: port.default(8333),
  // SeaweedFS's own servers behind the S3 gateway (each also uses its port + 10000 for gRPC)
  FLOE_S3_MASTER_PORT: port.default(9333),
  FLOE_S3_VOLUME_PORT: port.default(9340),
  FLOE_S3_FILER_PORT: port.default(8888),
  FLOE_S3_ADMIN_PORT: port.default(23646),
  FLOE_S3_ENDPOINT: url.optional(),
  FLOE_S3_REGION: z.string().min(1).default('us-east-1'),
  FLOE_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{2,62}$/, 'must be a valid S3 bucket name').default('floe-warehouse'),
  FLOE_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  FLOE_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),

  FLOE_NESSIE_PORT: port.default(19120),
  FLOE_NESSIE_MANAGEMENT_PORT: port.default(19121),
  FLOE_NESSIE_URI: url.optional(),
  FLOE_NESSIE_BRANCH: z.string().min(1).default('main'),

  FLOE_TRINO_PORT: port.default(8080),
  FLOE_TRINO_URL: url.optional(),
  FLOE_TRINO_USER: z.string().min(1).default('floe'),
  FLOE_TRINO_CATALOG: z.string().min(1).default('lake'),
  FLOE_TRINO_HEAP: z.string().regex(/^\d+[mMgG]$/, 'must look like 2G or 1536M').default('2G'),

  FLOE_INGEST_MAX_RECORDS: positiveInt.default(200_000),
  FLOE_INGEST_MAX_BYTES: positiveInt.default(256 * 1024 * 1024),
  FLOE_INGEST_INTERVAL_SECONDS: positiveInt.default(10),
  FLOE_INGEST_FILE_ROWS: positiveInt.default(25_000),
  FLOE_INGEST_FETCH_CLIENT: z.enum(['direct', 'platformatic']).default('direct'),
  FLOE_INGEST_PIPELINE_DEPTH: z.coerce.number().int().min(1).max(4).default(2),
  FLOE_INGEST_NATIVE: z.enum(['auto', 'on', 'off']).default('auto'),
  FLOE_RAW_NAMESPACE: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a lowercase identifier').default('raw'),

  // Operations (schedules/, workers/): cadence per environment, task queues, limits, metrics.
  FLOE_INGEST_TASK_QUEUE: z.string().min(1).optional(),
  FLOE_TRANSFORM_TASK_QUEUE: z.string().min(1).optional(),
  FLOE_INGEST_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(64).default(4),
  FLOE_TRANSFORM_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(64).default(2),
  FLOE_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(1000).default(40),
  FLOE_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  FLOE_SCHEDULE_ID_PREFIX: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'must be lowercase letters, digits and dashes').default('floe'),
  FLOE_SCHEDULE_INGEST_EVERY: duration.default('1h'),
  FLOE_SCHEDULE_TRANSFORM_LATENESS: duration.default('2h'),
  FLOE_SCHEDULE_TRANSFORM_CATCHUP: duration.default('3d'),

  FLOE_SILVER_NAMESPACE: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a lowercase identifier').default('silver'),
  FLOE_GOLD_NAMESPACE: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a lowercase identifier').default('gold'),
  FLOE_DQ_NAMESPACE: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a lowercase identifier').default('dq'),
  FLOE_ENERGY_TARIFF_PER_KWH: z.coerce.number().nonnegative().default(0.25),
  FLOE_LOW_POWER_FACTOR: z.coerce.number().min(0).max(1).default(0.85),
  FLOE_TRANSFORM_MEMORY_LIMIT: z.string().regex(/^\d+(\.\d+)?[MG]B$/, 'must look like 1GB or 512MB').default('1GB'),
  FLOE_TRANSFORM_THREADS: z.coerce.number().int().min(1).max(64).default(2),
  FLOE_TRANSFORM_ROWS_PER_FILE: positiveInt.default(5_000_000),
  FLOE_TRANSFORM_ROWS_PER_CHUNK: positiveInt.default(2_000_000),
  FLOE_ALERTS_TOPIC: z.string().min(1).default('iot-alerts'),
  FLOE_ALERTS_NAMESPACE: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a lowercase identifier').default('gold'),
  FLOE_ALERTS_RULES_FILE: z.string().min(1).default(join(here, 'alerts.json')),
  FLOE_ALERTS_WEBHOOK_URL: url.optional(),
  FLOE_ALERTS_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
} as const;

type Keys = typeof keys;
export type RawConfig = { [K in keyof Keys]: z.output<Keys[K]> };
export const CONFIG_KEYS = Object.keys(keys) as (keyof Keys)[];

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    readonly value: string | undefined,
    readonly reason: string,
    readonly source: string,
  ) {
    super(`invalid configuration: ${key}=${JSON.stringify(value)} (from ${source}): ${reason}`);
    this.name = 'ConfigError';
  }
}

/** Parses KEY=VALUE lines; blank lines and # comments are ignored. */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const m = /^([A-Z0-9_]+)\s*=\s*(.*)$/.exec(trimmed);
    if (!m) throw new ConfigError(`${file}:${i + 1}`, line, 'expected KEY=VALUE', file);
    out[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
  });
  return out;
}

function readEnvFile(file: string): Record<string, string> {
  return existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8'), file) : {};
}

export interface FloeConfig {
  env: Environment;
  stateDir: string;
  cacheDir: string;
  host: string;
  temporal: { address: string; namespace: string; taskQueue: string; port: number; uiPort: number; uiUrl: string };
  kafka: { brokers: string[]; port: number; controllerPort: number; telemetryTopic: string; registryTopic: string; telemetryPartitions: number };
  s3: { endpoint: string; port: number; internalPorts: { master: number; volume: number; filer: number; admin: number }; region: string; bucket: string; accessKeyId: string; secretAccessKey: string; warehouse: string };
  nessie: { uri: string; port: number; managementPort: number; branch: string };
  trino: { url: string; port: number; user: string; catalog: string; heap: string };
  ingest: { maxRecords: number; maxBytes: number; intervalSeconds: number; rawNamespace: string; fileRows: number; fetchClient: 'direct' | 'platformatic'; pipelineDepth: number; native: 'auto' | 'on' | 'off' };
  workers: { ingestTaskQueue: string; transformTaskQueue: string; ingestMaxActivities: number; transformMaxActivities: number; maxWorkflowTasks: number; metricsPort: number };
  schedules: { idPrefix: string; ingestEvery: string; transformLateness: string; transformCatchup: string };
  transform: { silverNamespace: string; goldNamespace: string; dqNamespace: string; tariffPerKwh: number; lowPowerFactor: number; memoryLimit: string; threads: number; rowsPerFile: number; rowsPerChunk: number };
  /** Threshold alerts: rules file, output topic and table namespace, optional webhook (may hold a token: masked). */
  alerts: { topic: string; namespace: string; rulesFile: string; webhookUrl?: string; pollMs: number };
}

/**
 * Loads the configuration. `env` defaults to process.env; the profile is chosen by FLOE_ENV
 * (itself from env), so a profile can never switch to another profile.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): FloeConfig {
  const envName = env.FLOE_ENV ?? 'dev';
  if (!(ENVIRONMENTS as readonly string[]).includes(envName)) {
    throw new ConfigError('FLOE_ENV', envName, `must be one of ${ENVIRONMENTS.join(', ')}`, 'environment');
  }
  const profileFile = join(PROFILES_DIR, `${envName}.env`);
  const layers: [string, Record<string, string | undefined>][] = [
    [profileFile, readEnvFile(profileFile)],
  ];
  if (env.FLOE_PROFILE_FILE) {
    const private_ = resolve(env.FLOE_PROFILE_FILE);
    if (!existsSync(private_)) throw new ConfigError('FLOE_PROFILE_FILE', env.FLOE_PROFILE_FILE, 'file does not exist', 'environment');
    layers.push([private_, readEnvFile(private_)]);
  }
  layers.push(['environment', env]);

  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    let value: string | undefined;
    let source = 'default';
    for (const [name, layer] of layers) {
      const v = layer[key];
      if (v !== undefined && v !== '') {
        value = v;
        source = name;
      }
    }
    const parsed = keys[key].safeParse(value);
    if (!parsed.success) {
      throw new ConfigError(key, value, parsed.error.issues.map((i) => i.message).join('; '), source);
    }
    raw[key] = parsed.data;
  }
  for (const [name, layer] of layers) {
    for (const k of Object.keys(layer)) {
      if (k.startsWith('FLOE_') && !(k in keys) && k !== 'FLOE_PROFILE_FILE' && name !== 'environment') {
        throw new ConfigError(k, layer[k], 'unknown configuration key', name);
      }
    }
  }
  return fromRaw(raw as RawConfig);
}

function fromRaw(c: RawConfig): FloeConfig {
  const h = c.FLOE_HOST;
  const s3Endpoint = c.FLOE_S3_ENDPOINT ?? `http://${h}:${c.FLOE_S3_PORT}`;
  if (c.FLOE_ENV !== 'dev' && (!c.FLOE_S3_ACCESS_KEY_ID || !c.FLOE_S3_SECRET_ACCESS_KEY)) {
    throw new ConfigError('FLOE_S3_ACCESS_KEY_ID', c.FLOE_S3_ACCESS_KEY_ID, `required for FLOE_ENV=${c.FLOE_ENV}: set it in the environment or FLOE_PROFILE_FILE`, 'environment');
  }
  return {
    env: c.FLOE_ENV,
    stateDir: c.FLOE_STATE_DIR,
    cacheDir: c.FLOE_CACHE_DIR,
    host: h,
    temporal: {
      address: c.FLOE_TEMPORAL_ADDRESS ?? `${h}:${c.FLOE_TEMPORAL_PORT}`,
      namespace: c.FLOE_TEMPORAL_NAMESPACE,
      taskQueue: c.FLOE_TASK_QUEUE,
      port: c.FLOE_TEMPORAL_PORT,
      uiPort: c.FLOE_TEMPORAL_UI_PORT,
      uiUrl: `http://${h}:${c.FLOE_TEMPORAL_UI_PORT}`,
    },
    kafka: {
      brokers: (c.FLOE_KAFKA_BROKERS ?? `${h}:${c.FLOE_KAFKA_PORT}`).split(',').map((b) => b.trim()).filter(Boolean),
      port: c.FLOE_KAFKA_PORT,
      controllerPort: c.FLOE_KAFKA_CONTROLLER_PORT,
      telemetryTopic: c.FLOE_TELEMETRY_TOPIC,
      registryTopic: c.FLOE_REGISTRY_TOPIC,
      telemetryPartitions: c.FLOE_TELEMETRY_PARTITIONS,
    },
    s3: {
      endpoint: s3Endpoint,
      port: c.FLOE_S3_PORT,
      internalPorts: { master: c.FLOE_S3_MASTER_PORT, volume: c.FLOE_S3_VOLUME_PORT, filer: c.FLOE_S3_FILER_PORT, admin: c.FLOE_S3_ADMIN_PORT },
      region: c.FLOE_S3_REGION,
      bucket: c.FLOE_S3_BUCKET,
      // Local-stack credentials live in deploy/profiles/dev.env, never in code.
      accessKeyId: c.FLOE_S3_ACCESS_KEY_ID ?? '',
      secretAccessKey: c.FLOE_S3_SECRET_ACCESS_KEY ?? '',
      warehouse: `s3://${c.FLOE_S3_BUCKET}/warehouse`,
    },
    nessie: {
      uri: c.FLOE_NESSIE_URI ?? `http://${h}:${c.FLOE_NESSIE_PORT}/api/v2`,
      port: c.FLOE_NESSIE_PORT,
      managementPort: c.FLOE_NESSIE_MANAGEMENT_PORT,
      branch: c.FLOE_NESSIE_BRANCH,
    },
    trino: {
      url: c.FLOE_TRINO_URL ?? `http://${h}:${c.FLOE_TRINO_PORT}`,
      port: c.FLOE_TRINO_PORT,
      user: c.FLOE_TRINO_USER,
      catalog: c.FLOE_TRINO_CATALOG,
      heap: c.FLOE_TRINO_HEAP,
    },
    ingest: {
      maxRecords: c.FLOE_INGEST_MAX_RECORDS,
      maxBytes: c.FLOE_INGEST_MAX_BYTES,
      intervalSeconds: c.FLOE_INGEST_INTERVAL_SECONDS,
      rawNamespace: c.FLOE_RAW_NAMESPACE,
      fileRows: c.FLOE_INGEST_FILE_ROWS,
      fetchClient: c.FLOE_INGEST_FETCH_CLIENT,
      pipelineDepth: c.FLOE_INGEST_PIPELINE_DEPTH,
      native: c.FLOE_INGEST_NATIVE,
    },
    workers: {
      // Ingestion keeps the queue it always had; transforms get their own so either scales alone.
      ingestTaskQueue: c.FLOE_INGEST_TASK_QUEUE ?? c.FLOE_TASK_QUEUE,
      transformTaskQueue: c.FLOE_TRANSFORM_TASK_QUEUE ?? `${c.FLOE_TASK_QUEUE}-transform`,
      ingestMaxActivities: c.FLOE_INGEST_MAX_CONCURRENT_ACTIVITIES,
      transformMaxActivities: c.FLOE_TRANSFORM_MAX_CONCURRENT_ACTIVITIES,
      maxWorkflowTasks: c.FLOE_MAX_CONCURRENT_WORKFLOW_TASKS,
      metricsPort: c.FLOE_METRICS_PORT,
    },
    schedules: {
      idPrefix: c.FLOE_SCHEDULE_ID_PREFIX,
      ingestEvery: c.FLOE_SCHEDULE_INGEST_EVERY,
      transformLateness: c.FLOE_SCHEDULE_TRANSFORM_LATENESS,
      transformCatchup: c.FLOE_SCHEDULE_TRANSFORM_CATCHUP,
    },
    transform: {
      silverNamespace: c.FLOE_SILVER_NAMESPACE,
      goldNamespace: c.FLOE_GOLD_NAMESPACE,
      dqNamespace: c.FLOE_DQ_NAMESPACE,
      tariffPerKwh: c.FLOE_ENERGY_TARIFF_PER_KWH,
      lowPowerFactor: c.FLOE_LOW_POWER_FACTOR,
      memoryLimit: c.FLOE_TRANSFORM_MEMORY_LIMIT,
      threads: c.FLOE_TRANSFORM_THREADS,
      rowsPerFile: c.FLOE_TRANSFORM_ROWS_PER_FILE,
      rowsPerChunk: c.FLOE_TRANSFORM_ROWS_PER_CHUNK,
    },
    alerts: {
      topic: c.FLOE_ALERTS_TOPIC,
      namespace: c.FLOE_ALERTS_NAMESPACE,
      rulesFile: resolve(c.FLOE_ALERTS_RULES_FILE),
      ...(c.FLOE_ALERTS_WEBHOOK_URL ? { webhookUrl: c.FLOE_ALERTS_WEBHOOK_URL } : {}),
      pollMs: c.FLOE_ALERTS_POLL_MS,
    },
  };
}

/** The config with secrets masked, for `floe config` and logs. */
export function redactedConfig(c: FloeConfig): FloeConfig {
  return {
    ...c,
    s3: { ...c.s3, secretAccessKey: c.s3.secretAccessKey ? '***' : '' },
    alerts: { ...c.alerts, ...(c.alerts.webhookUrl ? { webhookUrl: maskUrl(c.alerts.webhookUrl) } : {}) },
  };
}

/** A URL with its credentials, path and query hidden (webhook URLs often carry a token there). */
function maskUrl(u: string): string {
  try {
    return `${new URL(u).origin}/***`;
  } catch {
    return '***';
  }
}
