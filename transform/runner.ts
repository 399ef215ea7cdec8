// Runs a model inside a DuckDB session: its SQL (templated) over the relations its inputs name,
// into a table named after the model (`silver_telemetry`, `gold_dim_devices`, …) with exactly
// the declared columns, cast to the declared types, so later models and checks read it.
import { DUCK_TYPES, quoteIdent, type DuckSession } from './duck.js';
import { ModelError, relationOf, type Model } from './model.js';
import { keyRanges } from './ranges.js';
import { renderSql, type TemplateVars } from './templates.js';

/**
 * A model's SQL text as statements: split at semicolons outside quotes and comments, empty ones
 * (comments only) dropped. The last one is the model's query.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let hasCode = false;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      const end = sql.indexOf(ch, i + 1);
      i = end < 0 ? sql.length : end;
      hasCode = true;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 1;
    } else if (ch === ';') {
      if (hasCode) out.push(sql.slice(start, i).trim());
      start = i + 1;
      hasCode = false;
    } else if (!/\s/.test(ch)) {
      hasCode = true;
    }
  }
  if (hasCode) out.push(sql.slice(start).trim());
  return out;
}

/**
 * Runs the model into a table (returns its row count), or, with `view`, defines a view that runs
 * the model when read (returns undefined): for a model read once, by the writer, whose result
 * would otherwise be materialised only to be sorted and written. A model with `chunkBy` runs over
 * ranges of at most `chunkRows` rows of its first input (runChunked).
 */
export async function runModel(duck: DuckSession, model: Model, vars: TemplateVars, opts: { view?: boolean; chunkRows?: number } = {}): Promise<number | undefined> {
  if (!model.sqlText) throw new ModelError(`model ${model.name} has no SQL: its table is written by code`);
  const statements = splitStatements(renderSql(model.name, model.sqlText, vars));
  const sql = statements.pop();
  if (!sql) throw new ModelError(`model ${model.name}: SQL has no statement`);
  let produced: { name: string }[];
  try {
    // Earlier statements make the temporary tables the model's query reads; they run once, here.
    for (const s of statements) await duck.run(s);
    produced = await duck.describe(`(${sql})`);
  } catch (e) {
    throw new ModelError(`model ${model.name}: SQL does not run: ${(e as Error).message}`, { cause: e });
  }
  const names = new Set(produced.map((c) => c.name));
  const missing = model.columns.filter((c) => !names.has(c.name)).map((c) => c.name);
  const declared = new Set(model.columns.map((c) => c.name));
  const extra = [...names].filter((n) => !declared.has(n));
  if (missing.length || extra.length) {
    throw new ModelError(`model ${model.name}: SQL output does not match the declared columns${missing.length ? `; missing: ${missing.join(', ')}` : ''}${extra.length ? `; undeclared: ${extra.join(', ')}` : ''}`);
  }
  const select = model.columns.map((c) => `CAST(${quoteIdent(c.name)} AS ${DUCK_TYPES[c.type]}) AS ${quoteIdent(c.name)}`).join(', ');
  const table = relationOf(model.name);
  const query = `SELECT ${select} FROM (${sql})`;
  const input = relationOf(model.inputs[0] ?? '');
  const ranges = model.chunkBy && opts.chunkRows && !opts.view ? await keyRanges(duck, model.chunkBy, input, opts.chunkRows) : [''];
  if (ranges.length > 1) await runChunked(duck, { input, ranges, statements, table, query });
  else await duck.run(`CREATE OR REPLACE ${opts.view ? 'VIEW' : 'TABLE'} ${quoteIdent(table)} AS ${query}`);
  if (opts.view) return undefined;
  const { n } = await duck.one(`SELECT count(*) AS n FROM ${quoteIdent(table)}`);
  return Number(n);
}

/**
 * Runs a model's statements once per range of its input: a temporary view of the same name
 * shadows the input with the range's rows (model SQL is unchanged); the first range's rows
 * create the table, the others are appended.
 */
async function runChunked(duck: DuckSession, run: { input: string; ranges: readonly string[]; statements: readonly string[]; table: string; query: string }): Promise<void> {
  const { input, ranges, statements, table, query } = run;
  const { db } = await duck.one('SELECT current_database() AS db');
  const whole = `${quoteIdent(String(db))}.main.${quoteIdent(input)}`;
  try {
    for (const [i, where] of ranges.entries()) {
      await duck.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(input)} AS SELECT * FROM ${whole} WHERE ${where}`);
      for (const s of statements) await duck.run(s);
      await duck.run(i === 0 ? `CREATE OR REPLACE TABLE ${quoteIdent(table)} AS ${query}` : `INSERT INTO ${quoteIdent(table)} ${query}`);
    }
  } finally {
    await duck.run(`DROP VIEW IF EXISTS temp.main.${quoteIdent(input)}`);
  }
}

/** Rows a model leaves out on purpose, by reason (its `drops`, counted over its inputs). */
export async function countDrops(duck: DuckSession, model: Model, vars: TemplateVars): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const d of model.drops ?? []) {
    const row = await duck.one(renderSql(model.name, d.sql, vars));
    out[d.reason] = Number(Object.values(row)[0]);
  }
  return out;
}
