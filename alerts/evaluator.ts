// One evaluation step of a stream: read its position, wait (a bounded while) for RAW snapshots
// committed after it, evaluate their readings snapshot by snapshot, and commit events, states
// and the new position together. Safe to run again after any crash: a step that committed is
// seen as committed by the next one, and one that did not commit changed nothing.
import { NotFoundError, type Lake, type LoadedTable, type Snapshot } from '../lake/index.js';
import { evaluate, type AlertState } from './evaluate.js';
import { addedFiles, readReadings, snapshotsAfter } from './raw-reader.js';
import { readingsOf, rulesFingerprint, type RulesFile } from './rules.js';
import type { StoredAlertEvent } from './rows.js';
import type { AlertStore, PublishedMark } from './store.js';

export interface EvaluateInput {
  /** A stream's first evaluation starts after RAW's current snapshot (`latest`) or at its first (`beginning`). */
  startFrom: 'latest' | 'beginning';
  /** The publishing mark the caller knows (newer than the stored one, if anything): stored with the commit. */
  published?: PublishedMark;
  /** How long to wait for a new RAW snapshot before returning `idle`. */
  waitMs: number;
  /** Evaluate at most about this many RAW rows per step (at least one snapshot). */
  maxRows: number;
}

export interface EvaluateResult {
  outcome: 'evaluated' | 'started' | 'idle' | 'waiting-for-raw';
  rawSnapshotId: string | null;
  snapshots: number;
  rows: number;
  events: number;
  lateReadings: number;
  /** The stream's last committed event seq after this step. */
  seq: number;
  /** The publishing mark as stored after this step. */
  published: PublishedMark;
  /** Commit time of the newest RAW snapshot evaluated (ms): for latency figures. */
  rawCommittedAtMs?: number;
}

export interface EvaluatorDeps {
  lake: Lake;
  store: AlertStore;
  rawTable: string;
  branch: string;
  rules: () => RulesFile;
  pollMs: number;
  heartbeat?: (details?: unknown) => void;
  signal?: AbortSignal;
  now?: () => number;
}

export async function evaluateStep(deps: EvaluatorDeps, input: EvaluateInput): Promise<EvaluateResult> {
  const rules = deps.rules();
  const now = deps.now ?? Date.now;
  const deadline = now() + input.waitMs;
  // Read once: only this stream's workflow writes its position, and the commit is pinned to
  // this hash (Nessie checks the alerts tables only, so RAW commits meanwhile do not conflict).
  const position = await deps.store.readPosition();
  const published = input.published && input.published.seq >= position.published.seq ? input.published : position.published;
  const base = { seq: position.seq, published, lateReadings: 0, rows: 0, events: 0, snapshots: 0 };
  for (;;) {
    const raw = await loadRaw(deps);
    if (!raw && !position.started && input.startFrom === 'latest') {
      // No RAW yet: everything it will ever hold is "from now on".
      await deps.store.commitEvaluation({ position, rawSnapshotId: null, events: [], states: position.states, published, rulesFingerprint: rulesFingerprint(rules) });
      return { ...base, outcome: 'started', rawSnapshotId: null };
    }
    if (!raw) {
      if (now() >= deadline) return { ...base, outcome: 'waiting-for-raw', rawSnapshotId: null };
    } else if (!position.started && input.startFrom === 'latest') {
      const current = raw.metadata.currentSnapshotId;
      await deps.store.commitEvaluation({ position, rawSnapshotId: current, events: [], states: position.states, published, rulesFingerprint: rulesFingerprint(rules) });
      return { ...base, outcome: 'started', rawSnapshotId: current === null ? null : String(current) };
    } else {
      const pending = snapshotsAfter(raw, position.rawSnapshotId);
      if (pending.length) return evaluateSnapshots(deps, rules, position, published, take(pending, input.maxRows), raw, now);
      if (now() >= deadline) return { ...base, outcome: 'idle', rawSnapshotId: position.rawSnapshotId === null ? null : String(position.rawSnapshotId) };
    }
    deps.heartbeat?.({ waiting: true });
    await sleep(Math.min(deps.pollMs, Math.max(0, deadline - now())), deps.signal);
  }
}

async function loadRaw(deps: EvaluatorDeps): Promise<LoadedTable | undefined> {
  try {
    return await deps.lake.loadTable(deps.rawTable, deps.branch);
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
}

/** The oldest snapshots adding up to about maxRows (at least one). */
function take(snapshots: Snapshot[], maxRows: number): Snapshot[] {
  let rows = 0;
  const out: Snapshot[] = [];
  for (const s of snapshots) {
    const added = Number(s.summary['added-records'] ?? 0);
    if (out.length && rows + added > maxRows) break;
    out.push(s);
    rows += added;
  }
  return out;
}

async function evaluateSnapshots(
  deps: EvaluatorDeps,
  rules: RulesFile,
  position: Awaited<ReturnType<AlertStore['readPosition']>>,
  published: PublishedMark,
  snapshots: Snapshot[],
  raw: LoadedTable,
  now: () => number,
): Promise<EvaluateResult> {
  const columns = readingsOf(rules);
  let states: Map<string, AlertState> = position.states;
  let seq = position.seq;
  let rows = 0;
  let lateReadings = 0;
  const events: StoredAlertEvent[] = [];
  const evaluatedAt = BigInt(now()) * 1000n;
  for (const s of snapshots) {
    const files = await addedFiles(deps.lake, raw, s);
    const readings = (await Promise.all(files.map((f) => readReadings(deps.lake, f, columns)))).flat();
    rows += readings.length;
    const r = evaluate(rules, deps.store.stream, states, readings);
    states = r.states;
    lateReadings += r.lateReadings;
    for (const e of r.events) events.push({ ...e, seq: BigInt(++seq), rawSnapshotId: s.snapshotId, stream: deps.store.stream, evaluatedAt });
    deps.heartbeat?.({ snapshot: String(s.snapshotId) });
  }
  const last = snapshots[snapshots.length - 1]!;
  await deps.store.commitEvaluation({ position, rawSnapshotId: last.snapshotId, events, states, published, rulesFingerprint: rulesFingerprint(rules) });
  return {
    outcome: 'evaluated',
    rawSnapshotId: String(last.snapshotId),
    snapshots: snapshots.length,
    rows,
    events: events.length,
    lateReadings,
    seq,
    published,
    rawCommittedAtMs: last.timestampMs,
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
