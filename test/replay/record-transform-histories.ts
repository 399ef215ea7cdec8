// Records histories of real transform runs into fixtures/ for the replay test: a backfill of two
// days with the real transform, the day that published, and the day that failed its blocking
// check (one RAW data file duplicated, as the transform's e2e test does). Run when the transform
// or backfill workflows change on purpose, keeping old fixtures:
//   node --import tsx test/replay/record-transform-histories.ts
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../deploy/config.js';
import { TransformHarness } from '../integration/transform/harness.js';
import { backfillInput, startBackfill } from '../../workers/backfillClient.js';
import { addDays } from '../../workflows/backfill/days.js';
import { transformWorkflowId } from '../../workflows/common/transformContract.js';
import { listRunBranches } from '../../transform/branches.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const h = new TransformHarness('replaytx');
const env = { ...h.env, FLOE_TRANSFORM_TASK_QUEUE: h.taskQueue };
const exportHistory = async (id: string): Promise<void> => {
  const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'bin', 'floe.js'), 'history', 'export', id], { env: { ...process.env, ...env } });
  process.stdout.write(stdout);
};
await h.setup();
try {
  const [d0, d1] = [h.day, addDays(h.day, 1)];
  // One day after the other, so the second day's Kafka offsets all follow the first day's.
  h.produce({ count: 1500, start: `${d0}T00:00:00Z`, span: '24h' });
  h.produce({ count: 1500, start: `${d1}T00:00:00Z`, span: '24h', seed: 11 });
  await h.ingest();
  const client = await h.getClient();
  const config = loadConfig({ ...process.env, ...env });
  const run = async (from: string, to: string): Promise<string> => {
    const { workflowId } = await startBackfill(client, config, backfillInput('dev', { from, to, concurrency: 2 }, Date.now()));
    await client.workflow.getHandle(workflowId).result();
    return workflowId;
  };
  // The first day published; then RAW broken, and a backfill of both days: the first skipped,
  // the second failing its blocking check.
  await run(d0, d0);
  const rawIdent = h.table('raw', 'telemetry');
  const victim = (await h.lake.liveDataFiles(rawIdent, { filter: [{ column: 'event_ts', op: '>=', value: `${d1}T00:00:00Z` }, { column: 'event_ts', op: '<', value: `${d1}T23:59:59Z` }] }))[0]!;
  await h.lake.append(rawIdent, [victim], { message: 'record: duplicate a RAW data file' });
  const workflowId = await run(d0, d1);
  for (const id of [workflowId, transformWorkflowId('dev', d0), transformWorkflowId('dev', d1)]) await exportHistory(id);
  for (const b of (await listRunBranches(h.lake)).filter((x) => x.name.includes(d1))) await h.lake.deleteBranch(b.name);
} finally {
  await h.close();
}
