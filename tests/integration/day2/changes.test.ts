// Day 2 on the suite's `local` stack: the changes an ops team makes through `pulumi up` once pipelines run, each
// applied under a write load on both sides of the two-way pair and ended by the no-loss checker (tests/integration/
// writeLoad.ts). These tests change the platform for good, so they run after every other integration test file
// (package.json lists this folder last) and the stack file is restored after the destroy (fixture.ts).
// With CDC_SYNC_DAY2_RESULTS set, each change's numbers are written there as JSON (scripts/day2.sh).
import * as assert from "assert";
import * as fs from "fs";
import axios from "axios";
import Dockerode from "dockerode";
import { Kafka, logLevel } from "kafkajs";
import { EngineEvent, OutputMap, UpResult } from "@pulumi/pulumi/automation";
import * as path from "path";
import * as crypto from "crypto";
import { Client } from "pg";
import { ZOOKEEPER_JAAS_FILE } from "../../../components/platform/zookeeperAuth";
import { execIn, zooKeeperCli } from "../harness";
import { notRunning, pairServer, pipelinesConfig, platform, platformKeys, setPlatformConfig, setPlatformSecret, startPairLoad } from "../fixture";

/** One change's numbers, as docs/results/day2.json holds them. */
interface ChangeResult {
    change: string;
    writes: number;
    lost: number;
    diverged: boolean;
    maxGapMs: number;
    upSeconds: number;
}
const results: ChangeResult[] = [];

/** Every connector or task of every Connect cluster that is not RUNNING (or the PAUSED/STOPPED it was declared). */
async function unsettled(outputs: OutputMap): Promise<string[]> {
    const clusters = outputs.placement.value.connectClusters as Record<string, { url: string }[]>;
    const out: string[] = [];
    for (const [cluster, workers] of Object.entries(clusters)) {
        const { data } = await axios.get<Record<string, { status: { connector: { state: string }; tasks: { id: number; state: string }[] } }>>(
            `${workers[0].url}/connectors?expand=status`,
        );
        for (const [name, c] of Object.entries(data)) {
            if (c.status.connector.state !== "RUNNING") out.push(`${cluster}/${name}: ${c.status.connector.state}`);
            for (const t of c.status.tasks) if (t.state !== "RUNNING") out.push(`${cluster}/${name} task ${t.id}: ${t.state}`);
        }
    }
    return [...out, ...(await notRunning(outputs))];
}

/** Applies `change` (an `up`) under the pair's write load, then runs the checker and records the numbers. */
async function underLoad(change: string, apply: () => Promise<UpResult>): Promise<UpResult> {
    const p = platform();
    const load = await startPairLoad(p.stackName);
    const started = Date.now();
    let up: UpResult;
    try {
        up = await apply();
    } catch (e) {
        await load.stopAndCheck(5);
        throw e;
    }
    const upSeconds = Math.round((Date.now() - started) / 100) / 10;
    assert.strictEqual(up.summary.result, "succeeded", `up failed; see ${p.test.logFile}`);
    const checked = await load.stopAndCheck();
    results.push({ change, writes: checked.writes, lost: checked.lost.length, diverged: checked.diverged, maxGapMs: checked.maxGapMs, upSeconds });
    assert.ok(checked.writes > 50, `only ${checked.writes} writes during the change`);
    assert.deepStrictEqual(checked.lost, [], `${checked.lost.length} recorded final states missing:\n${checked.lost.slice(0, 10).join("\n")}`);
    assert.strictEqual(checked.diverged, false, "db1 and db2 differ after the change");
    assert.deepStrictEqual(await unsettled(up.outputs), []);
    return up;
}

/**
 * The preview of a pull request as a reviewer reads it: every step but `same`, each with the words its provider put
 * under `effect` (components/dynamic/effect.ts), which `pulumi preview --diff` prints beside the changed inputs. Held
 * against tests/integration/day2/previews/<pr>.txt; CDC_SYNC_UPDATE_PREVIEWS=1 writes the file instead (then review
 * and commit it). Lines are sorted (parallel steps arrive in any order): the words say what waits for what.
 */
