// A corner of the shared stack for one operations test file: its own task queue, schedule id
// prefix and a random span of days in the past (transform workflow ids are per env and day, so
// days no other test uses), plus the fixture worker as a child process that can be killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { loadConfig, type FloeConfig } from '../../../deploy/config.js';
import { connectClient } from '../../../workers/client.js';
import { addDays } from '../../../workflows/backfill/days.js';
import { transformWorkflowId } from '../../../workflows/common/transformContract.js';
import { fixtureBundle, type DayPlan } from './fixtures/worker.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Days from firstDay that a test file may use (h.day(0) to h.day(SPAN - 1)). */
const SPAN = 60;

/** A day in 1971 to 2000: far from real data, and after 1970 (the schedule test backfills a time in it). */
function randomFirstDay(): string {
  return addDays('1971-01-01', Math.floor(Math.random() * 10_950));
}

export class OpsHarness {
  readonly id: string;
  readonly queue: string;
  readonly dir: string;
  readonly config: FloeConfig;
  readonly env: Record<string, string>;
  /** First of SPAN days of 1971 to 2000 that this file has to itself (pickDays makes sure). */
  firstDay: string;
  private client?: Client;
  private bundlePath?: string;
  readonly workers: (ChildProcess & { exited: Promise<number | null> })[] = [];

  constructor(name: string) {
    this.id = `${name}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    this.queue = `floe-test-${this.id}`;
    this.dir = mkdtempSync(join(tmpdir(), 'floe-ops-'));
    this.env = { FLOE_TASK_QUEUE: this.queue, FLOE_TRANSFORM_TASK_QUEUE: this.queue, FLOE_INGEST_TASK_QUEUE: this.queue, FLOE_SCHEDULE_ID_PREFIX: `floe-test-${this.id}`.toLowerCase().slice(0, 40) };
    this.config = loadConfig({ ...process.env, ...this.env });
    this.firstDay = randomFirstDay();
  }

  /**
   * Moves firstDay until no transform run of the env was ever recorded for any of its SPAN days:
   * the dev server keeps runs across test runs (its database lives in the state directory), and a
   * day's workflow id is per env and day.
   */
  async pickDays(): Promise<void> {
    const client = await this.getClient();
    for (let attempt = 0; attempt < 20; attempt++) {
      const ids = Array.from({ length: SPAN }, (_, i) => `"${transformWorkflowId('dev', this.day(i))}"`);
      let used = false;
      for await (const _ of client.workflow.list({ query: `WorkflowId IN (${ids.join(', ')})`, pageSize: 1 })) {
        used = true;
        break;
      }
      if (!used) return;
      this.firstDay = randomFirstDay();
    }
    throw new Error(`no span of ${SPAN} days without transform runs found in 20 draws from 1971 to 2000`);
  }

  day(i: number): string {
    if (i < 0 || i >= SPAN) throw new Error(`day ${i} is outside the ${SPAN} days pickDays reserved`);
    return addDays(this.firstDay, i);
  }

  async getClient(): Promise<Client> {
    this.client ??= await connectClient(this.config);
    return this.client;
  }

  plan(days: Record<string, Partial<DayPlan>>): void {
    writeFileSync(join(this.dir, 'plan.json'), JSON.stringify(days));
  }

  /** Days the fixture transform finished, one line per finish (a day twice means it ran twice). */
  ran(): string[] {
    const f = join(this.dir, 'ran.txt');
    return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
  }

  async spawnWorker(extraEnv: Record<string, string> = {}): Promise<ChildProcess & { exited: Promise<number | null> }> {
    if (!this.bundlePath) {
      this.bundlePath = join(this.dir, 'bundle.js');
      writeFileSync(this.bundlePath, await fixtureBundle());
    }
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'worker.ts')], {
      env: { ...process.env, ...this.env, FLOE_TEST_QUEUE: this.queue, FLOE_TEST_PLAN: join(this.dir, 'plan.json'), FLOE_TEST_RAN: join(this.dir, 'ran.txt'), FLOE_TEST_BUNDLE: this.bundlePath, ...extraEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const ready = new Promise<void>((resolve, reject) => {
      let log = '';
      child.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        if (process.env.FLOE_TEST_VERBOSE) process.stderr.write(d);
        if (log.includes('fixture worker running')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`fixture worker exited ${code}: ${log.slice(-2000)}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const w = Object.assign(child, { exited });
    this.workers.push(w);
    await ready;
    return w;
  }

  /** Runs of a workflow id (every execution that ever had it), from visibility, once it settles. */
  async runsOf(workflowId: string): Promise<{ status: string }[]> {
    const client = await this.getClient();
    const out: { status: string }[] = [];
    for await (const w of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) out.push({ status: w.status.name });
    return out;
  }

  async close(): Promise<void> {
    for (const w of this.workers) if (w.exitCode === null) w.kill('SIGKILL');
    await this.client?.connection.close();
  }
}

export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
}
