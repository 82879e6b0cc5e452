// The Debezium settings that two-way sync depends on, per direction, as pure overlays for the generic
// connector configs (connection URLs, hosts and converters stay with the Connector resources). Any
// other value of these keys would reopen a loop or lose the conflict rule's guarantees.
import { escapeRegex } from "../../connectors/connectorConfig";
import { SINK_RECONNECT } from "../../connectors/jdbcSink";
import { canaryBumpSql } from "./canary";
import { signalSourceConfig } from "./signals";
import { SIGNAL_TABLE, TwoWayDatabaseSpec, originPoolSizeFor, syncTables } from "./spec";

export interface DirectionArgs {
    /** The database changes are read from, and the Debezium `topic.prefix` of its source connector. */
    readonly from: { readonly spec: TwoWayDatabaseSpec; readonly topicPrefix: string };
    /** The database changes are written into. */
    readonly into: { readonly spec: TwoWayDatabaseSpec };
    /**
     * Whether this direction's source takes the initial snapshot. Exactly one direction of a pair may:
     * snapshot reads are not origin-filtered, so snapshotting both ways would copy each side's rows back.
     */
    readonly snapshot: boolean;
    /** Sink `connection.pool.max_size`; default 2 (a sink task writes on one connection at a time). */
    readonly sinkPoolMaxSize?: number;
    /** Sink `tasks.max`; default 1. */
    readonly sinkTasks?: number;
}

/** `schema.table` of every replicated table plus cdc-sync's own, as Debezium names them. */
function captured(spec: TwoWayDatabaseSpec): { schema: string; name: string }[] {
    for (const t of spec.tables) {
        // The JDBC sink splits `${source.schema}.${source.table}` on the dot; include lists split on commas.
        if (/[.,]/.test(t.schema) || /[.,]/.test(t.name)) {
            throw new Error(`table ${t.schema}.${t.name}: names with '.' or ',' cannot be mapped by the Debezium connectors`);
        }
    }
    return [...spec.tables.map((t) => ({ schema: t.schema, name: t.name })), ...syncTables(spec)];
}

/** Debezium's topic name for a table: characters Kafka does not allow become `_`. */
export function topicFor(prefix: string, schema: string, name: string): string {
    return `${prefix}.${schema}.${name}`.replace(/[^a-zA-Z0-9._-]/g, "_");
}

/** Debezium PostgreSQL source settings for the `from` database of a direction. */
export function twoWaySourceConfig(d: DirectionArgs): Record<string, string> {
    const s = d.from.spec;
    return {
        "plugin.name": "pgoutput",
        "topic.prefix": d.from.topicPrefix,
        "database.user": s.replicationRole,
        "slot.name": s.slotName,
        // The setup created the publication (inserts and updates only); the source must not alter it.
        "publication.name": s.publicationName,
        "publication.autocreate.mode": "disabled",
        // Drops every change written by a session with a replication origin: the sink's writes.
        "slot.stream.params": "origin=none",
        "snapshot.mode": d.snapshot ? "initial" : "no_data",
        // The signal table is captured (Debezium reads signals only from captured tables), never replicated.
        "table.include.list": [...captured(s), { schema: s.syncSchema, name: SIGNAL_TABLE }]
            .map((t) => `${escapeRegex(t.schema)}\\.${escapeRegex(t.name)}`)
            .join(","),
        ...signalSourceConfig(s, d.from.topicPrefix, topicFor),
        "tombstones.on.delete": "false",
        // While only the sink writes here, every transaction is filtered out (origin=none) and the source has
        // nothing to confirm its slot by: WAL would pile up on a side that only receives. Each heartbeat bumps this
        // side's canary row, a change of its own that crosses the pair and lets the slot's confirmed LSN advance
        // (measured: tests/integration/faults). Needs the setup's version 2 grant (setup.ts).
        "heartbeat.interval.ms": "10000",
        "heartbeat.action.query": canaryBumpSql(s.syncSchema, s.side),
        "slot.drop.on.stop": "false",
        // A task started on another worker while the old one's walsender still holds the slot (a hung worker) tries
        // again every 2 s for a minute, not every 10 s for one: it streams as soon as the server lets the slot go.
        "slot.retry.delay.ms": "2000",
        "slot.max.retries": "30",
    };
}

/** Debezium JDBC sink settings for the `into` database of a direction. */
export function twoWaySinkConfig(d: DirectionArgs): Record<string, string> {
    const into = d.into.spec;
    const pool = d.sinkPoolMaxSize ?? 2;
    const tasks = d.sinkTasks ?? 1;
    const needed = originPoolSizeFor({ tasks, poolMaxSize: pool });
    if (needed > into.originPoolSize) {
        throw new Error(
            `sink into side ${into.side}: tasks.max ${tasks} x connection.pool.max_size ${pool} needs ${needed} replication origins, ` +
                `the database has originPoolSize ${into.originPoolSize}`,
        );
    }
    return {
        topics: captured(d.from.spec)
            .map((t) => topicFor(d.from.topicPrefix, t.schema, t.name))
            .join(","),
        "tasks.max": String(tasks),
        "connection.username": into.sinkRole,
        "insert.mode": "upsert",
        "primary.key.mode": "record_key",
        // Deletes arrive as tombstone rows; the sink role has no DELETE privilege anyway.
        "delete.enabled": "false",
        "truncate.enabled": "false",
        "schema.evolution": into.schemaEvolution,
        "quote.identifiers": "true",
        "collection.name.format": "${source.schema}.${source.table}",
        "connection.pool.min_size": "1",
        "connection.pool.max_size": String(pool),
        "connection.pool.acquire_increment": "1",
        "use.reduction.buffer": "false",
        // A PostgreSQL restart the stack did not make (crash, maintenance) must not stop the sync for good.
        ...SINK_RECONNECT,
    };
}

/** Checks the two specs of a pair against each other (same tables, distinct sides and roles). */
export function pairProblems(a: TwoWayDatabaseSpec, b: TwoWayDatabaseSpec): string[] {
    const out: string[] = [];
    if (a.side === b.side) out.push(`both databases have side ${a.side}: ties between equal timestamps could not be broken`);
    const tables = (s: TwoWayDatabaseSpec) => JSON.stringify(s.tables.map((t) => [t.schema, t.name, t.primaryKey]).sort());
    if (tables(a) !== tables(b)) out.push("the two databases list different tables or primary keys");
    if (a.syncSchema !== b.syncSchema) out.push("the two databases use different sync schemas: tombstones would land in a missing table");
    const names = [a.replicationRole, a.sinkRole, b.replicationRole, b.sinkRole];
    if (new Set(names).size !== names.length) out.push("roles are cluster-wide: the four roles of a pair must be distinct");
    return out;
}
