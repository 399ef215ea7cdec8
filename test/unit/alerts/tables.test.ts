import { describe, expect, it } from 'vitest';
import { alertEventsTable, alertStateTable } from '../../../alerts/tables.js';
import { listAlertsSql } from '../../../alerts/list.js';

describe('alert tables', () => {
  it('field ids never move (append only)', () => {
    expect(alertEventsTable('gold').columns.map((c) => `${c.id}:${c.name}:${c.type}`)).toMatchInlineSnapshot(`
      [
        "1:event_id:string",
        "2:alert_id:string",
        "3:kind:string",
        "4:seq:long",
        "5:rule_id:string",
        "6:reading:string",
        "7:direction:string",
        "8:severity:string",
        "9:threshold:double",
        "10:clear_threshold:double",
        "11:device_id:string",
        "12:device_type:string",
        "13:building_id:string",
        "14:floor:int",
        "15:zone:string",
        "16:value:double",
        "17:peak:double",
        "18:event_ts:timestamptz",
        "19:breach_since:timestamptz",
        "20:opened_at:timestamptz",
        "21:closed_at:timestamptz",
        "22:trigger_event_id:string",
        "23:raw_snapshot_id:long",
        "24:stream:string",
        "25:evaluated_at:timestamptz",
      ]
    `);
    expect(alertStateTable('gold').columns.map((c) => `${c.id}:${c.name}:${c.type}`)).toMatchInlineSnapshot(`
      [
        "1:rule_id:string",
        "2:device_id:string",
        "3:phase:string",
        "4:breach_since:timestamptz",
        "5:opened_at:timestamptz",
        "6:alert_id:string",
        "7:recover_since:timestamptz",
        "8:last_ts:timestamptz",
        "9:peak:double",
        "10:device_type:string",
        "11:building_id:string",
        "12:floor:int",
        "13:zone:string",
        "14:stream:string",
      ]
    `);
  });

  it('ids are unique and every partition source is a column', () => {
    for (const t of [alertEventsTable('gold'), alertStateTable('gold')]) {
      expect(new Set(t.columns.map((c) => c.id)).size).toBe(t.columns.length);
      for (const p of t.partitionSpec) expect(t.columns.map((c) => c.name)).toContain(p.sourceColumn);
    }
  });
});

describe('listing alerts', () => {
  it('builds one row per alert from its open and close events', () => {
    const sql = listAlertsSql('gold', { open: true, since: '2026-01-10T00:00:00Z', limit: 5 });
    expect(sql).toContain("FROM gold.alerts o LEFT JOIN gold.alerts c ON c.alert_id = o.alert_id AND c.kind = 'close'");
    expect(sql).toContain('c.alert_id IS NULL');
    expect(sql).toContain("from_iso8601_timestamp('2026-01-10T00:00:00.000Z')");
    expect(sql).toContain('LIMIT 5');
    expect(() => listAlertsSql('gold', { since: 'yesterday' })).toThrow(/since must be an ISO 8601 instant, got "yesterday"/);
    expect(() => listAlertsSql('gold; drop', {})).toThrow(/lowercase identifier/);
  });
});
