// The @platformatic/kafka producer options of the simulator, shared by PlatformaticSink
// (kafka.ts, on the main thread) and its worker-thread variant (send-worker.mjs), so both
// produce exactly alike. Plain JavaScript because the worker imports it (a worker thread does
// not inherit the TypeScript loader of the main thread); types in platformatic-options.d.mts.
import { compatibilityPartitioner } from '@platformatic/kafka';

const toBuffer = (s) => (s === undefined ? undefined : Buffer.from(s));

export function producerOptions(brokers, compression, clientId) {
  return {
    clientId,
    bootstrapBrokers: brokers,
    acks: -1,
    compression,
    partitioner: compatibilityPartitioner,
    autocreateTopics: false,
    retries: 8,
    retryDelay: 200,
    serializers: { headerKey: toBuffer, headerValue: toBuffer },
  };
}
