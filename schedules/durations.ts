// Durations as the configuration writes them (90s, 15m, 1h, 3d), in milliseconds.
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function durationMs(value: string): number {
  const m = /^([1-9]\d*)(s|m|h|d)$/.exec(value);
  if (!m) throw new Error(`duration must look like 90s, 15m, 1h or 3d, got ${JSON.stringify(value)}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** The shortest exact way to write a duration in milliseconds: 5400000 -> 90m. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
