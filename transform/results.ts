// Reading dq.check_results back (for `floe dq results`): from main or any run branch, through the
// lake and DuckDB, so a failed run's results on its kept branch can be read too.
import type { Lake } from '../lake/index.js';
import { modelByName } from '../models/catalog.js';
import { tableOf, type TransformSettings } from './context.js';
import { withDuck } from './duck.js';
import { tableView } from './files.js';
import type { Day } from './day.js';

export interface StoredCheckResult {
  day: string;
  check_name: string;
  table_name: string;
  severity: string;
  observed: number;
  threshold: string;
  passed: boolean;
  detail: string | null;
  run_id: string;
  branch: string;
  checked_at: string;
}

export async function readCheckResults(lake: Lake, s: TransformSettings, opts: { ref?: string; day?: Day; failedOnly?: boolean; latestRunOnly?: boolean } = {}): Promise<StoredCheckResult[]> {
  const model = modelByName('dq.check_results');
  return withDuck({ memoryLimit: '256MB', threads: 1 }, async (duck) => {
    await tableView(lake, duck, 'results', tableOf(s, model), opts.ref ?? s.mainBranch, model.columns, opts.day ? { filter: [{ column: 'day', op: '=', value: opts.day.iso }] } : {});
    const where = [opts.day ? `day = DATE '${opts.day.iso}'` : '', opts.failedOnly ? 'NOT passed' : ''].filter(Boolean);
    const latest = opts.latestRunOnly ? `QUALIFY checked_at = max(checked_at) OVER (PARTITION BY day)` : '';
    const rows = await duck.rows(`SELECT * FROM results ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ${latest} ORDER BY day, checked_at, table_name, check_name`);
    return rows.map((r) => ({
      ...(r as unknown as StoredCheckResult),
      day: (r.day as Date).toISOString().slice(0, 10),
      checked_at: (r.checked_at as Date).toISOString(),
      observed: Number(r.observed),
    }));
  });
}
