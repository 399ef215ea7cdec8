// Backfills against the real Temporal dev server, with the fixture transform (fixtures/): fan-out
// with bounded concurrency, a worker killed mid-way, skip of published days, retry-failed, force,
// cancel, and the search attributes and metrics the runs leave behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backfillInput, backfillState, startBackfill } from '../../../workers/backfillClient.js';
import type { BackfillProgress } from '../../../workflows/backfill/backfill.js';
import { codeVersion } from '../../../workers/codeVersion.js';
import { transformWorkflowId } from '../../../workflows/common/transformContract.js';
import { OpsHarness, eventually } from './opsHarness.js';
import { parsePrometheusText, sum } from './prometheusText.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const h = new OpsHarness('backfill');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function floe(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'floe.js'), ...args], { cwd: root, env: { ...process.env, ...h.env }, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function finished(id: string): Promise<BackfillProgress> {
  const client = await h.getClient();
  await client.workflow.getHandle(id).result();
  return (await backfillState(client, id)).progress!;
}

let days: string[] = [];
let failing = '';
let firstId = '';
let metricsPort = 0;

beforeAll(async () => {
  metricsPort = await freePort();
  await h.pickDays();
  days = Array.from({ length: 6 }, (_, i) => h.day(i));
  failing = days[2]!;
});
afterAll(async () => {
  await h.close();
});

