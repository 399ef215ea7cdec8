// Every SQL model and its declaration, in one list: the runner, the tests and the generated
// docs read the lineage (RAW -> SILVER -> GOLD) from here, never from anywhere else.
import { inDependencyOrder, loadModel, type Model } from '../transform/model.js';
import silverTelemetry from './silver/telemetry.js';
import dimDevices from './gold/dim_devices.js';
import dailyDeviceMetrics from './gold/daily_device_metrics.js';
import deviceHealthSummary from './gold/device_health_summary.js';
import hourlySensorAggregates from './gold/hourly_sensor_aggregates.js';
import buildingEnergyDashboard from './gold/building_energy_dashboard.js';
import checkResults from './dq/check_results.js';

const declarations: { decl: unknown; dir: URL }[] = [
  { decl: silverTelemetry, dir: new URL('./silver/', import.meta.url) },
  { decl: dimDevices, dir: new URL('./gold/', import.meta.url) },
  { decl: dailyDeviceMetrics, dir: new URL('./gold/', import.meta.url) },
  { decl: deviceHealthSummary, dir: new URL('./gold/', import.meta.url) },
  { decl: hourlySensorAggregates, dir: new URL('./gold/', import.meta.url) },
  { decl: buildingEnergyDashboard, dir: new URL('./gold/', import.meta.url) },
  { decl: checkResults, dir: new URL('./dq/', import.meta.url) },
];

let loaded: Model[] | undefined;

/** Every model, validated (a ModelError names the model and field), in dependency order. */
export function loadModels(): Model[] {
  loaded ??= inDependencyOrder(declarations.map((d) => loadModel(d.decl, d.dir)));
  return loaded;
}

export function modelByName(name: string): Model {
  const m = loadModels().find((x) => x.name === name);
  if (!m) throw new Error(`no model named ${JSON.stringify(name)}; models: ${loadModels().map((x) => x.name).join(', ')}`);
  return m;
}

export interface ModelLineage {
  name: string;
  layer: string;
  doc: string;
  inputs: string[];
  partitionBy: string | null;
  columns: { id: number; name: string; type: string; required: boolean; doc: string }[];
  checks: { name: string; kind: string; severity: string; doc?: string }[];
}

/** Models with their inputs, columns and checks: what generated docs and lineage graphs read. */
export function modelCatalog(): ModelLineage[] {
  return loadModels().map((m) => ({
    name: m.name,
    layer: m.layer,
    doc: m.doc,
    inputs: [...m.inputs],
    partitionBy: m.partitionBy ? `${m.partitionBy.transform}(${m.partitionBy.column})` : null,
    columns: m.columns.map((c) => ({ id: c.id, name: c.name, type: c.type, required: c.required ?? false, doc: c.doc })),
    checks: m.checks.map((c) => ({ name: c.name, kind: c.kind, severity: c.severity, ...(c.doc ? { doc: c.doc } : {}) })),
  }));
}
