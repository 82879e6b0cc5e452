// Day-2 safety, without an engine: what the rolling gates wait for, how a replication factor changes in place,
// which replacements are refused unless allowed, and the order a rolling change follows in the resource graph.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { record, recordStack, secret } from "./mocks";
import { brokerSyncProblems, handOffProblems, workerIdOf, workerSyncProblems } from "../../components/platform/rolling";
import { replicaPlan, topicProvider } from "../../components/platform/topic";
import { volumeProvider } from "../../components/docker/volume";
import { containerProvider } from "../../components/docker/container";
import { Checker } from "../../components/config/checker";
import { loadAllowances } from "../../components/stack/allow";
import { allowDestruction, observedGuard, unusedAllowances } from "../../components/dynamic/guard";
import { retryingCatalogRaces } from "../../components/databases/postgres/admin";
import { cdcSourceProvider } from "../../components/databases/postgres/cdcSource";
import { secretsDigest } from "../../components/connectors/connector";
import { loadStackConfig } from "../../components/stack/load";
import { stackFile, raw } from "../stackFiles";

describe("rolling changes: what each gate waits for", () => {
    const p = (topic: string, replicas: number[], isr: number[]) => ({ topic, partition: 0, replicas, isr });
    const brokerCases: [string, number, number[], ReturnType<typeof p>[], string[]][] = [
        ["in every ISR it belongs to", 1, [1, 2], [p("a", [1, 2], [2, 1]), p("b", [2], [2])], []],
        ["not registered yet", 2, [1], [], ["broker 2 is not registered with the cluster"]],
        ["back, but still catching up on one partition", 2, [1, 2], [p("a", [1, 2], [1])], ["a-0: replica 2 not in the ISR [1]"]],
        ["back, while another live broker lags", 1, [1, 2], [p("a", [1, 2], [1])], ["a-0: replica 2 not in the ISR [1]"]],
        ["back, with a replica on a broker that is down (not waited for)", 1, [1], [p("a", [1, 3], [1])], []],
    ];
    for (const [what, id, registered, partitions, problems] of brokerCases) {
        it(`broker ${id} ${what}: ${problems.length ? "waits" : "passes"}`, () => {
            assert.deepStrictEqual(brokerSyncProblems(id, registered, partitions), problems);
        });
    }

    const task = (state: string, id = 0) => ({ id, state, worker_id: "w" });
    const workerCases: [string, Parameters<typeof workerSyncProblems>[0], string[]][] = [
        ["every connector and task RUNNING", [{ name: "a", state: "RUNNING", tasks: [task("RUNNING")] }], []],
        ["paused and stopped as declared", [{ name: "a", state: "PAUSED", tasks: [task("PAUSED")] }, { name: "b", state: "STOPPED", tasks: [] }], []],
        ["a task still unassigned", [{ name: "a", state: "RUNNING", tasks: [task("UNASSIGNED")] }], ["a task 0: UNASSIGNED"]],
        ["a connector without its task yet", [{ name: "a", state: "RUNNING", tasks: [] }], ["a: no task assigned yet"]],
        ["a failed task", [{ name: "a", state: "RUNNING", tasks: [task("RUNNING"), task("FAILED", 1)] }], ["a task 1: FAILED"]],
        [
            "a failed task with its trace: named by the trace's first line",
            [{ name: "a", state: "RUNNING", tasks: [{ ...task("FAILED"), trace: "org.apache.kafka.connect.errors.ConnectException: Connection refused\n\tat x.y(Z.java:1)" }] }],
            ["a task 0: FAILED (org.apache.kafka.connect.errors.ConnectException: Connection refused)"],
        ],
        [
            "a failed task whose trace has causes: named by its root cause",
            [
                {
                    name: "a",
                    state: "RUNNING",
                    tasks: [
                        {
                            ...task("FAILED"),
                            trace:
                                "org.apache.kafka.connect.errors.ConnectException: Exiting WorkerSinkTask due to unrecoverable exception.\n\tat x.y(Z.java:1)\n" +
                                "Caused by: org.apache.kafka.connect.errors.ConnectException: JDBC sink connector failure\n" +
                                "Caused by: org.postgresql.util.PSQLException: FATAL: terminating connection due to unexpected postmaster exit\n\tat a.b(C.java:2)",
                        },
                    ],
                },
            ],
            ["a task 0: FAILED (org.postgresql.util.PSQLException: FATAL: terminating connection due to unexpected postmaster exit)"],
        ],
        ["a connector restarting", [{ name: "a", state: "RESTARTING", tasks: [] }], ["a: RESTARTING"]],
    ];
    for (const [what, connectors, problems] of workerCases) {
        it(`the Connect group with ${what}: ${problems.length ? "waits" : "passes"}`, () => {
            assert.deepStrictEqual(workerSyncProblems(connectors), problems);
        });
    }

    it("a worker's id in the group's status is its REST URL's host and port", () => {
        assert.strictEqual(workerIdOf("http://10.89.0.7:8083"), "10.89.0.7:8083");
    });
    const on = (worker: string, state = "RUNNING", id = 0) => ({ id, state, worker_id: worker });
    const handOffCases: [string, Parameters<typeof handOffProblems>[1], string[]][] = [
        ["everything moved to the others", [{ name: "a", state: "RUNNING", worker_id: "w1", tasks: [on("w2")] }], []],
        [
            "a connector its worker stopped on leaving, not reassigned yet",
            [{ name: "a", state: "UNASSIGNED", worker_id: "gone", tasks: [on("w2")] }],
            ["a: UNASSIGNED"],
        ],
        ["a task the status still puts on the removed worker", [{ name: "a", state: "RUNNING", worker_id: "w1", tasks: [on("gone", "RUNNING", 1)] }], ["a task 1: still on the removed worker gone"]],
        ["a paused connector still on the removed worker", [{ name: "a", state: "PAUSED", worker_id: "gone", tasks: [on("w1", "PAUSED")] }], ["a: still on the removed worker gone"]],
    ];
    for (const [what, connectors, problems] of handOffCases) {
        it(`the group after a worker left, with ${what}: ${problems.length ? "waits" : "passes"}`, () => {
            assert.deepStrictEqual(handOffProblems("gone", connectors), problems);
        });
    }
});

