// A model declared with `chunkBy` runs over ranges of its input's chunk column, one at a time:
// the stacked result equals the model run over the whole input.
import { describe, expect, it } from 'vitest';
import { loadModels } from '../../../models/catalog.js';
import { parseDay } from '../../../transform/day.js';
import { quoteIdent, withDuck } from '../../../transform/duck.js';
import { FIXTURE_VARS } from '../../../transform/fixtures.js';
import { relationOf, type Model } from '../../../transform/model.js';
import { keyRanges } from '../../../transform/ranges.js';
import { loadRows } from '../../../transform/rows.js';
import { runModel } from '../../../transform/runner.js';

const chunked = loadModels().filter((m) => m.chunkBy);

async function run(model: Model, chunkRows?: number): Promise<{ rows: unknown[]; ranges: number }> {
  const fx = model.fixture!;
  const input = relationOf(model.inputs[0]!);
  const key = model.chunkBy!;
  // The fixture's input rows, copied for five values of the chunk column.
  const given = ['a', 'b', 'c', 'd', 'e'].flatMap((v) => (fx.given[input] ?? []).map((r) => ({ ...r, [key]: `${String(r[key])}-${v}` })));
  return withDuck({ memoryLimit: '256MB', threads: 1 }, async (duck) => {
    for (const i of model.inputs.map(relationOf)) await loadRows(duck, i, i === input ? given : (fx.given[i] ?? []));
    const ranges = chunkRows ? (await keyRanges(duck, key, input, chunkRows)).length : 1;
    await runModel(duck, model, { day: parseDay(fx.day), ...FIXTURE_VARS }, chunkRows ? { chunkRows } : {});
    const rows = await duck.rows(`SELECT * FROM ${quoteIdent(relationOf(model.name))} ORDER BY ALL`);
    expect((await duck.rows(`SELECT view_name FROM duckdb_views() WHERE temporary AND view_name = '${input}'`)).length).toBe(0);
    return { rows, ranges };
  });
}

describe('chunked models', () => {
  it('include the per-device models', () => {
    expect(chunked.map((m) => m.name).sort()).toEqual(['gold.daily_device_metrics', 'gold.hourly_sensor_aggregates']);
  });
  it.each(chunked.map((m) => [m.name, m] as const))('%s: run by device ranges equals the whole run', async (_, model) => {
    const whole = await run(model);
    const perDevice = (model.fixture!.given[relationOf(model.inputs[0]!)] ?? []).length;
    const parts = await run(model, perDevice * 2);
    expect(parts.ranges).toBe(3);
    expect(whole.rows.length).toBeGreaterThan(0);
    expect(parts.rows).toEqual(whole.rows);
  });
});
