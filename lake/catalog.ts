// The Lake: Iceberg tables on S3 whose current metadata pointer lives in Nessie. Every change
// is one Nessie commit on a branch with an expected hash; several tables can change in one.
import { MetadataCachingFileIO } from './metadata-cache.js';
import { randomUUID } from 'node:crypto';
import { BadRequestError, ConflictError, LakeError, NotFoundError, SchemaMismatchError } from './errors.js';
import type { DataFile } from './manifest.js';
import { NessieClient, keyToString, type IcebergTableContent, type Operation, type Reference } from './nessie-client.js';
import { partitionPath, partitionSpecOf, partitionType, sortOrderOf, UNSORTED, type PartitionFieldDef, type SortFieldDef } from './partitioning.js';
import { writeColumnBatchAsync, writeParquetAsync, type ParquetWriteOptions, type Row } from './parquet-writer.js';
import type { ColumnBatch } from './column-batch.js';
import { applyTransform } from './transforms.js';
import { compareValues, type Value } from './values.js';
import { groupByPartition } from './partition-grouping.js';
import { encoderPool, INLINE_ENCODE_MAX_CELLS } from './encoder-pool.js';
import { S3FileIO, type FileIO, type S3Config } from './s3-file-io.js';
import { bindFilter, fileMayMatch, manifestMayMatch, type Predicate } from './scan.js';
import { schemaOf, type FieldDef, type Schema } from './schema.js';
import type { Snapshot } from './snapshot.js';
import { applyChange, mapLimit, pickSnapshot, readEntries, readManifestListOf, type LoadedTable, type TableChange } from './table.js';
import { ancestry, currentSchema, defaultSpec, metadataFromJson, metadataToJson, newTableMetadata, nextMetadataFileName } from './table-metadata.js';
import { EntryStatus } from './manifest.js';

export interface LakeConfig {
  s3: S3Config & { warehouse: string };
  nessie: { uri: string; branch: string };
  /** Author recorded on Nessie commits. */
  author?: string;
  /** Retries of a commit that lost a race (only when no expected hash was pinned). */
  maxCommitRetries?: number;
}

/** `raw.telemetry` or `['raw', 'telemetry']`. */
export type TableIdent = string | readonly string[];

export interface CommitOptions {
  /** Branch to commit on; the config's branch (main) by default. */
  branch?: string;
  /**
   * Pin the branch head the caller read from. If the touched tables changed since, the commit
   * fails with ConflictError instead of being retried: a stale writer never replaces newer state.
   */
  expectedHash?: string;
  message?: string;
  /** Nessie commit metadata properties. */
  properties?: Record<string, string>;
}

export interface CommitInfo {
  /** The branch head after the commit. */
  hash: string;
  branch: string;
  /** New snapshot ids by table name (absent for schema-only changes). */
  snapshots: Map<string, bigint>;
  attempts: number;
}

export interface ReadOptions {
  /** Branch, tag, `name@hash` or `@hash`; the config's branch by default. */
  ref?: string;
  snapshotId?: bigint;
  asOfTimestampMs?: number;
  filter?: readonly Predicate[];
}

export interface WriteFilesOptions extends ParquetWriteOptions {
  /**
   * File name (without extension) for every data file of this write. Deterministic names make
   * a retried write overwrite its own files instead of adding duplicates. One file is written
   * per partition: `<location>/data/<partition path>/<fileName>.parquet`.
   */
  fileName: string;
}

export function tableKey(ident: TableIdent): string[] {
  const parts = typeof ident === 'string' ? ident.split('.') : [...ident];
  if (parts.length < 2 || parts.some((p) => !p)) throw new BadRequestError(`table name ${JSON.stringify(typeof ident === 'string' ? ident : parts.join('.'))} must be namespace.table`);
  return parts;
}

export class Lake {
  readonly io: FileIO;
  readonly nessie: NessieClient;
  readonly defaultBranch: string;
  private readonly warehouse: string;
  private readonly author: string;
  private readonly maxRetries: number;

  constructor(cfg: LakeConfig, deps: { io?: FileIO; nessie?: NessieClient } = {}) {
    this.io = new MetadataCachingFileIO(deps.io ?? new S3FileIO(cfg.s3));
    this.nessie = deps.nessie ?? new NessieClient({ uri: cfg.nessie.uri });
    this.defaultBranch = cfg.nessie.branch;
    this.warehouse = cfg.s3.warehouse.replace(/\/+$/, '');
    this.author = cfg.author ?? 'floe';
    this.maxRetries = cfg.maxCommitRetries ?? 10;
  }

