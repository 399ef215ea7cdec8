"""Produces messages with librdkafka (confluent-kafka), as a non-floe producer would.

Reads JSON lines from stdin: {"partition": int, "key": str|null, "value_b64": str|null,
"compression": "none"|"gzip"|"snappy"|"lz4"|"zstd"}. Messages of one compression type go through
one producer, in order, each flushed before the next type starts, so offsets follow input order.
"""
import base64
import json
import sys

from confluent_kafka import Producer

brokers, topic = sys.argv[1], sys.argv[2]
groups = []
for line in sys.stdin:
    m = json.loads(line)
    if not groups or groups[-1][0] != m["compression"]:
        groups.append((m["compression"], []))
    groups[-1][1].append(m)

failed = []
for codec, messages in groups:
    p = Producer({
        "bootstrap.servers": brokers,
        "compression.type": codec,
        "enable.idempotence": True,
        "linger.ms": 20,
    })
    for m in messages:
        value = None if m["value_b64"] is None else base64.b64decode(m["value_b64"])
        key = None if m["key"] is None else m["key"].encode()
        p.produce(topic, value=value, key=key, partition=m["partition"],
                  on_delivery=lambda err, _msg: err and failed.append(str(err)))
        p.poll(0)
    left = p.flush(30)
    if left:
        failed.append(f"{left} {codec} messages not delivered in 30 s")
if failed:
    sys.exit("delivery failed: " + "; ".join(failed[:5]))
print(sum(len(ms) for _, ms in groups))
