// The Debezium JDBC sink (3.2): typed arguments, the pure config builder, and the class's rules. The sink
// reads Debezium's change events natively; only MongoDB's events (the document as one JSON string) need the
// document-flattening transform first.
import type * as pulumi from "@pulumi/pulumi";
import { assemble, CommonSpec, ConnectorConfig, list, SourceRef } from "./connectorConfig";
import { FOREIGN_JDBC_SINK_PROPERTIES, FOREIGN_JDBC_SINK_VALUES } from "./foreignProperties";
import { MONGODB_CONNECTOR_CLASS } from "./mongoSource";
import { ClassRules, ConfigView, Problem } from "./rules";
import { secretRef } from "./secrets";

export const JDBC_SINK_CONNECTOR_CLASS = "io.debezium.connector.jdbc.JdbcSinkConnector";

/** The transform that turns a MongoDB change event into a flat record a table can hold. */
export const MONGODB_FLATTEN_TRANSFORM = "io.debezium.connector.mongodb.transforms.ExtractNewDocumentState";

/** `insert.mode`. */
export const INSERT_MODES = ["insert", "upsert", "update"] as const;
export type InsertMode = (typeof INSERT_MODES)[number];

/** `primary.key.mode`. */
export const PRIMARY_KEY_MODES = ["none", "kafka", "record_key", "record_value", "record_header"] as const;
export type PrimaryKeyMode = (typeof PRIMARY_KEY_MODES)[number];

/** `schema.evolution`. */
export const SCHEMA_EVOLUTION_MODES = ["none", "basic"] as const;
export type SchemaEvolution = (typeof SCHEMA_EVOLUTION_MODES)[number];

/** JDBC URL schemes whose drivers the Connect image carries (images/kafka). */
const JDBC_URL_SCHEMES = ["jdbc:postgresql:", "jdbc:mysql:", "jdbc:mariadb:"];

/**
 * What lets a sink task ride out a restart of the database it writes to. Without it, the task's pooled
 * connection is broken after the restart, its next write fails (`Broken pipe`), the task is FAILED and
 * Connect never restarts it. With it, the pool (c3p0) tests each connection as it is handed out and
 * replaces a dead one, and a write that meets a broken connection is retried (`flush.max.retries`, default
 * 5 × 1 s) instead of failing the task. Checked by restarting PostgreSQL (tests/integration/twoway.test.ts).
 */
export const SINK_RECONNECT = {
    "hibernate.c3p0.testConnectionOnCheckout": "true",
    "connection.restart.on.errors": "true",
} as const;

/** The database a JDBC sink writes to. */
export interface JdbcTarget {
    /** `connection.url`, e.g. `jdbc:postgresql://10.0.0.12:5432/app`; without credentials. */
    readonly url: pulumi.Input<string>;
    readonly user: pulumi.Input<string>;
    /** Name of the user's password in the platform stack's `cdc-sync:connectorSecrets`. */
    readonly passwordSecret: string;
}

/** A Debezium JDBC sink. Exactly one of `topics`, `topicsRegex` and `from` says what it consumes. */
export interface JdbcSinkSpec extends CommonSpec {
    readonly connection: JdbcTarget;
    readonly topics?: readonly string[];
    readonly topicsRegex?: string;
    /**
     * Source connectors whose table topics (`<prefix>.<schema>.<table>`) it consumes: becomes a
     * `topics.regex` that leaves out their other topics (transaction metadata, heartbeats), which the sink
     * cannot write. A MongoDB source among them requires the flattening transform in `transforms`.
     */
    readonly from?: readonly SourceRef[];
    /** `insert.mode`: `upsert` for idempotent replay (needs a primary key mode other than `none`). */
    readonly insertMode: InsertMode;
    /** `primary.key.mode`: `record_key` takes the source table's key, and is what deletes need. */
    readonly primaryKeyMode: PrimaryKeyMode;
    /** `primary.key.fields`: a subset of the key or value fields as the primary key. */
    readonly primaryKeyFields?: readonly string[];
    /** `delete.enabled`: delete rows on delete events and tombstones; needs `primaryKeyMode: "record_key"`. */
    readonly deleteEnabled?: boolean;
    readonly truncateEnabled?: boolean;
    /** `schema.evolution`: `basic` creates missing tables and adds missing columns. */
    readonly schemaEvolution?: SchemaEvolution;
    readonly quoteIdentifiers?: boolean;
    /** `collection.name.format`: target table name, e.g. `${source.table}`; default `${topic}`. */
    readonly collectionNameFormat?: string;
    readonly batchSize?: number;
    /** `use.time.zone`; default UTC. */
    readonly useTimeZone?: string;
    /** `tasks.max`: parallel tasks (partitions are spread over them); default 1. */
    readonly tasksMax?: number;
    /**
     * With `from` or `topicsRegex`: how often the sink's consumer looks for new matching topics
     * (`consumer.override.metadata.max.age.ms`); default 30000. A source creates its topics when it first
     * writes, usually after the sink subscribed, and Kafka's own default would leave them unread for 5 minutes.
     */
    readonly topicDiscoveryIntervalMs?: number;
    /** Ride out a restart of the target database ({@link SINK_RECONNECT}); default true. */
    readonly reconnect?: boolean;
}

