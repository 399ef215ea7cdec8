import type { Command } from 'commander';
import { loadConfig, redactedConfig } from '../../deploy/config.js';

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('print the resolved configuration (secrets masked) for FLOE_ENV')
    .action(() => {
      process.stdout.write(JSON.stringify(redactedConfig(loadConfig()), null, 2) + '\n');
    });
}
