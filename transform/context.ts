// What every transform step needs: the lake, a Kafka reader, and the settings (namespaces of
// each layer, topics, tariff, engine limits), from the configuration or a test.
import type { FloeConfig } from '../deploy/config.js';
import type { Lake } from '../lake/index.js';
import type { RangeReader } from '../ingest/kafka.js';
import type { Layer, Model } from './model.js';
import type { TemplateVars } from './templates.js';
import type { Day } from './day.js';

export interface TransformSettings {
  env: string;
  mainBranch: string;
  namespaces: { raw: string } & Record<Layer, string>;
  telemetryTopic: string;
  registryTopic: string;
  tariffPerKwh: number;
  lowPowerFactor: number;
  memoryLimit: string;
  threads: number;
  rowsPerFile: number;
  /** Most input rows a chunked model (`chunkBy`) runs over at once. */
  rowsPerChunk: number;
}

export interface TransformDeps {
  lake: Lake;
  reader: RangeReader;
  settings: TransformSettings;
  /** Wall clock (tests pin it). */
  now?: () => number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  heartbeat?: (details?: unknown) => void;
}

export function transformSettings(config: FloeConfig): TransformSettings {
  return {
    env: config.env,
    mainBranch: config.nessie.branch,
    namespaces: { raw: config.ingest.rawNamespace, silver: config.transform.silverNamespace, gold: config.transform.goldNamespace, dq: config.transform.dqNamespace },
    telemetryTopic: config.kafka.telemetryTopic,
    registryTopic: config.kafka.registryTopic,
    tariffPerKwh: config.transform.tariffPerKwh,
    lowPowerFactor: config.transform.lowPowerFactor,
    memoryLimit: config.transform.memoryLimit,
    threads: config.transform.threads,
    rowsPerFile: config.transform.rowsPerFile,
    rowsPerChunk: config.transform.rowsPerChunk,
  };
}

/** The Iceberg table a model writes: its layer's namespace and its table name. */
export function tableOf(s: TransformSettings, model: Pick<Model, 'layer' | 'table'>): string {
  return `${s.namespaces[model.layer]}.${model.table}`;
}

export function rawTable(s: TransformSettings): string {
  return `${s.namespaces.raw}.telemetry`;
}

export function dlqTable(s: TransformSettings): string {
  return `${s.namespaces.raw}.telemetry_dlq`;
}

export function templateVars(s: TransformSettings, day: Day): TemplateVars {
  return { day, tariffPerKwh: s.tariffPerKwh, lowPowerFactor: s.lowPowerFactor };
}

/** Failures a retry cannot fix; activities turn them into non-retryable failures of this type. */
export class TransformError extends Error {
  override name = 'TransformError';
  constructor(readonly type: 'BadDay' | 'NoRawData' | 'RawFileUnreadable' | 'ModelInvalid' | 'MergeConflict' | 'BranchMissing', message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Run branches are named transform-<env>-<day>-<run id> (workflows/transform/transform.ts). */
export const RUN_BRANCH_PREFIX = 'transform-';

/** What each step of a run gets. */
export interface StepInput {
  branch: string;
  day: Day;
  runId: string;
  /** The activity attempt: a retry writes files of its own, never over ones a commit may name. */
  attempt?: number;
}

export function attemptTag(attempt: number | undefined): string {
  return attempt && attempt > 1 ? `-a${attempt}` : '';
}
