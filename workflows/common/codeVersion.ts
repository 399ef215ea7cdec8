// The code version of the worker running a workflow, read once through a local activity and shown
// as the FloeCodeVersion search attribute. A worker without the ops activities (an older build,
// a test worker) does not block the run: it shows as `unknown`.
import { proxyLocalActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { OpsActivities } from '../../activities/ops.js';
import { FloeCodeVersion } from '../searchAttributes.js';

const { codeVersion } = proxyLocalActivities<OpsActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 1 },
});

export async function showCodeVersion(): Promise<string> {
  let version = 'unknown';
  try {
    version = await codeVersion();
  } catch {
    // not registered on this worker: keep `unknown`
  }
  upsertSearchAttributes([{ key: FloeCodeVersion, value: version }]);
  return version;
}
