// IngestLake over floe's lake library: RAW and DLQ tables (models/tables.ts) in a namespace on
// one Nessie branch. Creates them on first use.
import { createLake, currentSchema, lakeConfigFrom, ConflictError, NotFoundError, S3FileIO, type Lake, type LoadedTable } from '../lake/index.js';
import type { FileIO } from '../lake/s3-file-io.js';
import type { DataFile } from '../lake/index.js';
import type { FloeConfig } from '../deploy/config.js';
import { RAW_TELEMETRY, RAW_TELEMETRY_DLQ, type TableDef } from '../models/tables.js';
import { schemaOfTable } from './rawColumns.js';
import type { CommittedState, IngestLake, RawFile } from './batch.js';

/** Properties of our own that must be read along the snapshot ancestry (newest wins). */
const OWN_PREFIXES = ['floe.kafka.', 'floe.ingest.'];

export { schemaOfTable };

export interface IngestLakeOptions {
  /** Iceberg namespace of RAW and DLQ (default config.ingest.rawNamespace). */
  namespace?: string;
  /** Nessie branch (default config.nessie.branch). */
  branch?: string;
  /** Wrap the S3 file IO (fault tests make it fail transiently). */
  wrapIO?: (io: FileIO) => FileIO;
}

export interface RealIngestLake extends IngestLake {
  readonly lake: Lake;
  readonly rawTable: string;
  readonly dlqTable: string;
  readonly branch: string;
  close(): Promise<void>;
}

export async function createIngestLake(config: FloeConfig, opts: IngestLakeOptions = {}): Promise<RealIngestLake> {
  const cfg = lakeConfigFrom(config);
  const base: FileIO = new S3FileIO(cfg.s3);
  const io = opts.wrapIO ? opts.wrapIO(base) : base;
  const lake = createLake(cfg, { io });
  const namespace = opts.namespace ?? config.ingest.rawNamespace;
  const branch = opts.branch ?? config.nessie.branch;
  const rawTable = `${namespace}.${RAW_TELEMETRY.name}`;
  const dlqTable = `${namespace}.${RAW_TELEMETRY_DLQ.name}`;
  let ready: Promise<void> | undefined;

  function ensureReady(): Promise<void> {
    ready ??= (async () => {
      await lake.createNamespace(namespace, { branch });
      await ensureTable(lake, branch, rawTable, RAW_TELEMETRY);
      await ensureTable(lake, branch, dlqTable, RAW_TELEMETRY_DLQ);
    })().catch((e: unknown) => {
      ready = undefined;
      throw e;
    });
    return ready;
  }

  // Tables loaded at the hash readCommitted() saw: writes use their metadata (location, schema).
  // Pipelined batches share it (the latest read wins); a file built for another schema than the
  // one loaded is refused by writeColumnBatch, and the batch's retry reads again.
  let loaded: { hash: string; raw: LoadedTable; dlq: LoadedTable } | undefined;

  /** Starts every file's write at once: each batch is consumed (copied to an encoder thread) before this returns. */
  function writeBatches(table: LoadedTable, files: RawFile[]): Promise<{ handles: unknown[]; encodeMs: number; uploadMs: number }> {
    const t0 = performance.now();
    // Every file is encoded off this thread, small ones too: here the thread that reads and
    // validates the batch is the bottleneck, not the worker round trip.
    const pending = files.map((f) => lake.writeColumnBatch(table, f.batch, { fileName: f.name.replace(/\.parquet$/, ''), offThread: true }));
    const encodeMs = performance.now() - t0;
    return Promise.all(pending).then((h) => ({ handles: h.flat(), encodeMs, uploadMs: Math.max(0, performance.now() - t0 - encodeMs) }));
  }

  return {
    lake,
    rawTable,
    dlqTable,
    branch,
    async readCommitted(): Promise<CommittedState> {
      await ensureReady();
      const ref = await lake.reference(branch);
      const at = `${branch}@${ref.hash}`;
      const [raw, dlq] = await Promise.all([lake.loadTable(rawTable, at), lake.loadTable(dlqTable, at)]);
      loaded = { hash: ref.hash, raw, dlq };
      const current = raw.metadata.currentSnapshotId;
      return { hash: ref.hash, summary: ownSummary(raw), ...(current !== null ? { snapshotId: String(current) } : {}) };
    },
    writeRaw(files) {
      if (!loaded) return Promise.reject(new Error('writeRaw before readCommitted'));
      return writeBatches(loaded.raw, files);
    },
    writeDlq(files) {
      if (!loaded) return Promise.reject(new Error('writeDlq before readCommitted'));
      return writeBatches(loaded.dlq, files);
    },
    async commit({ expectedHash, raw, dlq, rawSummary, message }) {
      const changes: { table: string; change: { type: 'append'; files: DataFile[]; summary?: Record<string, string> } }[] = [
        { table: rawTable, change: { type: 'append', files: raw as DataFile[], summary: rawSummary } },
      ];
      if (dlq.length > 0) changes.push({ table: dlqTable, change: { type: 'append', files: dlq as DataFile[], summary: { 'floe.ingest.batch-id': rawSummary['floe.ingest.batch-id'] ?? '' } } });
      try {
        const info = await lake.commitMulti(changes, { branch, expectedHash, message });
        const snap = info.snapshots.get(rawTable);
        return { hash: info.hash, snapshotId: snap === undefined ? '' : String(snap) };
      } catch (e) {
        if (e instanceof ConflictError) throw Object.assign(e, { conflict: true });
        throw e;
      }
    },
    async close() {
      // The S3 client and Nessie fetches hold no connections that need closing.
    },
  };
}

