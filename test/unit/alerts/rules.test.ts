import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { effectiveRule, loadRules, parseRules, readingsOf, RulesError } from '../../../alerts/rules.js';
import { loadConfig } from '../../../deploy/config.js';

const base = { id: 't-high', reading: 'temperature', direction: 'above', threshold: 30, clear: 28, severity: 'warning', for_seconds: 60 };

function errorOf(json: unknown): string {
  try {
    parseRules(json, 'rules.json');
  } catch (e) {
    expect(e).toBeInstanceOf(RulesError);
    return (e as Error).message;
  }
  throw new Error('expected the rules to be rejected');
}

describe('alert rules', () => {
  it('the shipped rules file (deploy/alerts.json) is valid', () => {
    const rules = loadRules(loadConfig({}).alerts.rulesFile);
    expect(rules.rules.length).toBeGreaterThan(5);
    expect(readingsOf(rules)).toContain('temperature');
  });

  it('names the field and says what is wrong', () => {
    expect(errorOf({ version: 1, rules: [{ ...base, reading: 'temprature' }] })).toMatch(/rules\[0\]\.reading: .*temperature/);
    expect(errorOf({ version: 1, rules: [{ ...base, clear: 31 }] })).toContain('rules[0].clear: must be at or below threshold 30');
    expect(errorOf({ version: 1, rules: [{ ...base, direction: 'below', clear: 28 }] })).toContain('rules[0].clear: must be at or above threshold 30');
    expect(errorOf({ version: 1, rules: [base, base] })).toContain('rules[1].id: "t-high" is used by an earlier rule');
    expect(errorOf({ version: 1, rules: [{ ...base, for_seconds: -1 }] })).toContain('rules[0].for_seconds');
    expect(errorOf({ version: 1, rules: [{ ...base, severity: 'bad' }] })).toContain('rules[0].severity');
    expect(errorOf({ version: 1, rules: [{ ...base, treshold: 3 }] })).toMatch(/rules\[0\].*treshold/);
    expect(errorOf({ version: 1, rules: [{ ...base, overrides: [{ threshold: 40, clear: 38 }] }] })).toContain('rules[0].overrides[0]: an override needs device_type or building_id');
    expect(errorOf({ version: 1, rules: [{ ...base, overrides: [{ device_type: 'power_meter', threshold: 40, clear: 38 }] }] })).toContain('rules[0].overrides[0].device_type: power_meter does not report temperature');
    expect(errorOf({ version: 2, rules: [base] })).toContain('version');
    expect(errorOf({ version: 1, rules: [] })).toContain('rules');
  });

  it('a file that is missing or not JSON is named in the error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-rules-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ nope');
    expect(() => loadRules(bad)).toThrow(new RegExp(`alert rules file ${bad} is not JSON`));
    expect(() => loadRules(join(dir, 'missing.json'))).toThrow(/cannot read alert rules file .*missing\.json/);
  });

  it('the first matching override applies; device type and building can combine', () => {
    const f = parseRules({
      version: 1,
      rules: [{
        ...base,
        overrides: [
          { device_type: 'hvac_unit', building_id: 'bldg-002', threshold: 50, clear: 45, severity: 'critical' },
          { device_type: 'hvac_unit', threshold: 40, clear: 37 },
          { building_id: 'bldg-002', threshold: 25, clear: 24, for_seconds: 0 },
        ],
      }],
    }, 'x');
    const r = f.rules[0]!;
    expect(effectiveRule(r, { device_type: 'hvac_unit', building_id: 'bldg-002' })).toMatchObject({ threshold: 50, clear: 45, severity: 'critical', forMicros: 60_000_000n });
    expect(effectiveRule(r, { device_type: 'hvac_unit', building_id: 'bldg-001' })).toMatchObject({ threshold: 40, clear: 37, severity: 'warning' });
    expect(effectiveRule(r, { device_type: 'environmental_sensor', building_id: 'bldg-002' })).toMatchObject({ threshold: 25, forMicros: 0n });
    expect(effectiveRule(r, { device_type: 'environmental_sensor', building_id: 'bldg-001' })).toMatchObject({ threshold: 30, clear: 28 });
  });
});
