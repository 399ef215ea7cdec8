// Replays recorded ingest histories against the current workflow code: a change that would make
// running workflows nondeterministic fails here. Re-record with record-ingest-history.ts when
// the workflow changes on purpose (and plan for versioning with patched() if runs are in flight).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { loadConfig } from '../../deploy/config.js';
import { loadWorkflowBundle } from '../../workers/bundle.js';

const History = proto.temporal.api.history.v1.History;
const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const files = readdirSync(dir).filter((f) => f.startsWith('ingest-history-') && f.endsWith('.binpb')).sort();

describe('ingest workflow replay', () => {
  it('has recorded histories, one ending in continue-as-new and one caught up', () => {
    const last = files.map((f) => History.decode(readFileSync(join(dir, f))).events.at(-1));
    expect(last.some((e) => e?.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
    expect(last.some((e) => e?.workflowExecutionCompletedEventAttributes)).toBe(true);
  });

  it.each(files)('replays %s deterministically', async (file) => {
    const history = History.decode(readFileSync(join(dir, file)));
    const bundle = await loadWorkflowBundle(loadConfig().cacheDir);
    await Worker.runReplayHistory({ workflowBundle: { code: bundle.code } }, history, file);
  });
});
