// A small client for the Nessie REST API v2: references, contents, commits with an expected
// hash, merges. JSON goes through lossless-json because Iceberg snapshot ids exceed 2^53.
import { isLosslessNumber, parse, stringify, type LosslessNumber } from 'lossless-json';
import { BadRequestError, ConflictError, LakeError, NotFoundError } from './errors.js';

export type ReferenceType = 'BRANCH' | 'TAG';

export interface Reference {
  type: ReferenceType;
  name: string;
  hash: string;
}

export interface IcebergTableContent {
  type: 'ICEBERG_TABLE';
  id?: string;
  metadataLocation: string;
  snapshotId: bigint;
  schemaId: number;
  specId: number;
  sortOrderId: number;
}

export interface NamespaceContent {
  type: 'NAMESPACE';
  id?: string;
  elements: string[];
  properties?: Record<string, string>;
}

export type Content = IcebergTableContent | NamespaceContent | { type: string; id?: string };

export type ContentKey = readonly string[];

export type Operation =
  | { type: 'PUT'; key: ContentKey; content: Content }
  | { type: 'DELETE'; key: ContentKey };

export interface CommitMeta {
  message: string;
  author?: string;
  properties?: Record<string, string>;
}

export interface CommitResult {
  branch: Reference;
  /** Content ids Nessie assigned to keys that were new in this commit, by dotted key. */
  addedContentIds: Map<string, string>;
}

export interface LogEntry {
  hash: string;
  message: string;
  properties: Record<string, string>;
  commitTime?: string;
}

/** Nessie error codes we act on (NessieError.errorCode). */
export class NessieError extends LakeError {
  constructor(message: string, readonly status: number, readonly errorCode: string | undefined, ref?: string) {
    super(message, ref !== undefined ? { ref } : {});
    this.name = 'NessieError';
  }
}

/** Escapes a content key for a URL path: elements joined by '.', with '.' inside an element as U+001D. */
export function keyToPath(key: ContentKey): string {
  return encodeURIComponent(key.map((e) => e.replaceAll('.', '\u001d')).join('.'));
}

export function keyToString(key: ContentKey): string {
  return key.join('.');
}

function refPath(ref: string): string {
  return ref.split('@').map(encodeURIComponent).join('@');
}

function toPlain(v: unknown): unknown {
  if (isLosslessNumber(v)) {
    const s = (v as LosslessNumber).toString();
    return /^-?\d+$/.test(s) && !Number.isSafeInteger(Number(s)) ? BigInt(s) : Number(s);
  }
  if (Array.isArray(v)) return v.map(toPlain);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = toPlain(x);
    return o;
  }
  return v;
}

function parseContent(raw: Record<string, unknown>): Content {
  if (raw.type === 'ICEBERG_TABLE') {
    return {
      type: 'ICEBERG_TABLE',
      id: raw.id as string,
      metadataLocation: raw.metadataLocation as string,
      snapshotId: BigInt(raw.snapshotId as bigint | number),
      schemaId: Number(raw.schemaId),
      specId: Number(raw.specId),
      sortOrderId: Number(raw.sortOrderId),
    };
  }
  return raw as Content;
}

