// The policy pack's rules (policy/rules.ts), table-driven: each case one resource as the analyzer hands it over,
// and the violations expected (matched by a part of each message).
import * as assert from "assert";
import { renderProperties } from "../../components/platform/properties";
import { Candidate, isLocalStack, RULES, stackOfUrn, TYPES } from "../../policy/rules";

const PG = "io.debezium.connector.postgresql.PostgresConnector";
const heartbeats = { "heartbeat.interval.ms": "10000", "heartbeat.action.query": "UPDATE cdc_sync.cdc_heartbeat SET at = now()" };
const broker = (props: Record<string, number>): Record<string, unknown> => ({
    labels: { "io.cdc-sync.stack": "prod", "io.cdc-sync.component": "broker-1" },
    env: { CDC_PROPERTIES: renderProperties({ "broker.id": 1, ...props }) },
});
const replicated = { "default.replication.factor": 2, "offsets.topic.replication.factor": 2, "transaction.state.log.replication.factor": 2, "min.insync.replicas": 1 };

const cases: [string, Candidate, string[]][] = [
    ["a password from the config provider", { type: TYPES.connector, name: "s", stack: "prod", props: { "connector.class": "x", "connection.password": "${file:/etc/cdc-sync/secrets/connectors.properties:db2-sink}" } }, []],
    ["a plain password", { type: TYPES.connector, name: "s", stack: "local", props: { "connector.class": "x", "connection.password": "hunter2" } }, ["connector s: connection.password is a plain value"]],
    ["a plain JAAS config", { type: TYPES.connector, name: "s", stack: "prod", props: { "connector.class": "x", "producer.override.sasl.jaas.config": "org.apache...ScramLoginModule required password=x;" } }, ["producer.override.sasl.jaas.config is a plain value"]],
    ["a typed connector's plain password (JdbcSink)", { type: "pulumi-nodejs:dynamic/connect:JdbcSink", name: "k", stack: "prod", props: { "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector", "connection.password": "hunter2" } }, ["connector k: connection.password is a plain value"]],
    ["a typed PostgreSQL source without heartbeats (PostgresSource)", { type: "pulumi-nodejs:dynamic/connect:PostgresSource", name: "src", stack: "prod", props: { "connector.class": PG } }, ["heartbeat.interval.ms is not set"]],
    ["a Connect gate is no connector", { type: "pulumi-nodejs:dynamic/connect:WorkerInSync", name: "g", stack: "prod", props: { password: "x" } }, []],
    ["a password key on a topic is not a connector's", { type: TYPES.topic, name: "t", stack: "local", props: { password: "x", replicationFactor: 1 } }, []],
    ["a PostgreSQL source with heartbeats", { type: TYPES.connector, name: "src", stack: "prod", props: { "connector.class": PG, ...heartbeats } }, []],
    ["a PostgreSQL source without an interval", { type: TYPES.connector, name: "src", stack: "prod", props: { "connector.class": PG, "heartbeat.action.query": "UPDATE t SET x = 1" } }, ["heartbeat.interval.ms is not set"]],
    ["a PostgreSQL source with interval 0", { type: TYPES.connector, name: "src", stack: "local", props: { "connector.class": PG, "heartbeat.interval.ms": "0" } }, ["heartbeat.interval.ms is 0"]],
    ["a one-way PostgreSQL source with heartbeats but no query", { type: TYPES.connector, name: "src", stack: "prod", props: { "connector.class": PG, "heartbeat.interval.ms": "10000" } }, []],
    ["a two-way side (origin=none) with no query", { type: TYPES.connector, name: "src", stack: "prod", props: { "connector.class": PG, "heartbeat.interval.ms": "10000", "slot.stream.params": "origin=none" } }, ["reads with origin=none but heartbeat.action.query is not set"]],
    ["a two-way side with its query", { type: TYPES.connector, name: "src", stack: "prod", props: { "connector.class": PG, ...heartbeats, "slot.stream.params": "origin=none" } }, []],
    ["a sink needs no heartbeat", { type: TYPES.connector, name: "sink", stack: "prod", props: { "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector" } }, []],
    ["a topic on one broker in prod", { type: TYPES.topic, name: "offsets", stack: "prod", props: { name: "cdc-sync-offsets", replicationFactor: 1 } }, ["topic cdc-sync-offsets: replication factor 1"]],
    ["a topic on one broker in local", { type: TYPES.topic, name: "offsets", stack: "local", props: { name: "cdc-sync-offsets", replicationFactor: 1 } }, []],
    ["a topic on one broker in local-a", { type: TYPES.topic, name: "offsets", stack: "local-a", props: { name: "o", replicationFactor: 1 } }, []],
    ["a topic on two brokers in prod", { type: TYPES.topic, name: "offsets", stack: "prod", props: { name: "o", replicationFactor: 2 } }, []],
    ["a connector making topics on one broker", { type: TYPES.connector, name: "src", stack: "prod", props: { "connector.class": "x", "topic.creation.default.replication.factor": "1" } }, ["topic.creation.default.replication.factor 1"]],
    ["a connector leaving it to the brokers", { type: TYPES.connector, name: "src", stack: "prod", props: { "connector.class": "x", "topic.creation.default.replication.factor": "-1" } }, []],
    ["a replicated broker", { type: TYPES.container, name: "broker-1", stack: "prod", props: broker(replicated) }, []],
    ["a broker on one replica", { type: TYPES.container, name: "broker-1", stack: "prod", props: broker({ ...replicated, "default.replication.factor": 1, "offsets.topic.replication.factor": 1 }) }, ["default.replication.factor 1", "offsets.topic.replication.factor 1"]],
    ["a broker whose min.insync.replicas stops writes on a broker's loss", { type: TYPES.container, name: "broker-1", stack: "prod", props: broker({ ...replicated, "min.insync.replicas": 2 }) }, ["min.insync.replicas 2 with replication factor 2"]],
    ["a container that is not a broker", { type: TYPES.container, name: "zk", stack: "prod", props: { labels: { "io.cdc-sync.component": "zookeeper" }, env: { CDC_PROPERTIES: "x=1\n" } } }, []],
];