describe('backfill', () => {
  it('fans out per day with bounded concurrency; a worker killed mid-way, every day finishes exactly once', async () => {
    h.plan(Object.fromEntries(days.map((d) => [d, { ms: 2500, fail: d === failing }])));
    const first = await h.spawnWorker();
    const client = await h.getClient();
    const input = backfillInput('dev', { from: days[0]!, to: days.at(-1)!, concurrency: 2 }, Date.now());
    const { workflowId } = await startBackfill(client, h.config, input);
    firstId = workflowId;
    // Kill the worker while days are running, after at least one finished.
    const mid = await eventually(() => backfillState(client, workflowId), (s) => (s.progress?.counts.done ?? 0) >= 1, 60_000);
    expect(mid.progress!.counts.running).toBeLessThanOrEqual(2);
    first.kill('SIGKILL');
    await first.exited;
    await h.spawnWorker({ FLOE_TEST_METRICS_PORT: String(metricsPort) });
    const p = await finished(workflowId);
    expect(p.days.map((d) => [d.day, d.status])).toEqual(days.map((d) => [d, d === failing ? 'failed' : 'done']));
    expect(p.days.find((d) => d.day === failing)!.error).toContain(`blocking checks failed for ${failing}`);
    // One transform run per day ever: the day-derived ids held through the restart.
    for (const d of days) {
      const runs = await eventually(() => h.runsOf(transformWorkflowId('dev', d)), (r) => r.length >= 1 && r.every((x) => x.status !== 'RUNNING'));
      expect(runs.map((r) => r.status)).toEqual([d === failing ? 'FAILED' : 'COMPLETED']);
    }
    expect([...new Set(h.ran())].sort()).toEqual(days.filter((d) => d !== failing));
  });

  it('retry-failed reruns only the failed days', async () => {
    h.plan(Object.fromEntries(days.map((d) => [d, { ms: 200 }])));
    const r = floe(['backfill', 'retry-failed', firstId, '--detach']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const retryId = /started backfill (\S+):/.exec(r.stdout)![1]!;
    const p = await finished(retryId);
    expect(p.retryOf).toBe(firstId);
    expect(p.days.map((d) => [d.day, d.status])).toEqual([[failing, 'done']]);
    const runs = await eventually(() => h.runsOf(transformWorkflowId('dev', failing)), (x) => x.length === 2);
    expect(runs.map((x) => x.status).sort()).toEqual(['COMPLETED', 'FAILED']);
    for (const d of days.filter((x) => x !== failing)) expect(await h.runsOf(transformWorkflowId('dev', d))).toHaveLength(1);
    // Nothing failed any more: nothing to retry.
    const again = floe(['backfill', 'retry-failed', retryId, '--detach']);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('no failed days');
  });

  it('a repeated backfill skips published days; --force reruns them', async () => {
    const client = await h.getClient();
    const again = await startBackfill(client, h.config, backfillInput('dev', { from: days[0]!, to: days.at(-1)!, concurrency: 3 }, Date.now()));
    expect(again.workflowId).toBe(firstId);
    const p = await finished(again.workflowId);
    expect(p.counts).toMatchObject({ skipped: 6, done: 0, failed: 0 });
    const forced = await startBackfill(client, h.config, backfillInput('dev', { from: days[0]!, to: days[1]!, concurrency: 2, force: true }, Date.now()));
    const f = await finished(forced.workflowId);
    expect(f.counts).toMatchObject({ done: 2, skipped: 0 });
    expect(await eventually(() => h.runsOf(transformWorkflowId('dev', days[0]!)), (x) => x.length === 2)).toHaveLength(2);
    expect(await h.runsOf(transformWorkflowId('dev', days[3]!))).toHaveLength(1);
  });

  it('leaves search attributes a person can filter runs by (visibility API)', async () => {
    const client = await h.getClient();
    const list = async (query: string): Promise<string[]> => {
      const ids: string[] = [];
      for await (const w of client.workflow.list({ query })) ids.push(w.workflowId);
      return ids;
    };
    const day0 = await eventually(() => list(`FloePipeline = "transform" AND FloeEnv = "dev" AND FloeDay = "${days[3]}" AND FloeCodeVersion = "${codeVersion()}"`), (x) => x.length > 0);
    expect(day0).toEqual([transformWorkflowId('dev', days[3]!)]);
    const failedBackfills = await eventually(() => list(`FloePipeline = "backfill" AND FloeDqStatus = "failed" AND WorkflowId = "${firstId}"`), (x) => x.length > 0);
    // The first run of the range failed a day; the re-run over the same id skipped every day.
    expect(failedBackfills).toContain(firstId);
    const description = await client.workflow.getHandle(transformWorkflowId('dev', days[3]!)).describe();
    expect(description.typedSearchAttributes.get({ name: 'FloeDay', type: 'KEYWORD' } as never)).toBe(days[3]);
  });

  it('records transform metrics from the workflow side, scraped as Prometheus text', async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const e = parsePrometheusText(await res.text());
    expect(e.types.get('floe_transform_runs')).toBe('counter');
    expect(sum(e, 'floe_transform_runs', { outcome: 'published' })).toBeGreaterThanOrEqual(1);
    expect(sum(e, 'floe_transform_duration_count')).toBeGreaterThanOrEqual(1);
    expect(sum(e, 'floe_layer_rows', { layer: 'silver' })).toBeGreaterThanOrEqual(10);
    // The failed day's checks, from the failure's details (the worker was restarted after it, so
    // it counts only if the retry-failed run or a later failure happened here: at least 0).
    expect(e.types.get('floe_transform_duration')).toBe('histogram');
  });

  it('cancel stops a running backfill and the days it runs', async () => {
    const later = Array.from({ length: 3 }, (_, i) => h.day(20 + i));
    h.plan(Object.fromEntries(later.map((d) => [d, { ms: 60_000 }])));
    const client = await h.getClient();
    const { workflowId } = await startBackfill(client, h.config, backfillInput('dev', { from: later[0]!, to: later[2]!, concurrency: 1 }, Date.now()));
    await eventually(() => backfillState(client, workflowId), (s) => (s.progress?.counts.running ?? 0) === 1);
    const r = floe(['backfill', 'cancel', workflowId]);
    expect(r.status).toBe(0);
    const s = await eventually(() => client.workflow.getHandle(workflowId).describe(), (d) => d.status.name !== 'RUNNING');
    expect(s.status.name).toBe('CANCELLED');
    const child = await eventually(() => client.workflow.getHandle(transformWorkflowId('dev', later[0]!)).describe(), (d) => d.status.name !== 'RUNNING');
    expect(child.status.name).toBe('CANCELLED');
    // Not running any more: a second cancel is a usage error, and an unknown id too.
    expect(floe(['backfill', 'cancel', workflowId]).status).toBe(2);
    const unknown = floe(['backfill', 'status', `floe-backfill-nope-${h.id}`]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no backfill with id');
  });
});
