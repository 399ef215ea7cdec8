// The documented tables and the lineage graph between them. SQL models bring their own inputs
// (models/catalog.ts: the declarations the runner executes); the tables written by code declare
// theirs here, once: ingestion writes RAW and DLQ from the telemetry topic, the alerts workflow
// evaluates RAW batches into the alert tables. Kafka topics are the graph's sources.
import type { FloeConfig } from '../deploy/config.js';
import { modelByName, modelCatalog, type ModelLineage } from '../models/catalog.js';
import type { CheckDef } from '../transform/model.js';
import { RAW_TELEMETRY, RAW_TELEMETRY_DLQ, type TableDef } from '../models/tables.js';
import { alertEventsTable, alertStateTable } from '../alerts/tables.js';

export interface DocColumn {
  id: number;
  name: string;
  type: string;
  required: boolean;
  doc: string;
}

export interface DocCheck {
  name: string;
  kind: string;
  severity: string;
  doc?: string;
  /** What the check asserts, from its declaration. */
  rule: string;
}

export interface DocTable {
  /** Logical name, `<layer>.<table>` (what lineage and check results use). */
  id: string;
  layer: 'raw' | 'silver' | 'gold' | 'dq' | 'alerts';
  /** Where it lives in the catalog with the current configuration. */
  physical: string;
  doc: string;
  writtenBy: string;
  partitioning: string;
  columns: DocColumn[];
  checks: DocCheck[];
  inputs: string[];
  /** The model's SQL (empty for tables written by code). */
  sql: string;
  /** Inputs that are the table's own previous state (`previous.<table>`): not edges. */
  readsPrevious: boolean;
}

export interface LineageNode {
  id: string;
  label: string;
  kind: 'topic' | DocTable['layer'];
}

export interface LineageGraph {
  nodes: LineageNode[];
  /** from -> to: `to` reads `from`. */
  edges: { from: string; to: string }[];
}

/** Inputs of the tables written by code rather than by a SQL model. */
const INGESTION_INPUTS = ['kafka.telemetry'];
const ALERT_INPUTS = ['raw.telemetry'];

function fromTableDef(def: TableDef, id: string, layer: DocTable['layer'], writtenBy: string, inputs: string[]): DocTable {
  return {
    id,
    layer,
    physical: `${def.namespace}.${def.name}`,
    doc: def.doc,
    writtenBy,
    partitioning: def.partitionSpec.length ? def.partitionSpec.map((p) => `${p.transform}(${p.sourceColumn})`).join(', ') : 'unpartitioned',
    columns: def.columns.map((c) => ({ id: c.id, name: c.name, type: c.type, required: c.required, doc: c.doc ?? '' })),
    checks: [],
    inputs,
    sql: '',
    readsPrevious: false,
  };
}

function ruleOf(c: CheckDef): string {
  switch (c.kind) {
    case 'not_null':
      return `${c.columns.join(', ')} not null`;
    case 'unique':
      return `(${c.columns.join(', ')}) unique`;
    case 'accepted_range':
      return `${c.min ?? '-inf'} <= ${c.column} <= ${c.max ?? '+inf'}`;
    case 'relationship':
      return `${c.column} exists in ${c.to}.${c.field}`;
    case 'expression':
      return `${c.sql}  passes when observed ${c.op} ${c.threshold}`;
    case 'builtin':
      return `${c.builtin}, threshold ${c.threshold}`;
  }
}

function fromModel(m: ModelLineage, config: FloeConfig): DocTable {
  const t = config.transform;
  const ns = { silver: t.silverNamespace, gold: t.goldNamespace, dq: t.dqNamespace }[m.layer as 'silver' | 'gold' | 'dq'];
  const table = m.name.slice(m.name.indexOf('.') + 1);
  return {
    id: m.name,
    layer: m.layer as DocTable['layer'],
    physical: `${ns}.${table}`,
    doc: m.doc,
    writtenBy: m.layer === 'dq' ? 'the transform runner (checks), beside the models' : `SQL model models/${m.layer}/${table}.sql, by the transform workflow`,
    partitioning: m.partitionBy ?? 'unpartitioned',
    columns: m.columns,
    checks: modelByName(m.name).checks.map((c) => ({ name: c.name, kind: c.kind, severity: c.severity, ...(c.doc ? { doc: c.doc } : {}), rule: ruleOf(c) })),
    inputs: m.inputs.filter((i) => !i.startsWith('previous.')),
    sql: modelByName(m.name).sqlText,
    readsPrevious: m.inputs.some((i) => i.startsWith('previous.')),
  };
}

/** Every table floe writes, in lineage order: RAW, DLQ, the models, the alert tables. */
export function documentedTables(config: FloeConfig): DocTable[] {
  const raw = { ...RAW_TELEMETRY, namespace: config.ingest.rawNamespace };
  const dlq = { ...RAW_TELEMETRY_DLQ, namespace: config.ingest.rawNamespace };
  return [
    fromTableDef(raw, 'raw.telemetry', 'raw', 'the ingest workflow (exactly once from Kafka)', INGESTION_INPUTS),
    fromTableDef(dlq, 'raw.telemetry_dlq', 'raw', 'the ingest workflow (messages failing the contract)', INGESTION_INPUTS),
    ...modelCatalog().map((m) => fromModel(m, config)),
    fromTableDef(alertEventsTable(config.alerts.namespace), 'alerts.alerts', 'alerts', 'the alerts workflow, per evaluated RAW batch', ALERT_INPUTS),
    fromTableDef(alertStateTable(config.alerts.namespace), 'alerts.alert_state', 'alerts', 'the alerts workflow, per evaluated RAW batch', ALERT_INPUTS),
  ];
}

const TOPIC_OF: Record<string, (c: FloeConfig) => string> = {
  'kafka.telemetry': (c) => c.kafka.telemetryTopic,
  'kafka.device_registry': (c) => c.kafka.registryTopic,
};

/** The lineage graph: one edge per declared input; an input that is no known table or topic is an error. */
export function lineageGraph(tables: readonly DocTable[], config: FloeConfig): LineageGraph {
  const nodes: LineageNode[] = [];
  const known = new Set(tables.map((t) => t.id));
  for (const t of tables) {
    for (const i of t.inputs) {
      if (known.has(i) || nodes.some((n) => n.id === i)) continue;
      const topic = TOPIC_OF[i];
      if (!topic) throw new Error(`lineage: table ${t.id} reads ${JSON.stringify(i)}, which is neither a documented table nor a known Kafka topic`);
      nodes.push({ id: i, label: `topic ${topic(config)}`, kind: 'topic' });
    }
  }
  nodes.push(...tables.map((t) => ({ id: t.id, label: t.id, kind: t.layer })));
  const edges = tables.flatMap((t) => t.inputs.map((from) => ({ from, to: t.id })));
  return { nodes, edges };
}

/** Depth of each node: 0 for sources, else one more than its deepest input. */
export function depths(g: LineageGraph): Map<string, number> {
  const inputs = new Map<string, string[]>();
  for (const e of g.edges) inputs.set(e.to, [...(inputs.get(e.to) ?? []), e.from]);
  const depth = new Map<string, number>();
  const visit = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) throw new Error(`lineage: cycle through ${id}`);
    seen.add(id);
    const d = Math.max(-1, ...(inputs.get(id) ?? []).map((i) => visit(i, seen))) + 1;
    depth.set(id, d);
    return d;
  };
  for (const n of g.nodes) visit(n.id, new Set());
  return depth;
}
