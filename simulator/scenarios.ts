// What `floe produce --scenario` means, as data (the seeds' five scenarios).

export const SCENARIOS = ['valid', 'invalid_schema', 'anomaly', 'edge_case', 'mixed'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Edge cases: odd but valid messages. They land in RAW. */
export const EDGE_KINDS = ['offline', 'stuck_sensor', 'battery_drain', 'late', 'duplicate', 'out_of_order', 'clock_skew'] as const;
export type EdgeKind = (typeof EDGE_KINDS)[number];

/** Contract violations. Each is rejected to the DLQ with the reject kind of the same name. */
export const INVALID_KINDS = ['malformed_json', 'missing_field', 'wrong_type', 'out_of_physical_range', 'unknown_device', 'oversized', 'not_utf8', 'empty'] as const;
export type InvalidKind = (typeof INVALID_KINDS)[number];

/** The group a message belongs to; `mixed` draws from all four. */
export type Group = 'valid' | 'anomaly' | 'edge_case' | 'invalid_schema';

/** The label of one generated message: its group and, for edge cases and invalid ones, the kind. */
export type Label =
  | { group: 'valid' }
  | { group: 'anomaly' }
  | { group: 'edge_case'; kind: EdgeKind }
  | { group: 'invalid_schema'; kind: InvalidKind };

/** The seed's mix: 70% valid, 30% issues (here split evenly between anomalies, edge cases and invalid messages). */
export const MIXED_SHARES: Readonly<Record<Group, number>> = { valid: 0.7, anomaly: 0.1, edge_case: 0.1, invalid_schema: 0.1 };

export function isScenario(s: string): s is Scenario {
  return (SCENARIOS as readonly string[]).includes(s);
}