async function assertPreview(pr: string): Promise<void> {
    const p = platform();
    const steps: string[] = [];
    const onEvent = (e: EngineEvent) => {
        const m = e.resourcePreEvent?.metadata;
        if (!m || m.op === "same" || m.urn.includes("::pulumi:providers:")) return;
        const parts = m.urn.split("::");
        const type = parts[2].split("$").pop()!.replace(/^pulumi-nodejs:dynamic\//, "");
        const effect = m.new?.inputs?.effect as string | undefined;
        steps.push(`${m.op} ${type} ${parts[3]}${effect ? `\n    ${effect}` : ""}`);
    };
    await p.test.stack.preview({ onOutput: p.test.log, onEvent, diff: true });
    const text = `${steps.sort().join("\n").split(p.stackName).join("<stack>")}\n`;
    const file = path.join(__dirname, "previews", `${pr}.txt`);
    if (process.env.CDC_SYNC_UPDATE_PREVIEWS === "1") {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        return;
    }
    assert.ok(fs.existsSync(file), `no golden preview ${file}: run with CDC_SYNC_UPDATE_PREVIEWS=1, review it, commit it`);
    assert.strictEqual(text, fs.readFileSync(file, "utf8"), `the preview of "${pr}" changed (CDC_SYNC_UPDATE_PREVIEWS=1 rewrites ${file})`);
}

/** One observation of a set of services during an `up`: which were out (stopped, or not yet back in sync). */
interface Sample {
    readonly at: number;
    readonly out: ReadonlySet<string>;
}

/**
 * Samples `observe` every 500 ms until stopped. An observation that throws is skipped, and so is one that took over
 * a second: its parts (metadata, container states) would describe moments too far apart to be one sample.
 */
function sampler(observe: () => Promise<Set<string>>): { stop: () => Promise<Sample[]> } {
    const samples: Sample[] = [];
    let stopping = false;
    const loop = (async () => {
        while (!stopping) {
            const at = Date.now();
            const out = await observe().catch(() => undefined);
            if (out && Date.now() - at <= 1000) samples.push({ at, out });
            await new Promise((r) => setTimeout(r, 500));
        }
    })();
    return {
        stop: async () => {
            stopping = true;
            await loop;
            return samples;
        },
    };
}

const docker = new Dockerode();
const running = async (container: string) =>
    (await docker
        .getContainer(container)
        .inspect()
        .catch(() => undefined))?.State.Running === true;
const startedAt = async (container: string) => (await docker.getContainer(container).inspect()).State.StartedAt;

/** One observation of the brokers: whose restart has begun (their first container stopped or gone), and who was in sync. */
interface BrokerSample {
    readonly at: number;
    readonly restarted: ReadonlySet<string>;
    /** Brokers registered and in the ISR of every partition they hold; undefined when the metadata did not answer within 1 s. */
    readonly inSync?: ReadonlySet<string>;
}

/**
 * Samples the brokers every 250 ms: their containers first (fast, exact), then the cluster's metadata with a 1 s limit
 * (a broker being restarted can stall it; such a sample still counts for the containers).
 */
function brokerSampler(stack: string, ids: number[], bootstrap: string[]) {
    const admin = new Kafka({ clientId: "itest-day2", brokers: bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 500, requestTimeout: 1000 }).admin();
    const first = new Map<number, string>();
    const samples: BrokerSample[] = [];
    let stopping = false;
    const loop = (async () => {
        await admin.connect().catch(() => undefined);
        for (const id of ids) first.set(id, (await docker.getContainer(`cdc-sync-${stack}-broker-${id}`).inspect()).Id);
        while (!stopping) {
            const at = Date.now();
            const restarted = new Set<string>();
            for (const id of ids) {
                const info = await docker.getContainer(`cdc-sync-${stack}-broker-${id}`).inspect().catch(() => undefined);
                if (!info || info.Id !== first.get(id) || !info.State.Running) restarted.add(`broker-${id}`);
            }
            const metadata = Promise.all([admin.describeCluster(), admin.fetchTopicMetadata()]);
            const answer = await Promise.race([metadata, new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000))]).catch(() => undefined);
            metadata.catch(() => undefined);
            let inSync: Set<string> | undefined;
            if (answer) {
                const registered = answer[0].brokers.map((b) => b.nodeId);
                const parts = answer[1].topics.flatMap((t) => t.partitions);
                inSync = new Set(ids.filter((id) => registered.includes(id) && parts.every((p) => !p.replicas.includes(id) || p.isr.includes(id))).map((id) => `broker-${id}`));
            }
            samples.push({ at, restarted, inSync });
            await new Promise((r) => setTimeout(r, 250));
        }
    })();
    return {
        stop: async () => {
            stopping = true;
            await loop;
            await admin.disconnect().catch(() => undefined);
            return samples;
        },
    };
}

