// SILVER over RAW as the transform reads it (Parquet files by field id, with each row's file
// position), where the fixture reads rows loaded from JavaScript: copies of an event in several
// files, and a data file committed twice (identical rows down to their Kafka position).
import { describe, expect, it } from 'vitest';
import { modelByName } from '../../../models/catalog.js';
import { parseDay } from '../../../transform/day.js';
import { quoteIdent, withDuck } from '../../../transform/duck.js';
import { FIXTURE_VARS } from '../../../transform/fixtures.js';
import { RAW_INPUT_COLUMNS } from '../../../transform/inputs.js';
import { loadRows } from '../../../transform/rows.js';
import { runModel } from '../../../transform/runner.js';

const silver = modelByName('silver.telemetry');
const given = silver.fixture!.given.raw_telemetry!;

describe('silver.telemetry over RAW data files', () => {
  it('keeps one copy of each event when a data file is committed twice', async () => {
    await withDuck({ memoryLimit: '256MB', threads: 2 }, async (duck) => {
      await loadRows(duck, 'given', given, RAW_INPUT_COLUMNS);
      const cols = RAW_INPUT_COLUMNS.map((c) => quoteIdent(c.name)).join(', ');
      const ids = `{${RAW_INPUT_COLUMNS.map((c) => `${quoteIdent(c.name)}: ${c.id}`).join(', ')}}`;
      const files = ['a', 'b'].map((n) => `${duck.dir}/${n}.parquet`);
      for (const f of files) await duck.run(`COPY (SELECT ${cols} FROM given) TO '${f}' (FORMAT parquet, FIELD_IDS ${ids})`);
      await duck.parquetView('raw_telemetry', files, RAW_INPUT_COLUMNS, { positions: true });
      await duck.run(`SET disabled_optimizers = 'build_side_probe_side'`);
      await runModel(duck, silver, { day: parseDay(silver.fixture!.day), ...FIXTURE_VARS });
      const rows = await duck.rows('SELECT event_id, _kafka_offset, duplicate_count FROM silver_telemetry ORDER BY event_id');
      expect(rows.map((r) => [r.event_id, Number(r._kafka_offset), r.duplicate_count])).toEqual([
        ['e1', 5, 4],
        ['e2', 6, 2],
        ['e3', 3, 4],
      ]);
    });
  });
});
