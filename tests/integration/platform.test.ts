// The foundation, for real: `pulumi up` of the local stack through the CLI on the container engine,
// then a real Kafka client, the real Connect REST API, a no-op second `up`, and a clean `destroy`.
import * as assert from "assert";
import axios from "axios";
import { spawnSync } from "child_process";
import * as path from "path";
import { Kafka, logLevel } from "kafkajs";
import { OutputMap } from "@pulumi/pulumi/automation";
import { loadStackConfig } from "../../components/stack/load";
import { place } from "../../components/platform/placement";
import { stackFile } from "../stackFiles";
import { platform } from "./fixture";
import { execIn, TestStack, zooKeeperCli } from "./harness";
import { ZOOKEEPER_JAAS_FILE } from "../../components/platform/zookeeperAuth";
import { samples, scrape } from "./metrics";

describe("platform stack: ZooKeeper, two brokers, Connect (real pulumi up)", function () {
    this.timeout(10 * 60 * 1000);
    let t: TestStack;
    let outputs: OutputMap;
    let brokers: string[];

    before(() => {
        ({ test: t, outputs, bootstrapServers: brokers } = platform());
    });

    it("reports placement and endpoints as stack outputs, as the stack file places them", () => {
        const plan = place(loadStackConfig(stackFile(platform().stackName)), `cdc-sync-${platform().stackName}`);
        assert.deepStrictEqual(brokers, plan.brokers.map((b) => b.bootstrap));
        assert.strictEqual(outputs.connectRestUrl.value, plan.connect.workers[0].url);
        assert.deepStrictEqual(outputs.placement.value.zookeeper, { server: plan.zookeeper.server.name, address: plan.zookeeper.connectString });
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
        const topic = `itest-defaults-${Date.now()}`;
        try {
            await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
            const meta = await admin.fetchTopicMetadata({ topics: [topic, "cdc-sync-connect-offsets"] });
            for (const t of meta.topics) {
                for (const p of t.partitions) {
                    assert.strictEqual(p.replicas.length, 2, `${t.name}[${p.partitionId}] replicas ${p.replicas}`);
                    assert.strictEqual(p.isr.length, 2, `${t.name}[${p.partitionId}] in-sync replicas ${p.isr}`);
                }
            }
        } finally {
            await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
            await admin.disconnect();
        }
    });

    it("every Connect worker lists the Debezium sources and the JDBC sink", async () => {
        assert.strictEqual(platform().connectUrls.length, 2);
        for (const url of platform().connectUrls) {
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

    it("every Connect worker of every cluster refuses a request without credentials or with wrong ones (401) and answers the stack's", async () => {
        // Node's own fetch: the suite's axios sends the stack's credentials with every request (fixture.ts).
        const { username, password } = platform().connectAuth;
        const basic = (user: string, pass: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}` });
        const urls = Object.values(platform().connectClusters).flat();
        assert.ok(urls.length >= 3, `expected every cluster's workers, got ${urls}`);
        for (const url of urls) {
            for (const [method, path] of [["GET", "/"], ["GET", "/connectors"], ["GET", "/connector-plugins"], ["POST", "/connectors"]] as const) {
                const body = method === "POST" ? JSON.stringify({ name: "itest-forged", config: { "connector.class": "FileStreamSource" } }) : undefined;
                const headers = { "Content-Type": "application/json" };
                const none = await fetch(`${url}${path}`, { method, headers, body });
                const wrong = await fetch(`${url}${path}`, { method, headers: { ...headers, ...basic(username, `${password}x`) }, body });
                const otherUser = await fetch(`${url}${path}`, { method, headers: { ...headers, ...basic("admin", password) }, body });
                assert.deepStrictEqual([none.status, wrong.status, otherUser.status], [401, 401, 401], `${method} ${url}${path}`);
            }
            const ok = await fetch(`${url}/connectors`, { headers: basic(username, password) });
            assert.strictEqual(ok.status, 200, `${url}/connectors with the stack's credentials`);
            assert.ok(!((await ok.json()) as string[]).includes("itest-forged"), "a forged connector was created");
        }
    });

    it("ZooKeeper refuses a client that has not logged in: it can neither create nor delete a znode; the brokers' login can, and their znodes are theirs to change", async () => {
        const stackName = platform().stackName;
        const zk = outputs.placement.value.zookeeper.address as string;
        const broker1 = `cdc-sync-${stackName}-broker-1`;
        // ZooKeeper's own client in a broker's container: with the broker's JAAS file it logs in as the brokers do,
        // without it as anyone who reaches the port.
        const zkCli = (login: boolean, ...command: string[]) => zooKeeperCli(broker1, zk, login ? ZOOKEEPER_JAAS_FILE : undefined, ...command);
        const probe = `/itest-probe-${Date.now()}`;
        const anonymousCreate = await zkCli(false, "create", probe, "forged");
        assert.notStrictEqual(anonymousCreate.exitCode, 0, `an anonymous client created ${probe}: ${anonymousCreate.output}`);
        assert.match(anonymousCreate.output, /Session closed because client failed to authenticate/, anonymousCreate.output);
        assert.match((await zkCli(true, "stat", probe)).output, /Node does not exist/, `${probe} exists after the anonymous create`);
        // The brokers' login can: the same commands work with it, so the refusals above are the login's doing.
        const created = await zkCli(true, "create", probe, "by-the-brokers");
        assert.strictEqual(created.exitCode, 0, created.output);
        try {
            const anonymousDelete = await zkCli(false, "delete", probe);
            assert.notStrictEqual(anonymousDelete.exitCode, 0, `an anonymous client deleted ${probe}: ${anonymousDelete.output}`);
            assert.match((await zkCli(true, "get", probe)).output, /by-the-brokers/, `${probe} is gone after the anonymous delete`);
            // A broker's registration is writable by the brokers' user only (zookeeper.set.acl), readable by any logged-in client.
            const acl = (await zkCli(true, "getAcl", "/brokers/ids/1")).output;
            assert.match(acl, /'sasl,'kafka\s*: cdrwa/, acl);
            assert.match(acl, /'world,'anyone\s*: r\b/, acl);
        } finally {
            const deleted = await zkCli(true, "delete", probe);
            assert.strictEqual(deleted.exitCode, 0, deleted.output);
        }
    });

    it("services listen on their server's address only", async () => {
        const net = await import("net");
        const open = (host: string, port: number) =>
            new Promise<boolean>((resolve) => {
                const s = net.connect({ host, port, timeout: 2000 });
                s.once("connect", () => (s.destroy(), resolve(true)));
                s.once("error", () => resolve(false));
                s.once("timeout", () => (s.destroy(), resolve(false)));
            });
        const [zkHost, zkPort] = (outputs.placement.value.zookeeper.address as string).split(":");
        const [b2Host, b2Port] = brokers[1].split(":");
        assert.notStrictEqual(zkHost, b2Host, "the stack under test must put broker 2 on another server than ZooKeeper");
        assert.strictEqual(await open(b2Host, Number(b2Port)), true);
        assert.strictEqual(await open("127.0.0.1", Number(b2Port)), false, "a broker answers on 127.0.0.1: bound too widely");
        assert.strictEqual(await open(b2Host, Number(zkPort)), false, "ZooKeeper answers on broker 2's server address");
    });

    it("every JVM serves Prometheus metrics at the endpoint the outputs list: its JVM, and what its role is watched for", async () => {
        const plan = place(loadStackConfig(stackFile(platform().stackName)), `cdc-sync-${platform().stackName}`);
        const all = outputs.metrics.value as { job: string; name: string; server: string; url: string }[];
        const endpoints = all.filter((e) => ["zookeeper", "broker", "connect"].includes(e.job));
        assert.deepStrictEqual(
            endpoints.map((e) => e.url).sort(),
            [plan.zookeeper.metricsUrl, ...plan.brokers.map((b) => b.metricsUrl), ...plan.connectClusters.flatMap((k) => k.workers.map((w) => w.metricsUrl))].sort(),
        );
        // Each worker's supervisor serves what it did as metrics too (its restarts; whether its worker answers).
        const supervisors = all.filter((e) => e.job === "supervisor");
        assert.strictEqual(supervisors.length, plan.connectClusters.flatMap((k) => k.workers).length);
        for (const e of supervisors) assert.deepStrictEqual(samples(await scrape(e.url), "cdc_sync_supervisor_worker_up").map((x) => x.value), [1], e.name);
        for (const e of endpoints) {
            const all = await scrape(e.url);
            assert.ok(samples(all, "jvm_memory_used_bytes", { area: "heap" }).length === 1, `${e.name}: no jvm_memory_used_bytes`);
            const watched = { zookeeper: "zookeeper_numaliveconnections", broker: "kafka_server_replicamanager_underreplicatedpartitions", connect: "kafka_connect_worker_connector_count" }[e.job]!;
            const got = samples(all, watched);
            assert.strictEqual(got.length, 1, `${e.name}: ${watched} missing from ${e.url}`);
            if (e.job === "zookeeper") assert.ok(got[0].value >= brokers.length, `ZooKeeper counts ${got[0].value} connections`);
            if (e.job === "broker") assert.strictEqual(got[0].value, 0, `${e.name}: under-replicated partitions on a healthy platform`);
            // Bound to its server's address only, like the service itself.
            const u = new URL(e.url);
            await assert.rejects(axios.get(`http://127.0.0.1:${u.port}/metrics`, { timeout: 2000 }), `${e.name}: metrics answer on 127.0.0.1`);
        }
    });

    it("each Connect worker holds the connector secrets file: 0600, owned by the worker's user", async () => {
        const workers = (outputs.placement.value.connectWorkers as { server: string }[]).map(
            (w) => `cdc-sync-${platform().stackName}-connect-${w.server}`,
        );
        for (const w of workers) {
            const stat = await execIn(w, ["stat", "-c", "%a %U %G", "/etc/cdc-sync/secrets/connectors.properties"]);
            assert.strictEqual(stat.trim(), "600 kafka kafka", w);
        }
    });

    it("Kafka's own tools run against the stack through scripts/kafka.sh: topics, consumer groups, console producer and consumer", () => {
        const env = { ...process.env, ...t.stack.workspace.envVars, CDC_SYNC_STACK: platform().stackName };
        const kafka = (input: string | undefined, ...args: string[]) => {
            const r = spawnSync(path.join(__dirname, "..", "..", "scripts", "kafka.sh"), args, { encoding: "utf8", env, input, timeout: 120_000 });
            return { status: r.status, out: r.stdout, err: r.stderr };
        };
        const underReplicated = kafka(undefined, "server1", "kafka-topics.sh", "--describe", "--under-replicated-partitions");
        assert.strictEqual(underReplicated.status, 0, underReplicated.err);
        assert.strictEqual(underReplicated.out.trim(), "", "no partition under-replicated on a converged stack");
        const groups = kafka(undefined, "server2", "kafka-consumer-groups.sh", "--list");
        assert.strictEqual(groups.status, 0, groups.err);
        assert.ok(groups.out.split("\n").some((g) => /^connect-.*sink/.test(g)), `a sink's consumer group among: ${groups.out}`);
        const topic = `itest-tools-${Date.now()}`;
        const created = kafka(undefined, "server1", "kafka-topics.sh", "--create", "--topic", topic, "--partitions", "1", "--replication-factor", "2");
        assert.strictEqual(created.status, 0, created.err);
        const produced = kafka("from the console producer\n", "server1", "kafka-console-producer.sh", "--topic", topic);
        assert.strictEqual(produced.status, 0, produced.err);
        const consumed = kafka(undefined, "server2", "kafka-console-consumer.sh", "--topic", topic, "--from-beginning", "--max-messages", "1", "--timeout-ms", "60000");
        assert.strictEqual(consumed.status, 0, consumed.err);
        assert.strictEqual(consumed.out.trim(), "from the console producer");
        const nowhere = kafka(undefined, "server9", "kafka-topics.sh", "--list");
        assert.notStrictEqual(nowhere.status, 0);
        assert.match(nowhere.err, /no broker runs on server9; brokers run on server1, server2/);
        kafka(undefined, "server1", "kafka-topics.sh", "--delete", "--topic", topic);
    });

    it("a second `up` changes nothing", async () => {
        const again = await t.stack.up({ onOutput: t.log });
        const changes = Object.entries(again.summary.resourceChanges ?? {}).filter(([op]) => op !== "same");
        assert.deepStrictEqual(changes, [], `second up changed resources; see ${t.logFile}`);
        // A clean `up` says nothing a user should act on (an undefined stack output, a deprecated key).
        assert.deepStrictEqual(again.stdout.split("\n").filter((l) => /\bwarning\b/i.test(l)), [], "warnings in a clean up");
    });
});
