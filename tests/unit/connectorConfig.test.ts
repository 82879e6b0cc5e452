// Table-driven tests of the typed connector builders: exactly which Connect config each typed declaration
// becomes, and which declarations fail at construction (before any resource exists).
import * as assert from "assert";
import { ConnectorArgsError } from "../../components/connectors/connectorConfig";
import { JdbcSinkSpec, jdbcSinkConfig, MONGODB_FLATTEN_TRANSFORM, SINK_RECONNECT, tableTopicsRegex } from "../../components/connectors/jdbcSink";
import { MONGODB_CONNECTOR_CLASS, mongoSourceConfig, MongoSourceSpec } from "../../components/connectors/mongoSource";
import { defaultSlotName, POSTGRES_CONNECTOR_CLASS, postgresSourceConfig, PostgresSourceSpec } from "../../components/connectors/postgresSource";
import { isSecretRef, secretNamesIn, secretRef } from "../../components/connectors/secrets";

const SECRET = (name: string) => `\${file:/etc/cdc-sync/secrets/connectors.properties:${name}}`;

const PG: PostgresSourceSpec = {
    database: { hostname: "10.0.0.21", user: "replicator", passwordSecret: "pg-password", dbname: "app" },
    topicPrefix: "app",
};

const SINK: JdbcSinkSpec = {
    connection: { url: "jdbc:postgresql://10.0.0.22:5432/copy", user: "writer", passwordSecret: "sink-password" },
    topics: ["app.public.items"],
    insertMode: "upsert",
    primaryKeyMode: "record_key",
};

const MONGO: MongoSourceSpec = { connectionString: "mongodb://10.0.0.23:27017/?replicaSet=rs0", topicPrefix: "docs" };

function errorsOf(build: () => unknown): string[] {
    try {
        build();
    } catch (e) {
        assert.ok(e instanceof ConnectorArgsError, `expected ConnectorArgsError, got ${e}`);
        return [...e.problems];
    }
    return [];
}

