// What a model is, as data: a SQL file and its declaration (columns with docs and stable
// Iceberg field ids, partitioning, sort, inputs, checks, a given/expected fixture). The runner,
// the tests and the docs read these declarations; nothing else knows a model's shape.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const LAYERS = ['silver', 'gold', 'dq'] as const;
export type Layer = (typeof LAYERS)[number];
export const SEVERITIES = ['warn', 'block'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Checks whose observed value comes from outside one model's output (Kafka, RAW, baselines). */
export const BUILTIN_CHECKS = ['raw_dlq_equals_kafka', 'raw_to_silver_reconciliation', 'raw_freshness', 'anomaly_rate_vs_baseline', 'health_score_vs_baseline'] as const;
export type BuiltinCheck = (typeof BUILTIN_CHECKS)[number];

const ident = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase SQL identifier');
const icebergType = z.enum(['string', 'double', 'long', 'int', 'timestamptz', 'boolean', 'binary', 'date']);

export const ModelColumn = z.object({
  id: z.number().int().positive(),
  name: ident,
  type: icebergType,
  required: z.boolean().optional(),
  doc: z.string().min(1),
});
export type ModelColumn = z.infer<typeof ModelColumn>;

const checkBase = { name: ident, severity: z.enum(SEVERITIES), doc: z.string().optional() };
export const CheckDef = z.discriminatedUnion('kind', [
  z.object({ ...checkBase, kind: z.literal('not_null'), columns: z.array(ident).min(1) }),
  z.object({ ...checkBase, kind: z.literal('unique'), columns: z.array(ident).min(1) }),
  z.object({ ...checkBase, kind: z.literal('accepted_range'), column: ident, min: z.number().optional(), max: z.number().optional() }),
  z.object({ ...checkBase, kind: z.literal('relationship'), column: ident, to: z.string(), field: ident }),
  /** `sql` selects one row with a numeric `observed`; it passes when `observed <op> threshold`. */
  z.object({ ...checkBase, kind: z.literal('expression'), sql: z.string().min(1), op: z.enum(['<=', '>=', '=', '<', '>']), threshold: z.number() }),
  z.object({ ...checkBase, kind: z.literal('builtin'), builtin: z.enum(BUILTIN_CHECKS), threshold: z.number() }),
]);
export type CheckDef = z.infer<typeof CheckDef>;

export const ModelDecl = z.object({
  /** `<layer>.<table>`; the namespace of a layer comes from the configuration. */
  name: z.string().regex(/^(silver|gold|dq)\.[a-z_][a-z0-9_]*$/, 'must be <silver|gold|dq>.<table>'),
  doc: z.string().min(1),
  /** SQL file beside the declaration (absent for tables written by code, e.g. dq.check_results). */
  sql: z.string().optional(),
  /** 'day': the model's output is one day's partition; 'table': the whole table is replaced. */
  scope: z.enum(['day', 'table']),
  columns: z.array(ModelColumn).min(1),
  partitionBy: z.object({ column: ident, transform: z.enum(['day', 'identity']) }).nullable(),
  sortBy: z.array(ident),
  /**
   * A column of the first input and of the output such that each output row depends only on the
   * input rows with its value (a per-device model: `device_id`). The runner then runs the model
   * over ranges of that column, one at a time, and stacks the results, so its memory follows the
   * range, not the day.
   */
  chunkBy: ident.optional(),
  /** Tables, Kafka topics (`kafka.<name>`) or this table's state before the run (`previous.<table>`). */
  inputs: z.array(z.string().regex(/^(raw|silver|gold|kafka|previous)\.[a-z_][a-z0-9_]*$/, 'must be <raw|silver|gold|kafka|previous>.<name>')),
  /** Rows of the first input a model leaves out on purpose, by reason: `sql` counts them over that input. */
  drops: z.array(z.object({ reason: ident, sql: z.string().min(1) })).optional(),
  checks: z.array(CheckDef),
  fixture: z
    .object({
      day: z.string().regex(/^\d{4}-\d\d-\d\d$/),
      given: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
      expected: z.array(z.record(z.string(), z.unknown())),
    })
    .optional(),
});
export type ModelDecl = z.infer<typeof ModelDecl>;

export interface Model extends ModelDecl {
  layer: Layer;
  table: string;
  /** The SQL text (empty for code-written tables). */
  sqlText: string;
}

export class ModelError extends Error {
  override name = 'ModelError';
}

/** The DuckDB relation name an input is visible under inside model SQL: `silver.telemetry` -> `silver_telemetry`. */
export function relationOf(input: string): string {
  return input.replace('.', '_');
}

/** Validates a declaration (an error names the model and the field) and reads its SQL file. */
export function loadModel(decl: unknown, dir: URL): Model {
  const name = (decl as { name?: unknown })?.name;
  const parsed = ModelDecl.safeParse(decl);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new ModelError(`model ${JSON.stringify(name ?? '?')}: ${i.path.join('.') || '(declaration)'}: ${i.message}`);
  }
  const d = parsed.data;
  const fail = (field: string, why: string): never => {
    throw new ModelError(`model ${d.name}: ${field}: ${why}`);
  };
  const names = new Set<string>();
  const ids = new Set<number>();
  d.columns.forEach((c, i) => {
    if (names.has(c.name)) fail(`columns.${i}.name`, `column ${c.name} declared twice`);
    if (ids.has(c.id)) fail(`columns.${i}.id`, `field id ${c.id} used twice`);
    names.add(c.name);
    ids.add(c.id);
  });
  if (d.partitionBy && !names.has(d.partitionBy.column)) fail('partitionBy.column', `${d.partitionBy.column} is not a column`);
  if (d.scope === 'day' && !d.partitionBy) fail('partitionBy', 'a day-scoped model must be partitioned by its day');
  d.sortBy.forEach((c, i) => names.has(c) || fail(`sortBy.${i}`, `${c} is not a column`));
  if (d.chunkBy && !names.has(d.chunkBy)) fail('chunkBy', `${d.chunkBy} is not a column`);
  if (d.chunkBy && !d.inputs.length) fail('chunkBy', 'a chunked model needs an input to split');
  d.checks.forEach((c, i) => {
    const cols = c.kind === 'not_null' || c.kind === 'unique' ? c.columns : c.kind === 'accepted_range' || c.kind === 'relationship' ? [c.column] : [];
    cols.forEach((col) => names.has(col) || fail(`checks.${i}`, `check ${c.name} names column ${col}, which is not a column`));
  });
  let sqlText = '';
  if (d.sql) {
    try {
      sqlText = readFileSync(new URL(d.sql, dir), 'utf8');
    } catch (e) {
      fail('sql', `cannot read ${d.sql}: ${(e as Error).message}`);
    }
  }
  const [layer, table] = d.name.split('.') as [Layer, string];
  return { ...d, layer, table, sqlText };
}

/** Models in dependency order (inputs before the models that read them); a cycle is an error. */
export function inDependencyOrder(models: readonly Model[]): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const out: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (m: Model, path: string[]): void => {
    if (state.get(m.name) === 'done') return;
    if (state.get(m.name) === 'visiting') throw new ModelError(`model ${m.name}: inputs form a cycle: ${[...path, m.name].join(' -> ')}`);
    state.set(m.name, 'visiting');
    for (const i of m.inputs) {
      const dep = byName.get(i);
      if (dep) visit(dep, [...path, m.name]);
    }
    state.set(m.name, 'done');
    out.push(m);
  };
  for (const m of models) visit(m, []);
  return out;
}
