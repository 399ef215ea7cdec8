// Reconciles ingestion against the manifest `floe produce` writes: RAW and DLQ must hold exactly
// what the simulator says it sent (counts, rejects per kind and path, RAW event ids).
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Manifest } from '../../../simulator/manifest.js';
import { trinoQuery } from '../../../deploy/trino.js';
import { useIngestHarnessWithWorker } from './harness.js';

function floe(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['bin/floe.js', ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`floe ${args.join(' ')} failed: ${stderr}`)) : resolve(stdout),
    ),
  );
}

describe('ingest reconciles with the floe produce manifest', () => {
  const h = useIngestHarnessWithWorker('manifest');

  it('RAW + DLQ hold exactly what the simulator sent (mixed scenario, lz4)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'floe-manifest-')), 'manifest.json');
    await floe(['produce', '--count', '20000', '--scenario', 'mixed', '--seed', '42', '--compression', 'lz4', '--topic', h.topic, '--manifest', file, '--manifest-event-ids', '--quiet'], h.env);
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    await h.startIngest({ maxRecords: 6000 });
    const r = await h.result();
    expect(r.totals.messages).toBe(m.messages);
    expect(r.totals.rows).toBe(m.expected.raw);
    expect(r.totals.rejects).toBe(m.expected.dlq);

    const lake = await h.lake();
    const { readLakeOffsets } = await import('../../../ingest/verify.js');
    const ranges = Object.entries(m.offsets ?? {}).map(([p, o]) => ({ partition: Number(p), from: Number(o.from), to: Number(o.toExclusive) }));
    expect(ranges.length).toBeGreaterThan(0);
    const rows = await readLakeOffsets(lake, h.topic, ranges, undefined, true);
    const ids = rows.filter((x) => x.table === 'raw').map((x) => x.eventId!).sort();
    expect(ids.length).toBe(m.expected.raw);
    expect(createHash('sha256').update(ids.join('\n')).digest('hex')).toBe(m.expected.rawEventIdsSha256);

    const byKindPath = await trinoQuery(h.config, `SELECT error_kind || ' ' || error_path, count(*) FROM ${h.namespace}.telemetry_dlq WHERE _kafka_topic = '${h.topic}' GROUP BY 1`);
    expect(Object.fromEntries(byKindPath.rows.map((row) => [String(row[0]), Number(row[1])]))).toEqual(
      Object.fromEntries(Object.entries(m.expected.dlqByKindAndPath).filter(([, n]) => n > 0)),
    );
    const out = await floe(['verify', 'ingest', '--topic', h.topic], h.env);
    expect(out).toContain('OK: raw + dlq == kafka');
  });
});
