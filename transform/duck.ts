// One embedded DuckDB session per transform step: local Parquet in, local Parquet out. DuckDB
// reads local files only here (no httpfs), so callers download inputs to the session's temp dir.
// Iceberg matches columns by field id, so inputs are read by field id and outputs are written
// with FIELD_IDS on every column (checked after each write).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { IcebergType } from '../models/tables.js';

export interface DuckOptions {
  /** DuckDB memory_limit, e.g. '1GB' (RSS runs 10-80% above it: set it near half the budget). */
  memoryLimit?: string;
  threads?: number;
  /** Parent of the session's temp dir (downloads, spills, outputs). */
  tmpRoot?: string;
}

export const DUCK_TYPES: Readonly<Record<IcebergType, string>> = {
  string: 'VARCHAR', double: 'DOUBLE', long: 'BIGINT', int: 'INTEGER', timestamptz: 'TIMESTAMPTZ', boolean: 'BOOLEAN', binary: 'BLOB', date: 'DATE',
};

/**
 * Where a row was read from: its local data file and its row number in that file. Not Iceberg
 * columns: they tell apart copies of a row that are identical in every column (SILVER keeps one
 * copy of a data file committed twice). Rows loaded from JavaScript (loadRows) number themselves.
 */
export const FILE_POSITION_COLUMNS = [
  { name: '_file', type: 'string' },
  { name: '_file_row', type: 'long' },
] as const satisfies readonly { name: string; type: IcebergType }[];

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

export class DuckSession {
  readonly dir: string;
  private constructor(private readonly instance: DuckDBInstance, readonly conn: DuckDBConnection, dir: string) {
    this.dir = dir;
  }

  static async open(opts: DuckOptions = {}): Promise<DuckSession> {
    const dir = mkdtempSync(join(opts.tmpRoot ?? tmpdir(), 'floe-transform-'));
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(opts.threads ?? 2),
      memory_limit: opts.memoryLimit ?? '1GB',
      temp_directory: join(dir, 'spill'),
      preserve_insertion_order: 'false',
    });
    const conn = await instance.connect();
    // Days are UTC days; DuckDB takes the zone after connecting.
    await conn.run(`SET TimeZone = 'UTC'`);
    return new DuckSession(instance, conn, dir);
  }

  async run(sql: string): Promise<void> {
    await this.conn.run(sql);
  }

  /** Rows as plain JS objects (bigint for BIGINT, Date for timestamps). */
  async rows(sql: string): Promise<Record<string, unknown>[]> {
    const r = await this.conn.runAndReadAll(sql);
    return r.getRowObjectsJS() as Record<string, unknown>[];
  }

  async one(sql: string): Promise<Record<string, unknown>> {
    const rows = await this.rows(sql);
    if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}: ${sql.slice(0, 200)}`);
    return rows[0]!;
  }

  /** Column names and DuckDB types of a table or view. */
  async describe(relation: string): Promise<{ name: string; type: string }[]> {
    const rows = await this.rows(`DESCRIBE ${relation}`);
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  }

  /**
   * A view over local Parquet files, reading columns by Iceberg field id (so a column renamed
   * since a file was written still resolves) under the given names; absent ids read as NULL.
   * With `positions`, each row also carries where it was read from (FILE_POSITION_COLUMNS).
   */
  async parquetView(view: string, files: readonly string[], columns: readonly { id: number; name: string; type: IcebergType }[], opts: { where?: string; positions?: boolean } = {}): Promise<void> {
    const [file, row] = FILE_POSITION_COLUMNS;
    const cols = columns.map((c) => `${quoteIdent(c.name)}`).join(', ');
    if (files.length === 0) {
      const empty = [...columns, ...(opts.positions ? FILE_POSITION_COLUMNS : [])].map((c) => `NULL::${DUCK_TYPES[c.type]} AS ${quoteIdent(c.name)}`).join(', ');
      await this.run(`CREATE OR REPLACE VIEW ${quoteIdent(view)} AS SELECT ${empty} WHERE false`);
      return;
    }
    const schema = columns.map((c) => `${c.id}: {name: ${sqlString(c.name)}, type: ${sqlString(DUCK_TYPES[c.type])}, default_value: NULL}`).join(', ');
    const list = files.map(sqlString).join(', ');
    const positions = opts.positions ? `, filename AS ${file.name}, file_row_number AS ${row.name}` : '';
    const readOpts = opts.positions ? ', filename = true, file_row_number = true' : '';
    await this.run(`CREATE OR REPLACE VIEW ${quoteIdent(view)} AS SELECT ${cols}${positions} FROM read_parquet([${list}], schema = MAP {${schema}}${readOpts})${opts.where ? ` WHERE ${opts.where}` : ''}`);
  }

  async close(): Promise<void> {
    try {
      this.conn.closeSync();
      this.instance.closeSync();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** Opens a session, runs fn, always closes (and deletes the temp dir). */
export async function withDuck<T>(opts: DuckOptions, fn: (duck: DuckSession) => Promise<T>): Promise<T> {
  const duck = await DuckSession.open(opts);
  try {
    return await fn(duck);
  } finally {
    await duck.close();
  }
}
