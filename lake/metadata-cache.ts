// Iceberg metadata files (table metadata JSON, manifest lists, manifests) are immutable: every
// commit writes new ones under fresh names, and a name is never written twice with other bytes.
// So their bytes can be kept by name. A writer reads its tables' current metadata before every
// commit (ingestion: several times per batch, and the table metadata JSON grows with each
// snapshot); `npm run bench ingest` counted 6.5 metadata GETs per batch, each ~2 ms of S3
// server CPU on the local stack. Files this process writes are kept on write, so it reads back
// only what other writers committed.
import type { Readable } from 'node:stream';
import type { FileIO } from './s3-file-io.js';

/** Immutable by the Iceberg spec: `<table>/metadata/` JSON and Avro files. */
export function isImmutableMetadata(uri: string): boolean {
  return uri.includes('/metadata/') && (uri.endsWith('.metadata.json') || uri.endsWith('.avro'));
}

/**
 * A FileIO that keeps the bytes of immutable metadata files it reads or writes, least recently
 * used out past `maxBytes`. Buffers it returns are shared: callers must not modify them.
 */
export class MetadataCachingFileIO implements FileIO {
  private readonly kept = new Map<string, Buffer>();
  private bytes = 0;
  /** Reads answered from memory (for tests and figures). */
  hits = 0;

  constructor(
    readonly inner: FileIO,
    private readonly maxBytes = 32 * 1024 * 1024,
  ) {}

  private keep(uri: string, b: Buffer): void {
    if (b.length > this.maxBytes / 4) return;
    const old = this.kept.get(uri);
    if (old) {
      this.kept.delete(uri);
      this.bytes -= old.length;
    }
    this.kept.set(uri, b);
    this.bytes += b.length;
    for (const [k, v] of this.kept) {
      if (this.bytes <= this.maxBytes) break;
      this.kept.delete(k);
      this.bytes -= v.length;
    }
  }

  async write(uri: string, bytes: Uint8Array): Promise<number> {
    const n = await this.inner.write(uri, bytes);
    // A copy: the caller may reuse its buffer.
    if (isImmutableMetadata(uri)) this.keep(uri, Buffer.from(bytes));
    return n;
  }

  writeStream(uri: string, body: Readable): Promise<number> {
    this.forget(uri);
    return this.inner.writeStream(uri, body);
  }

  async read(uri: string): Promise<Buffer> {
    const hit = this.kept.get(uri);
    if (hit) {
      // Most recently used: to the end of the map's order.
      this.kept.delete(uri);
      this.kept.set(uri, hit);
      this.hits++;
      return hit;
    }
    const b = await this.inner.read(uri);
    if (isImmutableMetadata(uri)) this.keep(uri, b);
    return b;
  }

  size(uri: string): Promise<number | undefined> {
    const hit = this.kept.get(uri);
    return hit ? Promise.resolve(hit.length) : this.inner.size(uri);
  }

  list(prefixUri: string): Promise<string[]> {
    return this.inner.list(prefixUri);
  }

  async deleteMany(uris: readonly string[]): Promise<void> {
    for (const u of uris) this.forget(u);
    await this.inner.deleteMany(uris);
  }

  private forget(uri: string): void {
    const old = this.kept.get(uri);
    if (old) {
      this.kept.delete(uri);
      this.bytes -= old.length;
    }
  }
}
