// Replays recorded alerts workflow histories against the current workflow code: a change that
// would make running alerts workflows nondeterministic fails here. Re-record with
// record-alerts-history.ts when the workflow changes on purpose (keep the old fixtures, or use
// patched() for runs in flight).
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
const files = readdirSync(dir).filter((f) => f.startsWith('alerts-history-') && f.endsWith('.binpb')).sort();

describe('alerts workflow replay', () => {
  it('has recorded histories, ending in continue-as-new and in termination', () => {
    const last = files.map((f) => History.decode(readFileSync(join(dir, f))).events.at(-1));
    expect(last.some((e) => e?.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
    expect(last.some((e) => e?.workflowExecutionTerminatedEventAttributes)).toBe(true);
  });

  it.each(files)('replays %s deterministically', async (file) => {
    const history = History.decode(readFileSync(join(dir, file)));
    const bundle = await loadWorkflowBundle(loadConfig().cacheDir);
    await Worker.runReplayHistory({ workflowBundle: { code: bundle.code } }, history, file);
  });
});
