// Replays every recorded history in fixtures/ against the current workflow bundle: a change that
// would make running workflows nondeterministic fails here. Record new histories with
// `floe history export <workflow-id>` (or record-ingest-history.ts / record-ops-histories.ts),
// keep the old ones, and put incompatible changes behind patched() (README: "Replay tests").
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { loadConfig } from '../../deploy/config.js';
import { loadWorkflowBundle, WORKFLOW_INTERCEPTORS } from '../../workers/bundle.js';

const History = proto.temporal.api.history.v1.History;
const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, 'fixtures');
const all = readdirSync(dir).filter((f) => f.endsWith('.binpb')).sort();
const ingestFiles = all.filter((f) => f.startsWith('ingest-history-'));
const load = (file: string) => History.decode(readFileSync(join(dir, file)));
const typeOf = (file: string) => load(file).events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;

describe('ingest workflow replay', () => {
  it('has recorded histories, one ending in continue-as-new and one caught up', () => {
    const last = ingestFiles.map((f) => load(f).events.at(-1));
    expect(last.some((e) => e?.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
    expect(last.some((e) => e?.workflowExecutionCompletedEventAttributes)).toBe(true);
  });
});

describe('every recorded history replays', () => {
  it('has histories of the ingest, backfill and scheduled workflows, and transforms that published and failed their checks', () => {
    const types = new Set(all.map(typeOf));
    for (const t of ['ingest', 'backfill', 'scheduledTransform', 'transform']) expect(types).toContain(t);
    const transformEnds = all.filter((f) => typeOf(f) === 'transform').map((f) => load(f).events.at(-1));
    expect(transformEnds.some((e) => e?.workflowExecutionCompletedEventAttributes)).toBe(true);
    expect(transformEnds.some((e) => e?.workflowExecutionFailedEventAttributes?.failure?.message?.includes('blocking check'))).toBe(true);
  });

  it.each(all)('replays %s deterministically', async (file) => {
    const bundle = await loadWorkflowBundle(loadConfig().cacheDir);
    await Worker.runReplayHistory({ workflowBundle: { code: bundle.code } }, load(file), file);
  });
});

describe('versioning a workflow change', () => {
  const backfillHistory = all.find((f) => typeOf(f) === 'backfill')!;
  const bundleOf = async (variant: string) => {
    const noop = (): void => undefined;
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(here, 'variants', `${variant}.ts`),
      workflowInterceptorModules: WORKFLOW_INTERCEPTORS,
      logger: { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop },
    });
    return code;
  };

  it('an incompatible change fails replay of a recorded backfill', async () => {
    const code = await bundleOf('backfill-incompatible');
    await expect(Worker.runReplayHistory({ workflowBundle: { code } }, load(backfillHistory), backfillHistory)).rejects.toThrow(/[Nn]ondeterminis/);
  });

  it('the same change behind patched() replays it', async () => {
    const code = await bundleOf('backfill-patched');
    await Worker.runReplayHistory({ workflowBundle: { code } }, load(backfillHistory), backfillHistory);
  });
});
