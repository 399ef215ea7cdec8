// Entry point of the `floe` command. Each subcommand lives in cli/commands/<name>.ts and
// registers itself on the program; usage errors exit 2 with a message naming the bad input.
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { ConfigError } from '../deploy/config.js';
import { UsageError } from './usage.js';

export function buildProgram(): Command {
  const program = new Command('floe')
    .description('IoT telemetry lakehouse on Temporal: Kafka -> Iceberg (Nessie, S3) -> Trino')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of commands) register(program);
  program.commands.forEach(function exitOverrideAll(c: Command) {
    c.exitOverride().showHelpAfterError('(run with --help for usage)');
    c.commands.forEach(exitOverrideAll);
  });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; everything else is a usage error.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof ConfigError || err instanceof UsageError) {
      process.stderr.write(`floe: ${err.message}\n`);
      return 2;
    }
    // Errors that explain themselves print as one message; anything else is a bug: show the stack.
    const known = err instanceof Error && ['StackError', 'InstallError', 'TrinoQueryError'].includes(err.name);
    process.stderr.write(`floe: ${err instanceof Error ? (known ? err.message : (err.stack ?? err.message)) : String(err)}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
