// The generated docs: every table, column, model and check appears; the lineage the page draws
// is exactly the declared inputs; nothing is fetched from elsewhere; results show or say why not.
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../deploy/config.js';
import { modelCatalog } from '../../../models/catalog.js';
import { RAW_TELEMETRY, RAW_TELEMETRY_DLQ } from '../../../models/tables.js';
import { alertEventsTable, alertStateTable } from '../../../alerts/tables.js';
import { buildDocs, type DocsSite } from '../../../docs/site.js';
import { documentedTables, lineageGraph } from '../../../docs/graph.js';
import { edgesInPage } from '../../../docs/svg.js';
import { savedQueries } from '../../../docs/queries.js';
import { resultKey, type CheckResults } from '../../../docs/results.js';

const config = loadConfig({ ...process.env, FLOE_GOLD_NAMESPACE: 'gold_x', FLOE_TELEMETRY_TOPIC: 'topic-under-test' });
const edgeKey = (e: { from: string; to: string }): string => `${e.from} -> ${e.to}`;
const read = (site: DocsSite, file: string): string => readFileSync(join(site.outDir, file), 'utf8');

const failing = modelCatalog().find((m) => m.checks.length)!;
const results: CheckResults = {
  available: true,
  byCheck: new Map([[resultKey(failing.name, failing.checks[0]!.name), { table: failing.name, check: failing.checks[0]!.name, day: '2025-03-01', passed: false, observed: 42, threshold: '<= 0', checkedAt: '2025-03-02 00:10:00 UTC' }]]),
};

