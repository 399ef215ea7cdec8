// The transform end to end on the real stack: simulator -> Kafka -> ingest -> RAW -> transform
// workflow (run branch, SILVER, GOLD, checks, merge) -> Trino on main.
import { describe, expect, it } from 'vitest';
import { parquetMetadataAsync } from 'hyparquet';
import { trinoQuery } from '../../../deploy/trino.js';
import { loadModels } from '../../../models/catalog.js';
import { tableOf } from '../../../transform/context.js';
import { listRunBranches } from '../../../transform/branches.js';
import { lateDays } from '../../../transform/late.js';
import { spawn } from 'node:child_process';
import { useTransformHarness } from './harness.js';
import { runPython } from '../foreign/python.js';

/** `floe <args>` as a child process with the harness's environment. */
function floe(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/floe.js', ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const DEVICES = 12;

describe('transform end to end: RAW -> run branch -> SILVER, GOLD, checks -> main', () => {
  const h = useTransformHarness('xform');
  const q = async (sql: string) => (await trinoQuery(h.config, sql)).rows;

  it('publishes SILVER and GOLD for the day after every blocking check passed', async () => {
    const manifest = h.produce({ count: 3000, devices: DEVICES });
    await h.ingest();
    const out = await h.transform();
    if (!out.ok) throw new Error(out.message);
    const r = out.result;
    expect(r.outcome).toBe('published');
    expect(r.failedChecks).toEqual([]);
    expect(r.checks.total).toBeGreaterThanOrEqual(20);
    // The branch is gone once merged.
    expect((await listRunBranches(h.lake)).map((b) => b.name)).not.toContain(r.branch);
    expect(await h.uiStatus()).toEqual({ branch: r.branch, dq: 'passed' });

    // SILVER = the day's RAW event ids, each once (Trino over RAW on main, an independent engine).
    const [raw] = await q(`SELECT count(*), count(DISTINCT event_id) FROM ${h.table('raw', 'telemetry')} WHERE event_ts >= TIMESTAMP '${h.day} 00:00:00 UTC' AND event_ts < TIMESTAMP '${h.day} 00:00:00 UTC' + INTERVAL '1' DAY`);
    expect(r.counts.rawRows).toBe(Number(raw![0]));
    expect(r.counts.silverRows).toBe(Number(raw![1]));
    expect(r.counts.dropped.duplicate_event_id).toBe(Number(raw![0]) - Number(raw![1]));
    const [silver] = await q(`SELECT count(*), count(DISTINCT event_id), count_if(is_anomaly) FROM ${h.table('silver', 'telemetry')}`);
    expect(Number(silver![0])).toBe(r.counts.silverRows);
    expect(Number(silver![1])).toBe(r.counts.silverRows);
    expect(Number(silver![2])).toBeGreaterThan(0);
    // Several files (FLOE_TRANSFORM_ROWS_PER_FILE is small here), each holding its own range of devices.
    const files = await q(`SELECT "$path", min(device_id), max(device_id) FROM ${h.table('silver', 'telemetry')} GROUP BY 1 ORDER BY 2`);
    expect(files.length).toBeGreaterThan(1);
    for (let i = 1; i < files.length; i++) expect(String(files[i - 1]![2]) < String(files[i]![1])).toBe(true);

    // GOLD through Trino on main, against the same figures computed by Trino from SILVER.
    const metrics = await q(`SELECT m.device_id, m.message_count, s.n FROM ${h.table('gold', 'daily_device_metrics')} m JOIN (SELECT device_id, count(*) n FROM ${h.table('silver', 'telemetry')} GROUP BY 1) s ON s.device_id = m.device_id`);
    expect(metrics.length).toBe(DEVICES);
    for (const row of metrics) expect(Number(row[1])).toBe(Number(row[2]));
    const hourly = await q(`
      SELECT count(*) FROM ${h.table('gold', 'hourly_sensor_aggregates')} g
      JOIN (SELECT device_id, date_trunc('hour', event_ts) AS hour, count(temperature) n, min(temperature) lo, max(temperature) hi, avg(temperature) av
            FROM ${h.table('silver', 'telemetry')} WHERE temperature IS NOT NULL GROUP BY 1, 2) s
        ON s.device_id = g.device_id AND s.hour = g.hour AND g.reading = 'temperature'
      WHERE g.reading_count = s.n AND g.min_value = s.lo AND g.max_value = s.hi AND abs(g.avg_value - s.av) < 1e-9`);
    const [temperatureHours] = await q(`SELECT count(*) FROM (SELECT DISTINCT device_id, date_trunc('hour', event_ts) FROM ${h.table('silver', 'telemetry')} WHERE temperature IS NOT NULL)`);
    expect(Number(hourly[0]![0])).toBe(Number(temperatureHours![0]));
    const health = await q(`SELECT count(*), min(health_score), max(health_score), count_if(recommendation IS NULL) FROM ${h.table('gold', 'device_health_summary')} WHERE day = DATE '${h.day}'`);
    expect(Number(health[0]![0])).toBe(DEVICES);
    expect(Number(health[0]![1])).toBeGreaterThanOrEqual(0);
    expect(Number(health[0]![2])).toBeLessThanOrEqual(100);
    expect(Number(health[0]![3])).toBe(0);
    // The simulator's ailing devices (its manifest names them) are the ones the score singles out.
    const ailing = manifest.ailingDevices!;
    const scored = new Map((await q(`SELECT device_id, health_score, stuck_sensors, recommendation, uptime_ratio FROM ${h.table('gold', 'device_health_summary')} WHERE day = DATE '${h.day}'`)).map((r) => [String(r[0]), r]));
    const [stuckDevice] = ailing.stuck_sensor!;
    expect(String(scored.get(stuckDevice!)![2])).not.toContain(',');
    expect(String(scored.get(stuckDevice!)![3])).toMatch(/^Stuck \w+ reading/);
    const [flaky] = ailing.offline!;
    const healthy = [...scored.keys()].filter((d) => !Object.values(ailing).flat().includes(d));
    expect(healthy.length).toBe(DEVICES - 5);
    for (const d of healthy) {
      expect(scored.get(d)![2], d).toBeNull();
      expect(Number(scored.get(d)![4]), d).toBeGreaterThan(Number(scored.get(flaky!)![4]));
    }
    const [dims] = await q(`SELECT count(*), count_if(is_current) FROM ${h.table('gold', 'dim_devices')}`);
    expect(Number(dims![1])).toBe(DEVICES);
    const [energy] = await q(`SELECT count(*), sum(cost), count_if(cost <> energy_kwh * 0.25) FROM ${h.table('gold', 'building_energy_dashboard')}`);
    expect(Number(energy![0])).toBeGreaterThan(0);
    expect(Number(energy![2])).toBe(0);
    const checks = await q(`SELECT count(*), count_if(passed), count(DISTINCT run_id) FROM ${h.table('dq', 'check_results')} WHERE day = DATE '${h.day}' AND check_name = 'raw_dlq_equals_kafka'`);
    expect(checks[0]!.map(Number)).toEqual([1, 1, 1]);
  });

  it('writes a field id on every column of every data file (pyiceberg-style strictness)', async () => {
    for (const m of loadModels()) {
      const files = await h.lake.liveDataFiles(tableOf(h.settings, m));
      expect(files.length, m.name).toBeGreaterThan(0);
      for (const f of files) {
        const bytes = await h.lake.io.read(f.filePath);
        const ab = new Uint8Array(bytes).buffer;
        const md = await parquetMetadataAsync(ab);
        const leaves = md.schema.filter((s) => !s.num_children);
        expect(leaves.filter((s) => s.field_id === undefined).map((s) => s.name), f.filePath).toEqual([]);
        expect(leaves.map((s) => s.field_id).sort((a, b) => a! - b!)).toEqual(m.columns.map((c) => c.id).sort((a, b) => a - b));
        expect(Number(md.num_rows)).toBe(f.recordCount);
      }
    }
  });

  it("pyiceberg (not floe's reader) reads SILVER through Nessie's Iceberg REST catalog, every row", async () => {
    const rest = `${h.config.nessie.uri.replace(/\/api\/v2\/?$/, '')}/iceberg/${h.config.nessie.branch}`;
    const env = { FLOE_S3_ACCESS_KEY_ID: h.config.s3.accessKeyId, FLOE_S3_SECRET_ACCESS_KEY: h.config.s3.secretAccessKey, FLOE_S3_REGION: h.config.s3.region };
    const out = JSON.parse(await runPython(h.config.cacheDir, 'pyiceberg_read.py', [rest, h.config.s3.endpoint, h.table('silver', 'telemetry'), h.topic], { env })) as { columns: string[]; rows: number; topics: string[] };
    const silver = loadModels().find((m) => m.name === 'silver.telemetry')!;
    expect(out.columns).toEqual(silver.columns.map((c) => c.name));
    const [n] = await q(`SELECT count(*) FROM ${h.table('silver', 'telemetry')}`);
    expect(out.rows).toBe(Number(n![0]));
    expect(out.topics).toEqual([h.topic]);
  }, 600_000);

  it('an unforced run of a published day with no new RAW is up to date; a forced one replaces the day (idempotent)', async () => {
    const idle = await h.transform();
    expect(idle.ok && idle.result.outcome).toBe('up_to_date');
    const before = await q(`SELECT (SELECT count(*) FROM ${h.table('silver', 'telemetry')}), (SELECT count(*) FROM ${h.table('gold', 'device_health_summary')}), (SELECT count(*) FROM ${h.table('gold', 'hourly_sensor_aggregates')})`);
    const again = await h.transform({ force: true });
    if (!again.ok) throw new Error(again.message);
    expect(again.result.outcome).toBe('published');
    const after = await q(`SELECT (SELECT count(*) FROM ${h.table('silver', 'telemetry')}), (SELECT count(*) FROM ${h.table('gold', 'device_health_summary')}), (SELECT count(*) FROM ${h.table('gold', 'hourly_sensor_aggregates')})`);
    expect(after).toEqual(before);
    const files = await h.lake.liveDataFiles(h.table('silver', 'telemetry'));
    expect(files.every((f) => f.filePath.includes(again.result.runId.replace(/[^A-Za-z0-9-]/g, '')) || f.filePath.includes(again.result.runId))).toBe(true);
  });

  it('late RAW for a published day is detected and a transform while ingestion commits still merges', async () => {
    h.produce({ count: 400, devices: DEVICES, start: `${h.day}T12:00:00Z`, span: '2h', seed: 99, scenario: 'valid' });
    await h.ingest();
    const late = await lateDays(h.lake, h.settings, { days: [h.day] });
    expect(late.map((l) => l.day)).toEqual([h.day]);
    expect(late[0]!.lateRows).toBeGreaterThan(0);
    const [before] = await q(`SELECT count(*) FROM ${h.table('silver', 'telemetry')}`);

    // More RAW arrives (another day) while the transform runs: ingestion commits on main.
    h.produce({ count: 600, devices: DEVICES, start: '2024-06-01T00:00:00Z', span: '1h', seed: 5, scenario: 'valid' });
    const [out] = await Promise.all([h.transform(), h.ingest()]);
    if (!out.ok) throw new Error(out.message);
    expect(out.result.outcome).toBe('published');
    const [after] = await q(`SELECT count(*) FROM ${h.table('silver', 'telemetry')}`);
    expect(Number(after![0])).toBeGreaterThan(Number(before![0]));
    expect(await lateDays(h.lake, h.settings, { days: [h.day] })).toEqual([]);
  });

  it('floe run transform --wait prints progress and a summary; bad days exit 2 and write nothing', async () => {
    const run = await floe(h.env, 'run', 'transform', '--day', h.day, '--force', '--wait');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`"workflowId":"floe-transform-${h.config.env}-${h.day}"`);
    expect(run.stdout).toContain('/namespaces/');
    expect(run.stderr).toMatch(new RegExp(`published ${h.day}: RAW \\d+ -> SILVER \\d+ rows`));
    const tables = loadModels().map((m) => tableOf(h.settings, m));
    const before = await Promise.all(tables.map(async (t) => (await h.lake.loadTable(t)).metadataLocation));
    for (const [day, message] of [['2099-01-01', 'is in the future'], ['2025-02-30', 'is not a calendar date'], ['2019-06-01', 'no RAW data for that day']] as const) {
      const bad = await floe(h.env, 'run', 'transform', '--day', day);
      expect(bad.code, day).toBe(2);
      expect(bad.stderr).toContain(message);
    }
    // Nothing was written for them: none of this harness's tables moved (main itself is shared).
    expect(await Promise.all(tables.map(async (t) => (await h.lake.loadTable(t)).metadataLocation))).toEqual(before);
    const results = await floe(h.env, 'dq', 'results', '--day', h.day);
    expect(results.code).toBe(0);
    expect(results.stdout).toMatch(/PASS\s+block\s+silver.telemetry\s+raw_dlq_equals_kafka/);
    const failed = await floe(h.env, 'dq', 'results', '--day', h.day, '--failed', '--json');
    expect((JSON.parse(failed.stdout) as { severity: string }[]).filter((r) => r.severity === 'block')).toEqual([]);
  });

  it('two days transformed at once both publish (a merge that conflicts starts over from a fresh fork)', async () => {
    const next = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
    const [dayA, dayB] = [next(h.day, 1), next(h.day, 2)];
    h.produce({ count: 600, devices: DEVICES, start: `${dayA}T00:00:00Z`, span: '48h', seed: 11, scenario: 'valid' });
    await h.ingest();
    const [a, b] = await Promise.all([h.transform({ day: dayA }), h.transform({ day: dayB })]);
    for (const out of [a, b]) {
      if (!out.ok) throw new Error(out.message);
      expect(out.result.outcome).toBe('published');
    }
    process.stderr.write(`concurrent transforms: forks ${a.ok && a.result.attempts}, ${b.ok && b.result.attempts}\n`);
    const days = await q(`SELECT CAST(day AS varchar), count(*) FROM ${h.table('gold', 'device_health_summary')} GROUP BY 1 ORDER BY 1`);
    expect(days.map((r) => r[0])).toEqual([h.day, dayA, dayB]);
    const [silverDays] = await q(`SELECT count(DISTINCT CAST(event_ts AS date)) FROM ${h.table('silver', 'telemetry')}`);
    expect(Number(silverDays![0])).toBe(3);
  });

  it('a failing blocking check keeps the branch, records the results there, and leaves main unchanged', async () => {
    // Break the central invariant on purpose: RAW holds one of its data files twice.
    const rawIdent = h.table('raw', 'telemetry');
    const victim = (await h.lake.liveDataFiles(rawIdent, { filter: [{ column: 'event_ts', op: '>=', value: `${h.day}T00:00:00Z` }, { column: 'event_ts', op: '<', value: `${h.day}T23:59:59Z` }] }))[0]!;
    await h.lake.append(rawIdent, [victim], { message: 'test: duplicate a RAW data file' });
    const tables = loadModels().map((m) => tableOf(h.settings, m));
    const mainBefore = await Promise.all(tables.map(async (t) => (await h.lake.loadTable(t)).metadataLocation));

    const out = await h.transform({ force: true });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.message).toContain('raw_dlq_equals_kafka');
    expect(out.message).toContain(`observed ${victim.recordCount}`);
    const result = out.result!;
    expect(result.outcome).toBe('checks_failed');
    expect(result.failedChecks.map((c) => c.check)).toEqual(['raw_dlq_equals_kafka']);
    expect(await h.uiStatus()).toEqual({ branch: result.branch, dq: 'failed' });

    const mainAfter = await Promise.all(tables.map(async (t) => (await h.lake.loadTable(t)).metadataLocation));
    expect(mainAfter).toEqual(mainBefore);
    expect((await listRunBranches(h.lake)).map((b) => b.name)).toContain(result.branch);
    const onBranch = await h.lake.liveDataFiles(h.table('dq', 'check_results'), { ref: result.branch });
    const onMain = await h.lake.liveDataFiles(h.table('dq', 'check_results'));
    expect(onBranch.length).toBe(onMain.length + 1);

    // People find the branch, see what it holds and why it failed, then drop it.
    const list = await floe(h.env, 'branches', 'list');
    expect(list.stdout).toContain(result.branch);
    const show = await floe(h.env, 'branches', 'show', result.branch);
    const shown = JSON.parse(show.stdout) as { tables: { table: string; differsFromMain: boolean }[] };
    expect(shown.tables.find((t) => t.table === h.table('dq', 'check_results'))?.differsFromMain).toBe(true);
    const why = await floe(h.env, 'dq', 'results', '--branch', result.branch, '--day', h.day, '--failed');
    expect(why.stdout).toMatch(new RegExp(`FAIL\\s+block\\s+silver.telemetry\\s+raw_dlq_equals_kafka\\s+observed\\s+${victim.recordCount}`));
    const drop = await floe(h.env, 'branches', 'drop', result.branch);
    expect(drop.code).toBe(0);
    expect((await listRunBranches(h.lake)).map((b) => b.name)).not.toContain(result.branch);
    const notOurs = await floe(h.env, 'branches', 'drop', 'main');
    expect(notOurs.code).toBe(2);
    expect(notOurs.stderr).toContain('is not a transform run branch');
  });

  it('a RAW file that cannot be read fails the run naming the file, main unchanged', async () => {
    const rawIdent = h.table('raw', 'telemetry');
    const [file] = await h.lake.liveDataFiles(rawIdent, { filter: [{ column: 'event_ts', op: '>=', value: `${h.day}T00:00:00Z` }, { column: 'event_ts', op: '<', value: `${h.day}T23:59:59Z` }] });
    const missing = { ...file!, filePath: file!.filePath.replace(/\.parquet$/, '-gone.parquet') };
    await h.lake.append(rawIdent, [missing], { message: 'test: a RAW data file whose object is gone' });
    const tables = loadModels().map((m) => tableOf(h.settings, m));
    const before = await Promise.all(tables.map(async (t) => (await h.lake.loadTable(t)).metadataLocation));
    const out = await h.transform({ force: true });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.message).toContain(`cannot read data file ${missing.filePath}`);
    expect(await Promise.all(tables.map(async (t) => (await h.lake.loadTable(t)).metadataLocation))).toEqual(before);
    for (const b of await listRunBranches(h.lake)) if (b.name.startsWith(`transform-${h.config.env}-${h.day}-`)) await h.lake.deleteBranch(b.name);
  });
});
