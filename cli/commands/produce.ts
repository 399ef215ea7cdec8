import type { Command } from 'commander';
import { loadConfig } from '../../deploy/config.js';
import { SCENARIOS } from '../../simulator/scenarios.js';
import { KAFKA_CLIENTS, COMPRESSIONS } from '../../simulator/kafka.js';
import { parseProduceOptions, type ProduceCliOptions } from '../../simulator/args.js';
import { produce } from '../../simulator/produce.js';

export function registerProduce(program: Command): void {
  program
    .command('produce')
    .description('simulate IoT devices: send telemetry to Kafka (keyed by device id, deterministic for a --seed) and write a manifest of what was sent')
    .option('--scenario <name>', `${SCENARIOS.join('|')} (mixed: 70% valid, 30% anomalies, edge cases and invalid messages)`, 'mixed')
    .option('--devices <n>', 'number of simulated devices', '100')
    .option('--buildings <n>', 'number of buildings they are spread over', '5')
    .option('--rate <r>', 'messages per second (with --duration)')
    .option('--duration <d>', 'how long to produce at --rate: 60, 90s, 15m, 1h')
    .option('--count <n>', 'number of messages to send, as fast as possible')
    .option('--seed <k>', 'seed for the generator (default: the current time, printed in the manifest)')
    .option('--topic <t>', 'Kafka topic (default: FLOE_TELEMETRY_TOPIC, iot-telemetry)')
    .option('--start <iso>', 'history mode: event times start here (e.g. 2025-03-01T00:00:00Z) and messages go out as fast as possible')
    .option('--span <d>', 'history mode: the window event times are spread over (default 24h)')
    .option('--manifest <file>', 'write the run manifest (counts per scenario and defect kind, expected RAW/DLQ contents) to this file')
    .option('--manifest-event-ids', 'include the sorted RAW event ids in the manifest')
    .option('--client <name>', `Kafka client: ${KAFKA_CLIENTS.join('|')} (default direct: records encoded in place, fastest)`)
    .option('--compression <c>', `${COMPRESSIONS.join('|')} (default none; direct: none|lz4|snappy, kafkajs: none|gzip)`)
    .option('--batch-size <n>', 'messages per produce request', '10000')
    .option('--no-registry', 'do not publish the fleet to the device registry topic')
    .option('--quiet', 'no progress line')
    .action(async (opts: ProduceCliOptions) => {
      const config = loadConfig();
      const run = parseProduceOptions(opts, config);
      const tty = process.stderr.isTTY;
      process.stderr.write(
        `floe produce: ${run.count.toLocaleString('en-US')} ${run.scenario} messages from ${run.devices} devices in ${run.buildings} buildings -> ${run.topic} ` +
          `(${run.mode}, seed ${run.seed}, ${run.client}/${run.compression})\n`,
      );
      const { manifest } = await produce({
        ...run,
        ...(opts.quiet ? {} : { progress: (line: string, final: boolean) => process.stderr.write(tty ? `\r${line}\x1b[K${final ? '\n' : ''}` : `${line}\n`) }),
      });
      const e = manifest.expected;
      process.stdout.write(
        `sent ${manifest.messages} messages in ${manifest.run.seconds}s (${manifest.run.messagesPerSecond} msg/s): expect RAW ${e.raw} (duplicates ${e.duplicates}, anomalous ${e.anomalousEvents}), DLQ ${e.dlq}` +
          (run.manifestFile ? `; manifest ${run.manifestFile}` : '') +
          '\n',
      );
    });
}
