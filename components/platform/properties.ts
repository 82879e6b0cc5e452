// Pure renderers for the properties files of ZooKeeper, the Kafka brokers and the Connect workers.
// The image's entrypoint writes the text it is given (env CDC_PROPERTIES) and starts the role with it,
// so what runs is exactly what these functions return, and the unit tests read it line by line.
import { REST_EXTENSION_CLASS } from "./restAuth";
import { zookeeperAuthProperties } from "./zookeeperAuth";

/**
 * Renders a secrets file for Kafka's FileConfigProvider (java.util.Properties, read as UTF-8): values
 * escaped so that backslashes, line breaks and leading blanks come back exactly as given.
 */
export function renderSecretsFile(secrets: Readonly<Record<string, string>>): string {
    const escape = (v: string) =>
        v
            .replace(/\\/g, "\\\\")
            .replace(/\n/g, "\\n")
            .replace(/\r/g, "\\r")
            .replace(/\t/g, "\\t")
            .replace(/^[ \f]/, (c) => `\\${c}`);
    return Object.keys(secrets)
        .sort()
        .map((k) => `${k}=${escape(secrets[k])}\n`)
        .join("");
}

/** Renders `key=value` lines in a stable order (insertion order), so equal configs compare equal. */
export function renderProperties(props: Readonly<Record<string, string | number | boolean>>): string {
    return Object.entries(props)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n")
        .concat("\n");
}

