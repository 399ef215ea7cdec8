// Reads columns of a table's Parquet file by Iceberg field id, as Iceberg readers must: a column
// renamed since the file was written (RAW's `_partition` is `_kafka_partition` now) keeps its
// id in the file but not its name.
import { tableFromIPC, type Table, type Vector } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';

export interface FileColumns {
  numRows: number;
  /** The column of the table's current name, or undefined when the file has no such field. */
  get(name: string): Vector | undefined;
}

/** `columns` (current names and field ids) of one Parquet file. */
export function readColumnsById(bytes: Uint8Array, columns: readonly { id: number; name: string }[]): FileColumns {
  const fields = tableFromIPC(pw.readSchema(bytes).intoIPCStream()).schema.fields;
  const physical = new Map<string, string>();
  for (const c of columns) {
    const byId = fields.find((f) => f.metadata.get('PARQUET:field_id') === String(c.id));
    const name = byId?.name ?? fields.find((f) => f.name === c.name)?.name;
    if (name !== undefined) physical.set(c.name, name);
  }
  const t: Table = tableFromIPC(pw.readParquet(bytes, { columns: [...new Set(physical.values())] }).intoIPCStream());
  return {
    numRows: t.numRows,
    get: (name) => {
      const p = physical.get(name);
      return p === undefined ? undefined : (t.getChild(p) ?? undefined);
    },
  };
}
