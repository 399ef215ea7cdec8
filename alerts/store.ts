// The alerts' durable side in the lake: the events table, the state table, and the stream's
// position (the RAW snapshot evaluated through, the last event seq, and how far publishing got),
// kept in the events table's snapshot summary so that data and position change in ONE Nessie
// commit, as ingestion keeps its Kafka offsets with RAW.
import { createHash } from 'node:crypto';
import { tableFromIPC } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { ancestry, ConflictError, NotFoundError, type DataFile, type Lake, type LoadedTable, type TableChange } from '../lake/index.js';
import type { TableDef } from '../models/tables.js';
import { schemaOfTable } from '../ingest/rawColumns.js';
import { stateKey, type AlertState } from './evaluate.js';
import { eventFromRow, eventToRow, stateFromRow, stateToRow, type StoredAlertEvent } from './rows.js';
import { addedFiles } from './raw-reader.js';
import { alertEventsTable, alertStateTable } from './tables.js';

/** Where a stream's publishing got: every event up to `seq` is in Kafka, found by scanning from `scanFrom`. */
export interface PublishedMark {
  seq: number;
  /** Per Kafka partition of the alerts topic, an offset at or before every event after `seq`. */
  scanFrom: Record<number, number>;
}

export interface AlertPosition {
  /** The Nessie hash the position was read at: the expected hash of the next commit. */
  hash: string;
  /** False until the stream's first commit. */
  started: boolean;
  /** The RAW snapshot evaluated through (null: none yet, evaluate RAW from its first snapshot). */
  rawSnapshotId: bigint | null;
  /** The last event's seq (0: none yet). */
  seq: number;
  published: PublishedMark;
  states: Map<string, AlertState>;
}

export interface AlertStoreOptions {
  namespace: string;
  branch: string;
  /** Environment and RAW table, e.g. `dev/raw.telemetry`: keys the position and tags every row. */
  stream: string;
}

export class AlertStore {
  readonly eventsTable: string;
  readonly stateTable: string;
  private readonly prefix: string;
  private readonly tag: string;
  private ready: Promise<void> | undefined;

  constructor(readonly lake: Lake, readonly opts: AlertStoreOptions) {
    this.eventsTable = `${opts.namespace}.alerts`;
    this.stateTable = `${opts.namespace}.alert_state`;
    this.prefix = `floe.alerts.${opts.stream}.`;
    this.tag = createHash('sha256').update(opts.stream).digest('hex').slice(0, 12);
  }

  get stream(): string {
    return this.opts.stream;
  }

  ensureTables(): Promise<void> {
    this.ready ??= (async () => {
      await this.lake.createNamespace(this.opts.namespace, { branch: this.opts.branch });
      await this.ensureTable(this.eventsTable, alertEventsTable(this.opts.namespace));
      await this.ensureTable(this.stateTable, alertStateTable(this.opts.namespace));
    })().catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  private async ensureTable(name: string, def: TableDef): Promise<void> {
    try {
      await this.lake.loadTable(name, this.opts.branch);
      return;
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
    try {
      await this.lake.createTable(name, schemaOfTable(def), def.partitionSpec.map((p) => ({ column: p.sourceColumn, transform: p.transform, name: p.name })), [], { 'write.format.default': 'parquet', comment: def.doc }, { branch: this.opts.branch, message: `create table ${name}` });
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
    }
  }

  /** The stream's position and states, read at one Nessie hash. */
  async readPosition(): Promise<AlertPosition> {
    await this.ensureTables();
    const ref = await this.lake.reference(this.opts.branch);
    const at = `${this.opts.branch}@${ref.hash}`;
    const [events, state] = await Promise.all([this.lake.loadTable(this.eventsTable, at), this.lake.loadTable(this.stateTable, at)]);
    const summary = this.ownSummary(events);
    const states = new Map<string, AlertState>();
    for (const f of await this.stateFiles(state)) {
      for (const r of await readRows(this.lake, f.filePath)) {
        const s = stateFromRow(r);
        states.set(stateKey(s.ruleId, s.deviceId), s);
      }
    }
    const raw = summary['raw-snapshot'];
    return {
      hash: ref.hash,
      started: raw !== undefined,
      rawSnapshotId: raw ? BigInt(raw) : null,
      seq: Number(summary.seq ?? 0),
      published: { seq: Number(summary['published-seq'] ?? 0), scanFrom: summary['published-scan-from'] ? (JSON.parse(summary['published-scan-from']) as Record<number, number>) : {} },
      states,
    };
  }

  /** This stream's summary properties along the events table's ancestry, newest value of each. */
  private ownSummary(t: LoadedTable): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of ancestry(t.metadata)) {
      for (const [k, v] of Object.entries(s.summary)) {
        if (k.startsWith(this.prefix) && !(k.slice(this.prefix.length) in out)) out[k.slice(this.prefix.length)] = v;
      }
      if ('raw-snapshot' in out && 'seq' in out && 'published-seq' in out) break;
    }
    return out;
  }

