// The platform's keys: `servers`, `zookeeper`, `brokers`, `kafka`, `connect`, `heap`, `images`, and the names in
// the secret maps. Pure: raw values in, typed PlatformConfig out, every problem into the Checker.
import { Checker, HOSTNAME, IPV4, NAMESPACE, serverRef, Bind } from "./checker";
import { BROKER_OWNED, CONNECT_OWNED, loadPassThrough } from "./passThrough";
import { METRICS_PORT_OFFSET, offsetBind, SUPERVISOR_PORT_OFFSET } from "./ports";
import { BrokerSpec, CONNECT_PLUGINS, ConnectClusterSpec, ConnectPlugin, ConnectSpec, Engine, HeapSettings, ImageSettings, KafkaSettings, PlatformConfig, ServerSpec, ZooKeeperSpec } from "./schema";

const HEAP = /^(-Xm[sx]\d+[kmg]\s*)+$/;
const SECRET_NAME = /^[A-Za-z0-9_.-]+$/;

function parseEngine(c: Checker, key: string, v: unknown): Engine | undefined {
    const expected = `"local", "unix:///path/to/socket" or "ssh://user@host[:port]"`;
    if (v === "local") return { kind: "local" };
    if (typeof v === "string" && v.startsWith("unix:///")) return { kind: "unix", socketPath: v.slice("unix://".length) };
    if (typeof v === "string") {
        const m = /^ssh:\/\/([a-z_][a-z0-9_.-]*)@([^:/@]+)(?::(\d+))?$/.exec(v);
        if (m && (HOSTNAME.test(m[2]) || IPV4.test(m[2]))) {
            const port = m[3] === undefined ? 22 : Number(m[3]);
            if (port >= 1 && port <= 65535) return { kind: "ssh", user: m[1], host: m[2], port };
        }
    }
    return c.fail(key, expected, v);
}

function loadServers(c: Checker, v: unknown): ServerSpec[] {
    if (v === undefined) {
        c.fail("servers", "a map of server name -> { engine, address } with at least one server", v);
        return [];
    }
    const obj = c.object("servers", v);
    if (!obj) return [];
    if (Object.keys(obj).length === 0) c.fail("servers", "at least one server", v);
    const servers: ServerSpec[] = [];
    for (const [name, sv] of Object.entries(obj)) {
        const key = `servers.${name}`;
        c.name(key, name);
        const s = c.object(key, sv);
        if (!s) continue;
        c.unknownFields(key, s, ["engine", "address"]);
        const engine = parseEngine(c, `${key}.engine`, s.engine);
        const address = s.address;
        let valid = engine !== undefined;
        if (typeof address !== "string" || !(IPV4.test(address) || HOSTNAME.test(address))) {
            c.fail(`${key}.address`, "an IPv4 address or hostname that other servers use to reach this one", address);
            valid = false;
        } else if (address === "0.0.0.0") {
            c.fail(`${key}.address`, "a specific address (services bind to it; 0.0.0.0 would expose every interface)", address);
            valid = false;
        }
        // A server with a bad engine or address is still declared: what runs on it is not a second problem. (The
        // run fails on the first one anyway; nothing is placed on it.)
        servers.push({ name, engine: valid && engine ? engine : { kind: "local" }, address: String(address) });
    }
    return servers;
}

function loadZooKeeper(c: Checker, v: unknown, servers: readonly ServerSpec[]): ZooKeeperSpec | undefined {
    const o = v === undefined ? { server: servers[0]?.name } : c.object("zookeeper", v);
    if (!o) return undefined;
    c.unknownFields("zookeeper", o, ["server", "port"]);
    const server = serverRef(c, "zookeeper.server", o.server, servers);
    const port = c.port("zookeeper.port", o.port, 2181);
    return server ? { server, port } : undefined;
}

function loadBrokers(c: Checker, v: unknown, servers: readonly ServerSpec[]): BrokerSpec[] {
    if (!Array.isArray(v) || v.length === 0) {
        c.fail("brokers", "a list of at least one broker, each { id, server, port? }", v);
        return [];
    }
    const brokers: BrokerSpec[] = [];
    const ids = new Set<number>();
    v.forEach((bv, i) => {
        const key = `brokers[${i}]`;
        const b = c.object(key, bv);
        if (!b) return;
        c.unknownFields(key, b, ["id", "server", "port", "config"]);
        const id = b.id;
        if (typeof id !== "number" || !Number.isInteger(id) || id < 1) {
            c.fail(`${key}.id`, "a positive integer broker id", id);
            return;
        }
        if (ids.has(id)) {
            c.fail(`${key}.id`, "an id no other broker has", id);
            return;
        }
        ids.add(id);
        const server = serverRef(c, `${key}.server`, b.server, servers);
        const port = c.port(`${key}.port`, b.port, 9092);
        const config = loadPassThrough(c, `${key}.config`, b.config, BROKER_OWNED);
        if (server) brokers.push({ id, server, port, config });
    });
    return brokers;
}

