// `floe status [--env E] [--json]`: one screen of pipeline health.
import type { Command } from 'commander';
import type { Part, StatusReport } from '../../workers/statusReport.js';
import { configFor, table } from './opsArgs.js';

function section<T>(title: string, p: Part<T>, render: (v: T) => string): string {
  return `${title}\n${p.ok ? render(p.value) : `  unavailable: ${p.error}\n`}`;
}

const none = (what: string) => `  ${what}\n`;
const indent = (s: string) => s.replace(/^(?=.)/gm, '  ');

export function renderStatus(r: StatusReport): string {
  return [
    `floe status, env ${r.env}, ${r.at}\n`,
    section('Last successful runs', r.lastRuns, (v) => (v.length ? indent(table([['pipeline', 'layer', 'day', 'finished', 'workflow'], ...v.map((x) => [x.pipeline, x.layer, x.day ?? '-', x.closedAt ?? '-', x.workflowId])])) : none('no completed runs yet'))),
    section('Failed transforms (latest 10)', r.failedTransforms, (v) => (v.length ? indent(table([['day', 'failed at', 'workflow'], ...v.map((x) => [x.day ?? '-', x.closedAt ?? '-', x.workflowId])])) : none('none'))),
    section('RAW lag per Kafka partition', r.rawLag, (v) => (v.length ? indent(table([['topic', 'partition', 'committed', 'high watermark', 'lag'], ...v.map((x) => [x.topic, String(x.partition), String(x.committed), String(x.high), String(x.lag)])])) : none('topic has no partitions'))),
    section('Data quality on main (latest days)', r.dq, (v) => (v === null ? none('no dq.check_results table yet') : v.length ? indent(table([['day', 'checks', 'failed', 'failed checks'], ...v.map((x) => [x.day, String(x.checks), String(x.failed), x.failedChecks.join(', ') || '-'])])) : none('no results yet'))),
    section('Open run branches', r.branches, (v) => (v.length ? v.map((b) => `  ${b}\n`).join('') : none('none'))),
    section('Schedules', r.schedules, (v) => (v.length ? indent(table([['schedule', 'state', 'next', 'running', 'note'], ...v.map((s) => [s.id, s.paused ? 'PAUSED' : 'active', s.next ?? '-', String(s.running), s.note ?? ''])])) : none(`none (floe schedules sync --env ${r.env})`))),
    section('Running backfills', r.backfills, (v) => (v.length ? indent(table([['backfill', 'days', 'done', 'skipped', 'running', 'failed'], ...v.map((b) => [b.workflowId, String(b.days ?? '-'), String(b.progress?.done ?? '-'), String(b.progress?.skipped ?? '-'), String(b.progress?.running ?? '-'), String(b.progress?.failed ?? '-')])])) : none('none'))),
  ].join('\n');
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('pipeline health: last runs per layer and day, RAW lag per partition, DQ results, run branches, schedules, backfills')
    .option('--env <env>', 'environment (default FLOE_ENV)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { env?: string; json?: boolean }) => {
      const config = configFor(opts.env);
      const { connectClient } = await import('../../workers/client.js');
      const { statusReport } = await import('../../workers/statusReport.js');
      const client = await connectClient(config);
      try {
        const report = await statusReport(client, config);
        process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : renderStatus(report));
      } finally {
        await client.connection.close();
      }
    });
}
