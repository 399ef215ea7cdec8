// Public API of floe's lake library: Iceberg v2 tables on S3, committed through Nessie.
export { Lake, createLake, lakeConfigFrom, tableKey } from './catalog.js';
export type { LakeConfig, TableIdent, CommitOptions, CommitInfo, ReadOptions, WriteFilesOptions } from './catalog.js';
export type { LoadedTable, TableChange } from './table.js';
export { ancestry, currentSchema } from './table-metadata.js';
export type { DataFile } from './manifest.js';
export type { Snapshot } from './snapshot.js';
export type { Predicate, ComparisonOp } from './scan.js';
export type { FieldDef, Schema, NestedField, PrimitiveType } from './schema.js';
export type { PartitionFieldDef, SortFieldDef } from './partitioning.js';
export type { Row } from './parquet-writer.js';
export { ColumnBatchBuilder, type ColumnBatch } from './column-batch.js';
export type { Reference } from './nessie-client.js';
export { NessieClient } from './nessie-client.js';
export { S3FileIO } from './s3-file-io.js';
export { LakeError, NotFoundError, ConflictError, BadRequestError, SchemaMismatchError, StorageError } from './errors.js';
export { fromBytes, toBytes } from './conversions.js';
