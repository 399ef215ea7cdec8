// The lint rule that keeps workflow code deterministic: a workflow may import types from the
// I/O layers, never values, at any depth of relative path.
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

const lint = async (code: string): Promise<string[]> => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [r] = await eslint.lintText(code, { filePath: 'workflows/ingest/ingest.ts' });
  return r!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
};

describe('workflow import rule', () => {
  it.each([
    ["import { createLake } from '../../lake/index.js';"],
    ["import { runBatch } from '../../ingest/batch.js';"],
    ["import { loadConfig } from '../../deploy/config.js';"],
    ["import { readFileSync } from 'node:fs';"],
    ["import { Kafka } from 'kafkajs';"],
  ])('refuses %s', async (code) => {
    expect(await lint(`${code}\nexport const x = 1;\n`)).toHaveLength(1);
  });

  it('allows type imports from those layers and values from models/', async () => {
    expect(await lint("import type { IngestBatchResult } from '../../ingest/types.js';\nimport { advance } from '../../models/offsets.js';\nexport const x = advance;\nexport type Y = IngestBatchResult;\n")).toEqual([]);
  });
});
