// Records a fresh ingest workflow history from the local stack into fixtures/, for the replay
// test. Run when the workflow changes on purpose: node --import tsx test/replay/record-ingest-history.ts
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { IngestHarness } from '../integration/ingest/harness.js';

const h = new IngestHarness('replay');
await h.setup();
await h.produce({ count: 1200, defectEvery: 10, duplicateEvery: 37 });
const worker = await h.startInProcessWorker();
try {
  // Small batches and a low continue-as-new threshold, so the history shows both.
  await h.startIngest({ maxRecords: 250, maxBatchesPerRun: 3 });
  await h.result();
  const client = await h.getClient();
  // Every run of the chain: the first ones end in continue-as-new, the last one caught up.
  let i = 0;
  for await (const run of client.workflow.list({ query: `WorkflowId = "${h.workflowId}"` })) {
    const history = await client.workflow.getHandle(h.workflowId, run.runId).fetchHistory();
    const out = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', `ingest-history-${i++}.binpb`);
    // Binary protobuf: the JSON helpers trip over two protobufjs copies in node_modules.
    writeFileSync(out, proto.temporal.api.history.v1.History.encode(history).finish());
    process.stdout.write(`wrote ${out} (${history.events?.length ?? 0} events, run ${run.runId})\n`);
  }
} finally {
  await worker.stop();
  await h.close();
}
