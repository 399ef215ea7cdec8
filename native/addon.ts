// Loads floe's Rust addon (native/src, built by `npm ci` through native/build.mjs into
// native/floe_native.node). Ingestion (ingest/native.ts) and the lake's Parquet encoder
// (lake/encoder-pool.ts) use it when it is there and fall back to TypeScript and WebAssembly
// when it is not.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon's file. */
export const NATIVE_ADDON_PATH = fileURLToPath(new URL('./floe_native.node', import.meta.url));

let loaded: { addon?: unknown; error?: string } | undefined;

/** The addon's exports, or why it is not there (typed by each user: ingest/native.ts, lake/encoder-pool.ts). */
export function loadNativeAddon<T>(): { addon?: T; error?: string } {
  if (!loaded) {
    if (!existsSync(NATIVE_ADDON_PATH)) {
      loaded = { error: `${NATIVE_ADDON_PATH} is not built (run \`npm run build:native\`; it needs Rust's cargo)` };
    } else {
      try {
        loaded = { addon: createRequire(import.meta.url)(NATIVE_ADDON_PATH) };
      } catch (err) {
        loaded = { error: `${NATIVE_ADDON_PATH} does not load: ${(err as Error).message}` };
      }
    }
  }
  return loaded as { addon?: T; error?: string };
}
