import { describe, expect, it } from 'vitest';
import { loadModels } from '../../../models/catalog.js';
import { runFixture } from '../../../transform/fixtures.js';

describe('model fixtures: given rows in, expected rows out', () => {
  const withSql = loadModels().filter((m) => m.sqlText);
  it('every SQL model has a fixture', () => {
    expect(withSql.filter((m) => !m.fixture).map((m) => m.name)).toEqual([]);
  });
  it.each(withSql.map((m) => [m.name, m] as const))('%s', async (_, model) => {
    const r = await runFixture(model);
    expect(r.mismatches, JSON.stringify(r.actual, null, 1)).toEqual([]);
  });
});
