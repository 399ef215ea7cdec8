// Worker thread entry for lake/encoder-pool.ts. Plain JavaScript so it starts the same way under
// every runner (tsx CLI, vitest, node --import tsx): it registers tsx only when asked to load
// the TypeScript encoder, then imports it; the encoder serves jobs when it sees the marker.
import { workerData } from 'node:worker_threads';

const url = workerData.encoderUrl;
if (url.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(url);