describe("connector config builders", () => {
    it("a minimal PostgreSQL source: pgoutput, a slot and publication of its own, topics created by Connect", () => {
        assert.deepStrictEqual(postgresSourceConfig("orders-source", PG), {
            "connector.class": POSTGRES_CONNECTOR_CLASS,
            "plugin.name": "pgoutput",
            "database.hostname": "10.0.0.21",
            "database.port": 5432,
            "database.user": "replicator",
            "database.password": SECRET("pg-password"),
            "database.dbname": "app",
            "topic.prefix": "app",
            "topic.creation.default.replication.factor": -1,
            "topic.creation.default.partitions": -1,
            "slot.name": "orders_source",
            "publication.name": "orders_source_publication",
            "publication.autocreate.mode": "filtered",
        });
    });

    it("every typed PostgreSQL option lands on its Debezium property", () => {
        const config = postgresSourceConfig("s", {
            ...PG,
            database: { ...PG.database, port: 5433, sslmode: "require" },
            slotName: "slot_a",
            publicationName: "pub_a",
            publicationAutocreateMode: "disabled",
            schemaIncludeList: ["public", "sales"],
            tableIncludeList: ["public.items"],
            columnExcludeList: ["public.items.secret"],
            snapshotMode: "custom",
            snapshotModeCustomName: "mine",
            snapshotLockingMode: "none",
            decimalHandlingMode: "string",
            timePrecisionMode: "connect",
            heartbeatIntervalMs: 10000,
            topicPartitions: 3,
            slotStreamParams: { origin: "none", messages: "true" },
            transforms: [{ alias: "route", type: "org.apache.kafka.connect.transforms.RegexRouter", config: { regex: "(.*)", replacement: "x.$1" } }],
            extra: { "poll.interval.ms": 250 },
        });
        assert.deepStrictEqual(
            Object.fromEntries(Object.entries(config).filter(([k]) => !k.startsWith("database.") && k !== "connector.class" && k !== "plugin.name")),
            {
                "topic.prefix": "app",
                "heartbeat.interval.ms": 10000,
                "topic.creation.default.replication.factor": -1,
                "topic.creation.default.partitions": 3,
                "slot.name": "slot_a",
                "publication.name": "pub_a",
                "publication.autocreate.mode": "disabled",
                "schema.include.list": "public,sales",
                "table.include.list": "public.items",
                "column.exclude.list": "public.items.secret",
                "snapshot.mode": "custom",
                "snapshot.mode.custom.name": "mine",
                "snapshot.locking.mode": "none",
                "decimal.handling.mode": "string",
                "time.precision.mode": "connect",
                "slot.stream.params": "origin=none;messages=true",
                transforms: "route",
                "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
                "transforms.route.regex": "(.*)",
                "transforms.route.replacement": "x.$1",
                "poll.interval.ms": 250,
            },
        );
        assert.strictEqual(config["database.port"], 5433);
        assert.strictEqual(config["database.sslmode"], "require");
    });

    const slotNames: [string, string][] = [
        ["orders", "orders"],
        ["Orders-Source.v2", "orders_source_v2"],
        ["x".repeat(70), "x".repeat(63)],
    ];
    for (const [name, slot] of slotNames) {
        it(`derives slot name ${slot.slice(0, 20)} from connector name ${name.slice(0, 20)}`, () => {
            assert.strictEqual(defaultSlotName(name), slot);
        });
    }

    it("a MongoDB source: credentials as user plus secret reference, never in the connection string", () => {
        assert.deepStrictEqual(mongoSourceConfig("docs-source", { ...MONGO, user: "cdc", passwordSecret: "mongo-password", captureScope: "database", captureTarget: "shop" }), {
            "connector.class": MONGODB_CONNECTOR_CLASS,
            "mongodb.connection.string": "mongodb://10.0.0.23:27017/?replicaSet=rs0",
            "mongodb.user": "cdc",
            "mongodb.password": SECRET("mongo-password"),
            "topic.prefix": "docs",
            "topic.creation.default.replication.factor": -1,
            "topic.creation.default.partitions": -1,
            "capture.scope": "database",
            "capture.target": "shop",
        });
    });

    it("a JDBC sink on explicit topics", () => {
        assert.deepStrictEqual(jdbcSinkConfig("copy", { ...SINK, deleteEnabled: true, schemaEvolution: "basic", batchSize: 1000 }), {
            "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
            "connection.url": "jdbc:postgresql://10.0.0.22:5432/copy",
            "connection.username": "writer",
            "connection.password": SECRET("sink-password"),
            topics: "app.public.items",
            "insert.mode": "upsert",
            "primary.key.mode": "record_key",
            "delete.enabled": true,
            "schema.evolution": "basic",
            "batch.size": 1000,
            "hibernate.c3p0.testConnectionOnCheckout": "true",
            "connection.restart.on.errors": "true",
        });
    });

    it("a JDBC sink rides out a database restart unless told not to", () => {
        const keys = (c: object) => Object.keys(c).filter((k) => k in SINK_RECONNECT);
        assert.deepStrictEqual(keys(jdbcSinkConfig("copy", SINK)), Object.keys(SINK_RECONNECT));
        assert.deepStrictEqual(keys(jdbcSinkConfig("copy", { ...SINK, reconnect: false })), []);
    });

    it("a JDBC sink fed by sources reads exactly their table topics, and finds new ones within 30 s", () => {
        const config = jdbcSinkConfig("copy", {
            ...SINK,
            topics: undefined,
            from: [
                { connectorClass: POSTGRES_CONNECTOR_CLASS, topicPrefix: "app" },
                { connectorClass: POSTGRES_CONNECTOR_CLASS, topicPrefix: "app-2" },
            ],
        });
        assert.strictEqual(config["topics.regex"], "(app|app-2)\\.[^.]+\\.[^.]+");
        assert.strictEqual(config["consumer.override.metadata.max.age.ms"], 30000);
        assert.strictEqual(config.topics, undefined);
    });

    const topicCases: [string, string, boolean][] = [
        ["app.public.items", "app", true],
        ["app.transaction", "app", false],
        ["__debezium-heartbeat.app", "app", false],
        ["appx.public.items", "app", false],
        ["a.b.public.items", "a.b", true],
    ];
    for (const [topic, prefix, matches] of topicCases) {
        it(`the table-topic regex of prefix ${prefix} ${matches ? "matches" : "skips"} ${topic}`, () => {
            const re = new RegExp(`^${tableTopicsRegex([{ connectorClass: POSTGRES_CONNECTOR_CLASS, topicPrefix: prefix }])}$`);
            assert.strictEqual(re.test(topic), matches);
        });
    }

    const invalid: { name: string; build: () => unknown; error: RegExp }[] = [
        {
            name: "a sink fed by a MongoDB source without the flattening transform",
            build: () => jdbcSinkConfig("copy", { ...SINK, topics: undefined, from: [{ connectorClass: MONGODB_CONNECTOR_CLASS, topicPrefix: "docs" }] }),
            error: /^transforms: from\[0\] is a MongoDB source .*add a transform of type io\.debezium\.connector\.mongodb\.transforms\.ExtractNewDocumentState/,
        },
        {
            name: "a sink with both topics and from",
            build: () => jdbcSinkConfig("copy", { ...SINK, from: [{ connectorClass: POSTGRES_CONNECTOR_CLASS, topicPrefix: "app" }] }),
            error: /^topics: set exactly one of topics, topicsRegex and from/,
        },
        {
            name: "a sink with nothing to consume",
            build: () => jdbcSinkConfig("copy", { ...SINK, topics: undefined }),
            error: /^topics: set exactly one of topics, topicsRegex and from/,
        },
        {
            name: "an extra property that a typed field sets",
            build: () => postgresSourceConfig("s", { ...PG, extra: { "slot.name": "other" } }),
            error: /^extra\.slot\.name: already set by a typed field or transform/,
        },
        {
            name: "two transforms with one alias",
            build: () =>
                postgresSourceConfig("s", {
                    ...PG,
                    transforms: [
                        { alias: "t", type: "a.B" },
                        { alias: "t", type: "a.C" },
                    ],
                }),
            error: /^transforms\[1\]\.alias: t is used by an earlier transform/,
        },
        {
            name: "a transform alias Connect cannot list",
            build: () => postgresSourceConfig("s", { ...PG, transforms: [{ alias: "a,b", type: "a.B" }] }),
            error: /^transforms\[0\]\.alias: expected letters, digits/,
        },
        {
            name: "a MongoDB password without a user",
            build: () => mongoSourceConfig("m", { ...MONGO, passwordSecret: "p" }),
            error: /^passwordSecret: given without user/,
        },
    ];
    for (const c of invalid) {
        it(`rejects ${c.name}`, () => {
            const problems = errorsOf(c.build);
            assert.ok(problems.some((p) => c.error.test(p)), `no problem matched ${c.error}; got:\n  ${problems.join("\n  ") || "(accepted)"}`);
        });
    }

    it("accepts a MongoDB-fed sink that flattens documents", () => {
        const config = jdbcSinkConfig("copy", {
            ...SINK,
            topics: undefined,
            from: [{ connectorClass: MONGODB_CONNECTOR_CLASS, topicPrefix: "docs" }],
            transforms: [{ alias: "flatten", type: MONGODB_FLATTEN_TRANSFORM }],
        });
        assert.strictEqual(config["transforms.flatten.type"], MONGODB_FLATTEN_TRANSFORM);
    });

    it("finds the secret names a value references", () => {
        assert.deepStrictEqual(secretNamesIn(`user=${SECRET("a")};pw=${SECRET("b.c")};other=\${env:X}`), ["a", "b.c"]);
        assert.deepStrictEqual(secretNamesIn("plain"), []);
    });

    it("secret references name the workers' secrets file, and nothing else passes as one", () => {
        assert.strictEqual(secretRef("pg-password"), SECRET("pg-password"));
        assert.throws(() => secretRef("bad name"), /connector secret name "bad name"/);
        assert.ok(isSecretRef(SECRET("a.b_c-d")));
        for (const v of ["hunter2", "${file:/tmp/x.properties:pw}", "${env:PW}", `${SECRET("pw")}x`, "${file:/etc/cdc-sync/secrets/connectors.properties:}"]) {
            assert.ok(!isSecretRef(v), v);
        }
    });
});
