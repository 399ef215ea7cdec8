import type { Command } from 'commander';
import { loadConfig } from '../../deploy/config.js';
import { UsageError } from '../usage.js';
import { printTable } from './stack.js';

function cell(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

interface QueryOpts {
  json?: boolean;
  catalog?: string;
  schema?: string;
  saved?: string | true;
  day?: string;
}

/** The SQL to run: the argument, or a saved query rendered for the day; undefined when `--saved` only lists them. */
async function statementOf(sql: string | undefined, opts: QueryOpts): Promise<string | undefined> {
  if (opts.saved === undefined) {
    if (opts.day !== undefined) throw new UsageError('--day applies to --saved queries only');
    if (sql === undefined) throw new UsageError('missing the SQL statement (or --saved NAME)');
    return sql;
  }
  if (sql !== undefined) throw new UsageError('give either a SQL statement or --saved NAME, not both');
  const { savedQueries, savedQuery, renderSavedQuery, UnknownSavedQueryError } = await import('../../docs/queries.js');
  const { DayError } = await import('../../transform/day.js');
  if (opts.saved === true) {
    printTable(['name', 'title', 'description'], savedQueries().map((q) => [q.name, q.title, q.description]));
    return undefined;
  }
  try {
    return renderSavedQuery(savedQuery(opts.saved), loadConfig(), opts.day);
  } catch (e) {
    if (e instanceof UnknownSavedQueryError) throw new UsageError(e.message);
    if (e instanceof DayError) throw new UsageError(`--day: ${e.message}`);
    throw e;
  }
}

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run a SQL statement (or a saved query) on Trino (catalog `lake` by default) and print the result')
    .argument('[sql]', 'the statement, e.g. "SELECT count(*) FROM raw.telemetry"')
    .option('--saved [name]', 'run the saved query NAME (models/queries); without NAME, list them')
    .option('--day <YYYY-MM-DD>', 'with --saved: the day to query (default: the latest transformed day)')
    .option('--json', 'print one JSON object per row instead of a table')
    .option('--catalog <name>', 'Trino catalog (default: FLOE_TRINO_CATALOG)')
    .option('--schema <name>', 'Trino schema')
    .action(async (sql: string | undefined, opts: QueryOpts) => {
      const statement = await statementOf(sql, opts);
      if (statement === undefined) return;
      const { trinoQuery } = await import('../../deploy/trino.js');
      const res = await trinoQuery(loadConfig(), statement, { catalog: opts.catalog, schema: opts.schema });
      const names = res.columns.map((c) => c.name);
      if (opts.json) {
        for (const row of res.rows) process.stdout.write(JSON.stringify(Object.fromEntries(names.map((n, i) => [n, row[i] ?? null]))) + '\n');
      } else {
        printTable(names, res.rows.map((r) => r.map(cell)));
        process.stdout.write(`(${res.rows.length} row${res.rows.length === 1 ? '' : 's'})\n`);
      }
    });
}
