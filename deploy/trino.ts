// Runs SQL on Trino through trino-client and collects the whole result. Used by `floe query`,
// the stack's health probe and the integration tests.
import { Trino, BasicAuth } from 'trino-client';
import type { FloeConfig } from './config.js';

export interface TrinoResult {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  queryId: string;
}

export class TrinoQueryError extends Error {
  constructor(readonly sql: string, readonly errorName: string, message: string, readonly queryId?: string) {
    super(`Trino query failed (${errorName}${queryId ? `, query ${queryId}` : ''}): ${message}\n  in: ${sql.length > 500 ? sql.slice(0, 500) + '…' : sql}`);
    this.name = 'TrinoQueryError';
  }
}

export async function trinoQuery(c: FloeConfig, sql: string, opts: { catalog?: string; schema?: string } = {}): Promise<TrinoResult> {
  const client = Trino.create({
    server: c.trino.url,
    catalog: opts.catalog ?? c.trino.catalog,
    schema: opts.schema,
    auth: new BasicAuth(c.trino.user),
    source: 'floe',
  });
  let iter;
  try {
    iter = await client.query(sql);
  } catch (err) {
    throw new TrinoQueryError(sql, 'CONNECTION', `${c.trino.url}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const result: TrinoResult = { columns: [], rows: [], queryId: '' };
  for await (const page of iter) {
    result.queryId = page.id;
    if (page.error) throw new TrinoQueryError(sql, page.error.errorName, page.error.message, page.id);
    if (page.columns && !result.columns.length) result.columns = page.columns.map((col) => ({ name: col.name, type: col.type }));
    if (page.data) result.rows.push(...page.data);
  }
  return result;
}
