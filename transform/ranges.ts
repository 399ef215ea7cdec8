// Ranges of one column's values that split a relation into parts of at most `maxRows` rows,
// never splitting a value: the output files of a model (output.ts) and the parts a chunked
// model runs over (runner.ts).
import { quoteIdent, sqlString, type DuckSession } from './duck.js';

/** WHERE conditions, one per range, in the column's order; [''] (everything) when one part is enough. */
export async function keyRanges(duck: DuckSession, key: string | undefined, relation: string, maxRows: number): Promise<string[]> {
  const { n } = await duck.one(`SELECT count(*) AS n FROM ${quoteIdent(relation)}`);
  if (!key || Number(n) <= maxRows) return [''];
  const k = quoteIdent(key);
  const counts = await duck.rows(`SELECT ${k}::VARCHAR AS k, count(*) AS n FROM ${quoteIdent(relation)} GROUP BY 1 ORDER BY 1`);
  const ranges: string[] = [];
  let first: string | undefined;
  let last: string | undefined;
  let inRange = 0;
  const close = (): void => {
    if (first !== undefined) ranges.push(`${k}::VARCHAR BETWEEN ${sqlString(first)} AND ${sqlString(last!)}`);
  };
  for (const r of counts) {
    const rows = Number(r.n);
    if (first !== undefined && inRange + rows > maxRows) {
      close();
      first = undefined;
      inRange = 0;
    }
    first ??= String(r.k);
    last = String(r.k);
    inRange += rows;
  }
  close();
  return ranges;
}
