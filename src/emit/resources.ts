// How each kind of backing resource runs in a container: image, port, data folder, health command and
// the URL services use. Shared by the compose and Kubernetes emitters.
import type { ResolvedResource } from "../project/resolve.js";

/** The container-side facts of one resource kind. */
export interface ResourceRuntime {
  image: string;
  port: number;
  dataDir: string;
  command?: string[];
  environment: Record<string, string>;
  /** Names of secret variables the resource needs (values from the environment at apply time). */
  secrets: string[];
  health: string[];
  url(host: string): string;
}

/** Container facts for a resource; the version picks the image tag. */
export function resourceRuntime(resource: ResolvedResource): ResourceRuntime {
  const secretName = `${resource.name.toUpperCase().replace(/-/g, "_")}_PASSWORD`;
  switch (resource.kind) {
    case "redis":
      return {
        image: `redis:${resource.version ?? "7.4"}-alpine`,
        port: 6379,
        dataDir: "/data",
        command: ["redis-server", "--appendonly", "yes"],
        environment: {},
        secrets: [],
        health: ["redis-cli", "ping"],
        url: (host) => `redis://${host}:6379`,
      };
    case "postgres":
      return {
        image: `postgres:${resource.version ?? "16"}-alpine`,
        port: 5432,
        dataDir: "/var/lib/postgresql/data",
        environment: {
          POSTGRES_USER: "agentctl",
          POSTGRES_DB: "agentctl",
          PGDATA: "/var/lib/postgresql/data/pgdata",
        },
        secrets: [secretName],
        health: ["pg_isready", "-U", "agentctl", "-d", "agentctl"],
        url: (host) => `postgres://agentctl@${host}:5432/agentctl`,
      };
    case "nats":
      return {
        image: `nats:${resource.version ?? "2.10"}-alpine`,
        port: 4222,
        dataDir: "/data",
        command: ["nats-server", "--jetstream", "--store_dir", "/data", "--http_port", "8222"],
        environment: {},
        secrets: [],
        health: ["wget", "-q", "-O", "-", "http://127.0.0.1:8222/healthz"],
        url: (host) => `nats://${host}:4222`,
      };
    case "kafka":
      return {
        image: `apache/kafka:${resource.version ?? "3.8.0"}`,
        port: 9092,
        dataDir: "/var/lib/kafka/data",
        environment: {
          KAFKA_NODE_ID: "1",
          KAFKA_PROCESS_ROLES: "broker,controller",
          KAFKA_LISTENERS: "PLAINTEXT://:9092,CONTROLLER://:9093",
          KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${resource.name}:9092`,
          KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
          KAFKA_CONTROLLER_QUORUM_VOTERS: "1@localhost:9093",
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
          KAFKA_LOG_DIRS: "/var/lib/kafka/data",
        },
        secrets: [],
        health: ["/opt/kafka/bin/kafka-broker-api-versions.sh", "--bootstrap-server", "127.0.0.1:9092"],
        url: (host) => `${host}:9092`,
      };
  }
}
