// Reads and validates stack configuration once, before any resource exists.
// Pure: takes the raw config strings and the set of keys Pulumi holds as secrets, returns a typed
// StackConfig or throws ConfigError listing every problem, each naming its key and what was expected.
import {
    BrokerSpec,
    ConnectSpec,
    Engine,
    HeapSettings,
    KafkaSettings,
    ServerSpec,
    StackConfig,
    ZooKeeperSpec,
} from "./schema";
import { loadTopologyB } from "../pipelines/twoWayPostgres/config";
import { loadTopologyA } from "../pipelines/mongoToMySql/config";

export const NAMESPACE = "cdc-sync";

/** Every key this program reads; anything else under the namespace is a typo and is rejected. */
export const KNOWN_KEYS = [
    "servers",
    "zookeeper",
    "brokers",
    "kafka",
    "connect",
    "heap",
    "connectorSecrets",
    "passwords",
    // Topology A (./topologyA.ts)
    "mongodb",
    "mysql",
    // Topology B (./twoWay.ts)
    "postgres",
    "twoWay",
] as const;

/** Keys whose values must be stored with `pulumi config set --secret`. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(["connectorSecrets", "passwords"]);

export class ConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

/** Raw input: config key (without namespace) -> the string Pulumi stores, plus which keys are secret. */
export interface RawConfig {
    readonly values: Readonly<Record<string, string | undefined>>;
    readonly secretKeys: ReadonlySet<string>;
}

export const NAME = /^[a-z][a-z0-9-]{0,30}$/;
export const HOSTNAME = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
export const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEAP = /^(-Xm[sx]\d+[kmg]\s*)+$/;
const SECRET_NAME = /^[A-Za-z0-9_.-]+$/;

/** Collects problems so one run reports all of them, not just the first. */
export class Checker {
    readonly problems: string[] = [];

    fail(key: string, expected: string, got: unknown): undefined {
        this.problems.push(`${NAMESPACE}:${key}: expected ${expected}, got ${describeValue(got)}`);
        return undefined;
    }

    object(key: string, v: unknown): Record<string, unknown> | undefined {
        if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
        return this.fail(key, "an object", v);
    }

    port(key: string, v: unknown, dflt: number): number {
        if (v === undefined) return dflt;
        if (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535) return v;
        this.fail(key, "a TCP port (integer 1-65535)", v);
        return dflt;
    }

    name(key: string, v: unknown): string | undefined {
        if (typeof v === "string" && NAME.test(v)) return v;
        return this.fail(key, "a name of lowercase letters, digits and '-' starting with a letter", v);
    }

    unknownFields(key: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
        for (const f of Object.keys(obj)) {
            if (!allowed.includes(f)) this.fail(`${key}.${f}`, `no such field (allowed: ${allowed.join(", ")})`, obj[f]);
        }
    }
}

function describeValue(v: unknown): string {
    if (v === undefined) return "nothing";
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function parseJson(raw: string | undefined): unknown {
    if (raw === undefined) return undefined;
    try {
        return JSON.parse(raw);
    } catch {
        return raw; // a plain string value: validation below says what was expected instead
    }
}

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
        if (typeof address !== "string" || !(IPV4.test(address) || HOSTNAME.test(address))) {
            c.fail(`${key}.address`, "an IPv4 address or hostname that other servers use to reach this one", address);
            continue;
        }
        if (address === "0.0.0.0") {
            c.fail(`${key}.address`, "a specific address (services bind to it; 0.0.0.0 would expose every interface)", address);
            continue;
        }
        if (engine) servers.push({ name, engine, address });
    }
    return servers;
}

export function serverRef(c: Checker, key: string, v: unknown, servers: readonly ServerSpec[]): string | undefined {
    const names = servers.map((s) => s.name);
    if (typeof v === "string" && names.includes(v)) return v;
    return c.fail(key, `one of the declared servers (${names.join(", ") || "none declared"})`, v);
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
        c.unknownFields(key, b, ["id", "server", "port"]);
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
        if (server) brokers.push({ id, server, port });
    });
    return brokers;
}

function loadKafka(c: Checker, v: unknown, brokerCount: number): KafkaSettings {
    const o = v === undefined ? {} : c.object("kafka", v) ?? {};
    c.unknownFields("kafka", o, ["replicationFactor", "minInsyncReplicas"]);
    const rf = o.replicationFactor ?? Math.min(2, Math.max(1, brokerCount));
    const minIsr = o.minInsyncReplicas ?? 1;
    if (typeof rf !== "number" || !Number.isInteger(rf) || rf < 1 || (brokerCount > 0 && rf > brokerCount)) {
        c.fail("kafka.replicationFactor", `an integer from 1 to the number of brokers (${brokerCount})`, rf);
    }
    if (typeof minIsr !== "number" || !Number.isInteger(minIsr) || minIsr < 1 || (typeof rf === "number" && minIsr > rf)) {
        c.fail("kafka.minInsyncReplicas", "an integer from 1 to kafka.replicationFactor", minIsr);
    }
    return { replicationFactor: Number(rf), minInsyncReplicas: Number(minIsr) };
}

