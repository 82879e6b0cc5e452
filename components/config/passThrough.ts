// Pass-through settings: Kafka and Connect properties the stack does not own, handed to the brokers
// (`kafka.config`, `brokers[i].config`) and the Connect workers (`connect.config`) as written. A property the
// stack owns is refused, naming the setting that controls it: the stack derives it from the topology, or safety
// depends on it. Pure.
import { Checker } from "./checker";

/** Broker properties the stack sets, and what controls each (components/platform/properties.ts renders them). */
export const BROKER_OWNED: Readonly<Record<string, string>> = {
    "broker.id": "cdc-sync:brokers[i].id",
    listeners: "cdc-sync:servers.<server>.address and cdc-sync:brokers[i].port",
    "advertised.listeners": "cdc-sync:servers.<server>.address and cdc-sync:brokers[i].port",
    "inter.broker.listener.name": "the stack (one listener per broker)",
    "zookeeper.connect": "cdc-sync:zookeeper",
    "zookeeper.set.acl": "the stack: always (ZooKeeper authentication, docs/security.md)",
    "log.dirs": "the stack (the broker's data volume)",
    "default.replication.factor": "cdc-sync:kafka.replicationFactor",
    "offsets.topic.replication.factor": "cdc-sync:kafka.replicationFactor",
    "transaction.state.log.replication.factor": "cdc-sync:kafka.replicationFactor",
    "min.insync.replicas": "cdc-sync:kafka.minInsyncReplicas",
    "transaction.state.log.min.isr": "cdc-sync:kafka.minInsyncReplicas",
    "unclean.leader.election.enable": "the stack: never (an out-of-sync leader would drop acknowledged writes)",
    "auto.create.topics.enable": "the stack: never (topics are declared resources)",
};

/** Connect worker properties the stack sets, and what controls each. */
export const CONNECT_OWNED: Readonly<Record<string, string>> = {
    "bootstrap.servers": "cdc-sync:brokers",
    "group.id": "cdc-sync:connect.groupId",
    "config.storage.topic": "cdc-sync:connect.groupId",
    "offset.storage.topic": "cdc-sync:connect.groupId",
    "status.storage.topic": "cdc-sync:connect.groupId",
    "config.storage.replication.factor": "cdc-sync:kafka.replicationFactor",
    "offset.storage.replication.factor": "cdc-sync:kafka.replicationFactor",
    "status.storage.replication.factor": "cdc-sync:kafka.replicationFactor",
    "key.converter": "the stack (the pipelines' sinks read JSON with schemas; a connector may override its own)",
    "value.converter": "the stack (the pipelines' sinks read JSON with schemas; a connector may override its own)",
    "key.converter.schemas.enable": "the stack (the pipelines' sinks read JSON with schemas)",
    "value.converter.schemas.enable": "the stack (the pipelines' sinks read JSON with schemas)",
    listeners: "cdc-sync:servers.<server>.address and cdc-sync:connect.port",
    "rest.advertised.host.name": "cdc-sync:servers.<server>.address",
    "rest.advertised.port": "cdc-sync:connect.port",
    "exactly.once.source.support": "cdc-sync:connect.exactlyOnce (true or false; the stack steps a running cluster through preparing)",
    "consumer.isolation.level": "the stack: read_committed (a sink must not write an aborted transaction's records)",
    "plugin.path": "the stack (the image's plugins)",
    "config.providers": "the stack (the secrets file's provider)",
    "config.providers.file.class": "the stack (the secrets file's provider)",
    "rest.extension.classes": "the stack (the REST API's authentication, docs/security.md)",
};

export type Properties = Readonly<Record<string, string | number | boolean>>;

const PROPERTY = /^[A-Za-z][A-Za-z0-9._-]*$/;

/** A `config` map of Kafka properties at `key`; owned ones and credentials refused. */
export function loadPassThrough(c: Checker, key: string, v: unknown, owned: Readonly<Record<string, string>>): Properties {
    if (v === undefined) return {};
    const o = c.object(key, v);
    const out: Record<string, string | number | boolean> = {};
    for (const [k, value] of Object.entries(o ?? {})) {
        const at = `${key}.${k}`;
        if (!PROPERTY.test(k)) c.fail(at, "a Kafka property name", k);
        else if (k in owned) c.say(at, `is set by the stack; it is controlled by ${owned[k]}`);
        else if (/password|secret|jaas/i.test(k)) c.say(at, "is a credential: pass-through settings are stored and shown in plain text, so credentials cannot be set here");
        else if (!["string", "number", "boolean"].includes(typeof value)) c.fail(at, "a string, number or boolean", value);
        else out[k] = value as string | number | boolean;
    }
    return out;
}
