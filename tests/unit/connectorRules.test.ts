// Table-driven tests of the local rules the provider's `check` applies to every connector config: each
// Debezium cross-field rule, each enum, the vendor and legacy property names, and the credential rules.
// Each case breaks one valid config in one way and expects exactly one problem, naming the property.
import * as assert from "assert";
import { CONNECTOR_CLASSES } from "../../components/connectors/classes";
import { ConnectorConfig } from "../../components/connectors/connectorConfig";
import { jdbcSinkConfig } from "../../components/connectors/jdbcSink";
import { mongoSourceConfig } from "../../components/connectors/mongoSource";
import { configOf } from "../../components/connectors/normalize";
import { postgresSourceConfig } from "../../components/connectors/postgresSource";
import { ConfigView, configProblems, Problem } from "../../components/connectors/rules";

const rendered = (c: ConnectorConfig) => configOf(c as Record<string, unknown>);

const VALID = {
    postgres: rendered(
        postgresSourceConfig("pg", {
            database: { hostname: "10.0.0.21", user: "replicator", passwordSecret: "pg-password", dbname: "app" },
            topicPrefix: "app",
        }),
    ),
    mongo: rendered(mongoSourceConfig("mongo", { connectionString: "mongodb://10.0.0.23:27017/?replicaSet=rs0", topicPrefix: "docs" })),
    sink: rendered(
        jdbcSinkConfig("sink", {
            connection: { url: "jdbc:postgresql://10.0.0.22:5432/copy", user: "writer", passwordSecret: "sink-password" },
            topics: ["app.public.items"],
            insertMode: "upsert",
            primaryKeyMode: "record_key",
            deleteEnabled: true,
        }),
    ),
    raw: { "connector.class": "org.example.SomeConnector", "some.setting": "x" },
};

function problemsOf(config: Record<string, string | undefined>, unknown: string[] = []): Problem[] {
    const defined = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as Record<string, string>;
    return configProblems(new ConfigView(defined, new Set(unknown)), CONNECTOR_CLASSES);
}

