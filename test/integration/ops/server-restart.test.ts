// A backfill survives a restart of the Temporal server itself (its SQLite store outlives the
// process): the worker and the client reconnect, and every day still runs exactly once. Test
// files run one at a time, so nothing else uses the server while it is down.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backfillInput, backfillState, startBackfill } from '../../../workers/backfillClient.js';
import { transformWorkflowId } from '../../../workflows/common/transformContract.js';
import { OpsHarness, eventually } from './opsHarness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const h = new OpsHarness('srvrestart');

function stack(...args: string[]): void {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'floe.js'), 'stack', ...args], { cwd: root, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`floe stack ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
}

afterAll(async () => {
  await h.close();
});

describe('backfill across a Temporal server restart', () => {
  it('finishes every day exactly once after the server was stopped and started mid-way', async () => {
    await h.pickDays();
    const days = Array.from({ length: 4 }, (_, i) => h.day(i));
    h.plan(Object.fromEntries(days.map((d) => [d, { ms: 3000 }])));
    const worker = await h.spawnWorker();
    try {
      const client = await h.getClient();
      const { workflowId } = await startBackfill(client, h.config, backfillInput('dev', { from: days[0]!, to: days.at(-1)!, concurrency: 1 }, Date.now()));
      await eventually(() => backfillState(client, workflowId), (s) => (s.progress?.counts.done ?? 0) >= 1, 60_000);
      stack('down', 'temporal');
      stack('up', 'temporal');
      // Connections come back by themselves; the backfill goes on from its history.
      const state = await eventually(() => backfillState(client, workflowId), (s) => (s.progress?.counts.done ?? 0) === days.length, 180_000);
      expect(state.progress!.days.map((d) => [d.day, d.status])).toEqual(days.map((d) => [d, 'done']));
      for (const d of days) {
        const runs = await eventually(() => h.runsOf(transformWorkflowId('dev', d)), (r) => r.length >= 1 && r.every((x) => x.status !== 'RUNNING'));
        expect(runs.map((r) => r.status)).toEqual(['COMPLETED']);
      }
      expect([...h.ran()].sort()).toEqual([...days].sort());
    } finally {
      worker.kill('SIGTERM');
      await worker.exited;
    }
  }, 420_000);
});