describe("policy pack: the rules (policy/rules.ts)", () => {
    for (const [what, candidate, want] of cases) {
        it(what, () => {
            const got = Object.values(RULES).flatMap((rule) => rule.check(candidate));
            assert.strictEqual(got.length, want.length, got.join("\n"));
            want.forEach((part, i) => assert.ok(got[i].includes(part), `${got[i]} does not say ${part}`));
        });
    }
    it("reads no value of a connector but the ones it checks (the analyzer refuses a rule that reads one unknown at preview)", () => {
        const known: Record<string, unknown> = { "connector.class": PG, ...heartbeats, "connection.password": "hunter2" };
        // As @pulumi/policy hands over inputs: reading a value not yet known throws.
        const props = new Proxy({ ...known, restartTrigger: "(unknown)" }, {
            get: (o, k) => {
                if (k === "restartTrigger") throw new Error(`string value at .${k} can't be known during preview`);
                return (o as Record<string | symbol, unknown>)[k];
            },
        });
        const got = Object.values(RULES).flatMap((rule) => rule.check({ type: TYPES.connector, name: "src", stack: "prod", props }));
        assert.deepStrictEqual(got.map((m) => m.split(":")[0]), ["connector src"]);
    });
    it("reads the stack from a URN, and knows the local stacks", () => {
        assert.strictEqual(stackOfUrn("urn:pulumi:prod::cdc-sync::cdc-sync:pipelines:TwoWayPostgres$pulumi-nodejs:dynamic/connect:Connector::s"), "prod");
        assert.deepStrictEqual(["local", "local-a", "localhost", "prod"].map(isLocalStack), [true, true, false, false]);
    });
});