/** A regular expression matching exactly the table topics of `sources`. */
export function tableTopicsRegex(sources: readonly SourceRef[]): string {
    // Topic prefixes hold only letters, digits, '.', '_' and '-' (rules.ts): '.' is the one to escape.
    const prefixes = sources.map((s) => s.topicPrefix.replace(/\./g, "\\."));
    const alternatives = prefixes.length === 1 ? prefixes[0] : `(${prefixes.join("|")})`;
    return `${alternatives}\\.[^.]+\\.[^.]+`;
}

/** The Connect config of a JDBC sink named `connectorName`. Throws ConnectorArgsError. */
export function jdbcSinkConfig(connectorName: string, spec: JdbcSinkSpec): ConnectorConfig {
    const problems: string[] = [];
    const from = spec.from ?? [];
    const selectors = [spec.topics !== undefined, spec.topicsRegex !== undefined, spec.from !== undefined].filter(Boolean).length;
    if (selectors !== 1) problems.push("topics: set exactly one of topics, topicsRegex and from");
    if (spec.from !== undefined && from.length === 0) problems.push("from: expected at least one source");
    const flattened = (spec.transforms ?? []).some((t) => t.type === MONGODB_FLATTEN_TRANSFORM);
    for (const [i, s] of from.entries()) {
        if (s.connectorClass === MONGODB_CONNECTOR_CLASS && !flattened) {
            problems.push(
                `transforms: from[${i}] is a MongoDB source (topic prefix ${s.topicPrefix}), whose events hold the ` +
                    `document as one JSON string; add a transform of type ${MONGODB_FLATTEN_TRANSFORM}`,
            );
        }
    }
    return assemble(
        connectorName,
        {
            "connector.class": JDBC_SINK_CONNECTOR_CLASS,
            "connection.url": spec.connection.url,
            "connection.username": spec.connection.user,
            "connection.password": secretRef(spec.connection.passwordSecret),
            topics: list(spec.topics),
            "topics.regex": spec.from !== undefined && from.length > 0 ? tableTopicsRegex(from) : spec.topicsRegex,
            "insert.mode": spec.insertMode,
            "primary.key.mode": spec.primaryKeyMode,
            "primary.key.fields": list(spec.primaryKeyFields),
            "delete.enabled": spec.deleteEnabled,
            "truncate.enabled": spec.truncateEnabled,
            "schema.evolution": spec.schemaEvolution,
            "quote.identifiers": spec.quoteIdentifiers,
            "collection.name.format": spec.collectionNameFormat,
            "batch.size": spec.batchSize,
            "use.time.zone": spec.useTimeZone,
            "tasks.max": spec.tasksMax,
            "consumer.override.metadata.max.age.ms": spec.topics === undefined ? (spec.topicDiscoveryIntervalMs ?? 30000) : undefined,
            ...(spec.reconnect === false ? {} : SINK_RECONNECT),
        },
        spec,
        problems,
    );
}

function jdbcSinkProblems(v: ConfigView): Problem[] {
    const problems: Problem[] = [];
    const url = v.known("connection.url");
    if (url !== undefined) {
        // Never echo the URL: it might hold the very password the second rule is about.
        if (!JDBC_URL_SCHEMES.some((s) => url.startsWith(s))) {
            problems.push({ field: "connection.url", message: `expected a URL starting with ${JDBC_URL_SCHEMES.join(", ")} (the drivers installed)` });
        }
        if (/[?&;]password=/i.test(url) || /\/\/[^/@]*:[^/@]*@/.test(url)) {
            problems.push({ field: "connection.url", message: "holds a password; set connection.password to a secret reference instead" });
        }
    }
    // Both rules depend on the key mode; while a preview does not know it yet, they wait for `up`.
    if (v.unknown.has("primary.key.mode")) return problems;
    const keyMode = v.config["primary.key.mode"] ?? "none";
    if (v.known("delete.enabled")?.toLowerCase() === "true" && keyMode !== "record_key") {
        problems.push({ field: "delete.enabled", message: `true needs primary.key.mode=record_key (deletes are keyed by the record key), got ${keyMode}` });
    }
    const insertMode = v.known("insert.mode");
    if ((insertMode === "upsert" || insertMode === "update") && keyMode === "none") {
        problems.push({ field: "insert.mode", message: `${insertMode} needs a key: set primary.key.mode to record_key, record_value, record_header or kafka` });
    }
    return problems;
}

export const JDBC_SINK_RULES: ClassRules = {
    className: JDBC_SINK_CONNECTOR_CLASS,
    role: "sink",
    required: ["connection.url", "connection.username"],
    enums: { "insert.mode": INSERT_MODES, "primary.key.mode": PRIMARY_KEY_MODES, "schema.evolution": SCHEMA_EVOLUTION_MODES },
    valuesInstead: FOREIGN_JDBC_SINK_VALUES,
    booleans: ["delete.enabled", "truncate.enabled", "quote.identifiers", "use.reduction.buffer", "connection.restart.on.errors"],
    exclusive: [["field.include.list", "field.exclude.list"]],
    foreign: FOREIGN_JDBC_SINK_PROPERTIES,
    check: jdbcSinkProblems,
    // Nothing but the class (and the name, for every connector) forces a new sink: offsets are per topic
    // partition, so new topics, tables or modes apply in place.
    replaceOn: [],
};
