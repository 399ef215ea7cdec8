// An incompatible change to the backfill workflow: a timer before it starts its days. Runs
// already under way recorded no such timer, so replaying them must fail.
import { sleep } from '@temporalio/workflow';
import { backfill as current, type BackfillInput, type BackfillResult } from '../../../workflows/backfill/backfill.js';

export async function backfill(input: BackfillInput): Promise<BackfillResult> {
  await sleep('1s');
  return current(input);
}