  // ---- references -------------------------------------------------------------------------

  async reference(ref: string = this.defaultBranch): Promise<Reference> {
    return this.nessie.getReference(ref);
  }

  async createBranch(name: string, from: string = this.defaultBranch): Promise<Reference> {
    const src = await this.nessie.getReference(from);
    return this.nessie.createReference(name, 'BRANCH', { name: src.name, hash: src.hash });
  }

  async deleteBranch(name: string): Promise<void> {
    const ref = await this.nessie.getReference(name);
    await this.nessie.deleteReference(name, ref.hash);
  }

  /** Merges `from` into `into` (all tables changed on `from` at once). Conflicts per table key. */
  async merge(from: string, into: string = this.defaultBranch, message?: string): Promise<{ hash: string }> {
    const [src, dst] = await Promise.all([this.nessie.getReference(from), this.nessie.getReference(into)]);
    return this.nessie.merge(dst.name, dst.hash, src.name, src.hash, message ?? `merge ${from} into ${into}`);
  }

  // ---- namespaces and tables ------------------------------------------------------------------

  async createNamespace(namespace: string, opts: CommitOptions = {}): Promise<void> {
    const branch = opts.branch ?? this.defaultBranch;
    const head = opts.expectedHash ?? (await this.nessie.getReference(branch)).hash;
    if (await this.nessie.getContent(`${branch}@${head}`, [namespace])) return;
    try {
      await this.nessie.commit(branch, head, { message: opts.message ?? `create namespace ${namespace}`, author: this.author }, [
        { type: 'PUT', key: [namespace], content: { type: 'NAMESPACE', elements: [namespace], properties: {} } },
      ]);
    } catch (e) {
      // Another writer created it at the same moment: that's the state we wanted.
      if (e instanceof ConflictError && (await this.nessie.getContent(branch, [namespace]))) return;
      throw e;
    }
  }

  async createTable(ident: TableIdent, fields: readonly FieldDef[] | Schema, partitionBy: readonly PartitionFieldDef[] = [], sortBy: readonly SortFieldDef[] = [], properties: Record<string, string> = {}, opts: CommitOptions = {}): Promise<LoadedTable> {
    const key = tableKey(ident);
    const name = keyToString(key);
    const branch = opts.branch ?? this.defaultBranch;
    const schema = Array.isArray(fields) ? schemaOf(fields as FieldDef[]) : (fields as Schema);
    const spec = partitionSpecOf(schema, partitionBy);
    const sortOrder = sortBy.length ? sortOrderOf(schema, sortBy) : UNSORTED;
    const head = await this.nessie.getReference(branch);
    if (opts.expectedHash && head.hash !== opts.expectedHash) throw new ConflictError(`branch moved from expected hash ${opts.expectedHash} to ${head.hash}`, { table: name, ref: branch });
    if (await this.nessie.getContent(`${branch}@${head.hash}`, key)) throw new ConflictError('table already exists', { table: name, ref: branch });
    const location = `${this.warehouse}/${key.slice(0, -1).join('/')}/${key.at(-1)}_${randomUUID().replaceAll('-', '')}`;
    const metadata = newTableMetadata({ location, schema, spec, sortOrder, properties });
    const metadataLocation = `${location}/metadata/${nextMetadataFileName(undefined)}`;
    await this.io.write(metadataLocation, Buffer.from(metadataToJson(metadata)));
    const content: IcebergTableContent = { type: 'ICEBERG_TABLE', metadataLocation, snapshotId: -1n, schemaId: schema.schemaId, specId: spec.specId, sortOrderId: sortOrder.orderId };
    const r = await this.nessie.commit(branch, head.hash, { message: opts.message ?? `create table ${name}`, author: this.author, properties: { 'application-type': 'iceberg', ...opts.properties } }, [
      { type: 'PUT', key, content },
    ]);
    const id = r.addedContentIds.get(name);
    return { name, key, ref: r.branch, content: { ...content, ...(id ? { id } : {}) }, metadataLocation, metadata };
  }

