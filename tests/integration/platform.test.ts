// The foundation, for real: `pulumi up` of the local stack through the CLI on the container engine,
// then a real Kafka client, the real Connect REST API, a no-op second `up`, and a clean `destroy`.
import * as assert from "assert";
import axios from "axios";
import { Kafka, logLevel } from "kafkajs";
import { OutputMap } from "@pulumi/pulumi/automation";
import { openStack, ownedByStack, TestStack } from "./harness";

describe("local stack: ZooKeeper, two brokers, Connect (real pulumi up)", function () {
    this.timeout(30 * 60 * 1000);
    let t: TestStack;
    let outputs: OutputMap;
    let brokers: string[];

    before(async () => {
        t = await openStack("local");
        const up = await t.stack.up({ onOutput: t.log });
        assert.strictEqual(up.summary.result, "succeeded", `up failed; see ${t.logFile}`);
        outputs = up.outputs;
        brokers = (outputs.bootstrapServers.value as string).split(",");
    });

    after(async () => {
        if (!t) return;
        await t.stack.destroy({ onOutput: t.log });
        const left = await ownedByStack("local");
        assert.deepStrictEqual(left, { containers: [], volumes: [], networks: [] }, "destroy left things behind");
    });

    it("reports placement and endpoints as stack outputs", () => {
        assert.deepStrictEqual(brokers, ["127.0.0.11:9092", "127.0.0.12:9092"]);
        assert.strictEqual(outputs.connectRestUrl.value, "http://127.0.0.11:8083");
        assert.deepStrictEqual(outputs.placement.value.zookeeper, { server: "server1", address: "127.0.0.11:2181" });
    });

    it("produces and consumes through each broker, with a replica of every message on both", async () => {
        const admin = new Kafka({ clientId: "itest", brokers, logLevel: logLevel.NOTHING }).admin();
        await admin.connect();
        const topic = `itest-${Date.now()}`;
        try {
            // Partition 0 led by broker 1, partition 1 by broker 2: each broker serves real traffic.
            await admin.createTopics({
                waitForLeaders: true,
                topics: [{ topic, replicaAssignment: [{ partition: 0, replicas: [1, 2] }, { partition: 1, replicas: [2, 1] }] }],
            });
            for (const [i, bootstrap] of brokers.entries()) {
                // A client that knows only this broker.
                const kafka = new Kafka({ clientId: `itest-${i}`, brokers: [bootstrap], logLevel: logLevel.NOTHING });
                const producer = kafka.producer();
                await producer.connect();
                await producer.send({ topic, acks: -1, messages: [{ partition: i, key: `k${i}`, value: `via broker ${i + 1}` }] });
                await producer.disconnect();
            }
            const consumer = new Kafka({ clientId: "itest-c", brokers: [brokers[1]], logLevel: logLevel.NOTHING }).consumer({
                groupId: `${topic}-g`,
            });
            await consumer.connect();
            await consumer.subscribe({ topic, fromBeginning: true });
            const got: string[] = [];
            await new Promise<void>((resolve, reject) => {
                const timer = setTimeout(() => reject(new Error(`consumed only ${JSON.stringify(got)}`)), 60000);
                consumer.run({
                    eachMessage: async ({ message }) => {
                        got.push(String(message.value));
                        if (got.length === 2) {
                            clearTimeout(timer);
                            resolve();
                        }
                    },
                });
            });
            await consumer.disconnect();
            assert.deepStrictEqual(got.sort(), ["via broker 1", "via broker 2"]);
            const meta = await admin.fetchTopicMetadata({ topics: [topic] });
            for (const p of meta.topics[0].partitions) {
                assert.deepStrictEqual([...p.isr].sort(), [1, 2], `partition ${p.partitionId} in-sync replicas`);
            }
        } finally {
            await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
            await admin.disconnect();
        }
    });

    it("a topic created with the broker defaults gets replication factor 2, both replicas in sync", async () => {
        const admin = new Kafka({ clientId: "itest", brokers, logLevel: logLevel.NOTHING }).admin();
        await admin.connect();
        try {
            const meta = await admin.fetchTopicMetadata({ topics: ["cdc-sync-connect-offsets"] });
            assert.strictEqual(meta.topics[0].partitions.length, 25);
            for (const p of meta.topics[0].partitions) {
                assert.strictEqual(p.replicas.length, 2);
                assert.strictEqual(p.isr.length, 2, `partition ${p.partitionId} ISR ${p.isr}`);
            }
        } finally {
            await admin.disconnect();
        }
    });

    it("every Connect worker lists the Debezium sources and the JDBC sink", async () => {
        for (const url of ["http://127.0.0.11:8083", "http://127.0.0.12:8083"]) {
            const { data } = await axios.get<{ class: string }[]>(`${url}/connector-plugins`);
            const classes = data.map((p) => p.class);
            for (const c of [
                "io.debezium.connector.postgresql.PostgresConnector",
                "io.debezium.connector.mongodb.MongoDbConnector",
                "io.debezium.connector.mysql.MySqlConnector",
                "io.debezium.connector.jdbc.JdbcSinkConnector",
            ]) {
                assert.ok(classes.includes(c), `${url} lacks ${c}`);
            }
        }
    });

    it("services listen on their server's address only", async () => {
        // Broker 2 lives on server2 (127.0.0.12); nothing of it answers on server1's address.
        const net = await import("net");
        const open = (host: string, port: number) =>
            new Promise<boolean>((resolve) => {
                const s = net.connect({ host, port, timeout: 2000 });
                s.once("connect", () => (s.destroy(), resolve(true)));
                s.once("error", () => resolve(false));
                s.once("timeout", () => (s.destroy(), resolve(false)));
            });
        assert.strictEqual(await open("127.0.0.12", 9092), true);
        assert.strictEqual(await open("127.0.0.1", 9092), false, "a broker answers on 127.0.0.1: bound too widely");
        assert.strictEqual(await open("127.0.0.12", 2181), false, "ZooKeeper answers on server2's address");
    });

    it("a second `up` changes nothing", async () => {
        const again = await t.stack.up({ onOutput: t.log });
        const changes = Object.entries(again.summary.resourceChanges ?? {}).filter(([op]) => op !== "same");
        assert.deepStrictEqual(changes, [], `second up changed resources; see ${t.logFile}`);
    });
});
