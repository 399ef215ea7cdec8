// The prebuilt workflow bundle. Bundling workflows with webpack takes seconds, so the bundle is
// cached under the cache dir, keyed by a hash of the workflow sources and the SDK version; a
// worker start reuses it and `floe worker --build-bundle` builds it ahead of time.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { bundleKey } from './codeVersion.js';

export { bundleKey };

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WORKFLOWS_PATH = join(root, 'workflows', 'index.ts');
/** Workflow interceptors in the bundle: the pipeline's transform metrics (workers/metrics.ts). */
export const WORKFLOW_INTERCEPTORS = [join(root, 'workflows', 'metricsInterceptor.ts')];

export interface WorkflowBundle {
  code: string;
  path: string;
  cached: boolean;
}

export async function loadWorkflowBundle(cacheDir: string): Promise<WorkflowBundle> {
  const path = join(cacheDir, 'workflow-bundles', `floe-workflows-${bundleKey()}.js`);
  if (existsSync(path)) return { code: readFileSync(path, 'utf8'), path, cached: true };
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTORS, logger: quietLogger });
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, path);
  return { code, path, cached: false };
}

const noop = (): void => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