  /** Loads a table at a branch, tag or hash (`main`, `main@abc…`, `@abc…`). */
  async loadTable(ident: TableIdent, ref: string = this.defaultBranch): Promise<LoadedTable> {
    const key = tableKey(ident);
    const name = keyToString(key);
    let found;
    try {
      found = await this.nessie.getContent(ref, key);
    } catch (e) {
      if (e instanceof NotFoundError) throw new NotFoundError(`reference not found: ${e.message}`, { table: name, ref }, { cause: e });
      throw e;
    }
    if (!found) throw new NotFoundError('table does not exist', { table: name, ref });
    const content = found.content;
    if (content.type !== 'ICEBERG_TABLE') throw new BadRequestError(`key holds ${content.type}, not an Iceberg table`, { table: name, ref });
    const table = content as IcebergTableContent;
    const text = (await this.io.read(table.metadataLocation)).toString('utf8');
    let metadata;
    try {
      metadata = metadataFromJson(text, `metadata of ${name}`);
    } catch (e) {
      throw new LakeError(`cannot read table metadata: ${e instanceof Error ? e.message : String(e)}`, { table: name, ref, file: table.metadataLocation }, { cause: e });
    }
    return { name, key, ref: found.reference, content: table, metadataLocation: table.metadataLocation, metadata };
  }

  // ---- writing data ---------------------------------------------------------------------------

