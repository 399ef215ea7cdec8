// The floe worker as a background process of the local stack, so schedules and `floe run` have
// someone to execute them. It is restarted when the code it runs has changed since it started.
import { statSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FloeConfig } from '../config.js';
import { liveRecord, startDetached, stopRecorded, type ProcessRecord } from './process.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CODE_DIRS = ['workflows', 'activities', 'workers', 'ingest', 'lake', 'models', 'deploy'];

export const workerPaths = (c: FloeConfig) => ({
  log: join(c.stateDir, 'logs', 'worker.log'),
  pid: join(c.stateDir, 'run', 'worker.pid'),
});

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSourceMtime(p));
    else if (/\.(ts|mjs|js)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Node flags of a worker process. A 64 MiB young generation (16 MiB by default) lets the objects
 * ingestion makes per Kafka message (the message, the parsed event, its strings) die young
 * instead of being copied between collections: measured 38k against 30k msg/s end to end, 33
 * against 37-39 µs of CPU per message (`npm run bench ingest`, alternating runs). `bin/floe.js`
 * carries the same flag in its shebang for a `floe worker` started by hand.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** Starts the worker in the background unless one is running the current code. */
export async function ensureWorker(c: FloeConfig): Promise<{ rec: ProcessRecord; state: 'already running' | 'started' | 'restarted' }> {
  const p = workerPaths(c);
  const running = liveRecord(p.pid);
  let state: 'started' | 'restarted' = 'started';
  if (running) {
    const codeChanged = Math.max(...CODE_DIRS.map((d) => newestSourceMtime(join(root, d)))) > Date.parse(running.startedAt);
    if (!codeChanged) return { rec: running, state: 'already running' };
    await stopRecorded(p.pid, 60_000); // SIGTERM drains the worker: running activities finish
    state = 'restarted';
  }
  const rec = startDetached({
    command: process.execPath,
    args: [...WORKER_NODE_FLAGS, join(root, 'bin', 'floe.js'), 'worker'],
    cwd: root,
    env: { ...process.env, FLOE_ENV: c.env },
    logFile: p.log,
    pidFile: p.pid,
  });
  return { rec, state };
}

export async function stopWorker(c: FloeConfig): Promise<'stopped' | 'not running'> {
  return stopRecorded(workerPaths(c).pid, 60_000);
}
