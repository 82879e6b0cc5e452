// `cdc-sync:connectors`: connectors declared directly in stack config, for what no pipeline kind covers (what
// Strimzi's KafkaConnector resource offers): a class, its tasks, its config and its declared state. Checked at
// load like every other key (each problem names `cdc-sync:connectors[i]...`); Connect's own validation and the
// class rules run at preview, as for the typed connectors. Pure.
import { Checker } from "../config/checker";
import { CONNECTOR_STATES, ConnectorState } from "./health";
import { JDBC_SINK_CONNECTOR_CLASS } from "./jdbcSink";
import { RESERVED_KEYS } from "./normalize";
import { isCredentialKey, isSecretRef, SECRET_REF_FORM, secretNamesIn } from "./secrets";

export interface RawConnectorSpec {
    /** The connector's name in Connect (and of its resource). */
    readonly name: string;
    /** Where it was declared (`connectors[0]`), for messages. */
    readonly key: string;
    readonly connectorClass: string;
    readonly tasksMax: number;
    /** Every other Connect property, as strings. */
    readonly config: Readonly<Record<string, string>>;
    readonly state: ConnectorState;
    /** The Connect cluster it runs on (`default` unless it names one of `connect.clusters`). */
    readonly connect: string;
}

/** Connector names Connect accepts in a URL path without escaping. */
const CONNECTOR_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
/** Properties the entry's own fields set. */
const OWN = ["connector.class", "tasks.max"];

/** The SQL dialect a JDBC sink writes, from its `connection.url`; undefined for any other connector. */
export function rawSinkDialect(c: Pick<RawConnectorSpec, "connectorClass" | "config">): "postgresql" | "mysql" | undefined {
    if (c.connectorClass !== JDBC_SINK_CONNECTOR_CLASS) return undefined;
    const url = c.config["connection.url"] ?? "";
    if (url.startsWith("jdbc:postgresql:")) return "postgresql";
    if (/^jdbc:(mysql|mariadb):/.test(url)) return "mysql";
    return undefined;
}

/**
 * `cdc-sync:connectors` (a list of `{ name, class, tasksMax?, config, state?, connect? }`). `secretNames` are the
 * names the workers' secrets file holds: a `${file:...}` reference to any other would stay unresolved; `clusters`
 * the Connect clusters the stack declares.
 */
export function loadRawConnectors(c: Checker, v: unknown, secretNames: readonly string[], clusters: readonly string[]): RawConnectorSpec[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
        c.fail("connectors", "a list of connectors, each { name, class, tasksMax?, config, state? }", v);
        return [];
    }
    return v.flatMap((e, i): RawConnectorSpec[] => {
        const key = `connectors[${i}]`;
        const o = c.object(key, e);
        if (!o) return [];
        c.unknownFields(key, o, ["name", "class", "tasksMax", "config", "state", "connect"]);
        const connect = c.oneOf(`${key}.connect`, o.connect, clusters, "default");
        const name = c.string(`${key}.name`, o.name, "a connector name (letters, digits, '.', '_', '-')", (s) => CONNECTOR_NAME.test(s));
        const connectorClass = c.string(`${key}.class`, o.class, "a connector class installed on the workers, e.g. org.apache.kafka.connect.mirror.MirrorHeartbeatConnector", (s) => /^[A-Za-z_$][\w$.]*$/.test(s));
        let tasksMax = 1;
        if (o.tasksMax !== undefined) {
            if (typeof o.tasksMax === "number" && Number.isInteger(o.tasksMax) && o.tasksMax >= 1) tasksMax = o.tasksMax;
            else c.fail(`${key}.tasksMax`, "a positive integer", o.tasksMax);
        }
        const state = c.oneOf(`${key}.state`, o.state, CONNECTOR_STATES, "running");
        const raw = o.config === undefined ? {} : c.object(`${key}.config`, o.config);
        const config: Record<string, string> = {};
        for (const [k, value] of Object.entries(raw ?? {})) {
            const at = `${key}.config.${k}`;
            if (RESERVED_KEYS.includes(k)) c.fail(at, "a Connect property (name is the entry's name; this key is cdc-sync's own)", k);
            else if (OWN.includes(k)) c.fail(at, `nothing: ${k} is set by ${key}.${k === "tasks.max" ? "tasksMax" : "class"}`, value);
            else if (!["string", "number", "boolean"].includes(typeof value)) c.fail(at, "a string, number or boolean", value);
            else if (isCredentialKey(k) && !isSecretRef(String(value))) c.say(at, `expected a secret reference ${SECRET_REF_FORM} (a credential in plain text would be stored by Connect and shown by its REST API), got a plain value`);
            else {
                for (const n of secretNamesIn(String(value)).filter((x) => !secretNames.includes(x))) {
                    c.fail(at, `a secret the workers hold (cdc-sync:connectorSecrets or a pipeline's password: ${secretNames.join(", ") || "none"})`, n);
                }
                config[k] = String(value);
            }
        }
        return name && connectorClass ? [{ name, key, connectorClass, tasksMax, config, state, connect }] : [];
    });
}
