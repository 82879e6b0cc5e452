// The typed stack configuration: what `Pulumi.<stack>.yaml` holds once validated.
// Raw YAML is parsed and checked in ./load.ts; everything downstream takes these types only.
import type { TopologyA } from "../pipelines/mongoToMySql/config";

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
}

export interface KafkaSettings {
    /** Replication factor of every topic the stack creates and of Kafka's own topics. */
    readonly replicationFactor: number;
    /** `min.insync.replicas` for those topics (see README: why 1 with two brokers). */
    readonly minInsyncReplicas: number;
}

export interface ConnectSpec {
    /** Servers that run one distributed-mode worker each. */
    readonly workers: readonly string[];
    readonly port: number;
    /** Kafka Connect `group.id`; also the prefix of its three internal topics. */
    readonly groupId: string;
}

/** JVM heap per role, as java flags (e.g. `-Xms256m -Xmx512m`). */
export interface HeapSettings {
    readonly zookeeper: string;
    readonly broker: string;
    readonly connect: string;
}

/** Topology B's PostgreSQL server: a container the stack runs on a server, or an existing server. */
export type PostgresSpec =
    | { readonly kind: "run"; readonly server: string; readonly port: number; readonly memoryMiB: number }
    /** Adopted: `adminUser` must be a superuser (origins and login event triggers need one). */
    | { readonly kind: "adopt"; readonly host: string; readonly port: number; readonly adminUser: string };

export interface TwoWayTableSpec {
    readonly schema: string;
    readonly name: string;
    readonly primaryKey: readonly string[];
    /** When given, the stack creates the table in both databases if it is missing (and never drops it). */
    readonly columns?: Readonly<Record<string, string>>;
}

/** Topology B: two databases on the PostgreSQL server, kept in sync both ways. */
export interface TwoWaySpec {
    readonly databases: readonly [string, string];
    readonly tables: readonly TwoWayTableSpec[];
}

export interface StackConfig {
    readonly servers: readonly ServerSpec[];
    readonly zookeeper: ZooKeeperSpec;
    readonly brokers: readonly BrokerSpec[];
    readonly kafka: KafkaSettings;
    readonly connect: ConnectSpec;
    readonly heap: HeapSettings;
    /**
     * Named secrets written to each Connect worker's secrets file, for connectors to reference through
     * the file config provider as `${file:<path>:<name>}`. Always a Pulumi secret.
     */
    readonly connectorSecretNames: readonly string[];
    /**
     * Passwords the operator pinned (`cdc-sync:passwords`, a secret) instead of letting the stack generate
     * them (components/secrets/passwords.ts): names only, the values stay secret.
     */
    readonly passwordNames: readonly string[];
    /** Topology B's server (`cdc-sync:postgres`), if any. */
    readonly postgres?: PostgresSpec;
    /** Topology B (`cdc-sync:twoWay`), if deployed. */
    readonly twoWay?: TwoWaySpec;
    /** MongoDB -> MySQL (`cdc-sync:mongodb` + `cdc-sync:mysql`), when the stack declares it. */
    readonly topologyA?: TopologyA;
}
