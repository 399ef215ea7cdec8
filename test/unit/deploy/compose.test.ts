import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { VERSIONS } from '../../../deploy/stack/versions.js';
import { SERVICE_NAMES, SEARCH_ATTRIBUTES } from '../../../deploy/stack/services.js';

const compose = parse(readFileSync(new URL('../../../deploy/docker-compose.yml', import.meta.url), 'utf8')) as {
  services: Record<string, { image: string; command?: string }>;
};

describe('deploy/docker-compose.yml', () => {
  it('offers every service of the local stack, and Prometheus and Grafana for the workers\' metrics', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...SERVICE_NAMES, 'prometheus', 'grafana'].sort());
  });

  it('pins the same versions as the local stack', () => {
    const tag = (svc: string) => compose.services[svc]!.image.split(':').pop();
    expect(tag('temporal')).toBe(VERSIONS.temporalCli);
    expect(tag('kafka')).toBe(VERSIONS.kafka);
    expect(tag('s3')).toBe(VERSIONS.seaweedfs);
    expect(tag('nessie')).toBe(VERSIONS.nessie);
    expect(tag('trino')).toBe(VERSIONS.trino);
  });

  it('registers the same Temporal search attributes', () => {
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) expect(compose.services.temporal!.command).toContain(`${name}=${type}`);
  });
});
