// The latest result of every check on `main`, read from dq.check_results through Trino. The docs
// build without them (Trino down, no transform run yet): they then say results are unavailable.
import type { FloeConfig } from '../deploy/config.js';
import { trinoQuery } from '../deploy/trino.js';

export interface CheckResult {
  table: string;
  check: string;
  day: string;
  passed: boolean;
  observed: number;
  threshold: string;
  checkedAt: string;
}

export type CheckResults = { available: true; byCheck: Map<string, CheckResult> } | { available: false; reason: string };

export const resultKey = (table: string, check: string): string => `${table}/${check}`;

export function latestResultsSql(config: FloeConfig): string {
  return `SELECT table_name, check_name, CAST(day AS varchar), passed, observed, threshold, CAST(checked_at AS varchar)
FROM (SELECT *, row_number() OVER (PARTITION BY table_name, check_name ORDER BY day DESC, checked_at DESC) AS rn
      FROM ${config.transform.dqNamespace}.check_results)
WHERE rn = 1`;
}

export async function fetchCheckResults(config: FloeConfig): Promise<CheckResults> {
  try {
    const res = await trinoQuery(config, latestResultsSql(config));
    const byCheck = new Map<string, CheckResult>();
    for (const [table, check, day, passed, observed, threshold, checkedAt] of res.rows) {
      byCheck.set(resultKey(String(table), String(check)), {
        table: String(table),
        check: String(check),
        day: String(day),
        passed: passed === true,
        observed: Number(observed),
        threshold: String(threshold),
        checkedAt: String(checkedAt),
      });
    }
    return { available: true, byCheck };
  } catch (e) {
    return { available: false, reason: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
  }
}
