// How operations start the daily `transform` workflow (issue #15): its type name, input and
// workflow id. Schedules and backfills start it as a child by name, so they depend on this
// contract only, not on the transform's code.

export const TRANSFORM_WORKFLOW_TYPE = 'transform';

export interface TransformRunInput {
  env: string;
  /** The day to transform, `YYYY-MM-DD` (UTC). */
  day: string;
  /** Run again even if the day was published before. */
  force?: boolean;
  /** Layers to build (default: all); only sent when a backfill names them. */
  layers?: string[];
}

/** One transform run per environment and day: the id makes a day's run unique. */
export function transformWorkflowId(env: string, day: string): string {
  return `floe-transform-${env}-${day}`;
}

export const TRANSFORM_LAYERS = ['silver', 'gold'] as const;
