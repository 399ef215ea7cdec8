import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../usage.js';
import { CONTRACT_VERSIONS, CURRENT_VERSION, contractJsonSchema, type ContractVersion } from '../../models/telemetry.js';
import { compareContracts } from '../../models/evolution.js';
import { CONTRACTS } from '../../models/telemetry.js';
import { RAW_TELEMETRY, RAW_TELEMETRY_DLQ } from '../../models/tables.js';

function version(v: string | undefined): ContractVersion {
  const value = v ?? CURRENT_VERSION;
  if (!(CONTRACT_VERSIONS as string[]).includes(value)) throw new UsageError(`invalid --version ${JSON.stringify(value)}: must be one of ${CONTRACT_VERSIONS.join(', ')}`);
  return value as ContractVersion;
}

export function registerContracts(program: Command): void {
  const contracts = program.command('contracts').description('telemetry contracts: JSON Schema export, evolution check, RAW/DLQ table layout');
  contracts
    .command('export')
    .description('print (or write) the JSON Schema of a telemetry contract version, for producers in other languages')
    .option('--version <v>', `contract version: ${CONTRACT_VERSIONS.join('|')} (default ${CURRENT_VERSION})`)
    .option('--out <file>', 'write to this file instead of stdout')
    .action((opts: { version?: string; out?: string }) => {
      const text = JSON.stringify(contractJsonSchema(version(opts.version)), null, 2) + '\n';
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    });
  contracts
    .command('check')
    .description('compare two contract versions and list the changes; exits 1 when a change is breaking')
    .option('--from <v>', 'older version', 'v1')
    .option('--to <v>', 'newer version', CURRENT_VERSION)
    .action((opts: { from: string; to: string }) => {
      const from = version(opts.from);
      const to = version(opts.to);
      const changes = compareContracts(CONTRACTS[from], CONTRACTS[to]);
      for (const c of changes) process.stdout.write(`${c.breaking ? 'BREAKING' : 'ok      '}  ${c.kind.padEnd(15)} ${c.detail}\n`);
      const breaking = changes.filter((c) => c.breaking).length;
      process.stdout.write(`${from} -> ${to}: ${changes.length} change(s), ${breaking} breaking\n`);
      if (breaking) process.exitCode = 1;
    });
  contracts
    .command('tables')
    .description('print the RAW and DLQ Iceberg table definitions (columns, types, field ids) as JSON')
    .action(() => {
      process.stdout.write(JSON.stringify({ [`${RAW_TELEMETRY.namespace}.${RAW_TELEMETRY.name}`]: RAW_TELEMETRY, [`${RAW_TELEMETRY_DLQ.namespace}.${RAW_TELEMETRY_DLQ.name}`]: RAW_TELEMETRY_DLQ }, null, 2) + '\n');
    });
}
