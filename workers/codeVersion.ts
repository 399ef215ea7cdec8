// The code version a worker or client runs: package version + hash of the workflow sources (the
// same key the prebuilt bundle is cached under, workers/bundle.ts), shown as the FloeCodeVersion
// search attribute. Kept free of the SDK's worker package so clients load it cheaply.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Hash of everything that goes into the bundle. */
export function bundleKey(): string {
  const h = createHash('sha256');
  const sdk = JSON.parse(readFileSync(join(root, 'node_modules', '@temporalio', 'workflow', 'package.json'), 'utf8')) as { version: string };
  h.update(`sdk ${sdk.version}\n`);
  for (const f of sourceFiles(join(root, 'workflows')).sort()) {
    h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

export function codeVersion(): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return `${pkg.version}+${bundleKey().slice(0, 10)}`;
}
