// Focused measurement of the Kafka fetch path (a helper, not a bench suite): produces N messages
// into a topic of its own once (`floe produce`, as bench/ingest.ts does), then reads them back
// with a range reader, reporting wall msg/s, this process's CPU (user, sys) per message, GC time,
// page faults, and optionally a V8 CPU profile with its top self-time functions.
//
//   node --import tsx bench/fetch-profile.ts [--client direct] [--count 400000] [--reps 3]
//        [--mode read|stream|decode] [--keep] [--profile out.cpuprofile] [--topic name]
//        [--pbytes partition fetch bytes] [--recycle]
//
// read: readRanges (all messages kept, as `npm run bench ingest` fetch-only measures); stream:
// streamRanges with a consumer that drops each chunk (as ingestion's pipelined path; --recycle
// passes { recycle: true }, as ingestion does, so response buffers are reused); decode:
// the raw Fetch responses fetched once, then only decodeFetchResponse timed over them (--keep
// keeps every message, as readRanges does).
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import kafkajs from 'kafkajs';
import { loadConfig } from '../deploy/config.js';
import { createKafkaRangeReader, FETCH_CLIENTS, type FetchClient } from '../ingest/kafka.js';
import { BrokerConnection } from '../ingest/kafka-connection.js';
import { decodeFetchResponse, encodeFetchRequest, messagesOf, FETCH_API_KEY, FETCH_VERSION } from '../ingest/kafka-fetch.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const count = Number(arg('count', '400000'));
const client = arg('client', 'direct') as FetchClient;
if (!FETCH_CLIENTS.includes(client)) {
  console.error(`--client ${client}: expected one of ${FETCH_CLIENTS.join(', ')}`);
  process.exit(2);
}
const reps = Number(arg('reps', '3'));
const mode = arg('mode', 'read');
const profileFile = arg('profile', '');
const recycle = process.argv.includes('--recycle');
const topic = arg('topic', `floe_fetchprof_${count}`);
const config = loadConfig({ ...process.env, FLOE_TELEMETRY_TOPIC: topic });
const brokers = config.kafka.brokers;

async function ensureTopic(): Promise<void> {
  const admin = new kafkajs.Kafka({ clientId: 'floe-fetchprof', brokers, logLevel: kafkajs.logLevel.ERROR }).admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) {
      const n = (await admin.fetchTopicOffsets(topic)).reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
      if (n >= count) return;
    } else {
      await admin.createTopics({ topics: [{ topic, numPartitions: config.kafka.telemetryPartitions, replicationFactor: 1 }], waitForLeaders: true });
    }
  } finally {
    await admin.disconnect();
  }
  console.log(`producing ${count} messages into ${topic}`);
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, [join(root, 'bin', 'floe.js'), 'produce', '--count', String(count), '--scenario', 'mixed', '--seed', '1', '--quiet', '--no-registry', '--client', 'platformatic'], { env: { ...process.env, FLOE_TELEMETRY_TOPIC: topic }, maxBuffer: 64 << 20 }, (err, _o, stderr) =>
      err ? reject(new Error(stderr)) : resolve(),
    ),
  );
}

