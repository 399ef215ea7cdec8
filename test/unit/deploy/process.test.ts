import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveRecord, processStartTime, startDetached, stopRecorded } from '../../../deploy/stack/process.js';

describe('stack processes', () => {
  it('starts a detached process, records it, and stops exactly it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-proc-'));
    const pidFile = join(dir, 'svc.pid');
    const rec = startDetached({ command: 'sleep', args: ['60'], cwd: dir, env: process.env, logFile: join(dir, 'svc.log'), pidFile });
    expect(processStartTime(rec.pid)).toBe(rec.startTime);
    expect(liveRecord(pidFile)?.pid).toBe(rec.pid);
    expect(await stopRecorded(pidFile, 5000)).toBe('stopped');
    expect(processStartTime(rec.pid)).toBeUndefined();
    expect(existsSync(pidFile)).toBe(false);
  });

  it('never signals a process whose pid was recycled (start time differs)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-proc-'));
    const pidFile = join(dir, 'svc.pid');
    const rec = startDetached({ command: 'sleep', args: ['60'], cwd: dir, env: process.env, logFile: join(dir, 'svc.log'), pidFile });
    const forged = { ...JSON.parse(readFileSync(pidFile, 'utf8')), startTime: '1' };
    writeFileSync(pidFile, JSON.stringify(forged));
    expect(liveRecord(pidFile)).toBeUndefined();
    expect(await stopRecorded(pidFile)).toBe('not running');
    expect(processStartTime(rec.pid)).toBe(rec.startTime); // still alive
    process.kill(-rec.pid, 'SIGKILL');
  });
});