/**
 * Checks that brokers `names` restarted in this order, each stopped only after the one before was back: running
 * again and in sync in two samples in a row, before the first sample in which the next one's first container was
 * stopped or gone.
 */
function assertEachAfterPrevious(samples: BrokerSample[], names: string[]): void {
    const stopped = (n: string) => samples.findIndex((s) => s.restarted.has(n));
    const back = (n: string, from: number) =>
        samples.findIndex((s, i) => i > from && i + 1 < samples.length && [s, samples[i + 1]].every((x) => x.inSync?.has(n) && x.restarted.has(n)));
    for (let i = 0; i < names.length; i++) {
        assert.ok(stopped(names[i]) >= 0, `${names[i]} never restarted (no sample saw its first container stopped)`);
    }
    for (let i = 1; i < names.length; i++) {
        const [a, b] = [names[i - 1], names[i]];
        const rejoined = back(a, stopped(a));
        assert.ok(rejoined >= 0, `${a} was never seen back in sync after its restart`);
        const at = (k: number) => new Date(samples[k].at).toISOString();
        assert.ok(
            rejoined < stopped(b),
            `${b} stopped at ${at(stopped(b))}, before ${a} was seen back in sync (${at(rejoined)}): the brokers did not roll one at a time`,
        );
    }
}

/** Workers out: container not running, or its REST API not answering at all (a 409 mid-rebalance is an answer). */
function workerSampler(stack: string, workers: { server: string; url: string }[]) {
    return sampler(async () => {
        const out = new Set<string>();
        for (const w of workers) {
            const serving = await axios.get(`${w.url}/connectors`, { timeout: 2000, validateStatus: () => true }).then(() => true, () => false);
            if (!serving || !(await running(`cdc-sync-${stack}-connect-${w.server}`))) out.add(`worker-${w.server}`);
        }
        return out;
    });
}

/** Checks that services `names` were each out at some point, one at a time, in this order. */
function assertRolledInTurn(samples: Sample[], names: string[]): void {
    const overlapping = samples.filter((s) => names.filter((n) => s.out.has(n)).length > 1);
    assert.strictEqual(
        overlapping.length,
        0,
        `two services were out at once, the change did not roll one at a time: ${overlapping.map((s) => `${new Date(s.at).toISOString()} ${[...s.out].join("+")}`).join("; ")}`,
    );
    const spans = names.map((n) => {
        const outs = samples.filter((s) => s.out.has(n)).map((s) => s.at);
        assert.ok(outs.length > 0, `${n} never restarted (no sample saw it out)`);
        return { n, first: Math.min(...outs), last: Math.max(...outs) };
    });
    for (let i = 1; i < spans.length; i++) {
        assert.ok(spans[i - 1].last < spans[i].first, `${spans[i].n} went out before ${spans[i - 1].n} was back in sync`);
    }
}

async function topicShapes(bootstrap: string[]): Promise<Map<string, { replicas: number; inSync: boolean }>> {
    const admin = new Kafka({ clientId: "itest-day2", brokers: bootstrap, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
        const meta = await admin.fetchTopicMetadata();
        return new Map(
            meta.topics.map((t) => [
                t.name,
                {
                    replicas: Math.min(...t.partitions.map((p) => p.replicas.length)),
                    inSync: t.partitions.every((p) => p.replicas.every((r) => p.isr.includes(r))),
                },
            ]),
        );
    } finally {
        await admin.disconnect();
    }
}

/** When each Connect worker container (of every cluster) last started. */
async function workerStarts(outputs: OutputMap): Promise<Record<string, string>> {
    const clusters = outputs.placement.value.connectClusters as Record<string, { server: string }[]>;
    const names = Object.entries(clusters).flatMap(([k, ws]) => ws.map((w) => `cdc-sync-${platform().stackName}-connect-${k === "default" ? "" : `${k}-`}${w.server}`));
    return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await startedAt(n)] as const)));
}

/** Runs a command in the pair's PostgreSQL server container. */
const execInServer = (cmd: string[]) => execIn(`cdc-sync-${platform().stackName}-twoway-postgres`, cmd);

