// Starts services as detached local processes and stops exactly those: each pid file records the
// pid together with the process's kernel start time, so a recycled pid is never signalled.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ProcessRecord {
  pid: number;
  startTime: string;
  command: string[];
  startedAt: string;
}

/** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot; undefined if gone. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may contain spaces; fields after it are space separated
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    if (state === 'Z' || state === 'X') return undefined;
    return rest[19];
  } catch {
    return undefined;
  }
}

export function readRecord(pidFile: string): ProcessRecord | undefined {
  if (!existsSync(pidFile)) return undefined;
  try {
    return JSON.parse(readFileSync(pidFile, 'utf8')) as ProcessRecord;
  } catch {
    return undefined;
  }
}

/** The recorded process if it is still the same running process. */
export function liveRecord(pidFile: string): ProcessRecord | undefined {
  const rec = readRecord(pidFile);
  if (!rec) return undefined;
  return processStartTime(rec.pid) === rec.startTime ? rec : undefined;
}

export function startDetached(opts: {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  pidFile: string;
}): ProcessRecord {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  mkdirSync(dirname(opts.pidFile), { recursive: true });
  mkdirSync(opts.cwd, { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  writeFileSync(fd, `\n--- floe stack: starting at ${new Date().toISOString()}: ${opts.command} ${opts.args.join(' ')}\n`);
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env,
    detached: true, // own process group: outlives the CLI, and `down` can signal the whole group
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${opts.command}`);
  child.unref();
  const rec: ProcessRecord = {
    pid: child.pid,
    startTime: processStartTime(child.pid) ?? '',
    command: [opts.command, ...opts.args],
    startedAt: new Date().toISOString(),
  };
  writeFileSync(opts.pidFile, JSON.stringify(rec, null, 2));
  return rec;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM the recorded process group, SIGKILL after `graceMs`; removes the pid file. */
export async function stopRecorded(pidFile: string, graceMs = 20_000): Promise<'stopped' | 'not running'> {
  const rec = liveRecord(pidFile);
  if (!rec) {
    rmSync(pidFile, { force: true });
    return 'not running';
  }
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-rec.pid, sig);
    } catch {
      try {
        process.kill(rec.pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && processStartTime(rec.pid) === rec.startTime) await sleep(200);
  if (processStartTime(rec.pid) === rec.startTime) signal('SIGKILL');
  while (processStartTime(rec.pid) === rec.startTime) await sleep(100);
  rmSync(pidFile, { force: true });
  return 'stopped';
}

/** Resident memory of a process group's members, in bytes (from /proc). */
export function groupRss(pid: number): number {
  return sumOverGroup(pid, (p) => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  });
}

/** CPU time (user + system, ms) used so far by the live processes of a process group (Linux). */
export function groupCpuMs(pid: number): number {
  return sumOverGroup(pid, (_p, rest) => (Number(rest[11]) + Number(rest[12])) * 10); // utime, stime in ticks of 10 ms
}

/** Sums `f` over the processes whose process group is `pid`; `rest` is /proc/<p>/stat after the name (field 3 on). */
function sumOverGroup(pid: number, f: (p: number, rest: string[]) => number): number {
  let total = 0;
  for (const p of readdirProc()) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) !== pid) continue; // field 5: process group id
      total += f(p, rest);
    } catch {
      /* raced with exit */
    }
  }
  return total;
}

function readdirProc(): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}