  private async stateFiles(t: LoadedTable): Promise<DataFile[]> {
    return this.lake.filesOf(t, { filter: [{ column: 'stream', op: '=', value: this.opts.stream }] });
  }

  /**
   * Commits one evaluation: its events (appended), the states after it (this stream's partition
   * of the state table replaced, when they changed) and the new position, in one Nessie commit
   * pinned to the hash the position was read at. A ConflictError means someone else moved it.
   */
  async commitEvaluation(input: {
    position: AlertPosition;
    rawSnapshotId: bigint | null;
    events: readonly StoredAlertEvent[];
    states: ReadonlyMap<string, AlertState>;
    published: PublishedMark;
    rulesFingerprint: string;
  }): Promise<{ hash: string }> {
    const { position } = input;
    const at = `${this.opts.branch}@${position.hash}`;
    const [events, state] = await Promise.all([this.lake.loadTable(this.eventsTable, at), this.lake.loadTable(this.stateTable, at)]);
    const name = `${this.tag}-${input.rawSnapshotId ?? 'none'}-${input.events.length ? input.events[0]!.seq : position.seq}`;
    const eventFiles = input.events.length ? await this.lake.writeDataFiles(events, input.events.map(eventToRow), { fileName: `ev-${name}` }) : [];
    const seq = input.events.length ? Number(input.events[input.events.length - 1]!.seq) : position.seq;
    const summary: Record<string, string> = {
      [`${this.prefix}raw-snapshot`]: input.rawSnapshotId === null ? '' : String(input.rawSnapshotId),
      [`${this.prefix}seq`]: String(seq),
      [`${this.prefix}published-seq`]: String(input.published.seq),
      [`${this.prefix}published-scan-from`]: JSON.stringify(input.published.scanFrom),
      [`${this.prefix}rules`]: input.rulesFingerprint,
    };
    const changes: { table: string; change: TableChange }[] = [{ table: this.eventsTable, change: { type: 'append', files: eventFiles, summary } }];
    if (!sameStates(position.states, input.states)) {
      const rows = [...input.states.values()].sort((a, b) => (stateKey(a.ruleId, a.deviceId) < stateKey(b.ruleId, b.deviceId) ? -1 : 1)).map((s) => stateToRow(s, this.opts.stream));
      const add = rows.length ? await this.lake.writeDataFiles(state, rows, { fileName: `st-${name}` }) : [];
      const remove = await this.stateFiles(state);
      changes.push({ table: this.stateTable, change: { type: 'rewrite', remove, add } });
    }
    const info = await this.lake.commitMulti(changes, {
      branch: this.opts.branch,
      expectedHash: position.hash,
      message: `alerts ${this.opts.stream}: RAW through ${input.rawSnapshotId ?? 'none'}, ${input.events.length} events`,
    });
    return { hash: info.hash };
  }

  /**
   * Events of this stream with seq in (afterSeq, throughSeq], in seq order, at most `limit`:
   * read from the files the stream's own commits added, newest commits first until afterSeq.
   */
  async eventsAfter(afterSeq: number, throughSeq: number, limit: number): Promise<StoredAlertEvent[]> {
    await this.ensureTables();
    const t = await this.lake.loadTable(this.eventsTable, this.opts.branch);
    const files: DataFile[] = [];
    for (const s of ancestry(t.metadata)) {
      const v = s.summary[`${this.prefix}seq`];
      if (v === undefined) continue;
      if (Number(v) <= afterSeq) break;
      files.push(...(await addedFiles(this.lake, t, s)));
    }
    const out: StoredAlertEvent[] = [];
    for (const f of files) {
      for (const r of await readRows(this.lake, f.filePath)) {
        const e = eventFromRow(r);
        if (e.stream === this.opts.stream && e.seq > BigInt(afterSeq) && e.seq <= BigInt(throughSeq)) out.push(e);
      }
    }
    out.sort((a, b) => (a.seq < b.seq ? -1 : 1));
    return out.slice(0, limit);
  }
}

function sameStates(a: ReadonlyMap<string, AlertState>, b: ReadonlyMap<string, AlertState>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, s] of a) {
    const o = b.get(k);
    if (!o || JSON.stringify(s, big) !== JSON.stringify(o, big)) return false;
  }
  return true;
}

const big = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? String(v) : v);

/** A small Parquet file's rows as objects (Arrow values: timestamps in ms, longs as bigint). */
export async function readRows(lake: Lake, path: string): Promise<Record<string, unknown>[]> {
  const bytes = await lake.io.read(path);
  const t = tableFromIPC(pw.readParquet(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)).intoIPCStream());
  return t.toArray().map((r: { toJSON(): Record<string, unknown> }) => r.toJSON());
}
