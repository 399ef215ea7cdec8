// The code version a worker or client runs: package version + hash of the workflow sources (the
// same key the prebuilt bundle is cached under), shown as the FloeCodeVersion search attribute.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleKey } from './bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function codeVersion(): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return `${pkg.version}+${bundleKey().slice(0, 10)}`;
}
