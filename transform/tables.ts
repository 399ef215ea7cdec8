// Creates the namespaces and tables every model writes, on main, before a run forks its branch:
// tables created on a run branch would conflict when two runs merge.
import { ConflictError, NotFoundError, type Lake } from '../lake/index.js';
import type { Schema } from '../lake/index.js';
import { loadModels } from '../models/catalog.js';
import { tableOf, type TransformSettings } from './context.js';
import type { Model } from './model.js';

export function schemaOfModel(model: Model): Schema {
  return {
    schemaId: 0,
    fields: model.columns.map((c) => ({ id: c.id, name: c.name, type: c.type, required: c.required ?? false, doc: c.doc })),
  };
}

export async function ensureTables(lake: Lake, s: TransformSettings): Promise<void> {
  const models = loadModels();
  for (const ns of new Set(models.map((m) => s.namespaces[m.layer]))) await lake.createNamespace(ns, { branch: s.mainBranch });
  for (const m of models) {
    const ident = tableOf(s, m);
    try {
      await lake.loadTable(ident, s.mainBranch);
      continue;
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
    try {
      await lake.createTable(
        ident,
        schemaOfModel(m),
        m.partitionBy ? [{ column: m.partitionBy.column, transform: m.partitionBy.transform }] : [],
        m.sortBy.map((column) => ({ column })),
        { 'write.format.default': 'parquet', comment: m.doc.split('\n')[0]!, 'floe.layer': m.layer, 'floe.model': m.name },
        { branch: s.mainBranch, message: `create table ${ident} (model ${m.name})` },
      );
    } catch (e) {
      // Created at the same moment by another run: the state we wanted.
      if (!(e instanceof ConflictError)) throw e;
    }
  }
}
