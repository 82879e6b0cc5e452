// `cdc-sync:connectors` (raw connectors) and the pass-through settings `kafka.config`, `brokers[i].config` and
// `connect.config`: table-driven, each bad entry naming its key and, for an owned property, the setting that
// controls it; and what the brokers and workers are then configured with.
import * as assert from "assert";
import { BROKER_OWNED, CONNECT_OWNED } from "../../components/config/passThrough";
import { brokerProperties, connectWorkerProperties } from "../../components/platform/properties";
import { loadStackConfig } from "../../components/stack/load";
import { errorsOf, raw, VALID } from "../stackFiles";

const HEARTBEAT = { name: "heartbeats", class: "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector", config: { "source.cluster.alias": "a", "target.cluster.alias": "b" } };
const SINK = (url: string) => ({ name: "copy", class: "io.debezium.connector.jdbc.JdbcSinkConnector", config: { "connection.url": url, topics: "t" } });

describe("cdc-sync:connectors", () => {
    it("reads a raw connector with its defaults: one task, running", () => {
        assert.deepStrictEqual(loadStackConfig(raw({ ...VALID, connectors: [HEARTBEAT] })).connectors, [
            { name: "heartbeats", key: "connectors[0]", connectorClass: HEARTBEAT.class, tasksMax: 1, config: HEARTBEAT.config, state: "running", connect: "default" },
        ]);
    });

    it("takes secrets the workers hold, as file references", () => {
        const config = { ...SINK("jdbc:postgresql://10.0.0.5:5432/x").config, "connection.password": "${file:/etc/cdc-sync/secrets/connectors.properties:copy-pw}" };
        const cfg = loadStackConfig(raw({ ...VALID, connectorSecrets: { "copy-pw": "s3cret" }, connectors: [{ ...SINK(""), config }] }, ["connectorSecrets"]));
        assert.strictEqual(cfg.connectors[0].config["connection.password"], config["connection.password"]);
    });

    const cases: { name: string; config: Record<string, unknown>; secretKeys?: string[]; error: RegExp }[] = [
        { name: "a map instead of a list", config: { ...VALID, connectors: { heartbeats: HEARTBEAT } }, error: /^cdc-sync:connectors: expected a list of connectors/ },
        { name: "no class", config: { ...VALID, connectors: [{ ...HEARTBEAT, class: undefined }] }, error: /^cdc-sync:connectors\[0\]\.class: expected a connector class installed on the workers/ },
        { name: "a name Connect cannot take", config: { ...VALID, connectors: [{ ...HEARTBEAT, name: "my connector" }] }, error: /^cdc-sync:connectors\[0\]\.name: expected a connector name/ },
        { name: "zero tasks", config: { ...VALID, connectors: [{ ...HEARTBEAT, tasksMax: 0 }] }, error: /^cdc-sync:connectors\[0\]\.tasksMax: expected a positive integer, got 0$/ },
        { name: "an unknown state", config: { ...VALID, connectors: [{ ...HEARTBEAT, state: "on" }] }, error: /^cdc-sync:connectors\[0\]\.state: expected one of "running", "paused", "stopped", got "on"$/ },
        { name: "tasks.max in the config", config: { ...VALID, connectors: [{ ...HEARTBEAT, config: { "tasks.max": 2 } }] }, error: /^cdc-sync:connectors\[0\]\.config\.tasks\.max: expected nothing: tasks\.max is set by connectors\[0\]\.tasksMax/ },
        { name: "a name in the config", config: { ...VALID, connectors: [{ ...HEARTBEAT, config: { name: "x" } }] }, error: /^cdc-sync:connectors\[0\]\.config\.name: expected a Connect property/ },
        { name: "a nested value", config: { ...VALID, connectors: [{ ...HEARTBEAT, config: { "a.b": { c: 1 } } }] }, error: /^cdc-sync:connectors\[0\]\.config\.a\.b: expected a string, number or boolean/ },
        {
            name: "a password in plain text",
            config: { ...VALID, connectors: [{ ...SINK("jdbc:postgresql://h/x"), config: { "connection.password": "hunter2" } }] },
            error: /^cdc-sync:connectors\[0\]\.config\.connection\.password: expected a secret reference \$\{file:\/etc\/cdc-sync\/secrets\/connectors\.properties:<name>\}/,
        },
        {
            name: "a secret the workers do not hold",
            config: { ...VALID, connectors: [{ ...SINK("jdbc:postgresql://h/x"), config: { "connection.password": "${file:/etc/cdc-sync/secrets/connectors.properties:nope}" } }] },
            error: /^cdc-sync:connectors\[0\]\.config\.connection\.password: expected a secret the workers hold .*, got "nope"$/,
        },
        {
            name: "a connector named like a pipeline's",
            config: {
                ...VALID,
                databases: { pg: { engine: "postgres", server: "server2" } },
                pipelines: [{ name: "tw", kind: "twoWayPostgres", postgres: "pg", tables: [{ name: "t", primaryKey: ["id"] }] }],
                connectors: [{ ...HEARTBEAT, name: "tw-db1-source" }],
            },
            error: /^cdc-sync:connectors\[0\]: its connector tw-db1-source is also cdc-sync:pipelines\[0\]'s/,
        },
        {
            name: "a MySQL sink beside a pipeline's PostgreSQL sinks",
            config: {
                ...VALID,
                databases: { pg: { engine: "postgres", server: "server2" } },
                pipelines: [{ name: "tw", kind: "twoWayPostgres", postgres: "pg", tables: [{ name: "t", primaryKey: ["id"] }] }],
                connectors: [SINK("jdbc:mariadb://10.0.0.5:3306/x")],
            },
            error: /^cdc-sync:connectors\[0\]: its mysql sink would share the Connect cluster default with the postgresql sink of cdc-sync:pipelines\[0\]/,
        },
    ];
    for (const c of cases) {
        it(`rejects ${c.name}`, () => {
            const problems = errorsOf(c.config, c.secretKeys);
            assert.ok(problems.some((p) => c.error.test(p)), `no problem matched ${c.error}; got:\n  ${problems.join("\n  ") || "(accepted)"}`);
            assert.ok(!problems.join("\n").includes("hunter2"), "a problem echoed a password");
        });
    }
});

