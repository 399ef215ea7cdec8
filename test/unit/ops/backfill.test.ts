import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { backfillInput, backfillWorkflowId, renderProgress } from '../../../workers/backfillClient.js';
import { countDays, type BackfillProgress, type DayState } from '../../../workflows/backfill/backfill.js';

const now = Date.parse('2026-12-04T10:00:00Z');

describe('backfill requests', () => {
  it('turns a range into days with defaults, and a day-derived workflow id', () => {
    const input = backfillInput('dev', { from: '2026-11-30', to: '2026-12-02' }, now);
    expect(input).toEqual({ env: 'dev', days: ['2026-11-30', '2026-12-01', '2026-12-02'], concurrency: 2 });
    expect(backfillWorkflowId(input)).toBe('floe-backfill-dev-2026-11-30-2026-12-02');
    const silver = backfillInput('dev', { from: '2026-12-01', to: '2026-12-01', layers: ['silver'], force: true, concurrency: 4 }, now);
    expect(backfillWorkflowId(silver)).toBe('floe-backfill-dev-2026-12-01-2026-12-01-silver');
    // Both layers is the default: not sent.
    expect(backfillInput('dev', { from: '2026-12-01', to: '2026-12-01', layers: ['gold', 'silver'] }, now).layers).toBeUndefined();
  });

  it('rejects bad requests naming what was wrong', () => {
    const bad = (req: Parameters<typeof backfillInput>[1]) => () => backfillInput('dev', req, now);
    expect(bad({ from: '2026-12-03', to: '2026-12-01' })).toThrow('--from 2026-12-03 is after --to 2026-12-01');
    expect(bad({ from: '2026-12-01', to: '2026-12-05' })).toThrow('--to 2026-12-05 is in the future (today is 2026-12-04 UTC)');
    expect(bad({ from: '2026-12-01', to: '2026-12-02', concurrency: 17 })).toThrow('--concurrency must be from 1 to 16, got 17');
    expect(bad({ from: '2026-12-01', to: '2026-12-02', concurrency: 0 })).toThrow('--concurrency must be from 1 to 16, got 0');
    expect(bad({ from: '2024-01-01', to: '2026-12-01' })).toThrow('spans 1066 days; a backfill covers at most 366');
    expect(bad({ from: '2026-12-01', to: '2026-12-02', layers: ['bronze'] })).toThrow('--layers must list silver, gold, got "bronze"');
    expect(bad({ from: '2026-02-30', to: '2026-12-02' })).toThrow('--from "2026-02-30" is not a calendar day');
  });
});

describe('backfill progress line', () => {
  const day = (d: string, status: DayState['status']): DayState => ({ day: d, status, workflowId: `floe-transform-dev-${d}` });
  const progress = (days: DayState[], finished = false): BackfillProgress => ({ env: 'dev', concurrency: 2, force: false, startedAt: now - 120_000, days, counts: countDays(days), finished });

  it('shows days done, running and failed, the rate of days that ran and the ETA', () => {
    const p = progress([day('a', 'done'), day('b', 'done'), day('c', 'skipped'), day('d', 'failed'), day('e', 'running'), day('f', 'pending'), day('g', 'pending'), day('h', 'pending')]);
    expect(renderProgress(p, now, 8)).toBe('[####----] 4/8 days | done 2 skipped 1 running 1 failed 1 | 1.5 days/min | ETA 2m40s | 2m00s');
  });

  it('says finished at the end and has no ETA before any day ran', () => {
    expect(renderProgress(progress([day('a', 'done')], true), now, 4)).toContain('| finished |');
    expect(renderProgress(progress([day('a', 'running')]), now, 4)).toContain('| ETA - |');
  });
});

describe('grafana dashboard', () => {
  it('charts only metrics that floe exports', () => {
    const dash = JSON.parse(readFileSync(new URL('../../../deploy/grafana/dashboards/floe.json', import.meta.url), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const exported = ['floe_ingest_messages', 'floe_ingest_batch_duration', 'floe_ingest_lag', 'floe_layer_rows', 'floe_transform_runs', 'floe_transform_duration', 'floe_dq_failures'];
    const sources = ['workers/metrics.ts', 'workflows/metricsInterceptor.ts'].map((f) => readFileSync(new URL(`../../../${f}`, import.meta.url), 'utf8')).join('\n');
    for (const name of exported) expect(sources).toContain(`'${name}'`);
    const used = new Set(dash.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/floe_[a-z_]+/g) ?? [])).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    expect([...used].sort()).toEqual([...exported].sort());
  });
});
