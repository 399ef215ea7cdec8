// Argument checks shared by the operations commands (schedules, backfill, history, status). Each
// throws a UsageError naming the argument and what was wrong, before anything is contacted.
import { ENVIRONMENTS, loadConfig, type Environment, type FloeConfig } from '../../deploy/config.js';
import { DayError, parseDay } from '../../workflows/backfill/days.js';
import { UsageError } from '../usage.js';

export function checkEnv(env: string | undefined): Environment | undefined {
  if (env === undefined) return undefined;
  if (!(ENVIRONMENTS as readonly string[]).includes(env)) throw new UsageError(`--env must be one of ${ENVIRONMENTS.join(', ')}, got ${JSON.stringify(env)}`);
  return env as Environment;
}

/** The configuration of --env (default FLOE_ENV). */
export function configFor(env: string | undefined): FloeConfig {
  const e = checkEnv(env);
  return loadConfig(e ? { ...process.env, FLOE_ENV: e } : process.env);
}

export function dayArg(name: string, value: string): string {
  try {
    return parseDay(value, name);
  } catch (err) {
    if (err instanceof DayError) throw new UsageError(err.message);
    throw err;
  }
}

export function intArg(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export function uiLink(config: FloeConfig, workflowId: string): string {
  return `${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`;
}
