// `npm run bench [name...]`: runs the named benchmarks (all when none are named), prints a table
// of figures and appends them to bench/results.json so runs can be compared over time.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suites } from './suites.js';
import type { Figure } from './figure.js';

const here = dirname(fileURLToPath(import.meta.url));
const resultsFile = join(here, 'results.json');

interface Record_ extends Figure { suite: string; when: string; machine: string }

async function main(): Promise<number> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !(w in suites));
  if (unknown.length) {
    process.stderr.write(`bench: unknown benchmark ${unknown.map((u) => JSON.stringify(u)).join(', ')}; known: ${Object.keys(suites).join(', ')}\n`);
    return 2;
  }
  const names = wanted.length ? wanted : Object.keys(suites);
  const machine = `${hostname()} ${cpus().length}cpu ${(totalmem() / 2 ** 30).toFixed(0)}GiB ${cpus()[0]?.model ?? ''}`.trim();
  const records: Record_[] = [];
  let failed = 0;
  for (const name of names) {
    process.stdout.write(`\n== ${name}\n`);
    try {
      const figures = await suites[name]!();
      const when = new Date().toISOString();
      for (const f of figures) records.push({ suite: name, ...f, when, machine });
      printTable(figures);
    } catch (err) {
      failed++;
      process.stdout.write(`   FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  const previous: Record_[] = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : [];
  writeFileSync(resultsFile, JSON.stringify([...previous, ...records], null, 2) + '\n');
  process.stdout.write(`\n${records.length} figures appended to ${resultsFile}\n`);
  return failed ? 1 : 0;
}

function printTable(figures: Figure[]): void {
  const rows = figures.map((f) => [f.name, formatValue(f.value), f.unit, f.target ?? '']);
  const header = ['figure', 'value', 'unit', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => '   ' + r.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  process.stdout.write(line(header) + '\n' + line(widths.map((w) => '-'.repeat(w))) + '\n');
  for (const r of rows) process.stdout.write(line(r) + '\n');
}

function formatValue(v: number): string {
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2);
}

process.exitCode = await main();
