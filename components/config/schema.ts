// The typed stack configuration: what `Pulumi.<stack>.yaml` holds once validated.
// Raw YAML is parsed and checked in ./load.ts; everything downstream takes these types only.

/** How the program reaches a server's container engine. */
export type Engine =
    /** The engine at DOCKER_HOST on the machine running Pulumi (or the default socket). */
    | { readonly kind: "local" }
    /** A Unix socket on the machine running Pulumi, e.g. `unix:///run/podman/podman.sock`. */
    | { readonly kind: "unix"; readonly socketPath: string }
    /** A remote Docker engine over SSH, e.g. `ssh://deploy@203.0.113.10:22`. */
    | { readonly kind: "ssh"; readonly user: string; readonly host: string; readonly port: number };

/** A named place that runs containers. */
export interface ServerSpec {
    /** Name used in placement (`server1`), in resource names and outputs. */
    readonly name: string;
    /** The engine that runs this server's containers. */
    readonly engine: Engine;
    /**
     * The address other servers (and the machine running Pulumi) use to reach this server.
     * Services bind to it, and only to it.
     */
    readonly address: string;
}

export interface ZooKeeperSpec {
    readonly server: string;
    readonly port: number;
}

export interface BrokerSpec {
    /** Kafka `broker.id`; unique, positive. */
    readonly id: number;
    readonly server: string;
    readonly port: number;
    /** `brokers[i].config`: properties of this broker only, over `kafka.config`. */
    readonly config: Readonly<Record<string, string | number | boolean>>;
}

export interface KafkaSettings {
    /** Replication factor of every topic the stack creates and of Kafka's own topics. */
    readonly replicationFactor: number;
    /** `min.insync.replicas` for those topics (see README: why 1 with two brokers). */
    readonly minInsyncReplicas: number;
    /** `kafka.config`: broker properties the stack does not own, on every broker (./passThrough.ts). */
    readonly config: Readonly<Record<string, string | number | boolean>>;
}

/** Connector plugins a Connect cluster may add to the platform image's (components/platform/images.ts). */
export const CONNECT_PLUGINS = ["mariadb"] as const;
export type ConnectPlugin = (typeof CONNECT_PLUGINS)[number];

/** One distributed Connect cluster: its workers, REST port, group id and pass-through properties. */
export interface ConnectClusterSpec {
    /** `default` for the cluster `cdc-sync:connect` declares; the key under `connect.clusters` for the others. */
    readonly name: string;
    /** Servers that run one distributed-mode worker each. */
    readonly workers: readonly string[];
    readonly port: number;
    /** Kafka Connect `group.id`; also the prefix of its three internal topics. */
    readonly groupId: string;
    /** Worker properties the stack does not own (./passThrough.ts). */
    readonly config: Readonly<Record<string, string | number | boolean>>;
    /** Plugins its workers carry besides the platform image's (e.g. `mariadb`: Debezium's MariaDB source). */
    readonly plugins: readonly ConnectPlugin[];
    /**
     * Exactly-once source support (KIP-618): each source task writes its records and offsets in one Kafka
     * transaction, and a task's old generation is fenced before a new one starts. Default true
     * (docs/faults.md, "Exactly-once sources").
     */
    readonly exactlyOnce: boolean;
}

/**
 * `cdc-sync:connect`: the default cluster, and in `clusters` more of them (e.g. to keep JDBC sinks of different
 * SQL dialects apart, docs/topology-b.md "Known defect"). A pipeline runs on the default one unless it names
 * another (`pipelines[i].connect`).
 */
export interface ConnectSpec extends ConnectClusterSpec {
    /** The clusters besides the default one. */
    readonly clusters: readonly ConnectClusterSpec[];
}

/** JVM heap per role, as java flags (e.g. `-Xms256m -Xmx512m`). */
export interface HeapSettings {
    readonly zookeeper: string;
    readonly broker: string;
    readonly connect: string;
}

/** The platform every pipeline runs on: the servers, ZooKeeper, the brokers and the Connect cluster. */
/** `cdc-sync:images`: where the images the stack builds are built (components/docker/builds.ts). */
export interface ImageSettings {
    /** The engine that builds every image; each server's engine that lacks one gets it shipped from here. */
    readonly build: Engine;
}

export interface PlatformConfig {
    readonly servers: readonly ServerSpec[];
    readonly zookeeper: ZooKeeperSpec;
    readonly brokers: readonly BrokerSpec[];
    readonly kafka: KafkaSettings;
    readonly connect: ConnectSpec;
    readonly heap: HeapSettings;
    /** Where images are built; absent: each engine builds its own (a platform assembled by hand). */
    readonly images?: ImageSettings;
}
