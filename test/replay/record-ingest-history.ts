// Records a fresh ingest workflow history from the local stack into fixtures/, for the replay
// test. Run when the workflow changes on purpose:
//   node --import tsx test/replay/record-ingest-history.ts [pipelineDepth]
// Depth 1 (one batch at a time) writes ingest-history-<n>.binpb, as every version before
// pipelined batches ran; a larger depth writes ingest-history-p<depth>-<n>.binpb. Keep the old
// fixtures: runs started by earlier versions must still replay.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { IngestHarness } from '../integration/ingest/harness.js';

const depth = Number(process.argv[2] ?? 2);
if (!Number.isInteger(depth) || depth < 1 || depth > 4) throw new Error(`usage: record-ingest-history.ts [pipelineDepth 1..4], got ${process.argv[2]}`);
const prefix = depth === 1 ? 'ingest-history-' : `ingest-history-p${depth}-`;
const h = new IngestHarness('replay');
await h.setup();
await h.produce({ count: 1200, defectEvery: 10, duplicateEvery: 37 });
const worker = await h.startInProcessWorker();
try {
  // Small batches and a low continue-as-new threshold, so the history shows both.
  await h.startIngest({ maxRecords: 250, maxBatchesPerRun: 3, pipelineDepth: depth });
  await h.result();
  const client = await h.getClient();
  // Every run of the chain: the first ones end in continue-as-new, the last one caught up.
  let i = 0;
  for await (const run of client.workflow.list({ query: `WorkflowId = "${h.workflowId}"` })) {
    const history = await client.workflow.getHandle(h.workflowId, run.runId).fetchHistory();
    const out = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', `${prefix}${i++}.binpb`);
    // Binary protobuf: the JSON helpers trip over two protobufjs copies in node_modules.
    writeFileSync(out, proto.temporal.api.history.v1.History.encode(history).finish());
    process.stdout.write(`wrote ${out} (${history.events?.length ?? 0} events, run ${run.runId})\n`);
  }
} finally {
  await worker.stop();
  await h.close();
}