function loadKafka(c: Checker, v: unknown, brokerCount: number): KafkaSettings {
    const o = v === undefined ? {} : c.object("kafka", v) ?? {};
    c.unknownFields("kafka", o, ["replicationFactor", "minInsyncReplicas", "config"]);
    const rf = o.replicationFactor ?? Math.min(2, Math.max(1, brokerCount));
    const minIsr = o.minInsyncReplicas ?? 1;
    if (typeof rf !== "number" || !Number.isInteger(rf) || rf < 1 || (brokerCount > 0 && rf > brokerCount)) {
        c.fail("kafka.replicationFactor", `an integer from 1 to the number of brokers (${brokerCount})`, rf);
    }
    if (typeof minIsr !== "number" || !Number.isInteger(minIsr) || minIsr < 1 || (typeof rf === "number" && minIsr > rf)) {
        c.fail("kafka.minInsyncReplicas", "an integer from 1 to kafka.replicationFactor", minIsr);
    }
    return { replicationFactor: Number(rf), minInsyncReplicas: Number(minIsr), config: loadPassThrough(c, "kafka.config", o.config, BROKER_OWNED) };
}

/** The cluster fields at `key` (`connect`, or `connect.clusters.<name>`); `defaults` for what is left out. */
function loadConnectCluster(
    c: Checker,
    key: string,
    name: string,
    o: Record<string, unknown>,
    servers: readonly ServerSpec[],
    defaults: { port: number; groupId: string; exactlyOnce: boolean },
): ConnectClusterSpec {
    let workers: string[] = servers.map((s) => s.name);
    if (o.workers !== undefined) {
        if (!Array.isArray(o.workers) || o.workers.length === 0) {
            c.fail(`${key}.workers`, "a non-empty list of server names (one worker runs on each)", o.workers);
        } else {
            workers = o.workers.flatMap((w, i) => serverRef(c, `${key}.workers[${i}]`, w, servers) ?? []);
            if (new Set(workers).size !== workers.length) {
                c.fail(`${key}.workers`, "each server at most once (one worker per server)", o.workers);
            }
        }
    }
    const groupId = o.groupId ?? defaults.groupId;
    if (typeof groupId !== "string" || !/^[A-Za-z0-9._-]{1,200}$/.test(groupId)) {
        c.fail(`${key}.groupId`, "a Kafka-safe name (letters, digits, '.', '_', '-')", groupId);
    }
    const port = c.port(`${key}.port`, o.port, defaults.port);
    let plugins: ConnectPlugin[] = [];
    if (o.plugins !== undefined) {
        if (Array.isArray(o.plugins) && o.plugins.every((x) => (CONNECT_PLUGINS as readonly unknown[]).includes(x)) && new Set(o.plugins).size === o.plugins.length) {
            plugins = o.plugins as ConnectPlugin[];
        } else c.fail(`${key}.plugins`, `a list of plugins to add, each once (available: ${CONNECT_PLUGINS.join(", ")})`, o.plugins);
    }
    const exactlyOnce = o.exactlyOnce ?? defaults.exactlyOnce;
    if (typeof exactlyOnce !== "boolean") c.fail(`${key}.exactlyOnce`, "true or false (exactly-once source support, default true)", exactlyOnce);
    return {
        name,
        workers,
        port,
        groupId: String(groupId),
        config: loadPassThrough(c, `${key}.config`, o.config, CONNECT_OWNED),
        plugins,
        exactlyOnce: exactlyOnce === true,
    };
}

function loadConnect(c: Checker, v: unknown, servers: readonly ServerSpec[]): ConnectSpec {
    const o = v === undefined ? {} : c.object("connect", v) ?? {};
    const fields = ["workers", "port", "groupId", "config", "plugins", "exactlyOnce"];
    c.unknownFields("connect", o, [...fields, "clusters"]);
    const main = loadConnectCluster(c, "connect", "default", o, servers, { port: 8083, groupId: "cdc-sync-connect", exactlyOnce: true });
    const clusters: ConnectClusterSpec[] = [];
    const more = o.clusters === undefined ? {} : c.object("connect.clusters", o.clusters) ?? {};
    for (const [name, cv] of Object.entries(more)) {
        const key = `connect.clusters.${name}`;
        const co = c.object(key, cv);
        if (!c.name(key, name) || !co) continue;
        if (name === "default") {
            c.fail(key, "another name: default is the cluster cdc-sync:connect itself declares", name);
            continue;
        }
        c.unknownFields(key, co, fields);
        if (co.port === undefined) c.fail(`${key}.port`, "a REST port of its own (the default cluster's workers listen on connect.port)", co.port);
        clusters.push(loadConnectCluster(c, key, name, co, servers, { port: main.port, groupId: `${main.groupId}-${name}`, exactlyOnce: main.exactlyOnce }));
    }
    const groups = [main, ...clusters].map((x) => x.groupId);
    groups.forEach((g, i) => {
        if (groups.indexOf(g) !== i) c.fail(`connect.clusters.${clusters[i - 1].name}.groupId`, "a group id no other Connect cluster has (it names the cluster's internal topics)", g);
    });
    return { ...main, clusters };
}

