// How MongoDB documents land in MySQL/MariaDB tables (topology A), as pure functions from a declared
// mapping to connector configuration: which topic each collection's changes go to, which table each lands
// in, and the transform chain the Debezium JDBC sink applies. docs/topology-a.md explains the choices.
//
// Facts the choices rest on (Debezium 3.2, Kafka 3.9; read from their sources and checked against a live
// MariaDB 11.8 in tests/integration/mysql.test.ts):
// - The MongoDB source emits the document as one JSON string (`after`, logical type io.debezium.data.Json;
//   full document on updates with capture.mode=change_streams_update_full), keyed by `{id: <_id as JSON>}`.
// - ExtractNewDocumentState turns that string into a Connect struct: nested documents become nested structs,
//   arrays become Connect arrays ('array' encoding; mixed-type arrays are rejected) or structs ('document').
// - The JDBC sink writes flat structs only: a struct or array column fails ("Failed to resolve column type
//   for schema: STRUCT"); no stock transform turns a struct into JSON text. It does write a string of logical
//   type io.debezium.data.Json, as `json` with `cast(? as json)`, which MySQL accepts and MariaDB rejects.
// - An upsert sets only the columns present in the record: a field that disappears from a document keeps
//   its old value in a per-field column.
import { escapeRegex, Transform } from "../../connectors/connectorConfig";
import { jdbcSinkConfig, JdbcSinkSpec } from "../../connectors/jdbcSink";
import { mongoSourceConfig as mongoSourceConnectorConfig, MongoSourceSpec } from "../../connectors/mongoSource";
import { configOf } from "../../connectors/normalize";
import { MySqlFlavor } from "../../databases/mysql/sql";

/**
 * - `document` (default; loses nothing): one row per document, `_id` (primary key) and `document`, the whole
 *   document as JSON text, nested documents and arrays included, in MongoDB's extended JSON (types kept).
 *   Each change rewrites the whole row, so removed fields and shrunk arrays are never left behind. Query
 *   with JSON_VALUE/JSON_EXTRACT or generated columns.
 * - `flatten`: one column per leaf (`address_city`, arrays element-wise as `tags__0`, `tags__1`). Convenient
 *   for SQL, but a field or array element that disappears keeps its old value, a field that changes type
 *   stops the sink, and wide or irregular documents make wide tables.
 */
export type DocumentLayout = "document" | "flatten";

export interface MongoToMySqlMapping {
    /** `topic.prefix` of the MongoDB source connector. */
    readonly topicPrefix: string;
    /** The MongoDB database captured (one per source connector: capture.scope=database). */
    readonly database: string;
    /** Collections that land in MySQL, one table each. */
    readonly collections: readonly string[];
    /** Table name for a collection where the default (`tableName`) is not wanted. */
    readonly tables?: Readonly<Record<string, string>>;
    /** Default `document`. */
    readonly layout?: DocumentLayout;
}

export interface CollectionRoute {
    readonly collection: string;
    /** The topic the MongoDB source writes the collection's changes to. */
    readonly topic: string;
    readonly table: string;
}

export class MappingError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`invalid MongoDB -> MySQL mapping:\n  - ${problems.join("\n  - ")}`);
        this.name = "MappingError";
    }
}

const TOPIC_PREFIX = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const TABLE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Debezium's topic for a collection: `<prefix>.<db>.<collection>`, characters Kafka refuses replaced by `_`. */
export function topicName(prefix: string, database: string, collection: string): string {
    return `${prefix}.${database}.${collection}`.replace(/[^A-Za-z0-9._-]/g, "_");
}

/**
 * The default table of a collection: lower case (table names are case-sensitive on Linux servers and not on
 * others), every character that would need quoting in SQL replaced by `_`.
 */