describe("day 2: changes to the running local stack, each under a write load on both sides", function () {
    this.timeout(20 * 60 * 1000);
    let outputs: OutputMap;
    let keys: Record<string, any>;
    const stack = () => platform().stackName;
    const bootstrap = () => (outputs.bootstrapServers.value as string).split(",");

    before(() => {
        outputs = platform().outputs;
        keys = platformKeys();
    });

    /** Applies the stack file's change under the pair's load (underLoad), sampling the brokers meanwhile. */
    const upSamplingBrokers = async (change: string): Promise<BrokerSample[]> => {
        const watch = brokerSampler(stack(), [1, 2], bootstrap());
        let samples: BrokerSample[] = [];
        try {
            outputs = (await underLoad(change, () => platform().test.stack.up({ onOutput: platform().test.log }))).outputs;
        } finally {
            samples = await watch.stop();
        }
        return samples;
    };

    after(() => {
        if (process.env.CDC_SYNC_DAY2_RESULTS) fs.writeFileSync(process.env.CDC_SYNC_DAY2_RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    });

    it("refuses, at preview, a change that would delete Connect's internal topics, naming them and the consequence; nothing is touched", async () => {
        const p = platform();
        const workers = await Promise.all(["server1", "server2"].map((s) => startedAt(`cdc-sync-${stack()}-connect-${s}`)));
        const connectors = (await axios.get<string[]>(`${p.connectUrls[0]}/connectors`)).data.sort();
        await setPlatformConfig("connect", { ...keys.connect, groupId: "cdc-sync-renamed" });
        try {
            const refusal = await p.test.stack.preview({ onOutput: p.test.log }).then(
                () => assert.fail("the preview passed"),
                (e: Error) => e.message,
            );
            // The preview stops at the first refusal: whichever of the clusters' internal topics it diffs first.
            assert.match(
                refusal,
                /refusing to replace (kafka-connect[\w-]*-(configs|offsets|status)) \(topic cdc-sync-connect[\w-]*-\2\): changing name deletes the topic and every message in it \((every connector's configuration|every source connector's offsets|the connectors' and tasks' states)[^)]*\)\. Nothing was changed\. To accept that, set cdc-sync:allowDestructive\.\1: delete-topic/,
            );
            assert.match(await p.test.stack.up({ onOutput: p.test.log }).then(() => "up passed", (e: Error) => e.message), /refusing to replace kafka-connect-/);
        } finally {
            await setPlatformConfig("connect", keys.connect);
        }
        assert.deepStrictEqual(await Promise.all(["server1", "server2"].map((s) => startedAt(`cdc-sync-${stack()}-connect-${s}`))), workers, "a worker restarted");
        assert.deepStrictEqual((await axios.get<string[]>(`${p.connectUrls[0]}/connectors`)).data.sort(), connectors);
        assert.deepStrictEqual(await unsettled(outputs), []);
    });

    /** A table its owner made on both sides before it joins the pair: what `twoWay.tables` gains, then loses. */
    const JOINING = { name: "public.day2_orders", primaryKey: ["id"] };
    const onPair = async <T>(db: string, fn: (c: Client) => Promise<T>): Promise<T> => {
        const { server } = await pairServer(stack());
        const c = new Client({ host: server.host, port: server.port, user: "postgres", password: server.password, database: db });
        await c.connect();
        try {
            return await fn(c);
        } finally {
            await c.end();
        }
    };
    const orders = (db: string) => onPair(db, async (c) => (await c.query("SELECT id::int AS id, name FROM public.day2_orders ORDER BY id")).rows);
    const stamps = (db: string) =>
        onPair(db, async (c) => ({
            triggers: (await c.query("SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.day2_orders'::regclass AND NOT tgisinternal")).rowCount,
            columns: (await c.query("SELECT attname FROM pg_attribute WHERE attrelid = 'public.day2_orders'::regclass AND attname LIKE 'cdc\\_%' AND NOT attisdropped")).rowCount,
            published: (await c.query("SELECT 1 FROM pg_publication_tables WHERE tablename = 'day2_orders'")).rowCount,
        }));

    it("a table that already holds rows joins the running pair: its rows cross both ways, a key both sides held ends alike, writes to it during the up converge", async () => {
        const [db1, db2] = (await pairServer(stack())).databases;
        for (const db of [db1, db2]) {
            await onPair(db, async (c) => {
                await c.query("CREATE TABLE public.day2_orders (id bigint PRIMARY KEY, name text)");
                await c.query(`ALTER TABLE public.day2_orders OWNER TO ${db}_owner`);
            });
        }
        // 100 rows on db1 (ids 1-100) and 20 on db2 (96-115): ids 96-100 are on both sides, with different names.
        await onPair(db1, (c) => c.query("INSERT INTO public.day2_orders SELECT g, 'db1-' || g FROM generate_series(1, 100) g"));
        await onPair(db2, (c) => c.query("INSERT INTO public.day2_orders SELECT g, 'db2-' || g FROM generate_series(96, 115) g"));
        const pipelines = pipelinesConfig();
        pipelines[0].tables.push(JOINING);
        await setPlatformConfig("pipelines", pipelines);
        await assertPreview("add-a-table");
        // Writers on the joining table too (keys from 1000000), before, during and after it joins.
        const joiningLoad = await startPairLoad(stack(), "public.day2_orders", 1_000_000);
        try {
            outputs = (await underLoad("add a table with rows", () => platform().test.stack.up({ onOutput: platform().test.log }))).outputs;
        } finally {
            const checked = await joiningLoad.stopAndCheck();
            assert.ok(checked.writes > 50, `only ${checked.writes} writes to the joining table`);
            assert.deepStrictEqual(checked.lost, [], `the joining table lost ${checked.lost.length} final states:\n${checked.lost.slice(0, 10).join("\n")}`);
            assert.strictEqual(checked.diverged, false, "db1 and db2 differ in the joining table");
        }
        // The rows from before: each side's own across, and where both held a key, both end with db2's (the side that sorts last).
        const expected = Array.from({ length: 115 }, (_, i) => ({ id: i + 1, name: i + 1 <= 95 ? `db1-${i + 1}` : `db2-${i + 1}` }));
        for (const db of [db1, db2]) assert.deepStrictEqual((await orders(db)).filter((r) => r.id <= 115), expected, `${db}'s rows from before the join`);
        // Exactly once: the snapshot's rows did not echo back as new versions (db2's own rows still carry db2's pre-pair stamp).
        const echoed = await onPair(db2, async (c) => (await c.query("SELECT count(*)::int AS n FROM public.day2_orders WHERE id BETWEEN 96 AND 115 AND cdc_side <> 'db2'")).rows[0].n);
        assert.strictEqual(echoed, 0);
    });

    it("a table that leaves the pair stops syncing: its rows stay on both sides, and what the stack added to it (triggers, stamp columns, publication, topics) is gone", async () => {
        const [db1, db2] = (await pairServer(stack())).databases;
        const before = await orders(db1);
        assert.deepStrictEqual(await orders(db2), before);
        await setPlatformConfig(
            "pipelines",
            pipelinesConfig().map((p, i) => (i === 0 ? { ...p, tables: p.tables.filter((t: { name: string }) => t.name !== JOINING.name) } : p)),
        );
        outputs = (await underLoad("remove a table", () => platform().test.stack.up({ onOutput: platform().test.log }))).outputs;
        for (const db of [db1, db2]) {
            assert.deepStrictEqual(await stamps(db), { triggers: 0, columns: 0, published: 0 }, db);
            assert.deepStrictEqual(await orders(db), before, `${db} lost rows of the table that left`);
        }
        const admin = new Kafka({ clientId: "itest-day2", brokers: bootstrap(), logLevel: logLevel.NOTHING }).admin();
        await admin.connect();
        try {
            assert.deepStrictEqual((await admin.listTopics()).filter((t) => t.includes("day2_orders")), []);
        } finally {
            await admin.disconnect();
        }
        // No longer synced: a new row on db1 stays there.
        await onPair(db1, (c) => c.query("INSERT INTO public.day2_orders VALUES (5000000, 'after-leaving')"));
        await new Promise((r) => setTimeout(r, 10_000));
        assert.deepStrictEqual((await orders(db2)).filter((r) => r.id === 5_000_000), []);
    });

    it("a broker setting (kafka.config) restarts the brokers one at a time, each after the one before is back in every ISR", async () => {
        const before = await Promise.all([1, 2].map((id) => startedAt(`cdc-sync-${stack()}-broker-${id}`)));
        await setPlatformConfig("kafka", { ...(keys.kafka ?? {}), config: { "num.io.threads": 9 } });
        await assertPreview("change-a-broker-setting");
        const samples = await upSamplingBrokers("broker setting (kafka.config), rolling");
        const after = await Promise.all([1, 2].map((id) => startedAt(`cdc-sync-${stack()}-broker-${id}`)));
        assert.ok(after[0] !== before[0] && after[1] !== before[1], "a broker was not restarted");
        assertEachAfterPrevious(samples, ["broker-1", "broker-2"]);
    });

    it("rotates the server's superuser, a sink's and a replication password in place: accounts first, workers untouched, connectors restarted, the canary proven again", async () => {
        const [host, port] = (outputs.placement.value.databases["twoway-postgres"] as string).split(":");
        const pg = { host, port: Number(port) };
        const login = async (user: string, password: string, database: string) => {
            const c = new Client({ ...pg, user, password, database });
            try {
                await c.connect();
                return true;
            } catch {
                return false;
            } finally {
                await c.end().catch(() => undefined);
            }
        };
        const oldAdmin = (await execInServer(["cat", "/etc/cdc-sync/secrets/postgres-password"])).trim();
        const measuredBefore = (outputs.pipelines.value.twoway as { healthMeasuredAt: string }).healthMeasuredAt;
        const workers = await workerStarts(outputs);
        const fresh = () => `rotated-${crypto.randomBytes(12).toString("hex")}`;
        const next = { "postgres-admin": fresh(), "db2-sink": fresh(), "db1-replication": fresh() };
        for (const [name, value] of Object.entries(next)) await setPlatformSecret(`passwords.${name}`, value);
        // With a worker setting in the same up, the workers would restart with passwords their accounts do not have
        // yet (the accounts change after the platform): refused at preview, naming the secrets, nothing touched.
        await setPlatformConfig("connect", { ...keys.connect, config: { ...(keys.connect as { config?: object }).config, "task.shutdown.graceful.timeout.ms": 6000 } });
        try {
            const refusal = await platform().test.stack.preview({ onOutput: platform().test.log }).then(
                () => "the preview passed",
                (e: Error) => e.message,
            );
            assert.match(refusal, /refusing to restart cdc-sync-[\w-]+-connect-server\d in the up that also changes db1-replication and db2-sink in \/etc\/cdc-sync\/secrets\/connectors\.properties: .*Nothing was changed/);
            for (const value of Object.values(next)) assert.ok(!refusal.includes(value), "the refusal shows a password");
        } finally {
            await setPlatformConfig("connect", keys.connect);
        }
        await assertPreview("rotate-passwords");
        outputs = (await underLoad("rotate three passwords", () => platform().test.stack.up({ onOutput: platform().test.log }))).outputs;
        assert.ok(await login("postgres", next["postgres-admin"], "postgres"), "the new superuser password does not log in");
        assert.ok(!(await login("postgres", oldAdmin, "postgres")), "the old superuser password still logs in");
        assert.ok(await login("cdc_sink_db2", next["db2-sink"], "db2"), "the new sink password does not log in");
        assert.ok(await login("cdc_repl_db1", next["db1-replication"], "db1"), "the new replication password does not log in");
        assert.deepStrictEqual(await workerStarts(outputs), workers, "a Connect worker was restarted: the secrets file should change in place");
        const measuredAfter = (outputs.pipelines.value.twoway as { healthMeasuredAt: string }).healthMeasuredAt;
        assert.ok(measuredAfter > measuredBefore, `the canary did not run again (${measuredBefore} -> ${measuredAfter})`);
    });

    it("rotates the brokers' ZooKeeper password: ZooKeeper restarts, then the brokers one at a time, each after the one before is back in every ISR; the old login is refused after", async () => {
        const zookeeper = `cdc-sync-${stack()}-zookeeper`;
        const broker1 = `cdc-sync-${stack()}-broker-1`;
        const zk = outputs.placement.value.zookeeper.address as string;
        // The brokers' login as it is now, kept aside (the containers are recreated), to try it again after.
        const oldLoginTar: Buffer[] = [];
        for await (const chunk of await docker.getContainer(broker1).getArchive({ path: ZOOKEEPER_JAAS_FILE })) oldLoginTar.push(chunk as Buffer);
        const before = await Promise.all([zookeeper, broker1].map(startedAt));
        await setPlatformSecret("passwords.zookeeper", `rotated${crypto.randomBytes(12).toString("hex")}`);
        const samples = await upSamplingBrokers("rotate the brokers' ZooKeeper password");
        const after = await Promise.all([zookeeper, broker1].map(startedAt));
        assert.ok(after[0] !== before[0], "ZooKeeper was not restarted: it still takes the old password");
        assertEachAfterPrevious(samples, ["broker-1", "broker-2"]);
        // The old login, put back beside the new one in broker 1's new container, is refused; the new one works.
        const oldFile = `/tmp/${path.basename(ZOOKEEPER_JAAS_FILE)}`;
        await docker.getContainer(broker1).putArchive(Buffer.concat(oldLoginTar), { path: "/tmp" });
        try {
            const refused = await zooKeeperCli(broker1, zk, oldFile, "ls", "/brokers/ids");
            assert.notStrictEqual(refused.exitCode, 0, `the old ZooKeeper password still logs in: ${refused.output}`);
            const taken = await zooKeeperCli(broker1, zk, ZOOKEEPER_JAAS_FILE, "ls", "/brokers/ids");
            assert.strictEqual(taken.exitCode, 0, taken.output);
            assert.match(taken.output, /\[1, 2\]/, taken.output);
        } finally {
            await execIn(broker1, ["rm", "-f", oldFile]);
        }
    });

    it("a third broker and a third Connect worker on a new server join without stopping the pipelines; every topic keeps its replication factor", async () => {
        const shapes = await topicShapes(bootstrap());
        await setPlatformConfig("servers", { ...keys.servers, server3: { engine: "local", address: "127.0.0.15" } });
        await setPlatformConfig("brokers", [...keys.brokers, { id: 3, server: "server3" }]);
        await setPlatformConfig("connect", { ...keys.connect, workers: [...keys.connect.workers, "server3"] });
        // The workers' bootstrap.servers changes: they restart, one at a time.
        const watch = workerSampler(stack(), outputs.placement.value.connectWorkers as { server: string; url: string }[]);
        let samples: Sample[] = [];
        try {
            outputs = (await underLoad("add a broker and a Connect worker", () => platform().test.stack.up({ onOutput: platform().test.log }))).outputs;
        } finally {
            samples = await watch.stop();
        }
        assertRolledInTurn(samples, ["worker-server1", "worker-server2"]);
        assert.strictEqual(bootstrap().length, 3);
        const after = await topicShapes(bootstrap());
        for (const [name, shape] of shapes) assert.deepStrictEqual(after.get(name), shape, `topic ${name} changed (or is gone)`);
        const third = (outputs.placement.value.connectWorkers as { server: string; url: string }[]).find((w) => w.server === "server3")!;
        assert.ok(Array.isArray((await axios.get(`${third.url}/connectors`)).data), "the third worker does not serve the group's connectors");
    });

    it("replication factor 2 -> 3 reassigns every stack topic in place: no topic deleted, every replica in sync", async () => {
        const before = await topicShapes(bootstrap());
        await setPlatformConfig("kafka", { ...(keys.kafka ?? {}), replicationFactor: 3, config: { "num.io.threads": 9 } });
        outputs = (await underLoad("replication factor 2 -> 3", () => platform().test.stack.up({ onOutput: platform().test.log }))).outputs;
        const after = await topicShapes(bootstrap());
        for (const name of before.keys()) assert.ok(after.has(name), `topic ${name} is gone`);
        const stackTopics = [...after].filter(([n]) => n.startsWith("cdc-sync-connect") || n.startsWith("twoway."));
        assert.ok(stackTopics.length >= 6, `stack topics: ${stackTopics.map(([n]) => n).join(", ")}`);
        for (const [name, shape] of stackTopics) assert.deepStrictEqual(shape, { replicas: 3, inSync: true }, `topic ${name}`);
    });

    it("removing a Connect worker hands its tasks to the others, and nothing stops", async () => {
        await setPlatformConfig("connect", { ...keys.connect, workers: keys.connect.workers });
        outputs = (await underLoad("remove a Connect worker", () => platform().test.stack.up({ onOutput: platform().test.log }))).outputs;
        assert.strictEqual(await running(`cdc-sync-${stack()}-connect-server3`), false, "the removed worker still runs");
        assert.strictEqual((outputs.placement.value.connectWorkers as unknown[]).length, 2);
    });
});