describe('floe docs build', () => {
  let site: DocsSite;
  let index: string;
  beforeAll(async () => {
    site = await buildDocs(config, mkdtempSync(join(tmpdir(), 'floe-docs-')), results);
    index = read(site, 'index.html');
  });

  it('documents RAW, DLQ, every SILVER/GOLD/DQ model and both alert tables, each with a page', () => {
    const expected = ['raw.telemetry', 'raw.telemetry_dlq', ...modelCatalog().map((m) => m.name), 'alerts.alerts', 'alerts.alert_state'];
    expect(site.tables.map((t) => t.id)).toEqual(expected);
    for (const id of expected) {
      expect(index).toContain(`data-table="${id}"`);
      expect(readdirSync(join(site.outDir, 'tables'))).toContain(`${id}.html`);
    }
    expect(index).toContain('<code>gold_x.device_health_summary</code>');
  });

  it('every column (type, field id, doc) and partitioning is on its table page', () => {
    const byId = new Map(site.tables.map((t) => [t.id, t]));
    const defs = [['raw.telemetry', RAW_TELEMETRY], ['raw.telemetry_dlq', RAW_TELEMETRY_DLQ], ['alerts.alerts', alertEventsTable('gold')], ['alerts.alert_state', alertStateTable('gold')]] as const;
    for (const [id, def] of defs) {
      const html = read(site, `tables/${id}.html`);
      for (const c of def.columns) expect(html).toContain(`<tr class="column" data-column="${c.name}"><td><code>${c.name}</code></td><td>${c.type}</td><td>${c.id}</td>`);
      expect(html).toContain(`<code>${byId.get(id)!.partitioning}</code>`);
    }
    for (const m of modelCatalog()) {
      const html = read(site, `tables/${m.name}.html`);
      for (const c of m.columns) expect(html).toContain(`<tr class="column" data-column="${c.name}"><td><code>${c.name}</code></td><td>${c.type}</td><td>${c.id}</td>`);
      expect(html).toContain(`<code>${m.partitionBy ?? 'unpartitioned'}</code>`);
    }
    expect(read(site, 'tables/raw.telemetry.html')).toContain('<code>hour(event_ts)</code>');
  });

  it('every declared check is on its model page with its latest result, or "not run yet"', () => {
    let checks = 0;
    for (const m of modelCatalog()) {
      const html = read(site, `tables/${m.name}.html`);
      for (const c of m.checks) {
        expect(html, `${m.name} ${c.name}`).toContain(`data-check="${c.name}"><td><code>${c.name}</code></td><td>${c.kind}</td><td>${c.severity}</td>`);
        checks++;
      }
    }
    expect(checks).toBeGreaterThanOrEqual(20);
    const page = read(site, `tables/${failing.name}.html`);
    expect(page).toMatch(new RegExp(`data-check="${failing.checks[0]!.name}">.*<td class="fail">FAILED</td><td>42 \\(&lt;= 0\\)</td><td>2025-03-01</td>`));
    if (failing.checks[1]) expect(page).toMatch(new RegExp(`data-check="${failing.checks[1].name}">.*not run yet`));
  });

  it('the lineage drawn on the page is exactly the declared inputs, from the Kafka topics to each GOLD table', () => {
    const drawn = edgesInPage(index).map(edgeKey).sort();
    const declared = [
      'kafka.telemetry -> raw.telemetry',
      'kafka.telemetry -> raw.telemetry_dlq',
      ...modelCatalog().flatMap((m) => m.inputs.filter((i) => !i.startsWith('previous.')).map((i) => `${i} -> ${m.name}`)),
      'raw.telemetry -> alerts.alerts',
      'raw.telemetry -> alerts.alert_state',
    ].sort();
    expect(drawn).toEqual(declared);
    expect(new Set(drawn).size).toBe(drawn.length);
    // Each GOLD table is reachable from a Kafka topic along the drawn edges.
    const reach = new Set(['kafka.telemetry', 'kafka.device_registry']);
    for (let grew = true; grew; ) {
      grew = false;
      for (const e of edgesInPage(index)) if (reach.has(e.from) && !reach.has(e.to)) grew = !!reach.add(e.to);
    }
    for (const m of modelCatalog()) expect(reach, m.name).toContain(m.name);
    expect(index).toContain('topic topic-under-test');
    expect(index).toContain(`topic ${config.kafka.registryTopic}`);
  });

  it('an input that is neither a table nor a known topic is an error naming it', () => {
    const tables = documentedTables(config);
    tables[2] = { ...tables[2]!, inputs: ['raw.nope'] };
    expect(() => lineageGraph(tables, config)).toThrow(/table silver.telemetry reads "raw.nope", which is neither a documented table nor a known Kafka topic/);
  });

  it('lists every saved query with its SQL', () => {
    const html = read(site, 'queries.html');
    expect(savedQueries().map((q) => q.name)).toEqual(['anomaly_summary', 'building_temperature_heatmap', 'device_health', 'device_status', 'energy_trends', 'maintenance_alerts']);
    for (const q of savedQueries()) {
      expect(html).toContain(`data-query="${q.name}"`);
      expect(html).toContain(q.sql.split('\n').find((l) => l.startsWith('FROM'))!.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    }
  });

  it('loads nothing from elsewhere: no scripts, no remote URLs, only the package CSS', () => {
    for (const file of site.files) {
      const text = read(site, file).replaceAll('xmlns="http://www.w3.org/2000/svg"', '');
      expect(text, file).not.toMatch(/https?:\/\/|<script|@import|url\((?!#)/);
    }
    expect(read(site, 'style.css')).toContain('svg.lineage');
  });

  it('says check results are unavailable when they are', async () => {
    const s = await buildDocs(config, mkdtempSync(join(tmpdir(), 'floe-docs-')), { available: false, reason: 'Trino query failed (CONNECTION)' });
    expect(read(s, 'index.html')).toContain('Check results are unavailable: Trino query failed (CONNECTION)');
    const page = read(s, `tables/${failing.name}.html`);
    expect(page).toContain('Latest results are unavailable: Trino query failed (CONNECTION)');
    expect(page).not.toContain('FAILED');
  });
});

describe('floe docs build and floe query --saved on the command line', () => {
  const bin = fileURLToPath(new URL('../../../bin/floe.js', import.meta.url));
  const env = { ...process.env, FLOE_TRINO_URL: 'http://127.0.0.1:9' };

  it('builds the site when Trino is unreachable, and says so', () => {
    const out = mkdtempSync(join(tmpdir(), 'floe-docs-cli-'));
    const r = spawnSync(process.execPath, [bin, 'docs', 'build', '--out', out], { encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/floe docs: \d+ tables, \d+ lineage edges/);
    expect(r.stdout).toContain('check results unavailable');
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('Check results are unavailable');
  });

  it('--saved without a name lists the saved queries and exits 0', () => {
    const r = spawnSync(process.execPath, [bin, 'query', '--saved'], { encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    for (const q of savedQueries()) expect(r.stdout).toContain(q.name);
  });
});
