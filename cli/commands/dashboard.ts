import type { Command } from 'commander';
import { loadConfig } from '../../deploy/config.js';
import { UsageError } from '../usage.js';

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('serve the web dashboard (alerts, pipeline) until interrupted')
    .option('--port <port>', 'port to listen on (default 8790; 0 picks a free one)')
    .option('--host <host>', 'address to listen on (default FLOE_HOST)')
    .action(async (opts: { port?: string; host?: string }) => {
      const port = opts.port === undefined ? 8790 : Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (0-65535), got ${JSON.stringify(opts.port)}`);
      const { startDashboard } = await import('../../dashboard/server.js');
      const d = await startDashboard(loadConfig(), { port, ...(opts.host ? { host: opts.host } : {}) });
      process.stdout.write(`floe dashboard: ${d.url}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await d.close();
    });
}
