import type { Command } from 'commander';
import { loadConfig } from '../../deploy/config.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run the floe Temporal worker (all workflows and activities) on the configured task queue until SIGINT/SIGTERM')
    .option('--build-bundle', 'only build (or reuse) the cached workflow bundle, print its path and exit')
    .action(async (opts: { buildBundle?: boolean }) => {
      const config = loadConfig();
      if (opts.buildBundle) {
        const { loadWorkflowBundle } = await import('../../workers/bundle.js');
        const b = await loadWorkflowBundle(config.cacheDir);
        process.stdout.write(`${b.path}${b.cached ? ' (cached)' : ' (built)'}\n`);
        return;
      }
      const { runWorker } = await import('../../workers/main.js');
      try {
        await runWorker({ config });
      } catch (err) {
        // A forced shutdown (work still running after the force time) or a failed worker: exit
        // now, whatever sockets the abandoned work still holds.
        process.stderr.write(`floe: worker stopped: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
      }
      // Drained and closed: exit now rather than wait on idle keep-alive sockets or timers.
      process.exit(0);
    });
}
