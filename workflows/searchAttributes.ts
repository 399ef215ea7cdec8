// Every custom search attribute floe's workflows set, so a person can filter runs in the Temporal
// UI by environment, layer, day, pipeline and outcome (README: "Watching runs in the Temporal
// UI"). The ingest keys live beside the ingest workflow; the keys every pipeline shares are here.
// Workers, `floe stack up` and the clients register any that are missing.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { floeSearchAttributes as ingestKeys } from './ingest/searchAttributes.js';

export { FloeEnv, FloeLayer, FloePartition, FloeTopic, FloeLag, FloeRows, FloeRejects } from './ingest/searchAttributes.js';

/** The day a run works on, `YYYY-MM-DD` (UTC). */
export const FloeDay = defineSearchAttributeKey('FloeDay', SearchAttributeType.KEYWORD);
/** Which pipeline a run belongs to: `ingest`, `transform`, `backfill`, `schedule`. */
export const FloePipeline = defineSearchAttributeKey('FloePipeline', SearchAttributeType.KEYWORD);
/** Outcome of a run's data-quality checks, or of a backfill's days: `pending`, `passed`, `failed`. */
export const FloeDqStatus = defineSearchAttributeKey('FloeDqStatus', SearchAttributeType.KEYWORD);
/** The Nessie branch a run writes to (a transform's run branch, `main` for ingestion). */
export const FloeNessieBranch = defineSearchAttributeKey('FloeNessieBranch', SearchAttributeType.KEYWORD);
/** Version of the code that started the run (package version + workflow bundle hash). */
export const FloeCodeVersion = defineSearchAttributeKey('FloeCodeVersion', SearchAttributeType.KEYWORD);

export const floeSearchAttributes = [...ingestKeys, FloeDay, FloePipeline, FloeDqStatus, FloeNessieBranch, FloeCodeVersion] as const;
