// `floe stack up | down | status | logs`: the local stack as processes under one state directory.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { FloeConfig } from '../config.js';
import { groupRss, liveRecord, startDetached, stopRecorded } from './process.js';
import { SERVICES, SERVICE_NAMES, type Service, type ServiceName } from './services.js';
import { stopWorker } from './worker.js';

export { SERVICE_NAMES, type ServiceName };

export const paths = (c: FloeConfig, name: string) => ({
  data: join(c.stateDir, name),
  log: join(c.stateDir, 'logs', `${name}.log`),
  pid: join(c.stateDir, 'run', `${name}.pid`),
});

export class StackError extends Error {
  constructor(readonly service: string, message: string, readonly logFile?: string) {
    super(`${service}: ${message}${logFile ? `\n  log: ${logFile}` : ''}`);
    this.name = 'StackError';
  }
}

export interface ServiceStatus {
  service: ServiceName;
  healthy: boolean;
  pid: number | null;
  endpoint: string;
  rssBytes: number | null;
  detail: string;
  log: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function probeOnce(s: Service, c: FloeConfig): Promise<string | undefined> {
  try {
    await s.probe(c);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}

function select(only?: ServiceName[]): Service[] {
  return only?.length ? SERVICES.filter((s) => only.includes(s.name)) : SERVICES;
}

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
}

/** Serialises concurrent `up`/`down` calls (a test run and a person, say) on one state dir. */
async function withLock<T>(c: FloeConfig, fn: () => Promise<T>): Promise<T> {
  mkdirSync(join(c.stateDir, 'run'), { recursive: true });
  const lock = join(c.stateDir, 'run', 'stack.lock');
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch {
      const holder = Number(readFileSync(lock, 'utf8') || 0);
      let alive = false;
      try {
        if (holder) process.kill(holder, 0);
        alive = holder > 0;
      } catch {
        alive = false;
      }
      if (!alive) rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new StackError('stack', `another floe process (pid ${holder}) holds ${lock}`);
      else await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

export interface UpResult {
  service: ServiceName;
  state: 'already running' | 'started';
  seconds: number;
  endpoint: string;
}

export async function up(c: FloeConfig, opts: { only?: ServiceName[]; log?: (line: string) => void } = {}): Promise<UpResult[]> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  return withLock(c, async () => {
    const t0 = Date.now();
    const services = select(opts.only);
    // Each service is installed, started and probed on its own, all at once: a slow download
    // (Trino's) does not hold back the others.
    const results = await settleAll(
      services.map(async (s): Promise<UpResult> => {
        const p = paths(c, s.name);
        let rec = liveRecord(p.pid);
        const fresh = !rec;
        if (!rec) {
          mkdirSync(p.data, { recursive: true });
          let launch;
          try {
            launch = await s.prepare(c, p.data);
          } catch (err) {
            throw new StackError(s.name, `could not be installed or configured: ${err instanceof Error ? err.message : String(err)}`);
          }
          rec = startDetached({ command: launch.command, args: launch.args, cwd: p.data, env: { ...process.env, ...launch.env }, logFile: p.log, pidFile: p.pid });
          log(`floe stack: started ${s.name} (pid ${rec.pid}), waiting for it to answer`);
        }
        const startedAt = Date.now();
        const deadline = startedAt + s.startTimeoutSeconds * 1000;
        for (;;) {
          const problem = await probeOnce(s, c);
          if (!problem) break;
          if (!liveRecord(p.pid)) {
            throw new StackError(s.name, `exited during start-up (pid ${rec.pid}); last lines of its log:\n${tail(p.log, 20)}`, p.log);
          }
          if (Date.now() > deadline) {
            throw new StackError(s.name, `did not answer within ${s.startTimeoutSeconds}s (last probe: ${problem})`, p.log);
          }
          await sleep(fresh ? 1000 : 500);
        }
        if (s.bootstrap) await s.bootstrap(c);
        const seconds = (Date.now() - t0) / 1000;
        if (fresh) log(`floe stack: ${s.name} healthy after ${seconds.toFixed(1)}s (${((Date.now() - startedAt) / 1000).toFixed(1)}s after its start)`);
        return { service: s.name, state: fresh ? 'started' : 'already running', seconds, endpoint: s.endpoint(c) };
      }),
    );
    return results;
  });
}

/** Like Promise.all, but waits for every promise and reports every failure, not just the first. */
async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failures = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    throw new StackError('stack', `${failures.length} services failed:\n${failures.map((f) => `- ${f instanceof Error ? f.message : String(f)}`).join('\n')}`);
  }
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

export async function status(c: FloeConfig, only?: ServiceName[]): Promise<ServiceStatus[]> {
  return Promise.all(
    select(only).map(async (s): Promise<ServiceStatus> => {
      const p = paths(c, s.name);
      const rec = liveRecord(p.pid);
      const problem = await probeOnce(s, c);
      return {
        service: s.name,
        healthy: !!rec && !problem,
        pid: rec?.pid ?? null,
        endpoint: s.endpoint(c),
        rssBytes: rec ? groupRss(rec.pid) : null,
        detail: !rec ? (problem ? 'not running' : 'answers, but was not started by this stack') : (problem ?? 'ok'),
        log: p.log,
      };
    }),
  );
}

export async function down(c: FloeConfig, only?: ServiceName[]): Promise<{ service: ServiceName | 'worker'; result: string }[]> {
  return withLock(c, async () => {
    const out: { service: ServiceName | 'worker'; result: string }[] = [];
    // the worker depends on every service: it goes first
    if (!only?.length) out.push({ service: 'worker', result: await stopWorker(c) });
    for (const s of [...select(only)].reverse()) out.push({ service: s.name, result: await stopRecorded(paths(c, s.name).pid) });
    return out;
  });
}

export function logFile(c: FloeConfig, name: ServiceName): string {
  return paths(c, name).log;
}