function loadHeap(c: Checker, v: unknown): HeapSettings {
    const dflt: HeapSettings = { zookeeper: "-Xms64m -Xmx256m", broker: "-Xms256m -Xmx512m", connect: "-Xms256m -Xmx768m" };
    if (v === undefined) return dflt;
    const o = c.object("heap", v) ?? {};
    c.unknownFields("heap", o, Object.keys(dflt));
    const pick = (role: keyof HeapSettings): string => {
        const h = o[role];
        if (h === undefined) return dflt[role];
        if (typeof h === "string" && HEAP.test(h.trim())) return h.trim();
        c.fail(`heap.${role}`, "java heap flags such as \"-Xms256m -Xmx512m\"", h);
        return dflt[role];
    };
    return { zookeeper: pick("zookeeper"), broker: pick("broker"), connect: pick("connect") };
}

/** The names of a secret map (`connectorSecrets`, `passwords`); values are checked but never echoed. */
export function loadSecretMapNames(c: Checker, key: "connectorSecrets" | "passwords", v: unknown): string[] {
    if (v === undefined) return [];
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
        c.say(key, "expected a map of secret name -> string value");
        return [];
    }
    const names: string[] = [];
    for (const [name, value] of Object.entries(v)) {
        if (!SECRET_NAME.test(name)) c.fail(`${key}.${name}`, "a name of letters, digits, '.', '_', '-'", name);
        else if (typeof value !== "string" || value.length === 0) {
            c.say(`${key}.${name}`, "expected a non-empty string");
        } else names.push(name);
    }
    return names;
}

/**
 * Two services on the same server address and port cannot both bind. Besides its own port, every JVM binds its
 * metrics port (METRICS_PORT_OFFSET above) and every Connect worker's supervisor its own (SUPERVISOR_PORT_OFFSET).
 */
export function checkPortClashes(c: Checker, cfg: PlatformConfig, more: readonly Bind[]): void {
    const addressOf = new Map(cfg.servers.map((s) => [s.name, s.address]));
    const workers: Bind[] = [cfg.connect, ...cfg.connect.clusters].flatMap((k) =>
        k.workers.map((w) => ({ key: `${k.name === "default" ? "connect" : `connect.clusters.${k.name}`}.port (worker on ${w})`, server: w, port: k.port })),
    );
    const jvms: Bind[] = [
        { key: "zookeeper.port", server: cfg.zookeeper.server, port: cfg.zookeeper.port },
        ...cfg.brokers.map((b, i) => ({ key: `brokers[${i}].port`, server: b.server, port: b.port })),
        ...workers,
    ];
    const binds: Bind[] = [
        ...jvms,
        ...jvms.flatMap((b) => offsetBind(c, b, METRICS_PORT_OFFSET, "metrics")),
        ...workers.flatMap((b) => offsetBind(c, b, SUPERVISOR_PORT_OFFSET, "supervisor")),
        ...more,
    ];
    const seen = new Map<string, string>();
    for (const b of binds) {
        const at = `${addressOf.get(b.server)}:${b.port}`;
        const other = seen.get(at);
        if (other) c.say(b.key, `port ${b.port} on ${at} is already taken by ${NAMESPACE}:${other}`);
        else seen.set(at, b.key);
    }
}


/** `images`: `{ build: <engine> }`, by default the engine beside Pulumi (`local`). */
function loadImages(c: Checker, v: unknown): ImageSettings {
    if (v === undefined) return { build: { kind: "local" } };
    const o = c.object("images", v);
    if (!o) return { build: { kind: "local" } };
    c.unknownFields("images", o, ["build"]);
    return { build: o.build === undefined ? { kind: "local" } : parseEngine(c, "images.build", o.build) ?? { kind: "local" } };
}

/** The platform from the raw (JSON-parsed) values of its keys; undefined when it cannot be placed. */
export function loadPlatform(c: Checker, value: (key: string) => unknown): PlatformConfig | undefined {
    const servers = loadServers(c, value("servers"));
    const zookeeper = loadZooKeeper(c, value("zookeeper"), servers);
    const brokers = loadBrokers(c, value("brokers"), servers);
    const kafka = loadKafka(c, value("kafka"), brokers.length);
    const connect = loadConnect(c, value("connect"), servers);
    const heap = loadHeap(c, value("heap"));
    const images = loadImages(c, value("images"));
    return zookeeper ? { servers, zookeeper, brokers, kafka, connect, heap, images } : undefined;
}
