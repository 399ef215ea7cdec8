"""Reads a floe table through Nessie's Iceberg REST endpoint with pyiceberg, as any Iceberg REST
client would. Prints {"columns": [...], "rows": n, "topics": [...]} as JSON.

argv: REST URI (http://host:port/iceberg/<branch>), S3 endpoint, table (namespace.name), topic.
S3 credentials come from the environment (FLOE_S3_ACCESS_KEY_ID, FLOE_S3_SECRET_ACCESS_KEY).
"""
import json
import os
import sys

from pyiceberg.catalog.rest import RestCatalog
from pyiceberg.expressions import EqualTo

uri, s3_endpoint, table_name, topic = sys.argv[1:5]
catalog = RestCatalog(
    "floe",
    uri=uri,
    **{
        "s3.endpoint": s3_endpoint,
        "s3.path-style-access": "true",
        "s3.access-key-id": os.environ["FLOE_S3_ACCESS_KEY_ID"],
        "s3.secret-access-key": os.environ["FLOE_S3_SECRET_ACCESS_KEY"],
        "s3.region": os.environ.get("FLOE_S3_REGION", "us-east-1"),
    },
)
table = catalog.load_table(table_name)
data = table.scan(row_filter=EqualTo("_kafka_topic", topic)).to_arrow()
print(json.dumps({
    "columns": table.schema().column_names,
    "rows": data.num_rows,
    "topics": sorted(set(data.column("_kafka_topic").to_pylist())),
    "event_ids": data.num_rows and len(set(data.column("event_id").to_pylist())) if "event_id" in data.column_names else None,
}))