describe("replication factor in place: the reassignment asked for", () => {
    const parts = (...rs: number[][]) => rs.map((replicas, partition) => ({ partition, replicas }));
    const cases: [string, ReturnType<typeof parts>, number[], number, { partition: number; replicas: number[] }[]][] = [
        ["2 -> 3 on three brokers: each partition gains the third, leader kept first", parts([1, 2], [2, 1]), [1, 2, 3], 3, [
            { partition: 0, replicas: [1, 2, 3] },
            { partition: 1, replicas: [2, 1, 3] },
        ]],
        ["1 -> 2: new replicas spread over the least loaded brokers", parts([1], [1], [2]), [1, 2, 3], 2, [
            { partition: 0, replicas: [1, 3] },
            { partition: 1, replicas: [1, 2] },
            { partition: 2, replicas: [2, 3] },
        ]],
        ["3 -> 2: the last replica goes, the leader stays", parts([3, 1, 2]), [1, 2, 3], 2, [{ partition: 0, replicas: [3, 1] }]],
        ["unchanged: nothing asked", parts([1, 2]), [1, 2], 2, []],
    ];
    for (const [what, partitions, brokers, rf, plan] of cases) {
        it(what, () => assert.deepStrictEqual(replicaPlan(partitions, brokers, rf), plan));
    }
    it("refuses a factor above the broker count", () => {
        assert.throws(() => replicaPlan(parts([1, 2]), [1, 2], 3), /replication factor 3 needs 3 brokers; the cluster has 2/);
    });
});

