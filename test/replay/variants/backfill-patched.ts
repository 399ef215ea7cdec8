// The same change behind patched(): new runs take the timer (and record a marker); a run whose
// history has no marker replays the old path. Once no run without the marker is left, the
// patch becomes deprecatePatch(), and later the plain code.
import { patched, sleep } from '@temporalio/workflow';
import { backfill as current, type BackfillInput, type BackfillResult } from '../../../workflows/backfill/backfill.js';

export async function backfill(input: BackfillInput): Promise<BackfillResult> {
  if (patched('backfill-settle-before-days')) await sleep('1s');
  return current(input);
}
