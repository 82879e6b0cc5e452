// Debezium 3.2 MongoDB source change events as they sit in Kafka with the workers' JsonConverter
// (schemas enabled): the exact key and value schemas MongoDbSchema, MongoDbSchemaFactory and
// MongoDbSourceInfoStructMaker build, so a sink under test sees what a live MongoDB source would send.
// Lets the MySQL half of topology A be tested end to end where no MongoDB server can run.

type JsonSchema = Record<string, unknown>;

const str = (field: string, optional: boolean): JsonSchema => ({ type: "string", optional, field });
const i64 = (field: string, optional: boolean): JsonSchema => ({ type: "int64", optional, field });
const json = (field: string): JsonSchema => ({ type: "string", optional: true, name: "io.debezium.data.Json", version: 1, field });

function keySchema(topic: string): JsonSchema {
    return { type: "struct", fields: [str("id", false)], optional: false, name: `${topic}.Key` };
}

function valueSchema(topic: string): JsonSchema {
    return {
        type: "struct",
        optional: false,
        name: `${topic}.Envelope`,
        fields: [
            json("before"),
            json("after"),
            {
                type: "struct",
                optional: true,
                name: "io.debezium.connector.mongodb.changestream.updatedescription",
                version: 1,
                field: "updateDescription",
                fields: [
                    { type: "array", items: { type: "string", optional: false }, optional: true, field: "removedFields" },
                    json("updatedFields"),
                    {
                        type: "array",
                        items: {
                            type: "struct",
                            optional: false,
                            name: "io.debezium.connector.mongodb.changestream.truncatedarray",
                            version: 1,
                            fields: [str("field", false), { type: "int32", optional: false, field: "size" }],
                        },
                        optional: true,
                        field: "truncatedArrays",
                    },
                ],
            },
            {
                type: "struct",
                optional: false,
                name: "io.debezium.connector.mongo.Source",
                version: 1,
                field: "source",
                fields: [
                    str("version", false),
                    str("connector", false),
                    str("name", false),
                    i64("ts_ms", false),
                    {
                        type: "string",
                        optional: true,
                        name: "io.debezium.data.Enum",
                        version: 1,
                        parameters: { allowed: "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental" },
                        default: "false",
                        field: "snapshot",
                    },
                    str("db", false),
                    str("sequence", true),
                    i64("ts_us", true),
                    i64("ts_ns", true),
                    str("collection", false),
                    { type: "int32", optional: false, field: "ord" },
                    str("lsid", true),
                    i64("txnNumber", true),
                    i64("wallTime", true),
                ],
            },
            str("op", true),
            i64("ts_ms", true),
            {
                type: "struct",
                optional: true,
                name: "event.block",
                version: 1,
                field: "transaction",
                fields: [str("id", false), i64("total_order", false), i64("data_collection_order", false)],
            },
        ],
    };
}

export interface Collection {
    /** `<topic.prefix>.<db>.<collection>` */
    readonly topic: string;
    readonly prefix: string;
    readonly db: string;
    readonly collection: string;
}

export interface Message {
    key: string;
    value: string | null;
}

/**
 * A change of one document. `id` is the key's `_id` as the source writes it (relaxed extended JSON, e.g.
 * `{"$oid": "65..."}`); `after` the full document as it writes it (strict extended JSON), absent on delete;
 * `updated` the update description's changed fields on an update.
 */
export function change(c: Collection, op: "c" | "u" | "d", id: string, after: string | undefined, ord: number, updated?: string): Message {
    const now = Date.now();
    const payload = {
        before: null,
        after: after ?? null,
        updateDescription: op === "u" ? { removedFields: [], updatedFields: updated ?? null, truncatedArrays: [] } : null,
        source: {
            version: "3.2.0.Final",
            connector: "mongodb",
            name: c.prefix,
            ts_ms: now,
            snapshot: "false",
            db: c.db,
            sequence: null,
            ts_us: now * 1000,
            ts_ns: now * 1_000_000,
            collection: c.collection,
            ord,
            lsid: null,
            txnNumber: null,
            wallTime: now,
        },
        op,
        ts_ms: now,
        transaction: null,
    };
    return {
        key: JSON.stringify({ schema: keySchema(c.topic), payload: { id } }),
        value: JSON.stringify({ schema: valueSchema(c.topic), payload }),
    };
}

/** The tombstone the source writes after a delete (tombstones.on.delete, the default). */
export function tombstone(c: Collection, id: string): Message {
    return { key: JSON.stringify({ schema: keySchema(c.topic), payload: { id } }), value: null };
}
