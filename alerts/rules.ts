// Threshold rules: which reading, which way, how far, how long, how bad. Loaded from a JSON file
// (deploy/alerts.json by default, FLOE_ALERTS_RULES_FILE) and validated at load: an error names
// the file and the field (`rules[3].clear`) and says what was wrong.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEVICE_SENSORS, DEVICE_TYPES, SENSOR_NAMES, type SensorName } from '../models/sensors.js';

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const levels = {
  threshold: z.number().finite(),
  clear: z.number().finite(),
};

const override = z
  .object({
    device_type: z.enum(DEVICE_TYPES).optional(),
    building_id: z.string().min(1).optional(),
    ...levels,
    severity: z.enum(SEVERITIES).optional(),
    for_seconds: z.number().int().min(0).optional(),
    description: z.string().optional(),
  })
  .strict()
  .refine((o) => o.device_type !== undefined || o.building_id !== undefined, { message: 'an override needs device_type or building_id (or both)' });

const rule = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a lowercase id: letters, digits, - and _'),
    reading: z.enum(SENSOR_NAMES),
    direction: z.enum(['above', 'below']),
    ...levels,
    severity: z.enum(SEVERITIES),
    /** The reading must stay past the threshold this long (event time) before the alert opens. */
    for_seconds: z.number().int().min(0),
    /** The reading must stay back past `clear` this long before the alert closes (default 0). */
    clear_for_seconds: z.number().int().min(0).default(0),
    description: z.string().optional(),
    overrides: z.array(override).default([]),
  })
  .strict();

const rulesFile = z
  .object({
    version: z.literal(1),
    rules: z.array(rule).min(1),
  })
  .strict();

export type RuleSpec = z.output<typeof rule>;
export type RulesFile = z.output<typeof rulesFile>;

/** The levels a rule applies to one device, after its overrides. */
export interface EffectiveRule {
  ruleId: string;
  reading: SensorName;
  direction: 'above' | 'below';
  threshold: number;
  clear: number;
  severity: Severity;
  forMicros: bigint;
  clearForMicros: bigint;
}

export class RulesError extends Error {
  override name = 'RulesError';
}

function hysteresisIssue(direction: 'above' | 'below', threshold: number, clear: number): string | undefined {
  if (direction === 'above' && !(clear <= threshold)) return `must be at or below threshold ${threshold} for an "above" rule (hysteresis)`;
  if (direction === 'below' && !(clear >= threshold)) return `must be at or above threshold ${threshold} for a "below" rule (hysteresis)`;
  return undefined;
}

/** Checks what zod's shapes cannot: unique ids, hysteresis direction, readings the device type has. */
function semanticIssues(f: RulesFile): string[] {
  const issues: string[] = [];
  const seen = new Set<string>();
  f.rules.forEach((r, i) => {
    if (seen.has(r.id)) issues.push(`rules[${i}].id: ${JSON.stringify(r.id)} is used by an earlier rule`);
    seen.add(r.id);
    const h = hysteresisIssue(r.direction, r.threshold, r.clear);
    if (h) issues.push(`rules[${i}].clear: ${h}`);
    r.overrides.forEach((o, j) => {
      const oh = hysteresisIssue(r.direction, o.threshold, o.clear);
      if (oh) issues.push(`rules[${i}].overrides[${j}].clear: ${oh}`);
      if (o.device_type && !DEVICE_SENSORS[o.device_type].includes(r.reading)) {
        issues.push(`rules[${i}].overrides[${j}].device_type: ${o.device_type} does not report ${r.reading}`);
      }
    });
  });
  return issues;
}

/** Validates parsed JSON as a rules file; `source` names it in errors. */
export function parseRules(json: unknown, source: string): RulesFile {
  const parsed = rulesFile.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
    throw new RulesError(`invalid alert rules in ${source}:\n  ${lines.join('\n  ')}`);
  }
  const issues = semanticIssues(parsed.data);
  if (issues.length) throw new RulesError(`invalid alert rules in ${source}:\n  ${issues.join('\n  ')}`);
  return parsed.data;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (!path.length) return '(file)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

export function loadRules(file: string): RulesFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RulesError(`cannot read alert rules file ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RulesError(`alert rules file ${file} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseRules(json, file);
}

/**
 * The rule as it applies to a device. The first override matching the device wins; an override
 * naming both device_type and building_id matches only devices with both, so list the most
 * specific overrides first.
 */
export function effectiveRule(r: RuleSpec, device: { device_type: string; building_id: string }): EffectiveRule {
  const o = r.overrides.find((x) => (x.device_type === undefined || x.device_type === device.device_type) && (x.building_id === undefined || x.building_id === device.building_id));
  const forSeconds = o?.for_seconds ?? r.for_seconds;
  return {
    ruleId: r.id,
    reading: r.reading,
    direction: r.direction,
    threshold: o?.threshold ?? r.threshold,
    clear: o?.clear ?? r.clear,
    severity: o?.severity ?? r.severity,
    forMicros: BigInt(forSeconds) * 1_000_000n,
    clearForMicros: BigInt(r.clear_for_seconds) * 1_000_000n,
  };
}

/** Readings any rule needs, in the order of SENSOR_NAMES (the RAW columns to read). */
export function readingsOf(f: RulesFile): SensorName[] {
  const used = new Set(f.rules.map((r) => r.reading));
  return SENSOR_NAMES.filter((n) => used.has(n));
}

/** A short fingerprint of the rules, kept with each evaluation so a rules change is visible in history. */
export function rulesFingerprint(f: RulesFile): string {
  let h = 0x811c9dc5;
  for (const ch of JSON.stringify(f)) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
