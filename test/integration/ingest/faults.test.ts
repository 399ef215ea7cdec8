// Faults on the real stack: the final RAW + DLQ must equal what was produced, by offset and by
// event id, whatever happened on the way.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAULT_POINTS } from './faults-hook.js';
import type { FileIO } from '../../../lake/s3-file-io.js';
import type { IngestLake } from '../../../ingest/batch.js';
import { IngestHarness, expectExactlyOnce } from './harness.js';

describe('ingest faults (real stack)', () => {
  const harnesses: IngestHarness[] = [];
  afterAll(async () => {
    for (const h of harnesses) await h.close();
  });

  it('worker killed before upload, after upload and after commit, then restarted: no loss, no duplicate', async () => {
    const h = new IngestHarness('kill');
    harnesses.push(h);
    await h.setup();
    await h.produce({ count: 3000, defectEvery: 17, duplicateEvery: 53 });
    const markers = mkdtempSync(join(tmpdir(), 'floe-fault-'));
    await h.startIngest({ maxRecords: 400, heartbeatTimeout: '4s' });
    for (const point of FAULT_POINTS) {
      const marker = join(markers, point);
      const w = h.spawnWorker({ FLOE_INGEST_FAULT: point, FLOE_INGEST_FAULT_MARKER: marker });
      const code = await w.exited;
      expect({ point, code, log: code === 86 ? '' : w.output.log.slice(-2000) }).toEqual({ point, code: 86, log: '' });
      expect(existsSync(marker)).toBe(true);
    }
    const w = h.spawnWorker();
    try {
      const r = await h.result();
      expect(r.lag).toBe(0);
    } finally {
      w.kill('SIGTERM');
      await w.exited;
    }
    await expectExactlyOnce(h);
    // The attempt after the after-commit kill found its batch in RAW and wrote nothing.
    const history = await (await h.getClient()).workflow.getHandle(h.workflowId).fetchHistory();
    const outcomes = (history.events ?? []).flatMap((e) => {
      const data = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
      return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { outcome?: string }).outcome] : [];
    });
    expect(outcomes).toContain('already-committed');
  }, 240_000);

  it('transient S3 failures during upload and commit are retried without loss or duplicates', async () => {
    const h = new IngestHarness('s3');
    harnesses.push(h);
    await h.setup();
    await h.produce({ count: 1500, defectEvery: 13 });
    let writes = 0;
    let failed = 0;
    const failOn = new Set([3, 9, 20, 33, 50, 70]);
    const wrapIO = (io: FileIO): FileIO => ({
      write: async (uri, bytes) => {
        writes++;
        if (failOn.has(writes)) {
          failed++;
          throw new Error(`injected S3 failure: 503 SlowDown writing ${uri}`);
        }
        return io.write(uri, bytes);
      },
      writeStream: (uri, body) => io.writeStream(uri, body),
      read: (uri) => io.read(uri),
      size: (uri) => io.size(uri),
      list: (p) => io.list(p),
      deleteMany: (u) => io.deleteMany(u),
    });
    const worker = await h.startInProcessWorker({ lake: { wrapIO } });
    try {
      await h.startIngest({ maxRecords: 300 });
      const r = await h.result();
      expect(r.lag).toBe(0);
    } finally {
      await worker.stop();
    }
    expect(failed).toBeGreaterThanOrEqual(4);
    await expectExactlyOnce(h);
  }, 180_000);

  it('a Nessie commit conflict (RAW/DLQ changed by another commit) is re-read and retried', async () => {
    const h = new IngestHarness('conflict');
    harnesses.push(h);
    await h.setup();
    await h.produce({ count: 900, defectEvery: 9 });
    const lake = await h.lake();
    let conflictsForced = 0;
    const wrapLake = (l: IngestLake): IngestLake => ({
      readCommitted: () => l.readCommitted(),
      writeRaw: (f) => l.writeRaw(f),
      writeDlq: (f) => l.writeDlq(f),
      commit: async (args) => {
        if (conflictsForced < 3) {
          // Another writer commits to the DLQ table between our read and our commit.
          conflictsForced++;
          await lake.lake.append(lake.dlqTable, [], { branch: lake.branch, message: 'foreign commit forcing a conflict' });
        }
        return l.commit(args);
      },
    });
    const worker = await h.startInProcessWorker({ wrapLake });
    try {
      await h.startIngest({ maxRecords: 300 });
      const r = await h.result();
      expect(r.totals.messages).toBe(900);
    } finally {
      await worker.stop();
    }
    expect(conflictsForced).toBe(3);
    // Each forced conflict added a foreign snapshot: the data commits still happened once each.
    const history = await lake.lake.history(lake.rawTable);
    expect(history.filter((s) => s.summary['floe.ingest.batch-id']).length).toBe(3);
    await expectExactlyOnce(h);
  }, 180_000);

  it('a worker killed (SIGKILL) mid-batch is noticed within the 15 s heartbeat timeout, and the batch retried elsewhere once', async () => {
    const h = new IngestHarness('sigkill');
    harnesses.push(h);
    await h.setup();
    await h.produce({ count: 6000, defectEvery: 11 });
    const client = await h.getClient();
    const handle = client.workflow.getHandle(h.workflowId);
    // Small batches spread over many files and commits: a batch is surely in flight when killed.
    await h.startIngest({ maxRecords: 1500 });
    const first = h.spawnWorker();
    const pendingBatch = async () => (await handle.describe()).raw.pendingActivities?.find((a) => a.activityType?.name === 'ingestBatch');
    const deadline = Date.now() + 60_000;
    while (!(await pendingBatch())?.lastStartedTime && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const running = await pendingBatch();
    expect(running?.lastStartedTime).toBeTruthy();
    const killedAt = Date.now();
    first.kill('SIGKILL');
    await first.exited;
    const second = h.spawnWorker();
    try {
      // The killed attempt times out after the heartbeat timeout; the next attempt starts on the new worker.
      let retried: number | undefined;
      while (retried === undefined && Date.now() - killedAt < 90_000) {
        const a = await pendingBatch();
        if (!a || (a.attempt ?? 1) > (running!.attempt ?? 1)) retried = Date.now();
        else await new Promise((r) => setTimeout(r, 200));
      }
      const recoverySeconds = ((retried ?? Date.now()) - killedAt) / 1000;
      process.stderr.write(`floe test: batch retried ${recoverySeconds.toFixed(1)} s after its worker was killed\n`);
      expect(recoverySeconds).toBeLessThan(40);
      expect((await h.result()).lag).toBe(0);
    } finally {
      second.kill('SIGTERM');
      await second.exited;
    }
    await expectExactlyOnce(h);
  }, 240_000);

  it('a crash loop: workers killed (SIGKILL) every few seconds, batches retried many times, contents unchanged', async () => {
    const h = new IngestHarness('crashloop');
    harnesses.push(h);
    await h.setup();
    await h.produce({ count: 12_000, defectEvery: 7, duplicateEvery: 31 });
    await h.startIngest({ maxRecords: 800, heartbeatTimeout: '3s' });
    const handle = (await h.getClient()).workflow.getHandle(h.workflowId);
    let kills = 0;
    let retried = 0;
    for (let i = 0; i < 8; i++) {
      const w = h.spawnWorker();
      // Killed at a different point of its work each time: 1.5 to 5 s after it started.
      await new Promise((r) => setTimeout(r, 1500 + ((i * 1237) % 3500)));
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      retried = Math.max(retried, ...pending.map((a) => a.attempt ?? 1));
      w.kill('SIGKILL');
      await w.exited;
      kills++;
    }
    const w = h.spawnWorker();
    try {
      expect((await h.result()).lag).toBe(0);
    } finally {
      w.kill('SIGTERM');
      await w.exited;
    }
    expect(kills).toBe(8);
    process.stderr.write(`floe test: crash loop of ${kills} kills; highest batch attempt seen ${retried}\n`);
    await expectExactlyOnce(h);
  }, 300_000);
});