function loadConnect(c: Checker, v: unknown, servers: readonly ServerSpec[]): ConnectSpec {
    const o = v === undefined ? {} : c.object("connect", v) ?? {};
    c.unknownFields("connect", o, ["workers", "port", "groupId"]);
    let workers: string[] = servers.map((s) => s.name);
    if (o.workers !== undefined) {
        if (!Array.isArray(o.workers) || o.workers.length === 0) {
            c.fail("connect.workers", "a non-empty list of server names (one worker runs on each)", o.workers);
        } else {
            workers = o.workers.flatMap((w, i) => serverRef(c, `connect.workers[${i}]`, w, servers) ?? []);
            if (new Set(workers).size !== workers.length) {
                c.fail("connect.workers", "each server at most once (one worker per server)", o.workers);
            }
        }
    }
    const groupId = o.groupId ?? "cdc-sync-connect";
    if (typeof groupId !== "string" || !/^[A-Za-z0-9._-]{1,200}$/.test(groupId)) {
        c.fail("connect.groupId", "a Kafka-safe name (letters, digits, '.', '_', '-')", groupId);
    }
    return { workers, port: c.port("connect.port", o.port, 8083), groupId: String(groupId) };
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
function loadSecretMapNames(c: Checker, raw: RawConfig, key: "connectorSecrets" | "passwords"): string[] {
    const v = parseJson(raw.values[key]);
    if (v === undefined) return [];
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
        c.problems.push(`${NAMESPACE}:${key}: expected a map of secret name -> string value`);
        return [];
    }
    const names: string[] = [];
    for (const [name, value] of Object.entries(v)) {
        if (!SECRET_NAME.test(name)) c.fail(`${key}.${name}`, "a name of letters, digits, '.', '_', '-'", name);
        else if (typeof value !== "string" || value.length === 0) {
            c.problems.push(`${NAMESPACE}:${key}.${name}: expected a non-empty string`);
        } else names.push(name);
    }
    return names;
}

/** A service bound to a server's address and port; two of them on one address:port cannot both start. */
export interface Bind {
    /** The config key that chose the port, for the error message. */
    readonly key: string;
    readonly server: string;
    readonly port: number;
}

/** Two services on the same server address and port cannot both bind. */
function checkPortClashes(c: Checker, cfg: Pick<StackConfig, "servers" | "zookeeper" | "brokers" | "connect">, more: readonly Bind[]): void {
    const addressOf = new Map(cfg.servers.map((s) => [s.name, s.address]));
    const binds: Bind[] = [
        { key: "zookeeper.port", server: cfg.zookeeper.server, port: cfg.zookeeper.port },
        ...cfg.brokers.map((b, i) => ({ key: `brokers[${i}].port`, server: b.server, port: b.port })),
        ...cfg.connect.workers.map((w) => ({ key: `connect.port (worker on ${w})`, server: w, port: cfg.connect.port })),
        ...more,
    ];
    const seen = new Map<string, string>();
    for (const b of binds) {
        const at = `${addressOf.get(b.server)}:${b.port}`;
        const other = seen.get(at);
        if (other) c.problems.push(`${NAMESPACE}:${b.key}: port ${b.port} on ${at} is already taken by ${NAMESPACE}:${other}`);
        else seen.set(at, b.key);
    }
}

/** Validates raw stack config; throws ConfigError naming every bad key. */
export function loadStackConfig(raw: RawConfig): StackConfig {
    const c = new Checker();
    for (const k of Object.keys(raw.values)) {
        if (raw.values[k] === undefined) continue;
        if (!(KNOWN_KEYS as readonly string[]).includes(k)) {
            c.problems.push(`${NAMESPACE}:${k}: unknown key (known: ${KNOWN_KEYS.join(", ")})`);
        } else if (SECRET_KEYS.has(k) && !raw.secretKeys.has(k)) {
            // Never echo the value: it is exactly what must not be shown.
            c.problems.push(
                `${NAMESPACE}:${k}: expected a secret (set it with \`pulumi config set --secret --path ` +
                    `'${k}.<name>' <value>\`), got a plain-text value`,
            );
        }
    }
    const value = (k: string) => parseJson(raw.values[k]);
    const servers = loadServers(c, value("servers"));
    const zookeeper = loadZooKeeper(c, value("zookeeper"), servers);
    const brokers = loadBrokers(c, value("brokers"), servers);
    const kafka = loadKafka(c, value("kafka"), brokers.length);
    const connect = loadConnect(c, value("connect"), servers);
    const heap = loadHeap(c, value("heap"));
    const connectorSecretNames = loadSecretMapNames(c, raw, "connectorSecrets");
    const passwordNames = loadSecretMapNames(c, raw, "passwords");
    // Each topology's keys add the services they run to `binds`.
    const binds: Bind[] = [];
    const topologyA = loadTopologyA(c, { mongodb: value("mongodb"), mysql: value("mysql") }, servers, { passwordNames, connectorSecretNames }, binds);
    const topologyB = loadTopologyB(c, value, servers, { passwordNames, connectorSecretNames }, binds);
    if (topologyA && topologyB.twoWay) {
        // Debezium's JDBC sink (3.2.0 through at least 3.4.0) registers its column types as JVM-wide singletons
        // that remember the dialect of the last sink task started in the worker: a MySQL sink and a PostgreSQL
        // sink in one Connect cluster write each other's SQL (docs/topology-b.md, "Known defect").
        c.problems.push(
            `${NAMESPACE}:mysql and ${NAMESPACE}:twoWay: topology A's MySQL sink and topology B's PostgreSQL sinks would share this ` +
                "stack's Connect workers, where the Debezium JDBC sink mixes up their SQL dialects (MySQL DDL sent to PostgreSQL); " +
                "deploy each topology as its own stack",
        );
    }
    if (zookeeper) checkPortClashes(c, { servers, zookeeper, brokers, connect }, binds);
    if (c.problems.length > 0 || !zookeeper) throw new ConfigError(c.problems);
    return {
        servers,
        zookeeper,
        brokers,
        kafka,
        connect,
        heap,
        connectorSecretNames,
        passwordNames,
        ...(topologyA ? { topologyA } : {}),
        ...topologyB,
    };
}
