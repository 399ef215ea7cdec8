// What the GOLD pages (Fleet, Energy, Environment) share: rows as objects, the day they show
// (`?day=` or the latest transformed day), and a missing table shown as "not there yet".
import { trinoQuery } from '../../deploy/trino.js';
import { parseDay } from '../../transform/day.js';
import { isMissingTable, type DashboardContext } from './context.js';

export type Row = Record<string, unknown>;

/** Runs one aggregate query (it carries its own LIMIT) and returns rows keyed by column name. */
export async function rows(ctx: DashboardContext, sql: string): Promise<Row[]> {
  const r = await trinoQuery(ctx.config, sql);
  return r.rows.map((cells) => Object.fromEntries(r.columns.map((c, i) => [c.name, cells[i]])));
}

export function gold(ctx: DashboardContext, table: string): string {
  return `${ctx.config.transform.goldNamespace}.${table}`;
}

export function silver(ctx: DashboardContext, table: string): string {
  return `${ctx.config.transform.silverNamespace}.${table}`;
}

/** A device id from the query string, checked before it goes into SQL. */
export function deviceParam(q: URLSearchParams): string | undefined {
  const d = q.get('device');
  if (d === null || d === '') return undefined;
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(d)) throw new Error(`device must be a device id (letters, digits, _ . : -), got ${JSON.stringify(d)}`);
  return d;
}

/** `?day=YYYY-MM-DD` (a bad one is an error naming it), else the latest day in device_health_summary; undefined when none is transformed. */
export async function viewDay(ctx: DashboardContext, q: URLSearchParams): Promise<string | undefined> {
  const asked = q.get('day');
  if (asked) return parseDay(asked).iso;
  const [r] = await rows(ctx, `SELECT CAST(max(day) AS varchar) AS day FROM ${gold(ctx, 'device_health_summary')}`);
  return (r?.day as string | null) ?? undefined;
}

export interface NotYet {
  available: false;
  reason: string;
}

/** Runs a page's view; a missing GOLD/SILVER table (or no transformed day) becomes "not there yet". */
export async function orNotYet<T>(what: string, view: () => Promise<T | undefined>): Promise<T | NotYet> {
  try {
    const v = await view();
    return v ?? { available: false, reason: `${what}: not there yet (no transformed day; run floe transform)` };
  } catch (e) {
    if (!isMissingTable(e)) throw e;
    return { available: false, reason: `${what}: not there yet (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
  }
}

export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
