import type { Command } from 'commander';
import { stackUp } from './stack.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('set up the local stack and run the pipeline on it (today: brings the stack up and prints its endpoints)')
    .action(async () => {
      await stackUp();
    });
}
