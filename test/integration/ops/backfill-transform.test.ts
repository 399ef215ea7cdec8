// Backfills with the real transform workflow (issue #15) on the shared stack: three days of
// telemetry produced and ingested and backfilled (each published once, a repeat skips them),
// then a RAW data file duplicated (as the transform's e2e test does) and the days forced again:
// the days whose blocking check RAW + DLQ = Kafka sees it fail, and retry-failed reruns exactly
// those days.
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
import type { StatusReport } from '../../../workers/statusReport.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const h = useTransformHarness('opsbf');

async function runsOf(workflowId: string): Promise<string[]> {
  const client = await h.getClient();
  const out: string[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) out.push(w.status.name);
  return out.sort();
}

describe('backfill with the real transform', () => {
  it('publishes each day once, skips published days, and retry-failed reruns exactly the days that failed their checks', async () => {
    // Three days no earlier test run transformed (transform workflow ids are per env and day).
    let start = h.day;
    while ((await Promise.all([0, 1, 2].map((i) => runsOf(transformWorkflowId('dev', addDays(start, i)))))).some((r) => r.length > 0)) start = addDays(start, -3);
    const [d0, d1, d2] = [start, addDays(start, 1), addDays(start, 2)];
    // The harness's worker serves one queue: backfills go there too.
    const env = { ...h.env, FLOE_TRANSFORM_TASK_QUEUE: h.taskQueue };
    const config = loadConfig({ ...process.env, ...env });
    // One day after the other, so each day's Kafka offsets follow the day before's.
    for (const [i, d] of [d0, d1, d2].entries()) h.produce({ count: 1000, start: `${d}T00:00:00Z`, span: '24h', seed: 7 + i });
    await h.ingest();
    const client = await h.getClient();
    const backfill = async (req: { force?: boolean } = {}) => {
      const { workflowId } = await startBackfill(client, config, backfillInput('dev', { from: d0, to: d2, concurrency: 2, ...req }, Date.now()));
      await client.workflow.getHandle(workflowId).result();
      return { workflowId, progress: (await backfillState(client, workflowId)).progress! };
    };
    const first = await backfill();
    expect(first.progress.days.map((d) => [d.day, d.status])).toEqual([[d0, 'done'], [d1, 'done'], [d2, 'done']]);
    for (const d of [d0, d1, d2]) expect(await eventually(() => runsOf(transformWorkflowId('dev', d)), (x) => x.length === 1)).toEqual(['COMPLETED']);
    expect((await backfill()).progress.counts).toMatchObject({ skipped: 3, done: 0, failed: 0 });

    const rawIdent = h.table('raw', 'telemetry');
    const victim = (await h.lake.liveDataFiles(rawIdent, { filter: [{ column: 'event_ts', op: '>=', value: `${d1}T00:00:00Z` }, { column: 'event_ts', op: '<', value: `${d1}T23:59:59Z` }] }))[0]!;
    await h.lake.append(rawIdent, [victim], { message: 'test: duplicate a RAW data file' });
    const forced = await backfill({ force: true });
    const failed = forced.progress.days.filter((d) => d.status === 'failed');
    expect(failed.map((d) => d.day)).toContain(d1);
    for (const d of failed) expect(d.error).toContain('raw_dlq_equals_kafka');
    expect(forced.progress.counts.done + failed.length).toBe(3);

    // The RAW problem is still there: the retried days fail again, but only they are rerun.
    // Not spawnSync: the harness's worker runs in this process and must keep serving meanwhile.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [join(root, 'bin', 'floe.js'), 'backfill', 'retry-failed', forced.workflowId], { cwd: root, env: { ...process.env, ...env }, timeout: 300_000 }, (_err, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }));
    });
    expect(r.stderr, r.stderr + r.stdout).toContain(`${failed.length}/${failed.length} days | done 0 skipped 0 running 0 failed ${failed.length}`);
    expect(r.status).toBe(1);
    for (const d of [d0, d1, d2]) {
      const retried = failed.some((f) => f.day === d);
      const runs = await eventually(() => runsOf(transformWorkflowId('dev', d)), (x) => x.length === (retried ? 3 : 2));
      expect(runs).toEqual(retried ? ['COMPLETED', 'FAILED', 'FAILED'] : ['COMPLETED', 'COMPLETED']);
    }
    // floe status shows the published days' check results and the failed runs' kept branches.
    const st = await new Promise<string>((resolve) => execFile(process.execPath, [join(root, 'bin', 'floe.js'), 'status', '--json'], { cwd: root, env: { ...process.env, ...env }, timeout: 120_000 }, (_e, out) => resolve(out)));
    const report = JSON.parse(st) as StatusReport;
    expect(report.dq.ok && report.dq.value?.map((d) => d.day).sort()).toEqual(expect.arrayContaining([d0, d1, d2].filter((d) => !failed.some((f) => f.day === d))));
    expect(report.dq.ok && report.dq.value!.every((d) => d.checks > 0)).toBe(true);
    expect(report.branches.ok && report.branches.value.filter((b) => b.includes(d1)).length).toBeGreaterThanOrEqual(2);
    for (const b of (await listRunBranches(h.lake)).filter((x) => failed.some((f) => x.name.includes(f.day)))) await h.lake.deleteBranch(b.name);
    const silver = await h.lake.liveDataFiles(h.table('silver', 'telemetry'));
    expect(silver.length).toBeGreaterThan(0);
  });
});
