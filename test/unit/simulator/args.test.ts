import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProduceOptions, parseDuration } from '../../../simulator/args.js';
import { loadConfig } from '../../../deploy/config.js';
import { UsageError } from '../../../cli/usage.js';

const config = loadConfig({ FLOE_ENV: 'dev' });
const NOW = Date.UTC(2025, 5, 1, 12);
const parse = (o: Record<string, string | boolean>) => parseProduceOptions(o, config, () => NOW);

describe('produce options', () => {
  it('live mode with --rate/--duration paces at the rate', () => {
    const r = parse({ scenario: 'valid', devices: '10', buildings: '2', rate: '500', duration: '2m' });
    expect(r).toMatchObject({ scenario: 'valid', count: 60_000, paceRate: 500, stepMs: 2, mode: 'live', startMs: NOW, topic: 'iot-telemetry', partitions: config.kafka.telemetryPartitions });
  });
  it('history mode spreads --count over --span from --start, unpaced', () => {
    const r = parse({ count: '86400', start: '2025-03-01T00:00:00Z', span: '24h' });
    expect(r).toMatchObject({ mode: 'history', startMs: Date.UTC(2025, 2, 1), stepMs: 1000, count: 86_400 });
    expect(r.paceRate).toBeUndefined();
  });
  it('defaults: mixed scenario, seed from the clock, registry published', () => {
    const r = parse({ count: '10' });
    expect(r).toMatchObject({ scenario: 'mixed', seed: String(NOW), publishRegistry: true, devices: 100, buildings: 5, client: 'direct', compression: 'none' });
  });
  it.each([
    [{ scenario: 'chaos', count: '1' }, '--scenario "chaos"'],
    [{ devices: '0', count: '1' }, '--devices "0"'],
    [{ devices: 'ten', count: '1' }, '--devices "ten"'],
    [{ buildings: '20', devices: '10', count: '1' }, '--buildings "20"'],
    [{ count: '-5' }, '--count "-5"'],
    [{ count: '10', rate: '5' }, '--count "10"'],
    [{ rate: '5' }, 'missing --duration'],
    [{ duration: '5s' }, 'missing --rate'],
    [{}, 'missing --rate'],
    [{ rate: 'fast', duration: '5s' }, '--rate "fast"'],
    [{ rate: '5', duration: 'soon' }, '--duration "soon"'],
    [{ count: '10', start: 'yesterday' }, '--start "yesterday"'],
    [{ count: '10', start: '2025-02-30T00:00:00Z' }, '--start "2025-02-30T00:00:00Z"'],
    [{ count: '10', span: '1h' }, '--span "1h"'],
    [{ count: '10', start: '2025-03-01', span: '-1h' }, '--span "-1h"'],
    [{ count: '10', client: 'rdkafka' }, '--client "rdkafka"'],
    [{ count: '10', client: 'kafkajs', compression: 'lz4' }, '--compression "lz4"'],
    [{ count: '10', compression: 'gzip' }, '--compression "gzip"'],
    [{ count: '10', compression: 'brotli' }, '--compression "brotli"'],
    [{ count: '10', topic: 'bad topic' }, '--topic "bad topic"'],
    [{ count: '10', batchSize: '0' }, '--batch-size "0"'],
  ])('rejects %j naming %s', (o, named) => {
    expect(() => parse(o)).toThrow(UsageError);
    expect(() => parse(o)).toThrow(named);
  });
  it('parses durations', () => {
    expect(parseDuration('--x', '90')).toBe(90_000);
    expect(parseDuration('--x', '15m')).toBe(900_000);
    expect(parseDuration('--x', '2d')).toBe(172_800_000);
    expect(parseDuration('--x', '250ms')).toBe(250);
  });
});

describe('floe produce on the command line', () => {
  const bin = fileURLToPath(new URL('../../../bin/floe.js', import.meta.url));
  // Brokers that do not exist: a bad argument must fail before any connection is tried.
  const env = { ...process.env, FLOE_KAFKA_BROKERS: '127.0.0.1:1' };
  it.each([
    [['--scenario', 'nope', '--count', '5'], /invalid --scenario "nope"/],
    [['--count', '5', '--start', 'tomorrow'], /invalid --start "tomorrow"/],
    [['--rate', '10'], /missing --duration/],
    [['--count', '5', '--bogus'], /unknown option '--bogus'/],
  ])('%j exits 2 with a usage message and produces nothing', (args, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-produce-'));
    const manifest = join(dir, 'm.json');
    const r = spawnSync(process.execPath, [bin, 'produce', ...args, '--manifest', manifest], { encoding: 'utf8', env, timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/ECONNREFUSED|sent /);
    expect(existsSync(manifest)).toBe(false);
  });
  it('contracts export writes the JSON Schema of the asked version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-contracts-'));
    const out = join(dir, 'v1.json');
    const r = spawnSync(process.execPath, [bin, 'contracts', 'export', '--version', 'v1', '--out', out], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const schema = JSON.parse(readFileSync(out, 'utf8')) as { $id: string; properties: Record<string, unknown> };
    expect(schema.$id).toMatch(/v1\.json$/);
    expect(schema.properties.sequence_number).toBeUndefined();
    const bad = spawnSync(process.execPath, [bin, 'contracts', 'export', '--version', 'v9'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('invalid --version "v9"');
  });
  it('contracts check passes v1 -> v2', () => {
    const r = spawnSync(process.execPath, [bin, 'contracts', 'check'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('v1 -> v2: 2 change(s), 0 breaking');
  });
});
