// Brings a table's live data files onto local disk for DuckDB, and exposes them as a view.
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, type DataFile, type Lake, type Predicate } from '../lake/index.js';
import { mapLimit } from '../lake/table.js';
import { TransformError } from './context.js';
import type { DuckSession } from './duck.js';
import type { InputColumn } from './inputs.js';

export interface LocalFiles {
  /** Local paths, in the order of `files`. */
  paths: string[];
  files: DataFile[];
  bytes: number;
}

/** Downloads data files into `<session dir>/<folder>/`; a file that cannot be read fails naming it. */
export async function downloadFiles(lake: Lake, duck: DuckSession, folder: string, files: readonly DataFile[]): Promise<LocalFiles> {
  const dir = join(duck.dir, folder);
  await mkdir(dir, { recursive: true });
  let bytes = 0;
  const paths = await mapLimit(files, 8, async (f, i) => {
    const local = join(dir, `${i}.parquet`);
    let data: Buffer;
    try {
      data = await lake.io.read(f.filePath);
    } catch (e) {
      // A missing object will stay missing; any other storage error may pass, and is retried.
      if (e instanceof NotFoundError) throw new TransformError('RawFileUnreadable', `cannot read data file ${f.filePath}: ${e.message}`, { cause: e });
      throw new Error(`reading data file ${f.filePath} failed: ${(e as Error).message}`, { cause: e });
    }
    bytes += data.length;
    await writeFile(local, data);
    return local;
  });
  return { paths, files: [...files], bytes };
}

/** Live files of a table at a ref (pruned by the filter), downloaded and visible as `view`. */
export async function tableView(
  lake: Lake,
  duck: DuckSession,
  view: string,
  table: string,
  ref: string,
  columns: readonly InputColumn[],
  opts: { filter?: Predicate[]; where?: string; snapshotId?: bigint; positions?: boolean } = {},
): Promise<LocalFiles> {
  const files = await lake.liveDataFiles(table, { ref, ...(opts.filter ? { filter: opts.filter } : {}), ...(opts.snapshotId !== undefined ? { snapshotId: opts.snapshotId } : {}) });
  const local = await downloadFiles(lake, duck, view, files);
  try {
    await duck.parquetView(view, local.paths, columns, opts);
    // Touch every file now, so a corrupt one fails here, named, not inside a model.
    if (local.paths.length) await duck.run(`SELECT count(*) FROM ${view}`);
  } catch (e) {
    const m = /'([^']+\.parquet)'/.exec((e as Error).message);
    const i = m ? local.paths.indexOf(m[1]!) : -1;
    throw new TransformError('RawFileUnreadable', `cannot read ${table} data file ${i >= 0 ? files[i]!.filePath : '(unknown)'}: ${(e as Error).message}`, { cause: e });
  }
  return local;
}

/** The filter selecting one day of a timestamp column. */
export function dayFilter(column: string, startMicros: bigint, endMicros: bigint): Predicate[] {
  return [
    { column, op: '>=', value: startMicros },
    { column, op: '<', value: endMicros },
  ];
}
