import { murmur2 } from '@platformatic/kafka';

/** The partition the Java client (and every client here) picks for a key: murmur2, positive, modulo. */
export function keyPartition(key: Buffer, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
