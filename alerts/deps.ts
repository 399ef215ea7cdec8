// Real clients for the alert activities, from the configuration.
import type { FloeConfig } from '../deploy/config.js';
import { createLake, lakeConfigFrom } from '../lake/index.js';
import type { AlertActivityDeps, AlertFaultHook } from '../activities/alerts.js';
import { createKafkaAlertPublisher } from './publish.js';
import { loadRules } from './rules.js';

export function createAlertDeps(config: FloeConfig, opts: { fault?: AlertFaultHook } = {}): AlertActivityDeps & { close(): Promise<void> } {
  const publisher = createKafkaAlertPublisher({ brokers: config.kafka.brokers, topic: config.alerts.topic, clientId: `floe-alerts-${config.env}` });
  return {
    lake: createLake(lakeConfigFrom(config)),
    branch: config.nessie.branch,
    namespace: config.alerts.namespace,
    env: config.env,
    rules: () => loadRules(config.alerts.rulesFile),
    publisher,
    ...(config.alerts.webhookUrl ? { webhookUrl: config.alerts.webhookUrl } : {}),
    pollMs: config.alerts.pollMs,
    ...(opts.fault ? { fault: opts.fault } : {}),
    close: () => publisher.close(),
  };
}
