// Stage 5 of a pipelined batch, the wait for the batch before it: a batch started while its
// predecessor was still in flight reads, validates and uploads at once, but commits only once
// RAW holds the predecessor (or finds itself committed by an earlier attempt of its own).
import type { IngestBatchInput } from '../types.js';
import type { CommittedState, Heartbeat, IngestLake } from './lake.js';
import { stopIfCancelled } from './lake.js';
import { pipelineStatus, positionsFromSummary } from './plan-check.js';

/**
 * Wakes the batches of this process that wait for a commit (one per worker, in its deps): a
 * commit here wakes its successor at once instead of at its next poll.
 */
export class CommitSignal {
  private readonly waiters = new Set<() => void>();

  committed(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves at the next committed() or after `ms`, whichever comes first. */
  nextOrTimeout(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  /** Batches waiting now (for tests). */
  get waiting(): number {
    return this.waiters.size;
  }
}

/** Poll interval while a pipelined batch waits for the one before it (a commit in this process wakes it at once). */
export const WAIT_POLL_MS = 250;

export interface WaitDeps {
  lake: Pick<IngestLake, 'readCommitted'>;
  commits: CommitSignal;
  signal?: AbortSignal;
  heartbeat: Heartbeat;
  pollMs?: number;
}

/**
 * Polls RAW until the batch before this one is committed: 'pending' with the state to commit
 * on, or 'done' when an earlier attempt of this batch committed it meanwhile.
 */
export async function waitForBatchBefore(deps: WaitDeps, input: IngestBatchInput, messages: number): Promise<{ status: 'pending' | 'done'; state: CommittedState; waitMs: number }> {
  const t0 = performance.now();
  for (;;) {
    stopIfCancelled(deps.signal, `batch ${input.batchId} of ${input.topic}`, 'waiting for the batch before it');
    deps.heartbeat({ stage: 'wait for previous batch', messages });
    const state = await deps.lake.readCommitted();
    const now = pipelineStatus(input.topic, input, positionsFromSummary(input.topic, state.summary));
    if (now !== 'waiting') return { status: now, state, waitMs: performance.now() - t0 };
    await deps.commits.nextOrTimeout(deps.pollMs ?? WAIT_POLL_MS);
  }
}
