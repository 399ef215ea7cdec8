// Registers floe's custom search attributes when they are missing. `floe stack up` registers them
// too; both tolerate the other having done it first (ALREADY_EXISTS, or a concurrent add).
import type { Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { floeSearchAttributes } from '../workflows/searchAttributes.js';

// @temporalio/proto is CommonJS: take the namespace from its default export under Node ESM.
const IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;
const typeOf = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
} as const;

/** Returns the names it added (empty when all were registered already). */
export async function ensureSearchAttributes(connection: Connection | NativeConnection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const have = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = floeSearchAttributes.filter((k) => !have.has(k.name));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, typeOf[k.type]])),
    });
  } catch (err) {
    // Someone (floe stack up, another worker) registered them meanwhile: fine if all are there now.
    const again = await connection.operatorService.listSearchAttributes({ namespace });
    const now = new Set(Object.keys(again.customAttributes ?? {}));
    const still = missing.filter((k) => !now.has(k.name)).map((k) => k.name);
    if (still.length > 0) {
      throw new Error(`registering search attributes ${still.join(', ')} in namespace ${namespace} failed: ${(err as Error).message}`);
    }
    return [];
  }
  return missing.map((k) => k.name);
}
