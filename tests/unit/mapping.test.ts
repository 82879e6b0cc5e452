// Table-driven tests of how MongoDB documents land in MySQL/MariaDB: topic and table names, the sink's
// transform chain per layout and flavor, and the connector configurations that depend on them.
import * as assert from "assert";
import {
    MappingError,
    mongoSourceConfig,
    MongoToMySqlMapping,
    mongoToMySqlSinkConfig,
    routes,
    tableName,
    topicName,
} from "../../components/pipelines/mongoToMySql/mapping";

const SHOP: MongoToMySqlMapping = { topicPrefix: "mongo", database: "shop", collections: ["customers", "order-items"] };

const SINK = { jdbcUrl: "jdbc:mariadb://10.0.0.12:3306/shop", user: "cdc_sink", passwordSecret: "mysql-sink" };

/** The transform chain and its predicates, as Connect stores them in the sink's config. */
function sinkTransforms(m: MongoToMySqlMapping, flavor: "mariadb" | "mysql"): Record<string, string> {
    return Object.fromEntries(Object.entries(mongoToMySqlSinkConfig(m, flavor, SINK)).filter(([k]) => /^(transforms|predicates)($|\.)/.test(k)));
}

function problems(m: MongoToMySqlMapping): string[] {
    try {
        routes(m);
    } catch (e) {
        assert.ok(e instanceof MappingError, `expected MappingError, got ${e}`);
        return [...e.problems];
    }
    return [];
}

