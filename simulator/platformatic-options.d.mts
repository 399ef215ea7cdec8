import type { ProducerOptions } from '@platformatic/kafka';

/** Acks from all replicas, Java-compatible murmur2 partitioning, no topic auto-creation, 8 retries 200 ms apart, string headers. */
export declare function producerOptions(brokers: string[], compression: 'none' | 'gzip' | 'lz4' | 'snappy', clientId: string): ProducerOptions<Buffer, Buffer, string, string>;
