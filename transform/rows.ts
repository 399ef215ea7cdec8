// Rows from JavaScript into a DuckDB relation with a relation's declared columns (fixtures, the
// device registry read from Kafka, check results).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DUCK_TYPES, FILE_POSITION_COLUMNS, quoteIdent, sqlString, type DuckSession } from './duck.js';
import { relationColumns, type InputColumn } from './inputs.js';

/** Creates a relation with the given rows (columns a row leaves out are NULL). */
export async function loadRows(duck: DuckSession, relation: string, rows: readonly Record<string, unknown>[], columns?: readonly InputColumn[]): Promise<void> {
  const cols = columns ?? relationColumns(relation);
  await duck.run(`CREATE OR REPLACE TABLE ${quoteIdent(relation)} (${cols.map((c) => `${quoteIdent(c.name)} ${DUCK_TYPES[c.type]}`).join(', ')})`);
  if (!rows.length) return;
  const unknown = rows.flatMap((r) => Object.keys(r)).filter((k) => !cols.some((c) => c.name === k));
  if (unknown.length) throw new Error(`rows for ${relation} name columns it does not have: ${[...new Set(unknown)].join(', ')}`);
  const file = join(duck.dir, `${relation}.jsonl`);
  writeFileSync(file, rows.map((r) => JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))).join('\n') + '\n');
  const typed = `{${cols.map((c) => `${quoteIdent(c.name)}: '${DUCK_TYPES[c.type]}'`).join(', ')}}`;
  await duck.run(`INSERT INTO ${quoteIdent(relation)} SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = ${typed})`);
  // Rows with no file position stand for one file, in their given order.
  const [posFile, posRow] = FILE_POSITION_COLUMNS;
  if (cols.some((c) => c.name === posRow.name) && !rows.some((r) => posRow.name in r)) {
    await duck.run(`UPDATE ${quoteIdent(relation)} SET ${posFile.name} = ${sqlString(`${relation}.jsonl`)}, ${posRow.name} = rowid`);
  }
}