describe("MongoDB -> MySQL mapping", () => {
    describe("names", () => {
        const cases: [string, string, string, string][] = [
            // [collection, database, topic, default table]
            ["customers", "shop", "mongo.shop.customers", "customers"],
            ["Order-Items", "shop", "mongo.shop.Order-Items", "order_items"],
            ["a.b", "shop", "mongo.shop.a.b", "a_b"],
            ["café", "shop", "mongo.shop.caf_", "caf_"],
            ["with space", "my db", "mongo.my_db.with_space", "with_space"],
        ];
        for (const [collection, database, topic, table] of cases) {
            it(`${database}.${collection} -> topic ${topic}, table ${table}`, () => {
                assert.strictEqual(topicName("mongo", database, collection), topic);
                assert.strictEqual(tableName(collection), table);
            });
        }

        it("routes every collection, honouring explicit table names", () => {
            assert.deepStrictEqual(routes({ ...SHOP, tables: { customers: "clients" } }), [
                { collection: "customers", topic: "mongo.shop.customers", table: "clients" },
                { collection: "order-items", topic: "mongo.shop.order-items", table: "order_items" },
            ]);
        });
    });

    describe("invalid mappings name the field", () => {
        const cases: { name: string; mapping: MongoToMySqlMapping; error: RegExp }[] = [
            { name: "no collections", mapping: { ...SHOP, collections: [] }, error: /^collections: expected at least one collection$/ },
            { name: "bad topic prefix", mapping: { ...SHOP, topicPrefix: "a b" }, error: /^topicPrefix: expected letters/ },
            { name: "bad database", mapping: { ...SHOP, database: "a.b" }, error: /^database: expected a MongoDB database name/ },
            { name: "system collection", mapping: { ...SHOP, collections: ["system.views"] }, error: /^collections: "system.views" is not a capturable/ },
            {
                name: "two collections, one table",
                mapping: { ...SHOP, collections: ["Orders", "orders"] },
                error: /^tables\.orders: table orders is already the table of collection Orders$/,
            },
            {
                name: "explicit table clashes with a default one",
                mapping: { ...SHOP, tables: { customers: "order_items" } },
                error: /^tables\.order-items: table order_items is already the table of collection customers$/,
            },
            { name: "table name too long", mapping: { ...SHOP, tables: { customers: "t".repeat(65) } }, error: /^tables\.customers: expected 1-64 letters/ },
            { name: "table name starting with a digit", mapping: { ...SHOP, collections: ["2024"] }, error: /^tables\.2024: expected 1-64 letters/ },
            { name: "table for an unknown collection", mapping: { ...SHOP, tables: { orders: "o" } }, error: /^tables\.orders: not one of the collections/ },
            {
                name: "two collections, one topic",
                mapping: { ...SHOP, collections: ["a b", "a_b"], tables: { "a b": "ab" } },
                error: /^collections: a_b and a b share the topic mongo\.shop\.a_b$/,
            },
        ];
        for (const c of cases) {
            it(c.name, () => {
                const got = problems(c.mapping);
                assert.ok(got.some((p) => c.error.test(p)), `expected ${c.error}, got ${JSON.stringify(got)}`);
            });
        }
    });

    describe("sink transform chain", () => {
        const unwrap = {
            "transforms.unwrap.type": "io.debezium.connector.mongodb.transforms.ExtractNewDocumentState",
            "transforms.unwrap.delete.tombstone.handling.mode": "tombstone",
            "transforms.unwrap.array.encoding": "document",
        };
        const tail = {
            "transforms.keyIsId.type": "org.apache.kafka.connect.transforms.ReplaceField$Key",
            "transforms.keyIsId.renames": "id:_id",
            "transforms.table0.type": "org.apache.kafka.connect.transforms.RegexRouter",
            "transforms.table0.regex": "^mongo\\.shop\\.customers$",
            "transforms.table0.replacement": "customers",
            "transforms.table1.type": "org.apache.kafka.connect.transforms.RegexRouter",
            "transforms.table1.regex": "^mongo\\.shop\\.order-items$",
            "transforms.table1.replacement": "order_items",
        };
        const keepDocument = {
            predicates: "isTombstone",
            "predicates.isTombstone.type": "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
            "transforms.keepDocument.type": "org.apache.kafka.connect.transforms.HeaderFrom$Value",
            "transforms.keepDocument.fields": "after",
            "transforms.keepDocument.headers": "cdc-sync.document",
            "transforms.keepDocument.operation": "copy",
            "transforms.keepDocument.predicate": "isTombstone",
            "transforms.keepDocument.negate": "true",
            "transforms.onlyId.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
            "transforms.onlyId.include": "_id",
            "transforms.restoreDocument.type": "io.debezium.transforms.HeaderToValue",
            "transforms.restoreDocument.headers": "cdc-sync.document",
            "transforms.restoreDocument.fields": "document",
            "transforms.restoreDocument.operation": "move",
        };
        const cases: { name: string; mapping: MongoToMySqlMapping; flavor: "mariadb" | "mysql"; want: Record<string, string> }[] = [
            {
                name: "document layout (the default) on MariaDB: the JSON loses its logical type, MariaDB has no CAST AS JSON",
                mapping: SHOP,
                flavor: "mariadb",
                want: {
                    transforms: "keepDocument,unwrap,onlyId,restoreDocument,plainJson,keyIsId,table0,table1",
                    ...keepDocument,
                    ...unwrap,
                    "transforms.plainJson.type": "org.apache.kafka.connect.transforms.Cast$Value",
                    "transforms.plainJson.spec": "document:string",
                    ...tail,
                },
            },
            {
                name: "document layout on MySQL: a native JSON column",
                mapping: { ...SHOP, layout: "document" },
                flavor: "mysql",
                want: { transforms: "keepDocument,unwrap,onlyId,restoreDocument,keyIsId,table0,table1", ...keepDocument, ...unwrap, ...tail },
            },
            {
                name: "flatten layout: nested fields and array elements as columns, the same on both flavors",
                mapping: { ...SHOP, layout: "flatten" },
                flavor: "mariadb",
                want: {
                    transforms: "unwrap,keyIsId,table0,table1",
                    ...unwrap,
                    "transforms.unwrap.flatten.struct": "true",
                    "transforms.unwrap.flatten.struct.delimiter": "_",
                    ...tail,
                },
            },
        ];
        for (const c of cases) {
            it(c.name, () => assert.deepStrictEqual(sinkTransforms(c.mapping, c.flavor), c.want));
        }
        it("flatten is the same on MySQL", () => {
            assert.deepStrictEqual(sinkTransforms({ ...SHOP, layout: "flatten" }, "mysql"), sinkTransforms({ ...SHOP, layout: "flatten" }, "mariadb"));
        });
    });

    it("sink connector: upserts and deletes by _id, creates tables, writes the mapped topics", () => {
        const cfg = mongoToMySqlSinkConfig(SHOP, "mariadb", SINK);
        const { transforms: _t, ...rest } = cfg;
        const own = Object.fromEntries(Object.entries(rest).filter(([k]) => !k.startsWith("transforms.") && !k.startsWith("predicates")));
        assert.deepStrictEqual(own, {
            "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
            "tasks.max": "1",
            topics: "mongo.shop.customers,mongo.shop.order-items",
            "connection.url": "jdbc:mariadb://10.0.0.12:3306/shop",
            "connection.username": "cdc_sink",
            "connection.password": "${file:/etc/cdc-sync/secrets/connectors.properties:mysql-sink}",
            "insert.mode": "upsert",
            "delete.enabled": "true",
            "primary.key.mode": "record_key",
            "primary.key.fields": "_id",
            "schema.evolution": "basic",
            "collection.name.format": "${topic}",
            "hibernate.c3p0.testConnectionOnCheckout": "true",
            "connection.restart.on.errors": "true",
        });
    });

    it("source connector: one database's change stream, full documents on updates, broker-default topics", () => {
        assert.deepStrictEqual(
            mongoSourceConfig(SHOP, { connectionString: "mongodb://10.0.0.11:27017/?replicaSet=rs0", user: "debezium", passwordSecret: "mongodb-debezium" }),
            {
                "connector.class": "io.debezium.connector.mongodb.MongoDbConnector",
                "tasks.max": "1",
                "mongodb.connection.string": "mongodb://10.0.0.11:27017/?replicaSet=rs0",
                "mongodb.user": "debezium",
                "mongodb.password": "${file:/etc/cdc-sync/secrets/connectors.properties:mongodb-debezium}",
                "mongodb.authsource": "admin",
                "topic.prefix": "mongo",
                "capture.scope": "database",
                "capture.target": "shop",
                "collection.include.list": "shop\\.customers,shop\\.order-items",
                "capture.mode": "change_streams_update_full",
                "topic.creation.default.replication.factor": "-1",
                "topic.creation.default.partitions": "-1",
            },
        );
    });
});
