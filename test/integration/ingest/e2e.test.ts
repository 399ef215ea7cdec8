import { describe, expect, it } from 'vitest';
import { trinoQuery } from '../../../deploy/trino.js';
import { expectExactlyOnce, useIngestHarnessWithWorker } from './harness.js';
import { FloeEnv, FloeLag, FloeRejects, FloeRows, FloeTopic } from '../../../workflows/ingest/searchAttributes.js';

describe('ingest end to end: Kafka -> ingest workflow -> RAW + DLQ -> Trino, verify', () => {
  const h = useIngestHarnessWithWorker('e2e');

  it('ingests valid messages into RAW and rejects into the DLQ, exactly once, in several batches', async () => {
    await h.produce({ count: 2400, defectEvery: 23, duplicateEvery: 101 });
    await h.startIngest({ maxRecords: 500 });
    const r = await h.result();
    expect(r.lag).toBe(0);
    expect(r.totals.messages).toBe(2400);
    expect(r.totals.batches).toBeGreaterThanOrEqual(5);
    const defects = h.produced.flat().filter((m) => m.defect).length;
    expect(r.totals.rejects).toBe(defects);
    expect(r.totals.rows).toBe(2400 - defects);
    expect(r.totals.duplicates).toBeGreaterThan(0);

    await expectExactlyOnce(h);

    // Visible to people: search attributes and details of the run.
    const client = await h.getClient();
    const d = await client.workflow.getHandle(h.workflowId).describe();
    expect(d.typedSearchAttributes.get(FloeTopic)).toBe(h.topic);
    expect(d.typedSearchAttributes.get(FloeEnv)).toBe(h.config.env);
    expect(d.typedSearchAttributes.get(FloeRows)).toBe(r.totals.rows);
    expect(d.typedSearchAttributes.get(FloeRejects)).toBe(r.totals.rejects);
    expect(d.typedSearchAttributes.get(FloeLag)).toBe(0);
  });

  it('a second run with nothing new does nothing; new messages are picked up incrementally', async () => {
    await h.startIngest({ maxRecords: 500 });
    const idle = await h.result();
    expect(idle.totals.batches).toBe(0);

    await h.produce({ count: 700, defectEvery: 11 });
    await h.startIngest({ maxRecords: 10_000 });
    const r = await h.result();
    expect(r.totals.messages).toBe(700);
    const rec = await h.reconcile();
    expect(rec.missing).toEqual([]);
    expect(rec.extra).toEqual([]);
    expect(rec.rawEventIds).toEqual(rec.expectedEventIds);
  });

  it('continues as new every few batches, carrying totals across runs', async () => {
    await h.produce({ count: 1000, defectEvery: 7 });
    await h.startIngest({ maxRecords: 100, maxBatchesPerRun: 3 });
    const r = await h.result();
    expect(r.totals.messages).toBe(1000);
    expect(r.totals.batches).toBe(10);
    const client = await h.getClient();
    let runs = 0;
    for await (const _ of client.workflow.list({ query: `WorkflowId = "${h.workflowId}"` })) runs++;
    // 3 earlier runs (e2e), then this one: 10 batches at 3 per run -> 4 runs
    expect(runs).toBeGreaterThanOrEqual(3 + 4);
    const rec = await h.reconcile();
    expect(rec.missing).toEqual([]);
    expect(rec.extra).toEqual([]);
  });

  it('RAW and DLQ are queryable in Trino, with late events in their event hour', async () => {
    const valid = h.produced.flat().filter((m) => !m.defect).length;
    const defects = h.produced.flat().length - valid;
    const raw = await trinoQuery(h.config, `SELECT count(*), count(DISTINCT date_trunc('hour', event_ts)) FROM ${h.namespace}.telemetry WHERE _kafka_topic = '${h.topic}'`);
    expect(Number(raw.rows[0]![0])).toBe(valid);
    expect(Number(raw.rows[0]![1])).toBeGreaterThan(5);
    const dlq = await trinoQuery(h.config, `SELECT error_kind, count(*) FROM ${h.namespace}.telemetry_dlq GROUP BY error_kind ORDER BY 1`);
    expect(dlq.rows.reduce((s, row) => s + Number(row[1]), 0)).toBe(defects);
    expect(dlq.rows.map((row) => row[0])).toEqual(['empty', 'malformed_json', 'missing_field', 'out_of_physical_range', 'unknown_device']);
  });

  it('floe verify ingest exits 0 on the ingested topic', async () => {
    const { execFile } = await import('node:child_process');
    const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, ['bin/floe.js', 'verify', 'ingest', '--topic', h.topic], { env: { ...process.env, ...h.env } }, (err, stdout) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });
    expect(out.stdout).toContain('OK: raw + dlq == kafka');
    expect(out.code).toBe(0);
  });

  it('floe verify ingest exits 1 listing the offsets when RAW holds a row twice', async () => {
    // Corrupt the table on purpose: append one of its live data files a second time.
    const lake = await h.lake();
    const files = await lake.lake.liveDataFiles(lake.rawTable);
    const victim = files.find((f) => f.recordCount > 0)!;
    await lake.lake.append(lake.rawTable, [victim], { branch: lake.branch, message: 'test: duplicate a data file' });
    const { execFile } = await import('node:child_process');
    const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, ['bin/floe.js', 'verify', 'ingest', '--topic', h.topic], { env: { ...process.env, ...h.env } }, (err, stdout) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(new RegExp(`EXTRA ${victim.recordCount} offsets: \\d+@\\d+ \\(raw x2\\)`));
    expect(out.stdout).toContain('FAILED: raw + dlq != kafka');
  });
});
