// Python clients that are not floe's, for tests that check floe against the wider ecosystem:
// librdkafka (confluent-kafka) as a producer, pyiceberg as an Iceberg REST reader. Installed
// once into the cache directory (pip --target), run with the machine's python3.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installPythonPackages } from '../../../deploy/stack/install.js';

export const PYTHON_CLIENTS = ['pyiceberg[pyarrow]==0.12.0', 'confluent-kafka==2.16.1'] as const;

const here = dirname(fileURLToPath(import.meta.url));

/** Runs one of this folder's scripts; resolves with its stdout, rejects with its stderr. */
export async function runPython(cacheDir: string, script: string, args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<string> {
  const path = await installPythonPackages(cacheDir, 'floe-test-clients-1', PYTHON_CLIENTS);
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [join(here, script), ...args], { env: { ...process.env, ...opts.env, PYTHONPATH: path }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`python3 ${script} exited ${code}: ${err.slice(-3000)}`))));
    child.stdin.end(opts.stdin ?? '');
  });
}