describe("stateful resources: replaced only when the stack allows the consequence", () => {
    const topic = { bootstrapServers: "b:9092", name: "cdc-sync-local-connect-offsets", partitions: 25, replicationFactor: 2, configs: {}, holds: "every source connector's offsets" };

    it("a topic changes its replication factor in place", async () => {
        const d = await topicProvider.diff!("t", topic, { ...topic, replicationFactor: 3, guard: { resource: "kafka-connect-offsets" } });
        assert.deepStrictEqual([d.changes, d.replaces], [true, []]);
    });
    it("a topic that would be deleted is refused, naming it and what it holds", async () => {
        await assert.rejects(
            topicProvider.diff!("t", topic, { ...topic, partitions: 5, guard: { resource: "kafka-connect-offsets" } }),
            /refusing to replace kafka-connect-offsets \(topic cdc-sync-local-connect-offsets\): changing partitions deletes the topic and every message in it \(every source connector's offsets\)\. Nothing was changed\. To accept that, set cdc-sync:allowDestructive\.kafka-connect-offsets: delete-topic/,
        );
    });
    it("...and replaced once that consequence is allowed for it, and only that one", async () => {
        const allowed = await topicProvider.diff!("t", topic, { ...topic, name: "x", guard: { resource: "kafka-connect-offsets", allowed: "delete-topic" } });
        assert.deepStrictEqual(allowed.replaces, ["name"]);
        await assert.rejects(topicProvider.diff!("t", topic, { ...topic, name: "x", guard: { resource: "kafka-connect-offsets", allowed: "delete-volume" } }), /refusing/);
    });

    const volume = { engine: { kind: "local" as const }, name: "cdc-sync-local-broker-1-data", labels: { "io.cdc-sync.stack": "local" }, holds: "broker 1's log" };
    it("a volume under a new name is refused: new, empty storage", async () => {
        await assert.rejects(
            volumeProvider.diff!("v", volume, { ...volume, name: "other", guard: { resource: "kafka-broker-1-data" } }),
            /refusing to replace kafka-broker-1-data \(volume cdc-sync-local-broker-1-data\): changing name deletes the volume and every file on it \(broker 1's log\)/,
        );
    });
    it("a volume on an engine that does not hold it is refused", async () => {
        const elsewhere = { kind: "unix" as const, socketPath: "/nonexistent/cdc-sync-test.sock" };
        await assert.rejects(volumeProvider.diff!("v", volume, { ...volume, engine: elsewhere, guard: { resource: "v" } }), /changing engine deletes the volume/);
    });
    it("a volume's new labels are stored, not a replacement", async () => {
        const d = await volumeProvider.diff!("v", volume, { ...volume, labels: { "io.cdc-sync.stack": "local", x: "y" } });
        assert.deepStrictEqual([d.changes, d.replaces], [true, []]);
    });

    const container = {
        engine: { kind: "local" as const },
        name: "cdc-sync-local-broker-1",
        image: "sha256:a",
        args: ["broker"],
        env: { CDC_HEAP: "-Xmx512m" },
        volumes: {},
        labels: {},
        memoryMiB: 1024,
        ready: { address: "127.0.0.11", port: 9092, timeoutSeconds: 60 },
        containerId: "c1",
        state: "running",
    };
    it("a container's new settings are an update (recreated in place, in dependency order), not a replacement", async () => {
        const d = await containerProvider.diff!("c1", container, { ...container, env: { CDC_HEAP: "-Xmx768m" } });
        assert.deepStrictEqual([d.changes, d.replaces], [true, []]);
    });
    it("a container on another engine or under another name is a replacement", async () => {
        const d = await containerProvider.diff!("c1", container, { ...container, name: "other" });
        assert.deepStrictEqual(d.replaces, ["name"]);
    });
});

describe("a table added to a running one-way PostgreSQL source: refused unless its missing rows are accepted", () => {
    const source = {
        connection: { host: "127.0.0.12", port: 5432, user: "postgres", database: "shop" },
        adminPassword: "a",
        rolePassword: "r",
        spec: { role: "repl_pg_repl", publication: "repl_pg", slot: "repl_pg", tables: [{ schema: "public", name: "orders" }] },
    };
    const more = { ...source.spec, tables: [...source.spec.tables, { schema: "public", name: "returns" }] };
    it("is refused at preview, naming the table and that its rows would not be copied", async () => {
        await assert.rejects(
            cdcSourceProvider.diff!("s", source, { ...source, spec: more, guard: { resource: "repl-pg-cdc" } }),
            /refusing to change repl-pg-cdc \(slot repl_pg of shop on 127\.0\.0\.12:5432\): adding public\.returns captures the table from now on only: the rows it already holds are not copied\. Nothing was changed\. To accept that, set cdc-sync:allowDestructive\.repl-pg-cdc: no-backfill/,
        );
    });
    it("is an update once that is accepted; removing a table is an update", async () => {
        const d = await cdcSourceProvider.diff!("s", source, { ...source, spec: more, guard: { resource: "repl-pg-cdc", allowed: "no-backfill" } });
        assert.deepStrictEqual([d.changes, d.replaces], [true, []]);
        const fewer = await cdcSourceProvider.diff!("s", { ...source, spec: more }, { ...source, guard: { resource: "repl-pg-cdc" } });
        assert.deepStrictEqual([fewer.changes, fewer.replaces], [true, []]);
    });
});

describe("cdc-sync:allowDestructive", () => {
    it("reads a consequence per resource name", () => {
        const c = new Checker();
        assert.deepStrictEqual(loadAllowances(c, { "kafka-connect-offsets": "delete-topic" }), { "kafka-connect-offsets": "delete-topic" });
        assert.deepStrictEqual(c.problems, []);
    });
    it("rejects a word that is no consequence, naming the key path and the words", () => {
        const config = stackFile("local");
        assert.throws(
            () => loadStackConfig(raw({ ...Object.fromEntries(Object.entries(config.values).map(([k, v]) => [k, JSON.parse(v!)])), allowDestructive: { "kafka-connect-offsets": "yes" } })),
            /cdc-sync:allowDestructive\.kafka-connect-offsets: expected the consequence to accept for resource kafka-connect-offsets, one of "delete-topic", "delete-volume", "drop-slot", "resnapshot", "no-backfill", got "yes"/,
        );
    });
});

describe("cdc-sync:allowDestructive on the resources (mocks)", () => {
    it("sets the consequence on the guard of the resource it names, and on no other", async () => {
        const local = Object.fromEntries(Object.entries(stackFile("local").values).map(([k, v]) => [k, JSON.parse(v!)]));
        const rs = await recordStack({ ...local, allowDestructive: { "kafka-connect-offsets": "delete-topic" } }).finally(() => allowDestruction({}));
        const guards = Object.fromEntries(rs.filter((r) => r.inputs.guard).map((r) => [r.name, r.inputs.guard.allowed]));
        assert.strictEqual(guards["kafka-connect-offsets"], "delete-topic");
        assert.deepStrictEqual(Object.entries(guards).filter(([n, a]) => a !== undefined && n !== "kafka-connect-offsets"), []);
        assert.ok(Object.keys(guards).length > 10, `guarded resources: ${Object.keys(guards).join(", ")}`);
    });
    it("names what it allows for no resource the stack has (a typo): the program warns", async () => {
        const local = Object.fromEntries(Object.entries(stackFile("local").values).map(([k, v]) => [k, JSON.parse(v!)]));
        await recordStack({ ...local, allowDestructive: { "kafka-connect-offsets": "delete-topic", "kafka-conect-status": "delete-topic" } });
        assert.deepStrictEqual(unusedAllowances(), ["kafka-conect-status"]);
        allowDestruction({});
    });
});

describe("rolling changes: the order in the resource graph (mocks)", () => {
    it("registers each broker's container after the previous broker's gate, and each worker's after the previous worker's", async () => {
        const { KafkaPlatform } = await import("../../components/platform/platform");
        const rs = await record(async () => new KafkaPlatform("kafka", { config: loadStackConfig(stackFile("local")), stack: "local", connectorSecrets: pulumi.secret({}) }).connect.plugins);
        // Containers and gates only: a broker's component has its container's name.
        const order = rs.filter((r) => /docker:Container|InSync/.test(r.type)).map((r) => r.name);
        const before = (a: string, b: string) => assert.ok(order.indexOf(a) >= 0 && order.indexOf(a) < order.indexOf(b), `${a} is not registered before ${b}: ${order.join(", ")}`);
        before("kafka-broker-1", "kafka-broker-1-in-sync");
        before("kafka-broker-1-in-sync", "kafka-broker-2");
        before("kafka-broker-2-in-sync", "kafka-connect-server1");
        before("kafka-connect-server1-in-sync", "kafka-connect-server2");
    });
});

describe("PostgreSQL catalog races between the stack's own sessions", () => {
    it("runs a step again when the server aborted it for a concurrent catalog update, and passes other errors on", async () => {
        let calls = 0;
        const flaky = async () => {
            if (++calls < 3) throw new Error("tuple concurrently updated");
            return "done";
        };
        assert.strictEqual(await retryingCatalogRaces(flaky), "done");
        assert.strictEqual(calls, 3);
        let other = 0;
        await assert.rejects(
            retryingCatalogRaces(async () => {
                other++;
                throw new Error("permission denied");
            }),
            /permission denied/,
        );
        assert.strictEqual(other, 1);
    });
});

describe("refresh records drift, never refuses it", () => {
    it("a source connector whose topic prefix drifted out of band: the diff a refresh makes passes", async () => {
        const { connectorProvider } = await import("../../components/connectors/provider");
        const olds = { name: "orders", "connector.class": "io.debezium.connector.postgresql.PostgresConnector", "topic.prefix": "app", connectUrls: [], state: "running" as const, restartTrigger: "", timeoutSeconds: 60, connectorState: "RUNNING", workerId: "w", tasks: [] };
        const read = { ...olds, "topic.prefix": "app2", guard: observedGuard({ resource: "orders" }) };
        assert.deepStrictEqual((await connectorProvider.diff!("orders", olds, read)).replaces, ["topic.prefix"]);
        await assert.rejects(connectorProvider.diff!("orders", olds, { ...read, guard: { resource: "orders" } }), /refusing/);
    });
});

describe("password rotation: a connector restarts when a secret it references changes", () => {
    it("keeps a digest of exactly the secrets its config references, which changes with any of them", () => {
        const base = { "db1-sink": "a", "db2-sink": "b", other: "x" };
        const d = (values: Record<string, string>) => secretsDigest(["db2-sink", "db1-sink", "db1-sink"], values);
        assert.strictEqual(d(base), d({ ...base, other: "y" }), "a secret it does not reference changed the digest");
        assert.notStrictEqual(d(base), d({ ...base, "db1-sink": "rotated" }));
        assert.match(d(base), /^[0-9a-f]{64}$/);
    });
    it("records the digest as a secret input of the connector", async () => {
        const rs = await record(async () => {
            const { Connector } = await import("../../components/connectors/connector");
            const k = new Connector("rot-sink", {
                connectUrls: ["http://127.0.0.1:1"],
                connectorClass: "io.debezium.connector.jdbc.JdbcSinkConnector",
                config: { topics: "t", "connection.password": "${file:/etc/cdc-sync/secrets/connectors.properties:db1-sink}" },
                secretValues: pulumi.secret({ "db1-sink": "pw" }),
            });
            return k.urn;
        });
        const inputs = rs.find((r) => r.name === "rot-sink")!.inputs;
        assert.deepStrictEqual(inputs.secretsDigest, secret(secretsDigest(["db1-sink"], { "db1-sink": "pw" })));
    });
});
