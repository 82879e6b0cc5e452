// The invariants a reviewer of a stack change would otherwise check by hand, as pure functions of one resource's
// type and inputs (what `pulumi preview` hands the policy analyzer). policy/index.ts turns each into a policy of the
// pack; tests/unit/policy.test.ts runs them table-driven.
import { parseRenderedProperties } from "../components/platform/properties";

/** The resource types the rules read, as the analyzer names this program's dynamic resources. */
export const TYPES = {
    connector: "pulumi-nodejs:dynamic/connect:Connector",
    topic: "pulumi-nodejs:dynamic/kafka:Topic",
    container: "pulumi-nodejs:dynamic/docker:Container",
} as const;

/**
 * A connector of any kind: `Connector` and the typed ones (`PostgresSource`, `JdbcSink`, `MongoSource`, ...), which
 * are the `connect:` resources that carry a `connector.class`.
 */
function isConnector(r: Candidate): boolean {
    return r.type.startsWith("pulumi-nodejs:dynamic/connect:") && typeof r.props["connector.class"] === "string";
}

/** One resource as the analyzer sees it. */
export interface Candidate {
    readonly type: string;
    readonly name: string;
    readonly props: Readonly<Record<string, unknown>>;
    /** The stack being previewed (from the resource's URN). */
    readonly stack: string;
}

/**
 * A stack that runs on one machine for development (`local`, `local-a`, ...): the replication rules do not apply
 * there, since its "servers" share one engine and one disk anyway.
 */
export function isLocalStack(stack: string): boolean {
    return stack === "local" || stack.startsWith("local-");
}

/** The stack of a resource URN (`urn:pulumi:STACK::project::type::name`). */
export function stackOfUrn(urn: string): string {
    return urn.split("::")[0].replace(/^urn:pulumi:/, "");
}

const isReference = (v: string) => /^\$\{[a-zA-Z]+:[^}]+\}$/.test(v);

/** Connector keys that carry a credential. */
const CREDENTIAL_KEY = /(password|secret|\.jaas\.config)$/i;

/**
 * No connector credential in plain text: each one a `${file:...}` (config provider) reference. Reads the credential
 * keys alone: at preview the analyzer refuses to run a rule that reads a value not yet known (a connector's
 * restartTrigger, say).
 */
export function connectorCredentials(r: Candidate): string[] {
    if (!isConnector(r)) return [];
    return Object.keys(r.props)
        .filter((k) => CREDENTIAL_KEY.test(k))
        .filter((k) => typeof r.props[k] === "string" && r.props[k] !== "" && !isReference(r.props[k] as string))
        .map((k) => `connector ${r.name}: ${k} is a plain value; give it as \${file:/etc/cdc-sync/secrets/connectors.properties:NAME} (cdc-sync:connectorSecrets) so that it lives only in the workers' secrets file`);
}

/**
 * Every PostgreSQL source sends heartbeats; one that reads with `origin=none` (a two-way side, whose database may
 * receive only replicated writes, none of which it reads) also writes one with heartbeat.action.query, or its slot
 * never advances on a side nobody writes to directly.
 */
export function postgresHeartbeats(r: Candidate): string[] {
    if (!isConnector(r) || r.props["connector.class"] !== "io.debezium.connector.postgresql.PostgresConnector") return [];
    const problems: string[] = [];
    const interval = Number(r.props["heartbeat.interval.ms"] ?? 0);
    if (!(interval > 0)) problems.push(`PostgreSQL source ${r.name}: heartbeat.interval.ms is ${r.props["heartbeat.interval.ms"] ?? "not set"}; a positive interval is expected, or its offsets stand still while no table it reads changes`);
    const originFiltered = /(^|&)origin=none(&|$)/.test(String(r.props["slot.stream.params"] ?? ""));
    if (originFiltered && (typeof r.props["heartbeat.action.query"] !== "string" || r.props["heartbeat.action.query"] === "")) {
        problems.push(`PostgreSQL source ${r.name}: reads with origin=none but heartbeat.action.query is not set; a side that only receives replicated writes never advances its slot without it`);
    }
    return problems;
}

/**
 * Outside local stacks: every topic the stack makes, and the brokers' defaults for the ones Connect makes, kept on
 * at least two brokers; `min.insync.replicas` below the replication factor, so that losing one broker stops no write.
 */
export function replication(r: Candidate): string[] {
    if (isLocalStack(r.stack)) return [];
    if (r.type === TYPES.topic) {
        const rf = Number(r.props.replicationFactor);
        return rf >= 2 ? [] : [`topic ${String(r.props.name ?? r.name)}: replication factor ${rf}; at least 2 is expected outside local stacks (cdc-sync:kafka.replicationFactor), or losing one broker loses it`];
    }
    if (isConnector(r)) {
        const rf = Number(r.props["topic.creation.default.replication.factor"] ?? -1);
        return rf === -1 || rf >= 2 ? [] : [`connector ${r.name}: topic.creation.default.replication.factor ${rf}; -1 (the brokers' default) or at least 2 is expected outside local stacks`];
    }
    const env = r.props.env as Record<string, unknown> | undefined;
    const labels = r.props.labels as Record<string, unknown> | undefined;
    if (r.type !== TYPES.container || !String(labels?.["io.cdc-sync.component"] ?? "").startsWith("broker-") || typeof env?.CDC_PROPERTIES !== "string") return [];
    const p = parseRenderedProperties(env.CDC_PROPERTIES);
    const rf = Number(p["default.replication.factor"] ?? 1);
    const problems: string[] = [];
    for (const key of ["default.replication.factor", "offsets.topic.replication.factor", "transaction.state.log.replication.factor"]) {
        if (!(Number(p[key] ?? 1) >= 2)) problems.push(`broker ${r.name}: ${key} ${p[key] ?? "not set"}; at least 2 is expected outside local stacks (cdc-sync:kafka.replicationFactor)`);
    }
    const minIsr = p["min.insync.replicas"];
    if (minIsr === undefined) problems.push(`broker ${r.name}: min.insync.replicas not stated (cdc-sync:kafka.minInsyncReplicas)`);
    else if (rf >= 2 && !(Number(minIsr) < rf)) problems.push(`broker ${r.name}: min.insync.replicas ${minIsr} with replication factor ${rf}; below the replication factor is expected, or losing one broker stops every write`);
    return problems;
}

/** The rules, by the policy name each runs under. */
export const RULES: Readonly<Record<string, { readonly description: string; readonly check: (r: Candidate) => string[] }>> = {
    "connector-credentials-from-config-provider": { description: "No connector credential in plain text: each a ${file:...} reference to the workers' secrets file", check: connectorCredentials },
    "postgres-source-heartbeats": { description: "Every PostgreSQL source sends heartbeats, and an origin-filtered one writes them (heartbeat.action.query), so an idle side's slot advances", check: postgresHeartbeats },
    "replicated-outside-local": { description: "Outside local stacks, topics on at least two brokers and min.insync.replicas below the replication factor", check: replication },
};
