// `npm run bench transform`: one simulated day (bench/synthetic-day.ts) through the transform's
// library steps on a bench branch of its own (deleted afterwards): RAW -> SILVER (read RAW files,
// deduplicate, flag, sort, encode, upload, commit) and GOLD + checks, with peak RSS of this process
// (DuckDB runs in it).
// FLOE_BENCH_TRANSFORM_ROWS (default 1M, comma-separated for several sizes), _DEVICES (10k), _BUILDINGS (50);
// FLOE_BENCH_TRANSFORM_TRACE=1 prints each step as it ends, with the RSS.
import { prepareRun } from '../transform/branches.js';
import { buildSilver } from '../transform/silver.js';
import { buildGold } from '../transform/gold.js';
import { runChecks } from '../transform/checks.js';
import { syntheticDay } from './synthetic-day.js';
import type { Figure } from './figure.js';

class PeakRss {
  peak = 0;
  // Unref: a failed step must not leave the bench process alive.
  private timer = setInterval(() => this.sample(), 100).unref();
  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
  }
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

async function oneSize(rows: number, devices: number, buildings: number): Promise<Figure[]> {
  const synth = await syntheticDay('transform', rows, devices, buildings, true);
  const { deps, day, id, rawRows } = synth;
  try {
    // FLOE_BENCH_TRANSFORM_TRACE=1 prints each step's heartbeats (which model or check ran last) with the RSS.
    if (process.env.FLOE_BENCH_TRANSFORM_TRACE === '1') {
      const t0 = performance.now();
      deps.heartbeat = (d: unknown) => process.stderr.write(`   ${((performance.now() - t0) / 1000).toFixed(1)} s, RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB: ${JSON.stringify(d)}\n`);
    }
    const prepared = await prepareRun(deps, { day: day.iso, branch: `transform-bench-${day.iso}-${id}` });
    const input = { branch: prepared.branch, day, runId: `bench${id}` };
    const rssSilver = new PeakRss();
    const t0 = performance.now();
    const silver = await buildSilver(deps, input);
    const silverSeconds = (performance.now() - t0) / 1000;
    const silverPeak = rssSilver.stop();
    const rssGold = new PeakRss();
    const t1 = performance.now();
    const gold = await buildGold(deps, input);
    const t2 = performance.now();
    const checks = await runChecks(deps, input);
    const t3 = performance.now();
    const goldPeak = rssGold.stop();
    await deps.lake.deleteBranch(prepared.branch);
    const label = rows >= 1e6 ? `${rows / 1e6}M` : `${rows / 1e3}k`;
    process.stdout.write(`   [${label}] synthetic RAW ${rawRows} rows in ${synth.rawFiles} files (${synth.genSeconds.toFixed(1)} s); SILVER ${silver.silverRows} rows in ${silver.silverFiles} files, phases ${JSON.stringify(silver.ms)} ms; GOLD ${JSON.stringify(gold.rows)}, ms ${JSON.stringify(gold.msBy)}; checks ${checks.results.length}, failed ${checks.results.filter((c) => !c.passed).map((c) => `${c.check}=${c.observed}`).join(', ') || 'none'}\n`);
    return [
      { name: `RAW -> SILVER rows/s (${label} RAW rows)`, value: rawRows / silverSeconds, unit: 'rows/s', target: '>= 400000' },
      { name: `RAW -> SILVER wall (${label})`, value: silverSeconds, unit: 's' },
      { name: `RAW -> SILVER peak RSS (${label})`, value: silverPeak / 2 ** 20, unit: 'MiB', target: '<= 2048' },
      { name: `GOLD (5 tables) wall (${label})`, value: (t2 - t1) / 1000, unit: 's' },
      { name: `checks (${checks.results.length}) wall (${label})`, value: (t3 - t2) / 1000, unit: 's' },
      { name: `GOLD + checks wall (${label})`, value: (t3 - t1) / 1000, unit: 's', target: '<= 45' },
      { name: `GOLD + checks peak RSS (${label})`, value: goldPeak / 2 ** 20, unit: 'MiB', target: '<= 2048' },
    ];
  } finally {
    await synth.close();
  }
}

export default async function transformBench(): Promise<Figure[]> {
  const sizes = (process.env.FLOE_BENCH_TRANSFORM_ROWS ?? '1000000').split(',').map(Number);
  const devices = Number(process.env.FLOE_BENCH_TRANSFORM_DEVICES ?? 10_000);
  const buildings = Number(process.env.FLOE_BENCH_TRANSFORM_BUILDINGS ?? 50);
  const out: Figure[] = [];
  for (const rows of sizes) out.push(...(await oneSize(rows, devices, buildings)));
  return out;
}
