import type { Command } from 'commander';
import { loadConfig } from '../../deploy/config.js';
import { printTable } from './stack.js';

function cell(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run a SQL statement on Trino (catalog `lake` by default) and print the result')
    .argument('<sql>', 'the statement, e.g. "SELECT count(*) FROM raw.telemetry"')
    .option('--json', 'print one JSON object per row instead of a table')
    .option('--catalog <name>', 'Trino catalog (default: FLOE_TRINO_CATALOG)')
    .option('--schema <name>', 'Trino schema')
    .action(async (sql: string, opts: { json?: boolean; catalog?: string; schema?: string }) => {
      const { trinoQuery } = await import('../../deploy/trino.js');
      const res = await trinoQuery(loadConfig(), sql, { catalog: opts.catalog, schema: opts.schema });
      const names = res.columns.map((c) => c.name);
      if (opts.json) {
        for (const row of res.rows) process.stdout.write(JSON.stringify(Object.fromEntries(names.map((n, i) => [n, row[i] ?? null]))) + '\n');
      } else {
        printTable(names, res.rows.map((r) => r.map(cell)));
        process.stdout.write(`(${res.rows.length} row${res.rows.length === 1 ? '' : 's'})\n`);
      }
    });
}
