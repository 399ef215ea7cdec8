// `floe history export <workflow-id>`: writes a run's event history (binary protobuf, as the
// replay tests read it) to test/replay/fixtures/, so the replay test checks that the current
// workflow code still replays it.
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../usage.js';
import { configFor } from './opsArgs.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'replay', 'fixtures');

/** `<workflow type>-<workflow id>-<last 8 of the run id>.binpb`, safe as a file name. */
export function historyFileName(workflowType: string, workflowId: string, runId: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');
  return `${safe(workflowType)}-${safe(workflowId)}-${runId.replace(/-/g, '').slice(-8)}.binpb`;
}

export function registerHistory(program: Command): void {
  const history = program.command('history').description('workflow histories for replay tests');
  history
    .command('export <workflow-id>')
    .description('write a run\'s history to test/replay/fixtures/ (the replay test replays every file there)')
    .option('--run-id <id>', 'a run other than the latest')
    .option('--out <dir>', 'directory to write to (default test/replay/fixtures)')
    .option('--env <env>', 'environment (default FLOE_ENV)')
    .action(async (workflowId: string, opts: { runId?: string; out?: string; env?: string }) => {
      const config = configFor(opts.env);
      const { connectClient } = await import('../../workers/client.js');
      const { WorkflowNotFoundError } = await import('@temporalio/client');
      const proto = (await import('@temporalio/proto')).default;
      const client = await connectClient(config);
      try {
        const handle = client.workflow.getHandle(workflowId, opts.runId);
        let d;
        try {
          d = await handle.describe();
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) throw new UsageError(`no workflow ${JSON.stringify(workflowId)}${opts.runId ? ` with run ${opts.runId}` : ''} in namespace ${config.temporal.namespace}`);
          throw err;
        }
        if (d.status.name === 'RUNNING') process.stderr.write(`floe: ${workflowId} is still running: the history is recorded as far as it got\n`);
        const events = await handle.fetchHistory();
        const dir = resolve(opts.out ?? FIXTURES);
        mkdirSync(dir, { recursive: true });
        const file = join(dir, historyFileName(d.type, workflowId, d.runId));
        // Binary protobuf: the JSON helpers trip over two protobufjs copies in node_modules.
        writeFileSync(file, proto.temporal.api.history.v1.History.encode(events).finish());
        process.stdout.write(`wrote ${file} (${d.type}, ${events.events?.length ?? 0} events, ${d.status.name.toLowerCase()})\n`);
      } finally {
        await client.connection.close();
      }
    });
}