describe("pass-through settings: kafka.config, brokers[i].config, connect.config", () => {
    const BROKER = { id: 1, address: "10.0.0.1", port: 9092, zookeeperConnect: "10.0.0.1:2181", replicationFactor: 2, minInsyncReplicas: 1 };
    const WORKER = { address: "10.0.0.1", port: 8083, bootstrapServers: "b", groupId: "g", replicationFactor: 2, configTopic: "c", offsetTopic: "o", statusTopic: "s", exactlyOnce: true };

    it("hands every broker kafka.config, and one broker its own config over it", () => {
        const cfg = loadStackConfig(
            raw({ ...VALID, kafka: { config: { "num.partitions": 3, "log.retention.hours": 24 } }, brokers: [VALID.brokers[0], { ...VALID.brokers[1], config: { "log.retention.hours": 48 } }] }),
        );
        assert.deepStrictEqual(cfg.kafka.config, { "num.partitions": 3, "log.retention.hours": 24 });
        assert.deepStrictEqual(cfg.brokers.map((b) => b.config), [{}, { "log.retention.hours": 48 }]);
        const props = brokerProperties(BROKER, { ...cfg.kafka.config, ...cfg.brokers[1].config });
        assert.deepStrictEqual([props["num.partitions"], props["log.retention.hours"], props["broker.id"]], [3, 48, 1]);
    });

    it("hands the workers connect.config", () => {
        const cfg = loadStackConfig(raw({ ...VALID, connect: { ...VALID.connect, config: { "offset.flush.interval.ms": 1000, "task.shutdown.graceful.timeout.ms": 20000 } } }));
        const props = connectWorkerProperties(WORKER, cfg.connect.config);
        assert.deepStrictEqual([props["offset.flush.interval.ms"], props["task.shutdown.graceful.timeout.ms"]], [1000, 20000]);
    });

    it("lists as owned only properties the stack really sets", () => {
        const broker = brokerProperties(BROKER);
        const worker = connectWorkerProperties(WORKER);
        assert.deepStrictEqual(Object.keys(BROKER_OWNED).filter((k) => !(k in broker)), []);
        assert.deepStrictEqual(Object.keys(CONNECT_OWNED).filter((k) => !(k in worker)), []);
    });

    const owned: [string, Record<string, unknown>, RegExp][] = [
        ["a broker property derived from kafka.replicationFactor", { kafka: { config: { "default.replication.factor": 3 } } }, /^cdc-sync:kafka\.config\.default\.replication\.factor: is set by the stack; it is controlled by cdc-sync:kafka\.replicationFactor$/],
        ["a safety property", { kafka: { config: { "unclean.leader.election.enable": true } } }, /^cdc-sync:kafka\.config\.unclean\.leader\.election\.enable: is set by the stack; it is controlled by the stack: never/],
        ["a broker's listeners", { brokers: [{ ...VALID.brokers[0], config: { listeners: "PLAINTEXT://0.0.0.0:9092" } }, VALID.brokers[1]] }, /^cdc-sync:brokers\[0\]\.config\.listeners: is set by the stack; it is controlled by cdc-sync:servers\.<server>\.address and cdc-sync:brokers\[i\]\.port$/],
        ["a worker's group id", { connect: { ...VALID.connect, config: { "group.id": "other" } } }, /^cdc-sync:connect\.config\.group\.id: is set by the stack; it is controlled by cdc-sync:connect\.groupId$/],
        ["a credential", { connect: { ...VALID.connect, config: { "ssl.keystore.password": "hunter2" } } }, /^cdc-sync:connect\.config\.ssl\.keystore\.password: is a credential/],
        ["a nested value", { kafka: { config: { "num.partitions": [3] } } }, /^cdc-sync:kafka\.config\.num\.partitions: expected a string, number or boolean/],
    ];
    for (const [name, change, error] of owned) {
        it(`refuses ${name}`, () => {
            const problems = errorsOf({ ...VALID, ...change });
            assert.ok(problems.some((p) => error.test(p)), `no problem matched ${error}; got:\n  ${problems.join("\n  ") || "(accepted)"}`);
            assert.ok(!problems.join("\n").includes("hunter2"), "a problem echoed a password");
        });
    }
});