describe("connector config rules", () => {
    for (const [kind, config] of Object.entries(VALID)) {
        it(`accepts the valid ${kind} config`, () => assert.deepStrictEqual(problemsOf(config), []));
    }

    const cases: { name: string; config: Record<string, string | undefined>; field: string; message: RegExp }[] = [
        // Enums
        { name: "an unknown PostgreSQL snapshot mode", config: { ...VALID.postgres, "snapshot.mode": "sometimes" }, field: "snapshot.mode", message: /^expected one of always, initial, .*; got "sometimes"/ },
        { name: "the deprecated snapshot mode never", config: { ...VALID.postgres, "snapshot.mode": "never" }, field: "snapshot.mode", message: /^"never" is not for PostgresConnector; use no_data/ },
        { name: "an unknown publication autocreate mode", config: { ...VALID.postgres, "publication.autocreate.mode": "auto" }, field: "publication.autocreate.mode", message: /^expected one of all_tables, disabled, filtered, no_tables/ },
        { name: "an unknown SSL mode", config: { ...VALID.postgres, "database.sslmode": "verify" }, field: "database.sslmode", message: /^expected one of disable, allow/ },
        { name: "an unknown insert mode", config: { ...VALID.sink, "insert.mode": "merge" }, field: "insert.mode", message: /^expected one of insert, upsert, update; got "merge"/ },
        { name: "an unknown primary key mode", config: { ...VALID.sink, "delete.enabled": undefined, "insert.mode": "insert", "primary.key.mode": "record.key" }, field: "primary.key.mode", message: /^expected one of none, kafka, record_key/ },
        { name: "an unknown schema evolution", config: { ...VALID.sink, "schema.evolution": "advanced" }, field: "schema.evolution", message: /^expected one of none, basic/ },
        { name: "an unknown MongoDB capture mode", config: { ...VALID.mongo, "capture.mode": "oplog" }, field: "capture.mode", message: /^expected one of change_streams/ },
        { name: "a boolean that is not one", config: { ...VALID.sink, "delete.enabled": "yes" }, field: "delete.enabled", message: /^expected true or false/ },
        // Required properties
        { name: "a PostgreSQL source without a database", config: { ...VALID.postgres, "database.dbname": undefined }, field: "database.dbname", message: /^required by PostgresConnector/ },
        { name: "a source without a topic prefix", config: { ...VALID.mongo, "topic.prefix": undefined }, field: "topic.prefix", message: /^required by MongoDbConnector/ },
        { name: "a sink without a user", config: { ...VALID.sink, "connection.username": undefined }, field: "connection.username", message: /^required by JdbcSinkConnector/ },
        { name: "a connector without a class", config: { "some.setting": "x" }, field: "connector.class", message: /^required$/ },
        // Debezium's cross-field rules
        { name: "delete.enabled without a record key", config: { ...VALID.sink, "primary.key.mode": "record_value" }, field: "delete.enabled", message: /^true needs primary\.key\.mode=record_key .*got record_value/ },
        { name: "delete.enabled with the default key mode", config: { ...VALID.sink, "insert.mode": "insert", "primary.key.mode": undefined }, field: "delete.enabled", message: /^true needs primary\.key\.mode=record_key .*got none/ },
        { name: "upsert without a key", config: { ...VALID.sink, "delete.enabled": "false", "primary.key.mode": "none" }, field: "insert.mode", message: /^upsert needs a key: set primary\.key\.mode/ },
        { name: "update without a key", config: { ...VALID.sink, "delete.enabled": undefined, "insert.mode": "update", "primary.key.mode": undefined }, field: "insert.mode", message: /^update needs a key/ },
        { name: "a sink with topics and topics.regex", config: { ...VALID.sink, "topics.regex": "app\\..*" }, field: "topics", message: /^a sink needs exactly one of topics and topics\.regex/ },
        { name: "a sink with neither topics nor topics.regex", config: { ...VALID.sink, topics: undefined }, field: "topics", message: /^a sink needs exactly one of topics and topics\.regex/ },
        { name: "a custom snapshot mode without its name", config: { ...VALID.postgres, "snapshot.mode": "custom" }, field: "snapshot.mode.custom.name", message: /^required when snapshot\.mode=custom/ },
        { name: "a custom locking mode without its name", config: { ...VALID.postgres, "snapshot.locking.mode": "custom" }, field: "snapshot.locking.mode.custom.name", message: /^required when snapshot\.locking\.mode=custom/ },
        { name: "table include and exclude lists together", config: { ...VALID.postgres, "table.include.list": "public.a", "table.exclude.list": "public.b" }, field: "table.exclude.list", message: /^cannot be set together with table\.include\.list/ },
        { name: "collection include and exclude lists together", config: { ...VALID.mongo, "collection.include.list": "a.b", "collection.exclude.list": "a.c" }, field: "collection.exclude.list", message: /^cannot be set together with collection\.include\.list/ },
        { name: "a slot name PostgreSQL refuses", config: { ...VALID.postgres, "slot.name": "Orders-Slot" }, field: "slot.name", message: /^expected 1-63 lowercase letters, digits or '_'/ },
        { name: "a topic prefix Kafka cannot use", config: { ...VALID.postgres, "topic.prefix": "app/orders" }, field: "topic.prefix", message: /^expected letters, digits, '\.', '_' or '-'/ },
        { name: "a MongoDB connection string without a replica set", config: { ...VALID.mongo, "mongodb.connection.string": "mongodb://10.0.0.23:27017/" }, field: "mongodb.connection.string", message: /^must name the replica set \(\?replicaSet=<name>\)/ },
        { name: "a MongoDB connection string that is not one", config: { ...VALID.mongo, "mongodb.connection.string": "10.0.0.23:27017" }, field: "mongodb.connection.string", message: /^expected mongodb:\/\/host/ },
        { name: "a MongoDB database scope without a target", config: { ...VALID.mongo, "capture.scope": "database" }, field: "capture.target", message: /^required when capture\.scope=database/ },
        { name: "a MongoDB collection target without a database", config: { ...VALID.mongo, "capture.scope": "collection", "capture.target": "items" }, field: "capture.target", message: /^expected <database>\.<collection>/ },
        { name: "a JDBC URL whose driver the image lacks", config: { ...VALID.sink, "connection.url": "jdbc:oracle:thin:@db:1521/x" }, field: "connection.url", message: /^expected a URL starting with jdbc:postgresql:, jdbc:mysql:, jdbc:mariadb:/ },
        { name: "a listed transform without a type", config: { ...VALID.sink, transforms: "route" }, field: "transforms.route.type", message: /^required: transform route is listed in transforms/ },
        { name: "a task count that is not one", config: { ...VALID.sink, "tasks.max": "0" }, field: "tasks.max", message: /^expected a positive integer/ },
        // Credentials
        { name: "a plain-text database password", config: { ...VALID.postgres, "database.password": "hunter2" }, field: "database.password", message: /^a credential must be a secret reference, never a plain value/ },
        { name: "a plain-text password in a raw connector", config: { ...VALID.raw, "ssl.truststore.password": "hunter2" }, field: "ssl.truststore.password", message: /^a credential must be a secret reference/ },
        { name: "a password inside the JDBC URL", config: { ...VALID.sink, "connection.url": "jdbc:postgresql://db/app?user=u&password=hunter2" }, field: "connection.url", message: /^holds a password; set connection\.password/ },
        { name: "credentials inside the MongoDB connection string", config: { ...VALID.mongo, "mongodb.connection.string": "mongodb://cdc:hunter2@db:27017/?replicaSet=rs0" }, field: "mongodb.connection.string", message: /^holds credentials; set mongodb\.user and mongodb\.password/ },
        { name: "a placeholder of a provider the workers lack", config: { ...VALID.raw, "some.setting": "${env:TOKEN}" }, field: "some.setting", message: /^\$\{env:TOKEN\} cannot be resolved by the workers/ },
        // Other vendors' JDBC sink properties, which Debezium ignores silently
        { name: "Confluent's pk.mode", config: { ...VALID.sink, "pk.mode": "record_key" }, field: "pk.mode", message: /^not a property of JdbcSinkConnector, which ignores it silently; use primary\.key\.mode/ },
        { name: "Confluent's pk.fields", config: { ...VALID.sink, "pk.fields": "id" }, field: "pk.fields", message: /use primary\.key\.fields$/ },
        { name: "Confluent's auto.create", config: { ...VALID.sink, "auto.create": "true" }, field: "auto.create", message: /use schema\.evolution=basic \(creates missing tables\)$/ },
        { name: "Confluent's auto.evolve", config: { ...VALID.sink, "auto.evolve": "true" }, field: "auto.evolve", message: /use schema\.evolution=basic \(adds missing columns\)$/ },
        { name: "Confluent's connection.user", config: { ...VALID.sink, "connection.user": "writer" }, field: "connection.user", message: /use connection\.username$/ },
        { name: "Confluent's fields.whitelist", config: { ...VALID.sink, "fields.whitelist": "a,b" }, field: "fields.whitelist", message: /use field\.include\.list$/ },
        { name: "Confluent's quote.sql.identifiers", config: { ...VALID.sink, "quote.sql.identifiers": "always" }, field: "quote.sql.identifiers", message: /use quote\.identifiers/ },
        { name: "Confluent's db.timezone", config: { ...VALID.sink, "db.timezone": "UTC" }, field: "db.timezone", message: /use use\.time\.zone$/ },
        { name: "the deprecated table.name.format", config: { ...VALID.sink, "table.name.format": "${topic}" }, field: "table.name.format", message: /use collection\.name\.format/ },
        { name: "Aiven's insert mode multi", config: { ...VALID.sink, "insert.mode": "multi" }, field: "insert.mode", message: /^"multi" is not for JdbcSinkConnector; use insert \(rows are batched by batch\.size\)/ },
        // Debezium 1.x source properties, which 2.x+ ignores silently
        { name: "database.server.name", config: { ...VALID.postgres, "database.server.name": "app" }, field: "database.server.name", message: /^removed in Debezium 2\.0 and ignored silently; use topic\.prefix/ },
        { name: "table.whitelist on a raw MySQL source", config: { "connector.class": "io.debezium.connector.mysql.MySqlConnector", "table.whitelist": "a.b" }, field: "table.whitelist", message: /use table\.include\.list$/ },
        { name: "mongodb.hosts", config: { ...VALID.mongo, "mongodb.hosts": "rs0/db:27017" }, field: "mongodb.hosts", message: /use mongodb\.connection\.string$/ },
    ];

    for (const c of cases) {
        it(`rejects ${c.name}, naming ${c.field}`, () => {
            const problems = problemsOf(c.config);
            assert.strictEqual(problems.length, 1, `expected one problem, got:\n  ${problems.map((p) => `${p.field}: ${p.message}`).join("\n  ") || "(none)"}`);
            assert.strictEqual(problems[0].field, c.field);
            assert.match(problems[0].message, c.message);
        });
    }

    it("never echoes a credential it rejects", () => {
        const problems = [
            ...problemsOf({ ...VALID.postgres, "database.password": "hunter2" }),
            ...problemsOf({ ...VALID.sink, "connection.url": "jdbc:postgresql://db/app?password=hunter2" }),
            ...problemsOf({ ...VALID.mongo, "mongodb.connection.string": "mongodb://cdc:hunter2@db:27017/?replicaSet=rs0" }),
        ];
        assert.strictEqual(problems.length, 3);
        assert.ok(!JSON.stringify(problems).includes("hunter2"));
    });

    it("reports every problem at once", () => {
        const problems = problemsOf({ ...VALID.sink, "insert.mode": "merge", "connection.username": undefined, "primary.key.mode": "none" });
        assert.deepStrictEqual(problems.map((p) => p.field).sort(), ["connection.username", "delete.enabled", "insert.mode"]);
    });

    it("waits for values a preview does not know yet instead of guessing", () => {
        // Unknown key mode: neither the delete nor the upsert rule can decide yet.
        assert.deepStrictEqual(problemsOf({ ...VALID.sink, "primary.key.mode": "?" }, ["primary.key.mode"]), []);
        assert.deepStrictEqual(problemsOf({ ...VALID.mongo, "mongodb.connection.string": "?" }, ["mongodb.connection.string"]), []);
        assert.deepStrictEqual(problemsOf({ ...VALID.postgres, "database.password": "?" }, ["database.password"]), []);
        // Unknown is still present: the required-property rule is satisfied.
        assert.deepStrictEqual(problemsOf({ ...VALID.postgres, "database.dbname": "?" }, ["database.dbname"]), []);
    });
});
