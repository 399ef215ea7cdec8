import type { Command } from 'commander';
import { loadConfig } from '../../deploy/config.js';
import { UsageError } from '../usage.js';

function instant(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  // ISO 8601 with a date; a time without offset would depend on the machine's zone, so require one.
  if (!/^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d))?$/.test(v)) {
    throw new UsageError(`${name} must be an ISO 8601 date or date-time with offset (e.g. 2026-01-31T10:00:00Z), got ${JSON.stringify(v)}`);
  }
  const ms = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(ms)) throw new UsageError(`${name} is not a valid date: ${JSON.stringify(v)}`);
  return ms;
}

const MAX_LISTED = 50;

export function registerVerify(program: Command): void {
  const verify = program.command('verify').description('check invariants of the lake against their sources');
  verify
    .command('ingest')
    .description('prove RAW rows + DLQ rows == Kafka messages in the committed ranges (exits 1 listing missing/extra offsets); reports the lag per partition')
    .option('--topic <topic>', 'Kafka topic (default: the telemetry topic of the config)')
    .option('--from <iso>', 'start of the span, by Kafka message time (inclusive)')
    .option('--to <iso>', 'end of the span, by Kafka message time (exclusive)')
    .option('--content', "also compare every stored row with Kafka's bytes for its offset (DLQ: key and value; RAW: every contract column)")
    .option('--caught-up', 'also fail (exit 1) when any partition has messages not yet committed')
    .option('--json', 'print the full report as JSON')
    .action(async (opts: { topic?: string; from?: string; to?: string; json?: boolean; content?: boolean; caughtUp?: boolean }) => {
      const fromMs = instant('--from', opts.from);
      const toMs = instant('--to', opts.to);
      if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) {
        throw new UsageError(`--to (${opts.to}) must be after --from (${opts.from})`);
      }
      const config = loadConfig();
      const topic = opts.topic ?? config.kafka.telemetryTopic;
      const { createKafkaRangeReader } = await import('../../ingest/kafka.js');
      const { createIngestLake } = await import('../../ingest/lakeAdapter.js');
      const { verifyIngest } = await import('../../ingest/verify.js');
      const reader = createKafkaRangeReader({ brokers: config.kafka.brokers, clientId: 'floe-verify', fetchClient: config.ingest.fetchClient });
      try {
        const lake = await createIngestLake(config);
        const report = await verifyIngest(reader, lake, { topic, fromMs, toMs, content: opts.content === true, caughtUp: opts.caughtUp === true });
        if (opts.json) {
          process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        } else {
          const span = report.ranges.map((r) => `${r.partition}:[${r.from},${r.to})`).join(' ') || '(nothing committed in the span)';
          process.stdout.write(`topic ${topic}, tables ${lake.rawTable} + ${lake.dlqTable}, ranges ${span}\n`);
          process.stdout.write(`kafka messages ${report.kafkaMessages}, raw rows ${report.rawRows}, dlq rows ${report.dlqRows}\n`);
          const list = (xs: typeof report.missing): string =>
            xs.slice(0, MAX_LISTED).map((x) => `${x.partition}@${x.offset}${x.table ? ` (${x.table}${x.count && x.count > 1 ? ` x${x.count}` : ''})` : ''}`).join(', ') + (xs.length > MAX_LISTED ? `, ... ${xs.length - MAX_LISTED} more` : '');
          if (report.missing.length) process.stdout.write(`MISSING ${report.missing.length} offsets: ${list(report.missing)}\n`);
          if (report.extra.length) process.stdout.write(`EXTRA ${report.extra.length} offsets: ${list(report.extra)}\n`);
          const lag = report.lag ?? [];
          const behind = lag.reduce((n, l) => n + l.lag, 0);
          process.stdout.write(`lag ${behind} messages not yet committed (${lag.map((l) => `${l.partition}: ${l.lag}`).join(', ') || 'no partitions'})${opts.caughtUp && behind > 0 ? ': NOT CAUGHT UP' : ''}\n`);
          if (report.content) {
            const c = report.content;
            process.stdout.write(`content: ${c.checked} stored rows compared with Kafka's bytes, ${c.problems.length} differ\n`);
            for (const p of c.problems.slice(0, MAX_LISTED)) process.stdout.write(`  ${p.partition}@${p.offset} ${p.table}.${p.column}: stored ${p.stored}, Kafka's message gives ${p.expected}\n`);
          }
          const counted = report.missing.length === 0 && report.extra.length === 0;
          process.stdout.write(report.ok ? 'OK: raw + dlq == kafka\n' : `FAILED: ${[counted ? '' : 'raw + dlq != kafka', report.content?.problems.length ? 'stored content differs from kafka' : '', opts.caughtUp && behind > 0 ? 'not caught up' : ''].filter(Boolean).join('; ')}\n`);
        }
        if (!report.ok) process.exitCode = 1;
      } finally {
        await reader.close();
      }
    });
}