export interface NessieClientOptions {
  uri: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class NessieClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(opts: NessieClientOptions) {
    this.base = opts.uri.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  private async request(method: string, path: string, body: unknown, ref?: string): Promise<Record<string, unknown>> {
    const url = `${this.base}${path}`;
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        ...(body !== undefined ? { body: stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new LakeError(`Nessie ${method} ${url} failed: ${e instanceof Error ? e.message : String(e)}`, ref !== undefined ? { ref } : {}, { cause: e });
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    if (text) {
      try {
        json = toPlain(parse(text)) as Record<string, unknown>;
      } catch {
        json = { message: text.slice(0, 500) };
      }
    }
    if (res.ok) return json;
    const code = json.errorCode as string | undefined;
    const msg = `Nessie ${method} ${path}: ${res.status} ${code ?? ''} ${String(json.message ?? res.statusText)}`.replace(/\s+/g, ' ').trim();
    const ctx = ref !== undefined ? { ref } : {};
    if (res.status === 409) throw Object.assign(new ConflictError(msg, ctx), { errorCode: code });
    if (res.status === 404) throw Object.assign(new NotFoundError(msg, ctx), { errorCode: code });
    if (res.status === 400) throw Object.assign(new BadRequestError(msg, ctx), { errorCode: code });
    throw new NessieError(msg, res.status, code, ref);
  }

  async config(): Promise<Record<string, unknown>> {
    return this.request('GET', '/config', undefined);
  }

  /** A branch or tag by name, or `name@hash` / `@hash`. */
  async getReference(ref: string): Promise<Reference> {
    const r = await this.request('GET', `/trees/${refPath(ref)}`, undefined, ref);
    return r.reference as Reference;
  }

  async listReferences(): Promise<Reference[]> {
    const r = await this.request('GET', '/trees', undefined);
    return r.references as Reference[];
  }

  async createReference(name: string, type: ReferenceType, from: { name: string; hash: string }): Promise<Reference> {
    const r = await this.request('POST', `/trees?name=${encodeURIComponent(name)}&type=${type}`, { type: 'BRANCH', name: from.name, hash: from.hash }, name);
    return r.reference as Reference;
  }

  async deleteReference(name: string, hash: string, type: ReferenceType = 'BRANCH'): Promise<void> {
    await this.request('DELETE', `/trees/${refPath(`${name}@${hash}`)}?type=${type}`, undefined, name);
  }

  /** The content at `key` on `ref`, or undefined when the key does not exist there. */
  async getContent(ref: string, key: ContentKey): Promise<{ content: Content; reference: Reference } | undefined> {
    try {
      const r = await this.request('GET', `/trees/${refPath(ref)}/contents/${keyToPath(key)}`, undefined, ref);
      return { content: parseContent(r.content as Record<string, unknown>), reference: r.effectiveReference as Reference };
    } catch (e) {
      if (e instanceof NotFoundError && (e as NotFoundError & { errorCode?: string }).errorCode === 'CONTENT_NOT_FOUND') return undefined;
      throw e;
    }
  }

  async getContents(ref: string, keys: readonly ContentKey[]): Promise<{ contents: Map<string, Content>; reference: Reference }> {
    const r = await this.request('POST', `/trees/${refPath(ref)}/contents`, { requestedKeys: keys.map((k) => ({ elements: k })) }, ref);
    const contents = new Map<string, Content>();
    for (const c of (r.contents as { key: { elements: string[] }; content: Record<string, unknown> }[]) ?? []) {
      contents.set(keyToString(c.key.elements), parseContent(c.content));
    }
    return { contents, reference: r.effectiveReference as Reference };
  }

  async entries(ref: string): Promise<{ key: string[]; type: string; contentId?: string }[]> {
    const out: { key: string[]; type: string; contentId?: string }[] = [];
    let token: string | undefined;
    do {
      const r = await this.request('GET', `/trees/${refPath(ref)}/entries${token ? `?page-token=${encodeURIComponent(token)}` : ''}`, undefined, ref);
      for (const e of (r.entries as { name: { elements: string[] }; type: string; contentId?: string }[]) ?? []) {
        out.push({ key: e.name.elements, type: e.type, ...(e.contentId ? { contentId: e.contentId } : {}) });
      }
      token = r.hasMore ? (r.token as string) : undefined;
    } while (token);
    return out;
  }

  /** Commits on `branch` only if its head is still `expectedHash` for the touched keys. */
  async commit(branch: string, expectedHash: string, meta: CommitMeta, operations: readonly Operation[]): Promise<CommitResult> {
    const body = {
      commitMeta: { message: meta.message, ...(meta.author ? { authors: [meta.author] } : {}), properties: meta.properties ?? {} },
      operations: operations.map((op) => (op.type === 'PUT' ? { type: 'PUT', key: { elements: op.key }, content: op.content } : { type: 'DELETE', key: { elements: op.key } })),
    };
    const r = await this.request('POST', `/trees/${refPath(`${branch}@${expectedHash}`)}/history/commit`, body, branch);
    const added = new Map<string, string>();
    for (const a of (r.addedContents as { key: { elements: string[] }; contentId: string }[]) ?? []) added.set(keyToString(a.key.elements), a.contentId);
    return { branch: r.targetBranch as Reference, addedContentIds: added };
  }

  /** Merges `fromRef@fromHash` into `branch`, expecting the branch head at `expectedHash`. */
  async merge(branch: string, expectedHash: string, fromRef: string, fromHash: string, message?: string): Promise<{ hash: string }> {
    const r = await this.request('POST', `/trees/${refPath(`${branch}@${expectedHash}`)}/history/merge`, {
      fromRefName: fromRef,
      fromHash,
      ...(message ? { message } : {}),
    }, branch);
    return { hash: (r.resultantTargetHash as string) ?? (await this.getReference(branch)).hash };
  }

  async log(ref: string, maxRecords = 50): Promise<LogEntry[]> {
    const r = await this.request('GET', `/trees/${refPath(ref)}/history?max-records=${maxRecords}`, undefined, ref);
    return ((r.logEntries as { commitMeta: { hash: string; message: string; properties?: Record<string, string>; commitTime?: string } }[]) ?? []).map((e) => ({
      hash: e.commitMeta.hash,
      message: e.commitMeta.message,
      properties: e.commitMeta.properties ?? {},
      ...(e.commitMeta.commitTime ? { commitTime: e.commitMeta.commitTime } : {}),
    }));
  }
}
