// Named queries (seed 000's dashboard queries): one SQL file each in models/queries, its header
// comment naming and describing it. `floe query --saved NAME` runs one; the docs list them.
// The SQL names tables through {{silver}}, {{gold}} and {{dq}} (the configured namespaces) and
// the day through {{day}}: a DATE literal, or the latest transformed day when none is given.
import { readdirSync, readFileSync } from 'node:fs';
import type { FloeConfig } from '../deploy/config.js';
import { parseDay } from '../transform/day.js';

export const QUERIES_DIR = new URL('../models/queries/', import.meta.url);

export interface SavedQuery {
  /** File name without `.sql`. */
  name: string;
  title: string;
  description: string;
  /** The SQL as written, placeholders and header included. */
  sql: string;
}

/** Parses one saved query file; an error names the file and what is wrong. */
export function parseSavedQuery(file: string, text: string): SavedQuery {
  const name = file.replace(/\.sql$/, '');
  const header: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('--')) break;
    header.push(line.replace(/^--\s?/, ''));
  }
  const first = /^([a-z_][a-z0-9_]*):\s*(.+)$/.exec(header[0] ?? '');
  if (!first) throw new Error(`saved query ${file}: the first line must be a comment "-- ${name}: <title>"`);
  if (first[1] !== name) throw new Error(`saved query ${file}: the header names ${JSON.stringify(first[1])}, the file ${JSON.stringify(name)}`);
  const description = header.slice(1).join(' ').trim();
  if (!description) throw new Error(`saved query ${file}: the header needs a description after the title line`);
  if (!text.includes('{{day}}')) throw new Error(`saved query ${file}: the SQL must select its day through {{day}}`);
  return { name, title: first[2]!.trim(), description, sql: text };
}

let cached: SavedQuery[] | undefined;

/** Every saved query in models/queries, by name. */
export function savedQueries(): SavedQuery[] {
  cached ??= readdirSync(QUERIES_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => parseSavedQuery(f, readFileSync(new URL(f, QUERIES_DIR), 'utf8')));
  return cached;
}

export class UnknownSavedQueryError extends Error {
  override name = 'UnknownSavedQueryError';
  constructor(readonly query: string) {
    super(`no saved query named ${JSON.stringify(query)}; saved queries: ${savedQueries().map((q) => q.name).join(', ')}`);
  }
}

export function savedQuery(name: string): SavedQuery {
  const q = savedQueries().find((x) => x.name === name);
  if (!q) throw new UnknownSavedQueryError(name);
  return q;
}

/** The SQL to send to Trino: namespaces from the configuration, the day (YYYY-MM-DD; a bad one is a DayError) or the latest transformed one. */
export function renderSavedQuery(q: SavedQuery, config: FloeConfig, day?: string): string {
  const t = config.transform;
  const dayExpr = day !== undefined ? `DATE '${parseDay(day).iso}'` : `(SELECT max(day) FROM ${t.goldNamespace}.daily_device_metrics)`;
  const body = q.sql
    .split('\n')
    .filter((l) => !l.startsWith('--'))
    .join('\n')
    .trim();
  return body
    .replaceAll('{{silver}}', t.silverNamespace)
    .replaceAll('{{gold}}', t.goldNamespace)
    .replaceAll('{{dq}}', t.dqNamespace)
    .replaceAll('{{day}}', dayExpr);
}
