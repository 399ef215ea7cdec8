// Custom search attributes floe's workflows set, so runs can be found and watched in the Temporal
// UI (e.g. `FloeTopic = "iot-telemetry" AND FloeLag > 0`). `floe stack up` registers them; workers
// and `floe run` also register any that are missing (tolerating ones already registered).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const FloeTopic = defineSearchAttributeKey('FloeTopic', SearchAttributeType.KEYWORD);
export const FloeEnv = defineSearchAttributeKey('FloeEnv', SearchAttributeType.KEYWORD);
export const FloeLag = defineSearchAttributeKey('FloeLag', SearchAttributeType.INT);
export const FloeRows = defineSearchAttributeKey('FloeRows', SearchAttributeType.INT);
export const FloeRejects = defineSearchAttributeKey('FloeRejects', SearchAttributeType.INT);
export const FloeLayer = defineSearchAttributeKey('FloeLayer', SearchAttributeType.KEYWORD);
export const FloePartition = defineSearchAttributeKey('FloePartition', SearchAttributeType.KEYWORD);

export const floeSearchAttributes = [FloeTopic, FloeEnv, FloeLag, FloeRows, FloeRejects, FloeLayer, FloePartition] as const;
