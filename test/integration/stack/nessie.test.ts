import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../../deploy/config.js';

// A deliberately independent, minimal REST client: this smoke test checks the server, not lake/.
async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${loadConfig().nessie.uri}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface Ref { reference: { type: string; name: string; hash: string } }

describe('Nessie', () => {
  it('creates a branch, commits to it and merges it into main', async () => {
    const branch = `smoke-${randomUUID()}`;
    const ns = `smoke_${randomUUID().replace(/-/g, '')}`;
    const main = await api<Ref>('GET', '/trees/main');
    const created = await api<Ref>('POST', `/trees?name=${branch}&type=BRANCH`, { type: 'BRANCH', name: 'main', hash: main.reference.hash });
    expect(created.reference.hash).toBe(main.reference.hash);

    const commit = await api<{ targetBranch: { hash: string } }>('POST', `/trees/${branch}@${created.reference.hash}/history/commit`, {
      commitMeta: { message: 'smoke: add namespace', properties: { 'floe.test': 'nessie-smoke' } },
      operations: [{ type: 'PUT', key: { elements: [ns] }, content: { type: 'NAMESPACE', elements: [ns] } }],
    });
    // A commit against a stale hash is refused: the expected-hash rule every writer relies on.
    await expect(
      api('POST', `/trees/${branch}@${created.reference.hash}/history/commit`, {
        commitMeta: { message: 'stale' },
        operations: [{ type: 'PUT', key: { elements: [ns] }, content: { type: 'NAMESPACE', elements: [ns] } }],
      }),
    ).rejects.toThrow(/409/);

    const beforeMerge = await fetch(`${loadConfig().nessie.uri}/trees/main/contents/${ns}`);
    expect(beforeMerge.status).toBe(404);
    const mainNow = await api<Ref>('GET', '/trees/main');
    await api('POST', `/trees/main@${mainNow.reference.hash}/history/merge`, { fromRefName: branch, fromHash: commit.targetBranch.hash });
    const onMain = await api<{ content: { type: string; elements: string[] } }>('GET', `/trees/main/contents/${ns}`);
    expect(onMain.content).toMatchObject({ type: 'NAMESPACE', elements: [ns] });

    await api('DELETE', `/trees/${branch}@${commit.targetBranch.hash}`);
    const latest = await api<Ref>('GET', '/trees/main');
    await api('POST', `/trees/main@${latest.reference.hash}/history/commit`, { commitMeta: { message: 'smoke: clean up' }, operations: [{ type: 'DELETE', key: { elements: [ns] } }] });
  });
});
