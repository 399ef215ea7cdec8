// Records histories of the operations workflows into fixtures/ for the replay test: a backfill
// of three days (one failing its checks, the fixture transform's way), and a scheduled transform
// started by a real schedule. Run when those workflows change on purpose, keeping old fixtures:
//   node --import tsx test/replay/record-ops-histories.ts
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpsHarness, eventually } from '../integration/ops/opsHarness.js';
import { backfillInput, startBackfill } from '../../workers/backfillClient.js';
import { syncSchedules } from '../../schedules/sync.js';
import { scheduleIdPrefix } from '../../schedules/definitions.js';
import { addDays, dayStart } from '../../workflows/backfill/days.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const h = new OpsHarness('replay');
const exportHistory = (id: string): void => {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'floe.js'), 'history', 'export', id], { env: { ...process.env, ...h.env }, encoding: 'utf8' });
  process.stdout.write(r.stdout + r.stderr);
};
try {
  await h.pickDays();
  await h.spawnWorker();
  const client = await h.getClient();
  const days = [h.day(0), h.day(1), h.day(2)];
  h.plan({ [days[1]!]: { fail: true, ms: 300 }, [days[0]!]: { ms: 300 }, [days[2]!]: { ms: 300 } });
  const { workflowId } = await startBackfill(client, h.config, backfillInput('dev', { from: days[0]!, to: days[2]!, concurrency: 2 }, Date.now()));
  await client.workflow.getHandle(workflowId).result();
  exportHistory(workflowId);

  await syncSchedules(client, h.config);
  const prefix = scheduleIdPrefix(h.config);
  const day = h.day(10);
  const at = dayStart(addDays(day, 1)) + 2 * 3_600_000;
  await client.schedule.getHandle(`${prefix}transform`).backfill({ start: new Date(at - 60_000), end: new Date(at + 60_000) });
  const tick = await eventually(async () => {
    for await (const w of client.workflow.list({ query: `WorkflowType = "scheduledTransform" AND TaskQueue = "${h.queue}" AND ExecutionStatus = "Completed"` })) return w.workflowId;
    return undefined;
  }, (x) => x !== undefined, 60_000);
  exportHistory(tick!);
  for (const id of [`${prefix}ingest`, `${prefix}transform`]) await client.schedule.getHandle(id).delete();
} finally {
  await h.close();
}
