import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseEnvFile, redactedConfig } from '../../../deploy/config.js';

describe('loadConfig', () => {
  it('defaults match the local stack, with dev credentials from the dev profile', () => {
    const c = loadConfig({});
    expect(c.env).toBe('dev');
    expect(c.temporal.address).toBe('127.0.0.1:7233');
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(c.nessie.uri).toBe('http://127.0.0.1:19120/api/v2');
    expect(c.trino.url).toBe('http://127.0.0.1:8080');
    expect(c.s3.accessKeyId).toBe('floe-local');
    expect(c.s3.warehouse).toBe('s3://floe-warehouse/warehouse');
  });

  it('environment variables override the profile and derive endpoints from ports', () => {
    const c = loadConfig({ FLOE_KAFKA_PORT: '19092', FLOE_TRINO_URL: 'http://trino.example:8443', FLOE_INGEST_MAX_RECORDS: '1000', FLOE_INGEST_FETCH_CLIENT: 'platformatic', FLOE_INGEST_FILE_ROWS: '5000', FLOE_INGEST_PIPELINE_DEPTH: '1' });
    expect(c.ingest.fetchClient).toBe('platformatic');
    expect(c.ingest.pipelineDepth).toBe(1);
    expect(loadConfig({}).ingest.pipelineDepth).toBe(2);
    expect(c.ingest.fileRows).toBe(5000);
    expect(c.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(c.trino.url).toBe('http://trino.example:8443');
    expect(c.ingest.maxRecords).toBe(1000);
  });

  it('profiles set per-environment values', () => {
    const env = { FLOE_S3_ACCESS_KEY_ID: 'k', FLOE_S3_SECRET_ACCESS_KEY: 's' };
    expect(loadConfig({ ...env, FLOE_ENV: 'prod' }).ingest.intervalSeconds).toBe(15);
    expect(loadConfig({ ...env, FLOE_ENV: 'staging' }).ingest.intervalSeconds).toBe(30);
  });

  it.each([
    [{ FLOE_TRINO_PORT: 'eighty' }, /FLOE_TRINO_PORT="eighty"/],
    [{ FLOE_TRINO_PORT: '70000' }, /FLOE_TRINO_PORT="70000"/],
    [{ FLOE_ENV: 'qa' }, /FLOE_ENV="qa".*dev, staging, prod/],
    [{ FLOE_S3_BUCKET: 'Bad_Bucket' }, /FLOE_S3_BUCKET="Bad_Bucket".*bucket name/],
    [{ FLOE_NESSIE_URI: 'not a url' }, /FLOE_NESSIE_URI/],
    [{ FLOE_ENV: 'prod' }, /FLOE_S3_ACCESS_KEY_ID.*required for FLOE_ENV=prod/],
    [{ FLOE_INGEST_FETCH_CLIENT: 'librdkafka' }, /FLOE_INGEST_FETCH_CLIENT="librdkafka"/],
    [{ FLOE_INGEST_FETCH_CLIENT: 'kafkajs' }, /FLOE_INGEST_FETCH_CLIENT="kafkajs"/],
    [{ FLOE_INGEST_FILE_ROWS: '0' }, /FLOE_INGEST_FILE_ROWS="0"/],
    [{ FLOE_INGEST_PIPELINE_DEPTH: '5' }, /FLOE_INGEST_PIPELINE_DEPTH="5"/],
    [{ FLOE_INGEST_PIPELINE_DEPTH: '1.5' }, /FLOE_INGEST_PIPELINE_DEPTH="1.5"/],
  ])('rejects %j with a message naming the key and value', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads secrets from a private profile file and never prints them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-config-'));
    const file = join(dir, 'secrets.env');
    writeFileSync(file, '# private\nFLOE_S3_ACCESS_KEY_ID=prod-key\nFLOE_S3_SECRET_ACCESS_KEY="s3cr3t"\n');
    const c = loadConfig({ FLOE_ENV: 'prod', FLOE_PROFILE_FILE: file });
    expect(c.s3.secretAccessKey).toBe('s3cr3t');
    expect(JSON.stringify(redactedConfig(c))).not.toContain('s3cr3t');
  });

  it('rejects unknown keys in a profile file (a typo must not be silently ignored)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-config-'));
    const file = join(dir, 'p.env');
    writeFileSync(file, 'FLOE_TRINO_PROT=8081\n');
    expect(() => loadConfig({ FLOE_PROFILE_FILE: file })).toThrow(/FLOE_TRINO_PROT.*unknown configuration key/);
  });

  it('parseEnvFile names the file and line of a malformed entry', () => {
    expect(() => parseEnvFile('A=1\nnot an assignment\n', 'x.env')).toThrow(/x\.env:2/);
  });
});