  /**
   * Writes rows as Parquet data files (one per partition) under the table's data/ folder and
   * returns them, ready for append / overwritePartitions / rewrite / commitMulti. Nothing is
   * committed: until a commit names them the files are invisible to readers.
   */
  async writeDataFiles(table: LoadedTable, rows: readonly Row[], opts: WriteFilesOptions): Promise<DataFile[]> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._=-]*$/.test(opts.fileName)) throw new BadRequestError(`data file name ${JSON.stringify(opts.fileName)} must be letters, digits, . _ = -`, { table: table.name });
    if (!rows.length) return [];
    const schema = currentSchema(table.metadata);
    const spec = defaultSpec(table.metadata);
    const types = partitionType(spec, schema);
    // Large writes: start the encoder workers now so they load while rows are grouped and built.
    if (rows.length * schema.fields.length >= INLINE_ENCODE_MAX_CELLS) encoderPool().warm();
    const groups = groupByPartition(types, schema, rows, { table: table.name, file: opts.fileName });
    // Columns are built here, one file after another, while earlier files are encoded in worker
    // threads and uploaded: the three stages overlap.
    const pending: Promise<DataFile>[] = [];
    for (const g of groups.values()) {
      const dir = types.length ? `${table.metadata.location}/data/${partitionPath(types, g.values)}` : `${table.metadata.location}/data`;
      const filePath = `${dir}/${opts.fileName}.parquet`;
      const encoded = writeParquetAsync(schema, g.rows, { table: table.name, file: filePath }, opts);
      pending.push(encoded.then(async (pq): Promise<DataFile> => {
        await this.io.write(filePath, pq.bytes);
        return {
          content: 0,
          filePath,
          fileFormat: 'PARQUET',
          specId: spec.specId,
          partition: g.values,
          recordCount: pq.recordCount,
          fileSizeInBytes: pq.bytes.length,
          ...pq.metrics,
        };
      }));
      // A validation error in a later file must not leave earlier promises unobserved.
      encoded.catch(() => {});
    }
    const settled = await Promise.allSettled(pending);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<DataFile>).value);
  }

  /**
   * Writes a column batch (lake/column-batch.ts) as one Parquet data file at
   * `data/<partition path>/<fileName>.parquet`; nothing is committed. The batch must hold the
   * rows of one partition (told by the bounds of its source columns: every transform here is
   * monotonic) and have the table's current schema. The batch's buffers are consumed before the
   * first await, so its builder may be reset as soon as this returns its promise.
   */
  writeColumnBatch(table: LoadedTable, batch: ColumnBatch, opts: WriteFilesOptions): Promise<DataFile[]> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._=-]*$/.test(opts.fileName)) return Promise.reject(new BadRequestError(`data file name ${JSON.stringify(opts.fileName)} must be letters, digits, . _ = -`, { table: table.name }));
    if (batch.numRows === 0) return Promise.resolve([]);
    const schema = currentSchema(table.metadata);
    const spec = defaultSpec(table.metadata);
    const types = partitionType(spec, schema);
    const ctx = { table: table.name, file: `${opts.fileName}.parquet` };
    let values: (Value | null)[];
    try {
      const same = schema.fields.length === batch.schema.fields.length && schema.fields.every((f, i) => {
        const b = batch.schema.fields[i]!;
        return b.id === f.id && b.name === f.name && b.type === f.type && b.required === f.required;
      });
      if (!same) throw new SchemaMismatchError(`column batch schema (${batch.schema.fields.map((f) => `${f.id}:${f.name}`).join(', ')}) is not the table's current schema`, ctx);
      values = types.map((t) => {
        const i = schema.fields.findIndex((f) => f.id === t.field.sourceId);
        const m = batch.metrics[i]!;
        if (m.nullCount === batch.numRows) return null;
        const lo = applyTransform(t.field.transform, t.sourceType, m.lower as Value);
        const hi = applyTransform(t.field.transform, t.sourceType, m.upper as Value);
        if (m.nullCount > 0 || compareValues(lo!, hi!) !== 0) {
          throw new BadRequestError(`column batch spans several partitions of ${t.field.name} (${m.nullCount > 0 ? 'nulls and values' : `${String(lo)} to ${String(hi)}`}): write one batch per partition`, ctx);
        }
        return lo;
      });
    } catch (e) {
      return Promise.reject(e);
    }
    const dir = types.length ? `${table.metadata.location}/data/${partitionPath(types, values)}` : `${table.metadata.location}/data`;
    const filePath = `${dir}/${opts.fileName}.parquet`;
    const encoded = writeColumnBatchAsync(batch, { table: table.name, file: filePath }, opts);
    return encoded.then(async (pq): Promise<DataFile[]> => {
      await this.io.write(filePath, pq.bytes);
      return [{ content: 0, filePath, fileFormat: 'PARQUET', specId: spec.specId, partition: values, recordCount: pq.recordCount, fileSizeInBytes: pq.bytes.length, ...pq.metrics }];
    });
  }

  // ---- committing -----------------------------------------------------------------------------

  async append(ident: TableIdent, files: readonly DataFile[], opts: CommitOptions & { summary?: Record<string, string> } = {}): Promise<CommitInfo> {
    return this.commitMulti([{ table: ident, change: { type: 'append', files, ...(opts.summary ? { summary: opts.summary } : {}) } }], opts);
  }

  /** Atomically replaces every live file in the partitions that `files` belong to. */
  async overwritePartitions(ident: TableIdent, files: readonly DataFile[], opts: CommitOptions & { summary?: Record<string, string> } = {}): Promise<CommitInfo> {
    return this.commitMulti([{ table: ident, change: { type: 'overwritePartitions', files, ...(opts.summary ? { summary: opts.summary } : {}) } }], opts);
  }

  /** Compaction: the same rows in other files (operation `replace`). Fails if a removed file is gone. */
  async rewriteFiles(ident: TableIdent, remove: readonly DataFile[] | readonly string[], add: readonly DataFile[], opts: CommitOptions & { summary?: Record<string, string> } = {}): Promise<CommitInfo> {
    return this.commitMulti([{ table: ident, change: { type: 'rewrite', remove, add, ...(opts.summary ? { summary: opts.summary } : {}) } }], opts);
  }

  async addColumn(ident: TableIdent, field: FieldDef, opts: CommitOptions = {}): Promise<CommitInfo> {
    return this.commitMulti([{ table: ident, change: { type: 'addColumn', field } }], opts);
  }

  /** Renames columns by field id (schema evolution: ids and data files stay). */
  async renameColumns(ident: TableIdent, renames: ReadonlyMap<number, string>, opts: CommitOptions = {}): Promise<CommitInfo> {
    return this.commitMulti([{ table: ident, change: { type: 'renameColumns', renames } }], opts);
  }

  /**
   * Applies changes to several tables and publishes them in ONE Nessie commit: readers see all
   * of them or none. Without `expectedHash`, a lost race re-reads the tables and retries.
   */
  async commitMulti(changes: readonly { table: TableIdent; change: TableChange }[], opts: CommitOptions = {}): Promise<CommitInfo> {
    if (!changes.length) throw new BadRequestError('commitMulti needs at least one change');
    const branch = opts.branch ?? this.defaultBranch;
    const names = changes.map((c) => keyToString(tableKey(c.table)));
    if (new Set(names).size !== names.length) throw new BadRequestError(`commitMulti names a table twice: ${names.join(', ')}`, { ref: branch });
    for (let attempt = 1; ; attempt++) {
      let head: string;
      try {
        head = opts.expectedHash ?? (await this.nessie.getReference(branch)).hash;
      } catch (e) {
        if (e instanceof NotFoundError) throw new NotFoundError('branch does not exist', { table: names.join(', '), ref: branch }, { cause: e });
        throw e;
      }
      const tables = await Promise.all(changes.map((c) => this.loadTable(c.table, `${branch}@${head}`)));
      const results = await Promise.all(changes.map((c, i) => applyChange(this.io, tables[i]!, c.change)));
      const operations: Operation[] = results.map((r, i) => {
        const t = tables[i]!;
        const m = r.metadata;
        return {
          type: 'PUT',
          key: t.key,
          content: {
            type: 'ICEBERG_TABLE',
            ...(t.content.id ? { id: t.content.id } : {}),
            metadataLocation: r.metadataLocation,
            snapshotId: m.currentSnapshotId ?? -1n,
            schemaId: m.currentSchemaId,
            specId: m.defaultSpecId,
            sortOrderId: m.defaultSortOrderId,
          },
        };
      });
      const message = opts.message ?? changes.map((c, i) => `${c.change.type} ${names[i]}`).join('; ');
      try {
        const r = await this.nessie.commit(branch, head, { message, author: this.author, properties: { 'application-type': 'iceberg', ...opts.properties } }, operations);
        const snapshots = new Map<string, bigint>();
        results.forEach((res, i) => res.snapshot && snapshots.set(names[i]!, res.snapshot.snapshotId));
        return { hash: r.branch.hash, branch, snapshots, attempts: attempt };
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
        if (opts.expectedHash) {
          throw new ConflictError(`commit rejected: ${names.join(', ')} changed on ${branch} after expected hash ${opts.expectedHash}`, { table: names.join(', '), ref: branch }, { cause: e });
        }
        if (attempt > this.maxRetries) throw new ConflictError(`commit still conflicting after ${attempt} attempts`, { table: names.join(', '), ref: branch }, { cause: e });
        await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random())));
      }
    }
  }

  // ---- reading --------------------------------------------------------------------------------

  /** The table's live data files at a ref (and optionally an older snapshot), pruned by filter. */
  async liveDataFiles(ident: TableIdent, opts: ReadOptions = {}): Promise<DataFile[]> {
    const t = await this.loadTable(ident, opts.ref ?? this.defaultBranch);
    return this.filesOf(t, opts);
  }

  async filesOf(t: LoadedTable, opts: Omit<ReadOptions, 'ref'> = {}): Promise<DataFile[]> {
    const snapshot = pickSnapshot(t, opts);
    if (!snapshot) return [];
    const schema = currentSchema(t.metadata);
    const manifests = await readManifestListOf(this.io, t, snapshot);
    const out: DataFile[][] = await mapLimit(manifests, 16, async (m) => {
      if (m.content !== 0) return [];
      const types = partitionType(t.metadata.partitionSpecs.find((s) => s.specId === m.partitionSpecId) ?? defaultSpec(t.metadata), schema);
      const preds = opts.filter?.length ? bindFilter(schema, types, opts.filter) : [];
      if (preds.length && !manifestMayMatch(m, types, preds)) return [];
      const entries = await readEntries(this.io, t, m);
      return entries
        .filter((e) => e.status !== EntryStatus.DELETED && (!preds.length || fileMayMatch(e.dataFile, schema, preds)))
        .map((e) => e.dataFile);
    });
    return out.flat();
  }

  /** Snapshots from the current one back through its ancestors, newest first. */
  async history(ident: TableIdent, ref: string = this.defaultBranch): Promise<Snapshot[]> {
    return ancestry((await this.loadTable(ident, ref)).metadata);
  }

  /**
   * The newest value of a custom snapshot summary property along the current snapshot's
   * ancestry (e.g. committed Kafka offsets), with the snapshot that set it and the Nessie hash
   * the table was read at — pass that hash as `expectedHash` to the next commit.
   */
  async latestSummaryProperty(ident: TableIdent, property: string, ref: string = this.defaultBranch): Promise<{ value: string | undefined; snapshotId?: bigint; hash: string }> {
    const t = await this.loadTable(ident, ref);
    const byId = new Map(t.metadata.snapshots.map((s) => [s.snapshotId, s]));
    let s = t.metadata.currentSnapshotId === null ? undefined : byId.get(t.metadata.currentSnapshotId);
    while (s) {
      const v = s.summary[property];
      if (v !== undefined) return { value: v, snapshotId: s.snapshotId, hash: t.ref.hash };
      s = s.parentSnapshotId === null ? undefined : byId.get(s.parentSnapshotId);
    }
    return { value: undefined, hash: t.ref.hash };
  }
}

export function createLake(cfg: LakeConfig, deps: { io?: FileIO; nessie?: NessieClient } = {}): Lake {
  return new Lake(cfg, deps);
}

/** The lake config from floe's FloeConfig (deploy/config.ts). */
export function lakeConfigFrom(c: {
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; warehouse: string };
  nessie: { uri: string; branch: string };
}): LakeConfig {
  return {
    s3: { endpoint: c.s3.endpoint, region: c.s3.region, accessKeyId: c.s3.accessKeyId, secretAccessKey: c.s3.secretAccessKey, warehouse: c.s3.warehouse },
    nessie: { uri: c.nessie.uri, branch: c.nessie.branch },
  };
}