/** Loads the table (renamed to the definition if it is an earlier floe's) or creates it. */
async function ensureTable(lake: Lake, branch: string, name: string, def: TableDef): Promise<void> {
  try {
    await renameToDefinition(lake, branch, name, def, await lake.loadTable(name, branch));
    return;
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
  }
  try {
    await lake.createTable(
      name,
      schemaOfTable(def),
      def.partitionSpec.map((p) => ({ column: p.sourceColumn, transform: p.transform, name: p.name })),
      [],
      { 'write.format.default': 'parquet', comment: def.doc },
      { branch, message: `create table ${name}` },
    );
  } catch (e) {
    // Created concurrently by another worker: that is the state we wanted.
    if (!(e instanceof ConflictError)) throw e;
    await lake.loadTable(name, branch);
  }
}

/**
 * A table made by an earlier floe whose columns had other names (the Kafka columns were
 * `_topic`, `_partition`, `_offset`; Iceberg reserves `_partition`) takes the definition's
 * names, by field id: a schema change only, the data files stay as they are.
 */
async function renameToDefinition(lake: Lake, branch: string, name: string, def: TableDef, t: LoadedTable): Promise<void> {
  const renames = new Map<number, string>();
  for (const f of currentSchema(t.metadata).fields) {
    const want = def.columns.find((c) => c.id === f.id);
    if (want && want.name !== f.name) renames.set(f.id, want.name);
  }
  if (renames.size === 0) return;
  try {
    await lake.renameColumns(name, renames, { branch, message: `rename columns of ${name} to floe's definition: ${[...renames].map(([id, n]) => `${id} -> ${n}`).join(', ')}` });
  } catch (e) {
    // Renamed concurrently by another worker: that is the state we wanted.
    if (!(e instanceof ConflictError)) throw e;
  }
}

/** floe's own summary properties along RAW's snapshot ancestry, the newest value of each. */
function ownSummary(raw: LoadedTable): Record<string, string> {
  const byId = new Map(raw.metadata.snapshots.map((s) => [s.snapshotId, s]));
  const summary: Record<string, string> = {};
  const current = raw.metadata.currentSnapshotId;
  let s = current === null ? undefined : byId.get(current);
  while (s) {
    for (const [k, v] of Object.entries(s.summary)) {
      if (OWN_PREFIXES.some((p) => k.startsWith(p)) && !(k in summary)) summary[k] = v;
    }
    s = s.parentSnapshotId === null ? undefined : byId.get(s.parentSnapshotId);
  }
  return summary;
}
