// One generated message, as the simulator's Kafka clients and its manifest see it.
import type { SensorName } from '../models/sensors.js';
import type { Label } from './scenarios.js';

/**
 * One generated message. Healthy events are kept as text (ASCII JSON) so a Kafka client can
 * encode them straight into its batch; `value` makes the bytes on demand.
 */
export class GeneratedMessage {
  private bytes: Buffer | undefined;

  constructor(
    readonly key: Buffer,
    /** The message as JSON text, or undefined when it exists only as bytes. */
    readonly text: string | undefined,
    bytes: Buffer | undefined,
    readonly contract: 'v1' | 'v2',
    readonly label: Label,
    /** Set for messages that must land in RAW. */
    readonly eventId?: string,
    /** For RAW-bound messages: readings outside their normal range. */
    readonly anomalies?: SensorName[],
    /** For invalid messages: the JSON path validation must report. */
    readonly expectedErrorPath?: string,
  ) {
    this.bytes = bytes;
  }

  static ofBytes(key: Buffer, value: Buffer, contract: 'v1' | 'v2', label: Label, expectedErrorPath: string): GeneratedMessage {
    return new GeneratedMessage(key, undefined, value, contract, label, undefined, undefined, expectedErrorPath);
  }

  /** The message bytes (UTF-8 of `text` for healthy events). */
  get value(): Buffer {
    return (this.bytes ??= Buffer.from(this.text!));
  }

  /** What goes on the wire: the text (for clients that encode strings in place), else the bytes. */
  get payload(): string | Buffer {
    return this.text ?? this.bytes!;
  }

  get byteLength(): number {
    return this.bytes ? this.bytes.length : Buffer.byteLength(this.text!);
  }

  /** The same message, resent under another label (the duplicate edge case). */
  relabel(label: Label): GeneratedMessage {
    return new GeneratedMessage(this.key, this.text, this.bytes, this.contract, label, this.eventId, this.anomalies, this.expectedErrorPath);
  }
}
