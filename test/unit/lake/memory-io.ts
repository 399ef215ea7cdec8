// An in-memory FileIO for unit tests: files by URI, reads counted in all and per file.
import type { Readable } from 'node:stream';
import type { FileIO } from '../../../lake/s3-file-io.js';

export class MemoryIO implements FileIO {
  readonly files = new Map<string, Buffer>();
  reads = 0;
  readonly readsOf = new Map<string, number>();
  async write(uri: string, bytes: Uint8Array) {
    this.files.set(uri, Buffer.from(bytes));
    return bytes.length;
  }
  async writeStream(_uri: string, _body: Readable): Promise<number> {
    throw new Error('not used');
  }
  async read(uri: string) {
    this.reads++;
    this.readsOf.set(uri, (this.readsOf.get(uri) ?? 0) + 1);
    const b = this.files.get(uri);
    if (!b) throw new Error(`no such file ${uri}`);
    return b;
  }
  async size(uri: string) {
    return this.files.get(uri)?.length;
  }
  async list(prefix: string) {
    return [...this.files.keys()].filter((k) => k.startsWith(prefix));
  }
  async deleteMany(uris: readonly string[]) {
    for (const u of uris) this.files.delete(u);
  }
}