/** Reads back what renderProperties wrote: `key=value` per line, blank lines and `#` comments skipped. */
export function parseRenderedProperties(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const eq = line.indexOf("=");
        if (line.trim() === "" || line.startsWith("#") || eq < 0) continue;
        out[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return out;
}

export interface ZooKeeperProps {
    readonly address: string;
    readonly port: number;
}

export function zookeeperProperties(zk: ZooKeeperProps): Record<string, string | number | boolean> {
    return {
        dataDir: "/var/lib/zookeeper",
        clientPort: zk.port,
        clientPortAddress: zk.address,
        // The admin web server would listen on 8080 on every interface; nothing here needs it.
        "admin.enableServer": false,
        // Only the liveness words the health checks use.
        "4lw.commands.whitelist": "ruok,srvr",
        maxClientCnxns: 60,
        tickTime: 2000,
        "autopurge.snapRetainCount": 3,
        "autopurge.purgeInterval": 24,
        // Only the brokers, logged in (./zookeeperAuth.ts).
        ...zookeeperAuthProperties(),
    };
}

export interface BrokerProps {
    readonly id: number;
    readonly address: string;
    readonly port: number;
    /** `host:port` of ZooKeeper. */
    readonly zookeeperConnect: string;
    readonly replicationFactor: number;
    readonly minInsyncReplicas: number;
}

/** A broker's properties; `extra` (pass-through, never an owned key: config/passThrough.ts) adds to them or replaces a default. */
export function brokerProperties(b: BrokerProps, extra: Readonly<Record<string, string | number | boolean>> = {}): Record<string, string | number | boolean> {
    return {
        "broker.id": b.id,
        // Bind to the server's address only, and advertise the same address to clients on other servers.
        listeners: `PLAINTEXT://${b.address}:${b.port}`,
        "advertised.listeners": `PLAINTEXT://${b.address}:${b.port}`,
        "inter.broker.listener.name": "PLAINTEXT",
        "zookeeper.connect": b.zookeeperConnect,
        "zookeeper.connection.timeout.ms": 18000,
        // The broker logs in to ZooKeeper (the JAAS file's Client section, ./zookeeperAuth.ts) and creates its znodes
        // writable by the brokers' user only, readable by anyone who may connect.
        "zookeeper.set.acl": true,
        "log.dirs": "/var/lib/kafka/data",
        "num.partitions": 1,
        "default.replication.factor": b.replicationFactor,
        "min.insync.replicas": b.minInsyncReplicas,
        "offsets.topic.replication.factor": b.replicationFactor,
        "transaction.state.log.replication.factor": b.replicationFactor,
        "transaction.state.log.min.isr": b.minInsyncReplicas,
        // An out-of-sync replica never becomes leader: availability never silently costs data.
        "unclean.leader.election.enable": false,
        // Topics are declared by the stack (or by Connect/Debezium with explicit settings), never by a typo.
        "auto.create.topics.enable": false,
        "group.initial.rebalance.delay.ms": 0,
        "log.retention.hours": 168,
        ...extra,
    };
}

export interface ConnectWorkerProps {
    readonly address: string;
    readonly port: number;
    readonly bootstrapServers: string;
    readonly groupId: string;
    readonly replicationFactor: number;
    /** Topic names of the worker's internal topics (created by the stack before workers start). */
    readonly configTopic: string;
    readonly offsetTopic: string;
    readonly statusTopic: string;
    /** Exactly-once source support (`exactly.once.source.support`: enabled, or disabled). */
    readonly exactlyOnce: boolean;
}

/**
 * The values of `exactly.once.source.support` in the order a running cluster must take them: Kafka requires every
 * worker of an existing cluster to run `preparing` before any runs `enabled` (the leader must be transactional before
 * any task is). The container provider holds a worker one step per `up` (components/docker/steps.ts).
 */
export const EXACTLY_ONCE_STEPS = {
    key: "exactly.once.source.support",
    order: ["disabled", "preparing", "enabled"],
    why: "Kafka requires every worker of a running cluster to run preparing before any runs enabled",
} as const;

/** Where the image keeps the Debezium plugins and JDBC drivers. */
export const CONNECT_PLUGIN_PATH = "/opt/connect-plugins";
/** Where each worker's secrets file lives; connectors reference `${file:<this>:<name>}`. */
export const CONNECT_SECRETS_FILE = "/etc/cdc-sync/secrets/connectors.properties";

/** A worker's properties; `extra` (pass-through, never an owned key: config/passThrough.ts) adds to them or replaces a default. */
export function connectWorkerProperties(w: ConnectWorkerProps, extra: Readonly<Record<string, string | number | boolean>> = {}): Record<string, string | number | boolean> {
    return {
        "bootstrap.servers": w.bootstrapServers,
        "group.id": w.groupId,
        "config.storage.topic": w.configTopic,
        "offset.storage.topic": w.offsetTopic,
        "status.storage.topic": w.statusTopic,
        "config.storage.replication.factor": w.replicationFactor,
        "offset.storage.replication.factor": w.replicationFactor,
        "status.storage.replication.factor": w.replicationFactor,
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": true,
        "value.converter.schemas.enable": true,
        // The REST API listens on the server's address only; other workers forward requests to it there.
        listeners: `http://${w.address}:${w.port}`,
        "rest.advertised.host.name": w.address,
        "rest.advertised.port": w.port,
        "plugin.path": CONNECT_PLUGIN_PATH,
        // Every request authenticated (./restAuth.ts): the extension reads the JAAS file the entrypoint is given.
        "rest.extension.classes": REST_EXTENSION_CLASS,
        // Credentials reach connectors through this provider, never as plain connector config.
        "config.providers": "file",
        "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
        "offset.flush.interval.ms": 5000,
        // Connectors may override their producer/consumer settings (e.g. per-connector client ids).
        "connector.client.config.override.policy": "All",
        // Fail-over in seconds (docs/faults.md). A worker that stops heartbeating leaves the group after 8 s (Kafka:
        // 10 s), and its connectors and tasks are reassigned 10 s after it left, not Kafka's default 5 min: a lost,
        // hung or removed worker pauses a direction for about 20 s (docs/faults.md: 17 to 28 s measured). The cost: a worker that merely restarts and takes
        // longer than that has its tasks moved away and back (two short pauses instead of one).
        "session.timeout.ms": 8000,
        "heartbeat.interval.ms": 2000,
        "scheduled.rebalance.max.delay.ms": 10000,
        // Each sink task's consumer is a member of its sink's own group (`connect-<sink>`). When its worker hangs (or
        // dies without leaving the group), the task restarted on another worker gets the partitions only once the old
        // consumer's session has expired: Kafka's default is 45 s, longer than the whole fail-over above. 10 s keeps
        // it within the worker's own 18 s. The cost: a sink consumer that cannot heartbeat for 10 s (a long GC pause on
        // a starved machine) is dropped from its group and rejoins, a short pause of that one direction.
        "consumer.session.timeout.ms": 10000,
        "consumer.heartbeat.interval.ms": 3000,
        // Exactly-once sources (docs/faults.md): each source task writes a poll's records and its offsets in one
        // transaction, and a task's old generation (a hung worker's) is fenced before a new one starts, so it can
        // neither write its records again nor commit stale offsets. Sinks read committed records only, never those of
        // an aborted transaction (which without this they would write, and a retry would bring again).
        [EXACTLY_ONCE_STEPS.key]: w.exactlyOnce ? "enabled" : "disabled",
        "consumer.isolation.level": "read_committed",
        ...extra,
    };
}