export function tableName(collection: string): string {
    return collection.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

/** Topic and table of every collection; throws MappingError naming each problem. */
export function routes(m: MongoToMySqlMapping): CollectionRoute[] {
    const problems: string[] = [];
    if (!TOPIC_PREFIX.test(m.topicPrefix)) problems.push(`topicPrefix: expected letters, digits, '.', '_' or '-', got ${JSON.stringify(m.topicPrefix)}`);
    if (!/^[^/\\. "$\u0000]{1,63}$/.test(m.database)) problems.push(`database: expected a MongoDB database name, got ${JSON.stringify(m.database)}`);
    if (m.collections.length === 0) problems.push("collections: expected at least one collection");
    for (const c of Object.keys(m.tables ?? {})) {
        if (!m.collections.includes(c)) problems.push(`tables.${c}: not one of the collections (${m.collections.join(", ")})`);
    }
    const byTable = new Map<string, string>();
    const byTopic = new Map<string, string>();
    const out: CollectionRoute[] = [];
    for (const collection of m.collections) {
        if (!/^[^$\u0000]+$/.test(collection) || collection.startsWith("system.")) {
            problems.push(`collections: ${JSON.stringify(collection)} is not a capturable collection name`);
            continue;
        }
        const table = m.tables?.[collection] ?? tableName(collection);
        const topic = topicName(m.topicPrefix, m.database, collection);
        if (!TABLE.test(table)) problems.push(`tables.${collection}: expected 1-64 letters, digits or '_' not starting with a digit, got ${JSON.stringify(table)}`);
        const sameTable = byTable.get(table.toLowerCase());
        if (sameTable !== undefined) problems.push(`tables.${collection}: table ${table} is already the table of collection ${sameTable}`);
        const sameTopic = byTopic.get(topic);
        if (sameTopic !== undefined) problems.push(`collections: ${collection} and ${sameTopic} share the topic ${topic}`);
        byTable.set(table.toLowerCase(), collection);
        byTopic.set(topic, collection);
        out.push({ collection, topic, table });
    }
    if (problems.length > 0) throw new MappingError(problems);
    return out;
}

/** The header that carries the raw document past ExtractNewDocumentState in the `document` layout. */
const DOCUMENT_HEADER = "cdc-sync.document";

/**
 * The sink's transform chain, and the predicates it uses (`predicates*` properties).
 * Both layouts: ExtractNewDocumentState turns a delete into a record without value, which the sink executes
 * as a DELETE by key, and drops the source's tombstone (`delete.tombstone.handling.mode=tombstone`); it
 * rewrites the key to `{id: <_id>}` with ObjectIds as their hex string; the key field is renamed to `_id`, so
 * the key column and the document's own `_id` are one column; each topic is renamed to its table.
 */
export function sinkTransforms(m: MongoToMySqlMapping, flavor: MySqlFlavor): { transforms: Transform[]; predicates: Record<string, string> } {
    const rs = routes(m);
    const layout = m.layout ?? "document";
    const transforms: Transform[] = [];
    const predicates: Record<string, string> = {};
    const add = (alias: string, type: string, config: Record<string, string>) => transforms.push({ alias, type, config });
    if (layout === "document") {
        // Copy the document's JSON text aside before ExtractNewDocumentState replaces it by a struct. A tombstone
        // has no value to copy from (HeaderFrom would fail on it), so it skips this step.
        add("keepDocument", "org.apache.kafka.connect.transforms.HeaderFrom$Value", {
            fields: "after",
            headers: DOCUMENT_HEADER,
            operation: "copy",
            predicate: "isTombstone",
            negate: "true",
        });
        predicates["predicates"] = "isTombstone";
        predicates["predicates.isTombstone.type"] = "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone";
    }
    add("unwrap", "io.debezium.connector.mongodb.transforms.ExtractNewDocumentState", {
        "delete.tombstone.handling.mode": "tombstone",
        // 'array' cannot encode arrays mixing element types (the transform fails on them); neither encoding
        // reaches MySQL as an array (the document layout keeps the JSON, flatten spreads elements into columns).
        "array.encoding": "document",
        ...(layout === "flatten" ? { "flatten.struct": "true", "flatten.struct.delimiter": "_" } : {}),
    });
    if (layout === "document") {
        add("onlyId", "org.apache.kafka.connect.transforms.ReplaceField$Value", { include: "_id" });
        add("restoreDocument", "io.debezium.transforms.HeaderToValue", { headers: DOCUMENT_HEADER, fields: "document", operation: "move" });
        if (flavor === "mariadb") {
            // Drops the io.debezium.data.Json logical type: the sink would bind it as `cast(? as json)`, which
            // MariaDB rejects. A plain string lands as LONGTEXT, which is what MariaDB's JSON type is anyway.
            add("plainJson", "org.apache.kafka.connect.transforms.Cast$Value", { spec: "document:string" });
        }
    }
    add("keyIsId", "org.apache.kafka.connect.transforms.ReplaceField$Key", { renames: "id:_id" });
    rs.forEach((r, i) => {
        add(`table${i}`, "org.apache.kafka.connect.transforms.RegexRouter", { regex: `^${escapeRegex(r.topic)}$`, replacement: r.table });
    });
    return { transforms, predicates };
}

export interface SinkConnection {
    /** From MySqlServer.jdbcUrl: its scheme selects the sink's SQL dialect. */
    readonly jdbcUrl: string;
    readonly user: string;
    /** Name of the password in the Connect workers' secrets file: the config holds only `${file:...:<name>}`. */
    readonly passwordSecret: string;
}

/** The typed arguments of the JDBC sink connector (JdbcSinkConnector) that lands `m` in a MySQL/MariaDB database. */
export function mongoToMySqlSinkSpec(m: MongoToMySqlMapping, flavor: MySqlFlavor, db: SinkConnection): JdbcSinkSpec {
    const chain = sinkTransforms(m, flavor);
    return {
        connection: { url: db.jdbcUrl, user: db.user, passwordSecret: db.passwordSecret },
        // One task keeps every change of a document in order (one partition per topic by default).
        tasksMax: 1,
        topics: routes(m).map((r) => r.topic),
        insertMode: "upsert",
        deleteEnabled: true,
        primaryKeyMode: "record_key",
        primaryKeyFields: ["_id"],
        // Creates each table on its first event and adds columns as documents grow; never drops anything.
        schemaEvolution: "basic",
        collectionNameFormat: "${topic}",
        transforms: chain.transforms,
        extra: chain.predicates,
    };
}

/** The same sink as a Connect config, as Connect stores it (for tests that talk to Connect directly). */
export function mongoToMySqlSinkConfig(m: MongoToMySqlMapping, flavor: MySqlFlavor, db: SinkConnection): Record<string, string> {
    return configOf(jdbcSinkConfig("mongodb-to-mysql-sink", mongoToMySqlSinkSpec(m, flavor, db)));
}

export interface MongoSourceConnection {
    /** A replica-set connection string without credentials (see mongodb/connectionString.ts). */
    readonly connectionString: string;
    readonly user: string;
    /** Name of the password in the Connect workers' secrets file, as for the sink. */
    readonly passwordSecret: string;
    /** Database holding `user`; default `admin`. */
    readonly authSource?: string;
}

/** The typed arguments of the MongoDB source connector (MongoSourceConnector) the mapping relies on. */
export function mongoSourceSpec(m: MongoToMySqlMapping, mongo: MongoSourceConnection): MongoSourceSpec {
    return {
        connectionString: mongo.connectionString,
        user: mongo.user,
        passwordSecret: mongo.passwordSecret,
        authSource: mongo.authSource ?? "admin",
        topicPrefix: m.topicPrefix,
        // One database's change stream: needs only `read` on it (see mongodb/users.ts), not cluster-wide privileges.
        captureScope: "database",
        captureTarget: m.database,
        collectionIncludeList: routes(m).map((r) => `${escapeRegex(m.database)}\\.${escapeRegex(r.collection)}`),
        // Updates carry the whole document: both layouts rewrite rows from it. (The default, stated because
        // with `change_streams` an update would carry only its delta.)
        captureMode: "change_streams_update_full",
        extra: { "tasks.max": 1 },
    };
}

/** The same source as a Connect config, as Connect stores it. */
export function mongoSourceConfig(m: MongoToMySqlMapping, mongo: MongoSourceConnection): Record<string, string> {
    return configOf(mongoSourceConnectorConfig("mongodb-source", mongoSourceSpec(m, mongo)));
}
