import { describe, expect, it } from 'vitest';
import { loadModels, modelCatalog } from '../../../models/catalog.js';
import { RAW_TELEMETRY } from '../../../models/tables.js';
import silverTelemetry from '../../../models/silver/telemetry.js';
import { inDependencyOrder, loadModel, ModelError, type Model } from '../../../transform/model.js';
import { RAW_INPUT_COLUMNS } from '../../../transform/inputs.js';
import { splitStatements } from '../../../transform/runner.js';

const dir = new URL('../../../models/silver/', import.meta.url);

describe('model declarations', () => {
  it('every model validates and comes in dependency order (inputs first)', () => {
    const names = loadModels().map((m) => m.name);
    expect(names.indexOf('silver.telemetry')).toBeLessThan(names.indexOf('gold.daily_device_metrics'));
    expect(names.indexOf('gold.daily_device_metrics')).toBeLessThan(names.indexOf('gold.device_health_summary'));
    expect(names.indexOf('gold.dim_devices')).toBeLessThan(names.indexOf('gold.device_health_summary'));
    expect(names.at(-1)).toBe('dq.check_results');
  });

  it('the catalog lists each model with its inputs, columns and checks (lineage for docs)', () => {
    const health = modelCatalog().find((m) => m.name === 'gold.device_health_summary')!;
    expect(health.inputs).toEqual(['gold.daily_device_metrics', 'gold.dim_devices']);
    expect(health.partitionBy).toBe('identity(day)');
    expect(health.columns.find((c) => c.name === 'health_score')).toMatchObject({ type: 'double', required: true });
    expect(health.checks.map((c) => c.name)).toContain('health_score_range');
    expect(health.doc).toContain('250 x anomaly_rate');
    const lineage = modelCatalog().flatMap((m) => m.inputs.map((i) => `${i} -> ${m.name}`));
    expect(lineage).toContain('raw.telemetry -> silver.telemetry');
    expect(lineage).toContain('kafka.device_registry -> gold.dim_devices');
  });

  it('SILVER keeps RAW field ids for contract columns, and reads RAW metadata by its ids 900-903', () => {
    const silver = loadModels().find((m) => m.name === 'silver.telemetry')!;
    for (const c of RAW_TELEMETRY.columns.filter((x) => x.id < 900)) expect(silver.columns.find((s) => s.name === c.name)?.id).toBe(c.id);
    expect(RAW_TELEMETRY.columns.filter((c) => c.id >= 900).map((c) => c.id)).toEqual([900, 901, 902, 903]);
    expect(RAW_INPUT_COLUMNS.filter((c) => c.id >= 900).map((c) => c.name)).toEqual(['_kafka_topic', '_kafka_partition', '_kafka_offset', '_ingested_at']);
  });

  it.each([
    [{ ...silverTelemetry, columns: [...silverTelemetry.columns, { id: 1, name: 'dup_id', type: 'string', doc: 'x' }] }, 'model silver.telemetry: columns.34.id: field id 1 used twice'],
    [{ ...silverTelemetry, partitionBy: { column: 'nope', transform: 'day' } }, 'model silver.telemetry: partitionBy.column: nope is not a column'],
    [{ ...silverTelemetry, checks: [{ name: 'x', kind: 'not_null', columns: ['ghost'], severity: 'block' }] }, 'check x names column ghost, which is not a column'],
    [{ ...silverTelemetry, checks: [{ name: 'x', kind: 'not_null', columns: ['event_id'], severity: 'fatal' }] }, 'model "silver.telemetry": checks.0.severity'],
    [{ ...silverTelemetry, name: 'platinum.telemetry' }, 'model "platinum.telemetry": name: must be <silver|gold|dq>.<table>'],
    [{ ...silverTelemetry, sql: 'missing.sql' }, 'model silver.telemetry: sql: cannot read missing.sql'],
  ])('a declaration that does not validate is an error naming the model and field (%#)', (decl, message) => {
    expect(() => loadModel(decl, dir)).toThrow(ModelError);
    expect(() => loadModel(decl, dir)).toThrow(message);
  });

  it('inputs that form a cycle are an error naming the cycle', () => {
    const base = loadModels().find((m) => m.name === 'gold.daily_device_metrics')!;
    const a: Model = { ...base, name: 'gold.a', table: 'a', inputs: ['gold.b'] };
    const b: Model = { ...base, name: 'gold.b', table: 'b', inputs: ['gold.a'] };
    expect(() => inDependencyOrder([a, b])).toThrow('inputs form a cycle: gold.a -> gold.b -> gold.a');
  });
});

describe('model SQL statements', () => {
  it('splits at semicolons outside quotes and comments; the last statement is the query', () => {
    const sql = "-- a; comment\nCREATE TEMP TABLE t AS SELECT ';' AS x, \"a;b\" FROM y;\n/* b; */ SELECT 1 -- c;\n;\n-- trailing only\n";
    expect(splitStatements(sql)).toEqual(["-- a; comment\nCREATE TEMP TABLE t AS SELECT ';' AS x, \"a;b\" FROM y", '/* b; */ SELECT 1 -- c;']);
    expect(splitStatements('SELECT 1')).toEqual(['SELECT 1']);
    expect(splitStatements('-- nothing\n')).toEqual([]);
  });
});
