// Late RAW: a published day whose RAW changed after it was built. SILVER's snapshot summary
// records the RAW snapshot each day was built from; RAW files of the day that are live now but
// were not in that snapshot arrived late, and the day should be transformed again.
import { NotFoundError, type Lake } from '../lake/index.js';
import { modelByName } from '../models/catalog.js';
import { rawTable, tableOf, type TransformSettings } from './context.js';
import { parseDay } from './day.js';
import { dayFilter } from './files.js';
import { SUMMARY } from './silver.js';

export interface LateDay {
  day: string;
  builtFromRawSnapshot: string;
  lateFiles: number;
  lateRows: number;
}

/** The RAW snapshot each published day was last built from, per day (newest build wins). */
export async function publishedDays(lake: Lake, s: TransformSettings, ref: string = s.mainBranch): Promise<Map<string, string>> {
  let history;
  try {
    history = await lake.history(tableOf(s, modelByName('silver.telemetry')), ref);
  } catch (e) {
    if (e instanceof NotFoundError) return new Map();
    throw e;
  }
  const out = new Map<string, string>();
  for (const snap of history) {
    const day = snap.summary[SUMMARY.day];
    const raw = snap.summary[SUMMARY.rawSnapshot];
    if (day && raw && !out.has(day)) out.set(day, raw);
  }
  return out;
}

/** Published days (optionally only `days`) that have RAW files the build did not see. */
export async function lateDays(lake: Lake, s: TransformSettings, opts: { ref?: string; days?: string[] } = {}): Promise<LateDay[]> {
  const ref = opts.ref ?? s.mainBranch;
  const published = await publishedDays(lake, s, ref);
  const out: LateDay[] = [];
  for (const [iso, rawSnapshot] of published) {
    if (opts.days && !opts.days.includes(iso)) continue;
    const day = parseDay(iso);
    const filter = dayFilter('event_ts', day.startMicros, day.endMicros);
    const [now, then] = await Promise.all([
      lake.liveDataFiles(rawTable(s), { ref, filter }),
      lake.liveDataFiles(rawTable(s), { ref, filter, snapshotId: BigInt(rawSnapshot) }),
    ]);
    const seen = new Set(then.map((f) => f.filePath));
    const late = now.filter((f) => !seen.has(f.filePath));
    if (late.length) out.push({ day: iso, builtFromRawSnapshot: rawSnapshot, lateFiles: late.length, lateRows: late.reduce((n, f) => n + f.recordCount, 0) });
  }
  return out.sort((a, b) => a.day.localeCompare(b.day));
}
