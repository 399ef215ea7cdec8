// A backfill with the real transform workflow (issue #15) on the shared stack: telemetry for
// three days produced and ingested, then one RAW data file of the middle day duplicated (as the
// transform's own e2e test does) so that day fails its blocking check RAW + DLQ = Kafka. The other
// days are published once each; retry-failed reruns only the failed day; a repeated backfill
// skips the published days.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../deploy/config.js';
import { backfillInput, backfillState, startBackfill } from '../../../workers/backfillClient.js';
import { addDays } from '../../../workflows/backfill/days.js';
import { transformWorkflowId } from '../../../workflows/common/transformContract.js';
import { useTransformHarness } from '../transform/harness.js';
import { eventually } from './opsHarness.js';
import { listRunBranches } from '../../../transform/branches.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const h = useTransformHarness('opsbf');

async function runsOf(workflowId: string): Promise<string[]> {
  const client = await h.getClient();
  const out: string[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) out.push(w.status.name);
  return out.sort();
}

describe('backfill with the real transform', () => {
  it('publishes each good day once, records the failed one with its check, and retry-failed reruns only that day', async () => {
    const [d0, d1, d2] = [h.day, addDays(h.day, 1), addDays(h.day, 2)];
    // The harness's worker serves one queue: backfills go there too.
    const env = { ...h.env, FLOE_TRANSFORM_TASK_QUEUE: h.taskQueue };
    const config = loadConfig({ ...process.env, ...env });
    h.produce({ count: 3000, start: `${d0}T00:00:00Z`, span: '72h' });
    await h.ingest();
    const rawIdent = h.table('raw', 'telemetry');
    const victim = (await h.lake.liveDataFiles(rawIdent, { filter: [{ column: 'event_ts', op: '>=', value: `${d1}T00:00:00Z` }, { column: 'event_ts', op: '<', value: `${d1}T23:59:59Z` }] }))[0]!;
    await h.lake.append(rawIdent, [victim], { message: 'test: duplicate a RAW data file' });
    const client = await h.getClient();
    const { workflowId } = await startBackfill(client, config, backfillInput('dev', { from: d0, to: d2, concurrency: 2 }, Date.now()));
    await client.workflow.getHandle(workflowId).result();
    const p = (await backfillState(client, workflowId)).progress!;
    expect(p.days.map((d) => [d.day, d.status])).toEqual([[d0, 'done'], [d1, 'failed'], [d2, 'done']]);
    expect(p.days[1]!.error).toContain('raw_dlq_equals_kafka');

    // The RAW problem is still there: the retried day fails again, but it is the only one rerun.
    // Not spawnSync: the harness's worker runs in this process and must keep serving meanwhile.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [join(root, 'bin', 'floe.js'), 'backfill', 'retry-failed', workflowId], { cwd: root, env: { ...process.env, ...env }, timeout: 300_000 }, (_err, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }));
    });
    expect(r.stderr).toContain('1/1 days | done 0 skipped 0 running 0 failed 1');
    expect(r.stdout).toContain(`failed ${d1}`);
    expect(r.status).toBe(1);
    expect(await eventually(() => runsOf(transformWorkflowId('dev', d1)), (x) => x.length === 2)).toEqual(['FAILED', 'FAILED']);
    expect(await runsOf(transformWorkflowId('dev', d0))).toEqual(['COMPLETED']);
    expect(await runsOf(transformWorkflowId('dev', d2))).toEqual(['COMPLETED']);
    // A repeated backfill of the range skips the published days and reruns the failed one.
    const again = await startBackfill(client, config, backfillInput('dev', { from: d0, to: d2, concurrency: 2 }, Date.now()));
    await client.workflow.getHandle(again.workflowId).result();
    const q = (await backfillState(client, again.workflowId)).progress!;
    expect(q.days.map((d) => [d.day, d.status])).toEqual([[d0, 'skipped'], [d1, 'failed'], [d2, 'skipped']]);
    for (const b of (await listRunBranches(h.lake)).filter((x) => x.name.includes(d1))) await h.lake.deleteBranch(b.name);
    const silver = await h.lake.liveDataFiles(h.table('silver', 'telemetry'));
    expect(silver.length).toBeGreaterThan(0);
  });
});
