// Typed errors of the lake library. Every error names what it was about (table, ref, file) so a
// caller several layers up can tell the operator which input was wrong without a stack trace.

export interface LakeErrorContext {
  table?: string;
  ref?: string;
  file?: string;
}

export class LakeError extends Error {
  constructor(
    message: string,
    readonly context: LakeErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(withContext(message, context), options);
    this.name = 'LakeError';
  }
}

function withContext(message: string, c: LakeErrorContext): string {
  const parts = [
    c.table !== undefined ? `table ${c.table}` : undefined,
    c.ref !== undefined ? `ref ${c.ref}` : undefined,
    c.file !== undefined ? `file ${c.file}` : undefined,
  ].filter(Boolean);
  return parts.length ? `${message} [${parts.join(', ')}]` : message;
}

/** The table, namespace, reference or content does not exist at the requested ref. */
export class NotFoundError extends LakeError {
  override name = 'NotFoundError';
}

/** Someone else committed first: re-read and retry (or give up if the expected hash was pinned). */
export class ConflictError extends LakeError {
  override name = 'ConflictError';
}

/** The request was malformed or refers to something in an invalid way. */
export class BadRequestError extends LakeError {
  override name = 'BadRequestError';
}

/** A row does not match the table schema (wrong type, missing required value, unknown column). */
export class SchemaMismatchError extends LakeError {
  override name = 'SchemaMismatchError';
}

/** Object storage failed (after retries). */
export class StorageError extends LakeError {
  override name = 'StorageError';
}
