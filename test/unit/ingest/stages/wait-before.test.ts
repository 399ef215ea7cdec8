import { describe, expect, it } from 'vitest';
import { CommitSignal, waitForBatchBefore } from '../../../../ingest/stages/wait-before.js';
import { positionKey } from '../../../../ingest/stages/plan-check.js';
import { input, RecordingLake, TOPIC } from './fixtures.js';

const first = [{ partition: 0, from: 0, to: 5 }];
const second = [{ partition: 0, from: 5, to: 9 }];

describe('wait for the batch before stage', () => {
  it('a commit signal wakes every waiter at once; a waiter not woken resolves after its timeout', async () => {
    const commits = new CommitSignal();
    const woken: string[] = [];
    const a = commits.nextOrTimeout(60_000).then(() => woken.push('a'));
    const b = commits.nextOrTimeout(60_000).then(() => woken.push('b'));
    expect(commits.waiting).toBe(2);
    commits.committed();
    await Promise.all([a, b]);
    expect(woken).toEqual(['a', 'b']);
    expect(commits.waiting).toBe(0);
    const t = performance.now();
    await commits.nextOrTimeout(20);
    expect(performance.now() - t).toBeGreaterThanOrEqual(15);
    expect(commits.waiting).toBe(0);
  });

  it('returns the state to commit on once RAW holds the batch before, woken by its commit', async () => {
    const lake = new RecordingLake();
    const commits = new CommitSignal();
    const stages: string[] = [];
    const waiting = waitForBatchBefore({ lake, commits, heartbeat: (p) => stages.push(p.stage), pollMs: 60_000 }, input(second, { after: first }), 4);
    await new Promise((r) => setTimeout(r, 10));
    expect(commits.waiting).toBe(1);
    lake.summary = { [positionKey(TOPIC, 0)]: '5' };
    lake.head = 'h1';
    commits.committed();
    const w = await waiting;
    expect(w.status).toBe('pending');
    expect(w.state).toEqual({ hash: 'h1', summary: lake.summary });
    expect(stages).toEqual(['wait for previous batch', 'wait for previous batch']);
  });

  it('finds the batch itself committed meanwhile (an earlier attempt), polling without a signal', async () => {
    const lake = new RecordingLake();
    const waiting = waitForBatchBefore({ lake, commits: new CommitSignal(), heartbeat: () => undefined, pollMs: 5 }, input(second, { after: first }), 4);
    lake.summary = { [positionKey(TOPIC, 0)]: '9' };
    expect((await waiting).status).toBe('done');
  });

  it('stops waiting when the attempt is cancelled', async () => {
    const abort = new AbortController();
    const waiting = waitForBatchBefore({ lake: new RecordingLake(), commits: new CommitSignal(), heartbeat: () => undefined, signal: abort.signal, pollMs: 5 }, input(second, { after: first }), 4);
    abort.abort('workflow ended');
    await expect(waiting).rejects.toThrow(/stopped waiting for the batch before it: workflow ended/);
  });
});
