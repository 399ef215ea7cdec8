#!/usr/bin/env node
// Builds the Rust addon (native/src) with cargo and puts it where ingest/native.ts loads it:
// native/floe_native.node. Run by `npm ci` (postinstall) and `npm run build:native`. Without
// cargo it says so and leaves ingestion on its TypeScript path (FLOE_INGEST_NATIVE=auto); a
// failed build fails the install.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const out = join(dir, 'floe_native.node');
const cargo = process.env.CARGO ?? 'cargo';
if (process.env.FLOE_SKIP_NATIVE_BUILD === '1') {
  console.log('floe native: FLOE_SKIP_NATIVE_BUILD=1, not building');
  process.exit(0);
}
if (spawnSync(cargo, ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.warn(`floe native: ${cargo} not found; ingestion runs its TypeScript path (install Rust from rustup.rs, then run npm run build:native)`);
  process.exit(0);
}
const started = Date.now();
const build = spawnSync(cargo, ['build', '--release', '--quiet', '--manifest-path', join(dir, 'Cargo.toml')], { stdio: 'inherit', env: { ...process.env, CARGO_TARGET_DIR: join(dir, 'target') } });
if (build.status !== 0) {
  console.error(`floe native: cargo build failed (exit ${build.status ?? build.signal})`);
  process.exit(1);
}
const lib = join(dir, 'target', 'release', process.platform === 'darwin' ? 'libfloe_native.dylib' : 'libfloe_native.so');
if (!existsSync(lib)) {
  console.error(`floe native: cargo did not produce ${lib}`);
  process.exit(1);
}
// Copy then rename: a process that has the old addon loaded keeps its mapping.
copyFileSync(lib, `${out}.tmp`);
renameSync(`${out}.tmp`, out);
console.log(`floe native: built ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
