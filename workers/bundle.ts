// The prebuilt workflow bundle. Bundling workflows with webpack takes seconds, so the bundle is
// cached under the cache dir, keyed by a hash of the workflow sources and the SDK version; a
// worker start reuses it and `floe worker --build-bundle` builds it ahead of time.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WORKFLOWS_PATH = join(root, 'workflows', 'index.ts');
/** Workflow interceptors in the bundle: the pipeline's transform metrics (workers/metrics.ts). */
export const WORKFLOW_INTERCEPTORS = [join(root, 'workflows', 'metricsInterceptor.ts')];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Hash of everything that goes into the bundle. */
export function bundleKey(): string {
  const h = createHash('sha256');
  const sdk = JSON.parse(readFileSync(join(root, 'node_modules', '@temporalio', 'workflow', 'package.json'), 'utf8')) as { version: string };
  h.update(`sdk ${sdk.version}\n`);
  for (const f of sourceFiles(join(root, 'workflows')).sort()) {
    h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

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