async function startProfile(): Promise<(file: string) => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
    // Self time by function.
    const self = new Map<string, number>();
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const counts = new Map<number, number>();
    for (const s of profile.samples ?? []) counts.set(s, (counts.get(s) ?? 0) + 1);
    let total = 0;
    for (const [id, c] of counts) {
      const n = byId.get(id)!;
      const f = n.callFrame;
      const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + c);
      total += c;
    }
    console.log(`top self time (${total} samples):`);
    for (const [k, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${((100 * c) / total).toFixed(1).padStart(5)}%  ${k}`);
  };
}

let gcMs = 0;
let gcCount = 0;
/** Of which major (mark-compact) collections. */
let gcMajor = 0;
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) {
    gcMs += e.duration;
    gcCount++;
    if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gcMajor++;
  }
}).observe({ entryTypes: ['gc'] });

/** Decode only: the topic's Fetch responses fetched once and kept, then decoded `reps` times. */
async function decodeOnly(): Promise<void> {
  const [host, port] = brokers[0]!.split(':');
  const conn = await BrokerConnection.open(host!, Number(port), 'floe-fetch-profile');
  const bodies: Buffer[] = [];
  const next = new Map(Array.from({ length: config.kafka.telemetryPartitions }, (_, p) => [p, 0]));
  const pbytes = Number(arg('pbytes', String(2 << 20)));
  for (let more = true; more; ) {
    const body = await conn.request(FETCH_API_KEY, FETCH_VERSION, [encodeFetchRequest(topic, [...next].map(([partition, fetchOffset]) => ({ partition, fetchOffset })), { maxWaitMs: 0, minBytes: 1, maxBytes: 64 << 20, partitionMaxBytes: pbytes })]);
    more = false;
    for (const pf of decodeFetchResponse(body)) {
      if (pf.endOffset > next.get(pf.partition)!) {
        next.set(pf.partition, pf.endOffset);
        more = true;
      }
    }
    if (more) bodies.push(body);
  }
  conn.close();
  const keep = process.argv.includes('--keep');
  for (let rep = 0; rep < reps; rep++) {
    const kept: unknown[] = [];
    gcMs = 0;
    const c0 = process.cpuUsage();
    let n = 0;
    for (const b of bodies) {
      const r = decodeFetchResponse(b);
      for (const pf of r) n += messagesOf(pf).length;
      if (keep) kept.push(r);
    }
    const c = process.cpuUsage(c0);
    await new Promise((r) => setImmediate(r));
    console.log(`decode${keep ? ' (all kept)' : ''}: ${n} msgs in ${bodies.length} responses  cpu ${((c.user + c.system) / n).toFixed(3)} µs/msg  gc ${gcMs.toFixed(0)} ms`);
  }
}

await ensureTopic();
const stop = profileFile ? await startProfile() : undefined;
if (mode === 'decode') await decodeOnly();
for (let rep = 0; mode !== 'decode' && rep < reps; rep++) {
  const pbytes = arg('pbytes', '');
  const reader = createKafkaRangeReader({ brokers, fetchClient: client, ...(pbytes ? { partitionFetchBytes: Number(pbytes), streamPartitionFetchBytes: Number(pbytes) } : {}) });
  const marks = await reader.watermarks(topic);
  const ranges = marks.map((w) => ({ partition: w.partition, from: w.low, to: w.high }));
  gcMs = 0;
  gcCount = 0;
  gcMajor = 0;
  const t = performance.now();
  const c0 = process.cpuUsage();
  const r0 = process.resourceUsage();
  let n = 0;
  if (mode === 'stream') n = await reader.streamRanges!(topic, ranges, () => undefined, { recycle });
  else n = (await reader.readRanges(topic, ranges)).length;
  const c = process.cpuUsage(c0);
  const ms = performance.now() - t;
  const r1 = process.resourceUsage();
  await new Promise((r) => setImmediate(r));
  console.log(
    `${client} ${mode}${mode === 'stream' && recycle ? ' (recycle)' : ''}: ${n} msgs  ${Math.round(n / (ms / 1000))} msg/s  cpu ${(((c.user + c.system) / n)).toFixed(2)} µs/msg (user ${(c.user / n).toFixed(2)}, sys ${(c.system / n).toFixed(2)})  gc ${gcCount}x (${gcMajor} major) ${gcMs.toFixed(0)} ms  rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB  faults ${r1.minorPageFault - r0.minorPageFault}  ctxsw ${r1.voluntaryContextSwitches - r0.voluntaryContextSwitches}/${r1.involuntaryContextSwitches - r0.involuntaryContextSwitches}`,
  );
  await reader.close();
}
if (stop) await stop(profileFile);
