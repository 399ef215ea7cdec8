// A model's given/expected fixture: the given rows become its input relations in a fresh
// DuckDB session, the model runs, and its rows (in sort order) are compared with the expected
// ones on the columns the fixture names. What a data engineer runs after editing a model's SQL.
import { parseDay } from './day.js';
import { quoteIdent, withDuck } from './duck.js';
import { loadRows } from './rows.js';
import { relationOf, type Model } from './model.js';
import { runModel } from './runner.js';
import type { TemplateVars } from './templates.js';

export const FIXTURE_VARS = { tariffPerKwh: 0.25, lowPowerFactor: 0.85 } as const;

function normalize(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return Number(v);
  return v;
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  return a === b;
}

export interface FixtureResult {
  model: string;
  actual: Record<string, unknown>[];
  mismatches: string[];
}

export async function runFixture(model: Model): Promise<FixtureResult> {
  const fx = model.fixture;
  if (!fx) return { model: model.name, actual: [], mismatches: [`model ${model.name} has no fixture`] };
  const vars: TemplateVars = { day: parseDay(fx.day), ...FIXTURE_VARS };
  return withDuck({ memoryLimit: '256MB', threads: 1 }, async (duck) => {
    for (const input of model.inputs.map(relationOf)) await loadRows(duck, input, fx.given[input] ?? []);
    await runModel(duck, model, vars);
    const order = model.sortBy.map(quoteIdent).join(', ');
    const actual = (await duck.rows(`SELECT * FROM ${quoteIdent(relationOf(model.name))}${order ? ` ORDER BY ${order}` : ''}`)).map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, normalize(v)])),
    );
    const mismatches: string[] = [];
    if (actual.length !== fx.expected.length) mismatches.push(`expected ${fx.expected.length} rows, got ${actual.length}`);
    fx.expected.forEach((exp, i) => {
      const got = actual[i];
      if (!got) return;
      for (const [k, v] of Object.entries(exp)) {
        if (!same(got[k], v)) mismatches.push(`row ${i} ${k}: expected ${JSON.stringify(v)}, got ${JSON.stringify(got[k])}`);
      }
    });
    return { model: model.name, actual, mismatches };
  });
}
