// The `mixed` scenario's fleet: most devices healthy, a few ailing, each with one ailment that
// lasts. A real fleet's faults sit on some devices (a stuck sensor stays stuck, a failing battery
// keeps failing); spread evenly over every device, the same share of faults would make every
// device look faulty at once. The shares of messages stay the seed's 70% valid and 30% issues.
import { EDGE_KINDS, MIXED_SHARES, type EdgeKind } from './scenarios.js';
import { Prng } from './prng.js';

/** What ails a device, and the share of the fleet's devices it ails. */
export const AILMENT_SHARES = { noisy: 0.2, stuck_sensor: 0.05, battery_drain: 0.05, offline: 0.05 } as const;
export type Ailment = keyof typeof AILMENT_SHARES;
export const AILMENTS = Object.keys(AILMENT_SHARES) as Ailment[];

/** Edge cases that are a device's own fault, drawn only on the devices with that ailment. */
export const FAULT_KINDS = ['stuck_sensor', 'battery_drain', 'offline'] as const satisfies readonly (EdgeKind & Ailment)[];
/** Edge cases of the network and clocks between device and Kafka: any device. */
export const TRANSPORT_KINDS = EDGE_KINDS.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));

/** Share of every device's messages that are anomalies; the noisy devices carry the rest. */
export const BACKGROUND_ANOMALY_SHARE = 0.01;

/**
 * Each device's ailment, by device index (undefined: healthy). Depends only on the fleet's size:
 * the same devices ail in every run of a fleet. Exact counts: round(share × devices) per ailment.
 */
export function assignAilments(devices: number): (Ailment | undefined)[] {
  const order = Array.from({ length: devices }, (_, i) => i);
  const rnd = new Prng(`floe-ailments:${devices}`);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rnd.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const out: (Ailment | undefined)[] = new Array(devices).fill(undefined);
  let next = 0;
  for (const a of AILMENTS) {
    const n = Math.round(AILMENT_SHARES[a] * devices);
    for (let k = 0; k < n && next < devices; k++) out[order[next++]!] = a;
  }
  return out;
}

/** One device's chance, per message, of each label group and edge kind in `mixed`. */
export interface DeviceMix {
  anomaly: number;
  invalid: number;
  /** Chance of each of TRANSPORT_KINDS together (one picked at random). */
  transport: number;
  faults: readonly (readonly [EdgeKind, number])[];
}

/**
 * The label chances of every device so that the fleet's shares are MIXED_SHARES: a fault kind
 * whose ailment no device has (a fleet too small) falls back to every device, as do anomalies.
 */
export function deviceMixes(ailments: readonly (Ailment | undefined)[]): DeviceMix[] {
  const n = ailments.length;
  const count = (a: Ailment) => ailments.filter((x) => x === a).length;
  const perKind = MIXED_SHARES.edge_case / EDGE_KINDS.length;
  const noisy = count('noisy');
  const faultCounts = FAULT_KINDS.map((k) => [k, count(k)] as const);
  return ailments.map((a) => ({
    anomaly: noisy === 0 ? MIXED_SHARES.anomaly : BACKGROUND_ANOMALY_SHARE + (a === 'noisy' ? ((MIXED_SHARES.anomaly - BACKGROUND_ANOMALY_SHARE) * n) / noisy : 0),
    invalid: MIXED_SHARES.invalid_schema,
    transport: perKind * TRANSPORT_KINDS.length,
    faults: faultCounts.map(([k, c]) => [k, c === 0 ? perKind : a === k ? (perKind * n) / c : 0] as const).filter(([, p]) => p > 0),
  }));
}

/** The device ids each ailment afflicts, in id order (for the run's manifest). */
export function ailingDeviceIds(ailments: readonly (Ailment | undefined)[], deviceIds: readonly string[]): Partial<Record<Ailment, string[]>> {
  const out: Partial<Record<Ailment, string[]>> = {};
  ailments.forEach((a, i) => {
    if (a) (out[a] ??= []).push(deviceIds[i]!);
  });
  for (const ids of Object.values(out)) ids.sort();
  return out;
}
