// The device registry as ingestion sees it: device ids read from the registry topic (key =
// device id; a null value is a tombstone that removes the device). Kept incrementally: each
// refresh reads only what was appended since the last one.
import type { RangeReader } from './kafka.js';
import type { DeviceLookup } from '../models/telemetry.js';
import { applyRegistryMessage, type DeviceRecord } from '../models/deviceRegistry.js';

export class TopicDeviceRegistry implements DeviceLookup {
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly positions = new Map<number, number>();
  /** Registry messages that broke the registry contract (skipped), most recent last. */
  readonly invalid: string[] = [];
  #version = 0;

  constructor(
    private readonly reader: RangeReader,
    readonly topic: string,
  ) {}

  has(deviceId: string): boolean {
    return this.devices.has(deviceId);
  }

  get size(): number {
    return this.devices.size;
  }

  /** Changes whenever a refresh read registry messages (the native addon's copy of the ids follows it). */
  get version(): number {
    return this.#version;
  }

  ids(): Iterable<string> {
    return this.devices.keys();
  }

  /** Reads registry messages appended since the last refresh. */
  async refresh(): Promise<void> {
    const marks = await this.reader.watermarks(this.topic);
    const ranges = marks
      .map((w) => ({ partition: w.partition, from: Math.max(this.positions.get(w.partition) ?? w.low, w.low), to: w.high }))
      .filter((r) => r.to > r.from);
    if (ranges.length === 0) return;
    const messages = await this.reader.readRanges(this.topic, ranges);
    for (const m of messages) {
      if (!m.key) {
        this.invalid.push(`${this.topic}/${m.partition}@${m.offset}: message has no key`);
        continue;
      }
      try {
        applyRegistryMessage(this.devices, m.key.toString('utf8'), m.value);
      } catch (err) {
        // A broken registry message must not stop telemetry ingestion; the device it names stays
        // as it was, and its telemetry lands in the DLQ as unknown_device if it never registered.
        this.invalid.push(`${this.topic}/${m.partition}@${m.offset}: ${(err as Error).message}`);
        if (this.invalid.length > 100) this.invalid.shift();
      }
    }
    for (const r of ranges) this.positions.set(r.partition, r.to);
    this.#version++;
  }
}
