import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../deploy/config.js';
import { parseSavedQuery, renderSavedQuery, savedQuery, UnknownSavedQueryError } from '../../../docs/queries.js';
import { DayError } from '../../../transform/day.js';

const config = loadConfig({ ...process.env, FLOE_SILVER_NAMESPACE: 's_ns', FLOE_GOLD_NAMESPACE: 'g_ns' });

describe('saved queries', () => {
  it('renders namespaces and the given day, without the header', () => {
    const sql = renderSavedQuery(savedQuery('maintenance_alerts'), config, '2025-03-01');
    expect(sql).toContain('FROM g_ns.device_health_summary h');
    expect(sql).toContain("WHERE h.day = DATE '2025-03-01'");
    expect(sql).not.toMatch(/\{\{|^--/m);
    expect(renderSavedQuery(savedQuery('device_status'), config)).toContain('FROM s_ns.telemetry');
  });

  it('without a day, queries the latest transformed day', () => {
    expect(renderSavedQuery(savedQuery('device_health'), config)).toContain('WHERE day = (SELECT max(day) FROM g_ns.daily_device_metrics)');
  });

  it('a bad day or an unknown name is an error naming it', () => {
    expect(() => renderSavedQuery(savedQuery('device_health'), config, '2025-3-1')).toThrow(DayError);
    expect(() => savedQuery('nope')).toThrow(UnknownSavedQueryError);
    expect(() => savedQuery('nope')).toThrow(/no saved query named "nope"; saved queries: anomaly_summary, .*maintenance_alerts/);
  });

  it('a file without a proper header is rejected naming the file', () => {
    expect(() => parseSavedQuery('x.sql', 'SELECT 1')).toThrow(/saved query x.sql: the first line must be a comment "-- x: <title>"/);
    expect(() => parseSavedQuery('x.sql', '-- y: Y\n-- about\nSELECT {{day}}')).toThrow(/the header names "y", the file "x"/);
    expect(() => parseSavedQuery('x.sql', '-- x: X\nSELECT {{day}}')).toThrow(/needs a description/);
    expect(() => parseSavedQuery('x.sql', '-- x: X\n-- about\nSELECT 1')).toThrow(/through \{\{day\}\}/);
    expect(parseSavedQuery('x.sql', '-- x: The X\n-- about\n-- it\nSELECT {{day}}')).toMatchObject({ name: 'x', title: 'The X', description: 'about it' });
  });
});
