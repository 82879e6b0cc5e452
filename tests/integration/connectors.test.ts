// Connectors as resources, for real: an inline program (its own stack in the platform fixture's backend,
// driven through the CLI) deploys a PostgreSQL server on the platform's first server and Debezium connectors
// on the platform's Connect cluster. Every step is checked on the live REST API, PostgreSQL and Kafka.
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { EngineEvent, PulumiFn } from "@pulumi/pulumi/automation";
import axios from "axios";
import { Client } from "pg";
import { loadStackConfig } from "../../components/stack/load";
import { ServerSpec } from "../../components/config/schema";
import { Connector, JdbcSinkConnector, JdbcSinkArgs, PostgresSourceArgs, PostgresSourceConnector } from "../../components/connectors/connector";
import { ConnectorConfig } from "../../components/connectors/connectorConfig";
import { ConnectorState } from "../../components/connectors/health";
import { jdbcSinkConfig } from "../../components/connectors/jdbcSink";
import { configOf } from "../../components/connectors/normalize";
import { postgresSourceConfig } from "../../components/connectors/postgresSource";
import { PostgresServer } from "../../components/databases/postgres/server";
import { allowDestruction, Destruction } from "../../components/dynamic/guard";
import { stackFile } from "../stackFiles";
import { platform, requestConnectorSecrets } from "./fixture";
import { eventually, execIn, generatedPasswords, openInlineStack, ownedByStack, stateLeaks, TestStack } from "./harness";
import { readCommitted, topicBounds } from "./topics";

// The secrets under test: random per run, so finding one anywhere is a real leak, never a coincidence.
const PASSWORD = `itest-pw-${crypto.randomBytes(12).toString("hex")}`;
const WRONG_PASSWORD = `itest-wrong-${crypto.randomBytes(12).toString("hex")}`;
const SECRETS = { "itest-pg-password": PASSWORD, "itest-wrong-password": WRONG_PASSWORD };
requestConnectorSecrets(SECRETS);

/** What the inline program declares; each test changes it and runs an operation. */
interface Declaration {
    connectors: boolean;
    heartbeatMs: number;
    prefix: string;
    /** The second sink, deleted out of band in the drift test and then removed from the program. */
    spare: boolean;
    spareState: ConnectorState;
    sinkRestartTrigger: string;
    /** A sink and a source whose password is wrong. */
    wrongPassword: boolean;
    /** `cdc-sync:allowDestructive` as the program would read it. */
    allow?: Record<string, Destruction>;
    /** One invalid connector, for the preview checks: three caught locally, two only Connect can judge. */
    invalid?: "enum" | "missing" | "cross-field" | "transform class" | "plugin";
}

const SOURCE = "itest-src";
const SINK = "itest-sink";
const SPARE = "itest-spare";
const BAD = "itest-bad";
const BAD_SOURCE = "itest-bad-source";

describe("connectors as resources (real Connect, real PostgreSQL)", function () {
    this.timeout(10 * 60 * 1000);
    let t: TestStack;
    let urls: string[];
    let server: ServerSpec;
    const decl: Declaration = {
        connectors: false,
        heartbeatMs: 10000,
        prefix: "itest",
        spare: true,
        spareState: "running",
        sinkRestartTrigger: "",
        wrongPassword: false,
    };
    /** Everything the CLI printed, and every error message of a failed operation: searched for the password. */
    const printed: string[] = [];
    const out = (line: string) => {
        printed.push(line);
        t.log(line);
    };

    const pgPort = 5432;
    const srcArgs = (): PostgresSourceArgs => ({
        connectUrls: urls,
        connectAuth: platform().connectAuth,
        knownSecrets: Object.keys(SECRETS),
        database: { hostname: server.address, port: pgPort, user: "postgres", passwordSecret: "itest-pg-password", dbname: "app" },
        topicPrefix: decl.prefix,
        tableIncludeList: ["public.items"],
        heartbeatIntervalMs: decl.heartbeatMs,
    });
    const sinkArgs = (table: string): JdbcSinkArgs => ({
        connectUrls: urls,
        connectAuth: platform().connectAuth,
        knownSecrets: Object.keys(SECRETS),
        connection: { url: `jdbc:postgresql://${server.address}:${pgPort}/copy`, user: "postgres", passwordSecret: "itest-pg-password" },
        from: [{ connectorClass: "io.debezium.connector.postgresql.PostgresConnector", topicPrefix: decl.prefix }],
        insertMode: "upsert",
        primaryKeyMode: "record_key",
        deleteEnabled: true,
        schemaEvolution: "basic",
        collectionNameFormat: table,
        topicDiscoveryIntervalMs: 2000,
    });
    /** The config each connector must have live, rendered as Connect stores it. */
    const expected = (name: string): Record<string, string> => {
        const built: Record<string, ConnectorConfig> = {
            [SOURCE]: postgresSourceConfig(SOURCE, srcArgs()),
            [SINK]: jdbcSinkConfig(SINK, sinkArgs("${source.table}")),
            [SPARE]: jdbcSinkConfig(SPARE, sinkArgs("spare_${source.table}")),
        };
        return { ...configOf(built[name] as Record<string, unknown>), name };
    };

    const program: PulumiFn = async () => {
        allowDestruction(decl.allow ?? {});
        const pg = new PostgresServer("pg", { server, stack: t.stack.name, superuserPassword: pulumi.secret(PASSWORD) });
        if (!decl.connectors) return;
        const opts = { dependsOn: [pg] };
        const src = new PostgresSourceConnector(SOURCE, srcArgs(), opts);
        new JdbcSinkConnector(SINK, { ...sinkArgs("${source.table}"), restartTrigger: decl.sinkRestartTrigger }, opts);
        if (decl.spare) new JdbcSinkConnector(SPARE, { ...sinkArgs("spare_${source.table}"), state: decl.spareState }, opts);
        if (decl.wrongPassword) {
            const connection = { ...sinkArgs("bad").connection, passwordSecret: "itest-wrong-password" };
            // Two login attempts instead of c3p0's default 30, so the task fails within seconds.
            const extra = { "hibernate.c3p0.acquireRetryAttempts": 2 };
            new JdbcSinkConnector(BAD, { ...sinkArgs("bad_${source.table}"), connection, extra, timeoutSeconds: 120 }, opts);
            const database = { ...srcArgs().database, passwordSecret: "itest-wrong-password" };
            new PostgresSourceConnector(BAD_SOURCE, { ...srcArgs(), database, topicPrefix: "itest-bad-source" }, opts);
        }
        // Invalid on purpose: typed args forbid these, which is why a cast is needed to get them through.
        const invalid = {
            enum: () => new PostgresSourceConnector("itest-invalid", { ...srcArgs(), topicPrefix: "itest-inv", snapshotMode: "sometimes" as "initial" }, opts),
            missing: () =>
                new JdbcSinkConnector("itest-invalid", { ...sinkArgs("x"), connection: { ...sinkArgs("x").connection, user: undefined as unknown as string } }, opts),
            "cross-field": () => new JdbcSinkConnector("itest-invalid", { ...sinkArgs("x"), primaryKeyMode: "record_value" }, opts),
            "transform class": () =>
                new JdbcSinkConnector("itest-invalid", { ...sinkArgs("x"), transforms: [{ alias: "route", type: "org.example.NoSuchTransform" }] }, opts),
            plugin: () => new Connector("itest-invalid", { connectUrls: urls, connectAuth: platform().connectAuth, connectorClass: "org.example.NoSuchConnector", config: {} }, opts),
        };
        if (decl.invalid) invalid[decl.invalid]();
        return { sourceTasks: src.tasks, sourceWorker: src.workerId };
    };

    const rest = async <T>(p: string) => (await axios.get<T>(`${urls[0]}${p}`, { validateStatus: () => true })) as { status: number; data: T };
    const up = async (events?: EngineEvent[]) => {
        const res = await t.stack.up({ onOutput: out, onEvent: events ? (e) => events.push(e) : undefined });
        return Object.fromEntries(Object.entries(res.summary.resourceChanges ?? {}).filter(([op]) => op !== "same"));
    };
    /** Runs `op`, expecting it to fail; returns everything it printed and its error. */
    const failing = async (op: () => Promise<unknown>): Promise<string> => {
        try {
            await op();
        } catch (e) {
            const text = `${(e as Error).message}`;
            printed.push(text);
            return text;
        }
        assert.fail("the operation succeeded");
    };
    const db = async <T>(database: string, fn: (c: Client) => Promise<T>): Promise<T> => {
        const c = new Client({ host: server.address, port: pgPort, user: "postgres", password: PASSWORD, database });
        await c.connect();
        try {
            return await fn(c);
        } finally {
            await c.end();
        }
    };
    const waitFor = async (what: string, check: () => Promise<boolean>, seconds = 90) => {
        const deadline = Date.now() + seconds * 1000;
        while (!(await check().catch(() => false))) {
            if (Date.now() > deadline) assert.fail(`${what}: not within ${seconds}s`);
            await new Promise((r) => setTimeout(r, 1000));
        }
    };
    const status = async (name: string) => (await rest<{ connector: { state: string }; tasks: { state: string }[] }>(`/connectors/${name}/status`)).data;

    before(async function () {
        this.timeout(10 * 60 * 1000);
        urls = platform().connectUrls;
        server = loadStackConfig(stackFile(platform().stackName)).servers[0];
        t = await openInlineStack(platform().test, `${platform().stackName}-connectors`, program);
        // PostgreSQL first: the source needs its database and table before it starts.
        await up();
        await waitFor("PostgreSQL accepts logins", () => db("postgres", async () => true), 60);
        await db("postgres", async (c) => {
            await c.query("CREATE DATABASE app");
            await c.query("CREATE DATABASE copy");
        });
        await db("app", (c) => c.query("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'snapshotted')"));
        decl.connectors = true;
    });

    after(async function () {
        this.timeout(10 * 60 * 1000);
        if (!t) return;
        await t.stack.destroy({ onOutput: out });
        const left = (await rest<string[]>("/connectors")).data.filter((n) => n.startsWith("itest-"));
        assert.deepStrictEqual(left, [], "destroy left connectors behind");
        assert.deepStrictEqual(await ownedByStack(t.stack.name), { containers: [], volumes: [], networks: [] }, "destroy left things behind");
    });

    it("creates a source and two sinks: live configs are the declared ones, all tasks RUNNING, rows replicated", async () => {
        assert.deepStrictEqual(await up(), { create: 3 });
        for (const name of [SOURCE, SINK, SPARE]) {
            assert.deepStrictEqual((await rest(`/connectors/${name}/config`)).data, expected(name), name);
            const s = await status(name);
            assert.deepStrictEqual([s.connector.state, ...s.tasks.map((x) => x.state)], ["RUNNING", "RUNNING"], name);
        }
        const outputs = await t.stack.outputs();
        const live = (await rest<{ tasks: { id: number; worker_id: string }[] }>(`/connectors/${SOURCE}/status`)).data;
        assert.deepStrictEqual(
            (outputs.sourceTasks.value as { id: number; workerId: string }[]).map((x) => [x.id, x.workerId]),
            live.tasks.map((x) => [x.id, x.worker_id]),
        );
        await db("app", (c) => c.query("INSERT INTO items VALUES (2, 'streamed')"));
        await waitFor("both rows in the sink's table", async () => (await db("copy", (c) => c.query("SELECT id FROM items ORDER BY id"))).rows.length === 2);
        await waitFor("both rows in the spare sink's table", async () => (await db("copy", (c) => c.query("SELECT id FROM spare_items"))).rows.length === 2);
    });

    it("a second `up` changes nothing: Connect's strings and injected name do not show as changes", async () => {
        assert.deepStrictEqual(await up(), {});
    });

    it("updates a config change and a declared state in place, on the live connectors", async () => {
        decl.heartbeatMs = 20000;
        decl.spareState = "stopped";
        assert.deepStrictEqual(await up(), { update: 2 });
        assert.strictEqual((await rest<Record<string, string>>(`/connectors/${SOURCE}/config`)).data["heartbeat.interval.ms"], "20000");
        assert.strictEqual((await status(SOURCE)).connector.state, "RUNNING");
        const spare = await status(SPARE);
        assert.deepStrictEqual([spare.connector.state, spare.tasks], ["STOPPED", []]);
    });

    it("refuses a topic prefix change at preview, naming the source and that it would snapshot again, and touches nothing", async () => {
        decl.prefix = "itest2";
        const before = await rest<Record<string, string>>(`/connectors/${SOURCE}/config`);
        const text = await failing(() => t.stack.preview({ onOutput: out }));
        assert.match(
            text,
            /refusing to replace itest-src \(source connector itest-src\): changing topic\.prefix starts the capture over without its offsets.*cdc-sync:allowDestructive\.itest-src: resnapshot/s,
        );
        // (The CLI's `up` previews first and stops here. The Automation API's skips the preview: it would apply the
        // sinks' change, which does not depend on the source, before failing at the source.)
        assert.deepStrictEqual((await rest<Record<string, string>>(`/connectors/${SOURCE}/config`)).data, before.data);
        decl.prefix = "itest";
    });

    it("replaces the source on a topic prefix change once allowed, and the preview names topic.prefix as the reason", async () => {
        decl.prefix = "itest2";
        decl.spareState = "paused";
        decl.allow = { [SOURCE]: "resnapshot" };
        const events: EngineEvent[] = [];
        await t.stack.preview({ onOutput: out, onEvent: (e) => events.push(e), diff: true });
        const steps = events.flatMap((e) => (e.resourcePreEvent ? [e.resourcePreEvent.metadata] : []));
        // Delete first (same name, slot and prefix), then create: every step of the replacement names the reason.
        const source = steps.filter((m) => m.urn.endsWith(`::${SOURCE}`));
        assert.deepStrictEqual(source.map((m) => m.op).sort(), ["create-replacement", "delete-replaced", "replace"]);
        assert.deepStrictEqual(source.find((m) => m.op === "replace")!.keys, ["topic.prefix"]);
        // The sinks follow the source's topics: an in-place update.
        assert.deepStrictEqual(steps.filter((m) => m.urn.endsWith(SINK) || m.urn.endsWith(SPARE)).map((m) => m.op), ["update", "update"]);

        assert.deepStrictEqual(await up(), { replace: 1, update: 2 });
        decl.allow = undefined;
        assert.strictEqual((await rest<Record<string, string>>(`/connectors/${SOURCE}/config`)).data["topic.prefix"], "itest2");
        assert.strictEqual((await status(SPARE)).connector.state, "PAUSED");
        await db("app", (c) => c.query("INSERT INTO items VALUES (3, 'after the replacement')"));
        await waitFor("the new row through the new topics", async () => (await db("copy", (c) => c.query("SELECT id FROM items WHERE id = 3"))).rows.length === 1);
    });

    it("drift: a config changed, a connector paused and one deleted out of band; refresh sees each, up restores each", async () => {
        const put = (p: string, body?: unknown) => axios.put(`${urls[1]}${p}`, body, { headers: { "Content-Type": "application/json" } });
        await put(`/connectors/${SOURCE}/config`, { ...expected(SOURCE), "heartbeat.interval.ms": "60000" });
        await put(`/connectors/${SINK}/pause`);
        await axios.delete(`${urls[1]}/connectors/${SPARE}`);
        await waitFor("the sink paused", async () => (await status(SINK)).connector.state === "PAUSED", 30);

        const refreshed = await t.stack.refresh({ onOutput: out });
        assert.ok((refreshed.summary.resourceChanges?.update ?? 0) >= 2, JSON.stringify(refreshed.summary.resourceChanges));
        assert.strictEqual(refreshed.summary.resourceChanges?.delete, 1);
        const state = (await t.stack.exportStack()).deployment.resources as { urn: string; outputs: Record<string, unknown> }[];
        const find = (name: string) => state.find((r) => r.urn.endsWith(`::${name}`));
        assert.strictEqual(find(SOURCE)!.outputs["heartbeat.interval.ms"], "60000");
        assert.strictEqual(find(SINK)!.outputs.state, "paused");
        assert.strictEqual(find(SPARE), undefined);

        const events: EngineEvent[] = [];
        assert.deepStrictEqual(await up(events), { update: 2, create: 1 });
        // Refresh recorded the live values as inputs, so the update shows exactly what it sets back.
        const diffs = (name: string) => {
            const m = events.find((e) => e.resourcePreEvent?.metadata.urn.endsWith(`::${name}`))!.resourcePreEvent!.metadata;
            const [before, after] = [m.old?.inputs ?? {}, m.new?.inputs ?? {}];
            // `guard` is the stack's own bookkeeping (a refresh marks what it read back observed), never a config diff;
            // `effect` is the preview's words for the change (components/dynamic/effect.ts), checked below.
            const own = ["__provider", "guard", "effect"];
            return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !own.includes(k) && JSON.stringify(before[k]) !== JSON.stringify(after[k]));
        };
        assert.deepStrictEqual(diffs(SOURCE), ["heartbeat.interval.ms"]);
        assert.deepStrictEqual(diffs(SINK), ["state"]);
        const words = (name: string) => events.find((e) => e.resourcePreEvent?.metadata.urn.endsWith(`::${name}`))!.resourcePreEvent!.metadata.new?.inputs?.effect;
        assert.match(words(SOURCE), /^takes the new config \(heartbeat\.interval\.ms\): Connect restarts the connector/);
        assert.match(words(SINK), /goes running; up waits until it and its tasks are RUNNING$/);
        assert.deepStrictEqual((await rest(`/connectors/${SOURCE}/config`)).data, expected(SOURCE));
        assert.strictEqual((await status(SINK)).connector.state, "RUNNING");
        // Recreated as declared: paused from the start (its tasks, if Connect made any yet, paused too).
        const spare = await status(SPARE);
        assert.strictEqual(spare.connector.state, "PAUSED");
        assert.ok(spare.tasks.every((x) => x.state === "PAUSED"), JSON.stringify(spare.tasks));
    });

    for (const [kind, field, message] of [
        ["enum", "snapshot.mode", /expected one of always, initial, .*got "sometimes"/],
        ["missing", "connection.username", /required by JdbcSinkConnector/],
        ["cross-field", "delete.enabled", /true needs primary\.key\.mode=record_key/],
        ["transform class", "transforms.route.type", /Connect: Invalid value org\.example\.NoSuchTransform for configuration transforms\.route\.type: Class org\.example\.NoSuchTransform could not be found/],
        ["plugin", "connector.class", /not installed on the Connect cluster/],
    ] as const) {
        it(`an invalid config (${kind}) fails preview naming ${field}, and creates nothing`, async () => {
            decl.invalid = kind;
            try {
                const text = await failing(() => t.stack.preview({ onOutput: out }));
                assert.match(text, new RegExp(`property ${field.replace(/\./g, "\\.")} value .* has a problem: ${message.source}`));
            } finally {
                decl.invalid = undefined;
            }
            assert.strictEqual((await rest(`/connectors/itest-invalid`)).status, 404);
        });
    }

    it("a wrong database password fails `up`: the sink's task with its trace, the source in Connect's own validation", async () => {
        decl.wrongPassword = true;
        // Both connectors must get their chance: by default the engine starts nothing new after a failure.
        const text = await failing(() => t.stack.up({ onOutput: out, continueOnError: true }));
        // The JDBC sink does not check its connection when configured: its task starts, fails, and the
        // health gate reports the task's error trace.
        assert.match(text, new RegExp(`task 0 of connector ${BAD} FAILED on [0-9.:]+:\\s*org\\.hibernate\\.`));
        // A Debezium source connects while Connect validates the config it is given: PUT answers 400.
        assert.match(text, new RegExp(`PUT /connectors/${BAD_SOURCE}/config: 400 .*\\s*Error while validating connector config: FATAL: password authentication failed for user "postgres"`));
        // The failed sink is recorded as failed, so that the next `up` retries it rather than forgetting it.
        const state = (await t.stack.exportStack()).deployment.resources as { urn: string; outputs: Record<string, unknown> }[];
        assert.strictEqual(state.find((r) => r.urn.endsWith(`::${BAD}`))?.outputs.state, "failed");
        assert.strictEqual(state.find((r) => r.urn.endsWith(`::${BAD_SOURCE}`)), undefined);
        assert.strictEqual((await rest(`/connectors/${BAD_SOURCE}`)).status, 404);
    });

    it("deletes connectors removed from the program, and restarts the sink for a new restart trigger", async () => {
        decl.wrongPassword = false;
        decl.spare = false;
        decl.sinkRestartTrigger = "1";
        const starts = () => taskStarts(platform(), `${SINK}-0`);
        const before = await starts();
        assert.deepStrictEqual(await up(), { delete: 2, update: 1 });
        // Connect may answer 500 while the deletion's rebalance runs; then 404 for good.
        for (const name of [BAD, SPARE]) await eventually(30, async () => assert.strictEqual((await rest(`/connectors/${name}`)).status, 404, name));
        assert.ok((await starts()) > before, "the sink's task did not start again");
        assert.strictEqual((await status(SINK)).tasks[0].state, "RUNNING");
    });

    it("a further `up` changes nothing", async () => {
        assert.deepStrictEqual(await up(), {});
    });

    it("the password is nowhere: state, backend files, CLI output, REST answers, config and status topics, process arguments, logs", async () => {
        const leaks: string[] = [];
        // The connectors' database passwords, the stack's generated Connect REST password (decrypted from its output)
        // and the brokers' generated ZooKeeper password (decrypted from the platform's state).
        const restPassword = platform().connectAuth.password;
        const platformExport = await platform().test.stack.exportStack();
        const zookeeperPassword = generatedPasswords(platformExport, "zookeeper-password-generated").zookeeper;
        assert.match(zookeeperPassword, /^[A-Za-z0-9]{32}$/);
        const search = (where: string, text: string) => {
            for (const [what, secret] of [["database password", PASSWORD], ["wrong password", WRONG_PASSWORD], ["REST password", restPassword], ["ZooKeeper password", zookeeperPassword]]) {
                if (text.includes(secret)) leaks.push(`${what}: ${where}`);
            }
        };
        // Pulumi state of both stacks, exported and as the backend stores it (history and backups included).
        // The export decrypts Pulumi secrets (the PostgreSQL superuser password; the platform's: the workers' secrets
        // file, the REST password): each may be there, inside a secret, and nowhere else.
        const inStates = [
            ["connectors", await t.stack.exportStack(), { "database password": PASSWORD }],
            ["platform", platformExport, { "database password": PASSWORD, "wrong password": WRONG_PASSWORD, "REST password": restPassword, "ZooKeeper password": zookeeperPassword }],
        ] as const;
        for (const [name, exported, secrets] of inStates) leaks.push(...stateLeaks(exported, secrets).map((l) => `${name} stack export: ${l}`));
        const backend = new URL(t.stack.workspace.envVars.PULUMI_BACKEND_URL).pathname;
        const files = (fs.readdirSync(backend, { recursive: true }) as string[]).map((f) => path.join(backend, f)).filter((f) => fs.statSync(f).isFile());
        assert.ok(files.some((f) => f.includes(`${t.stack.name}.json`)), `no state file of ${t.stack.name} under ${backend}`);
        for (const f of files) search(f, fs.readFileSync(f, "latin1"));
        // Everything previews and updates printed, failures included.
        assert.ok(printed.length > 0);
        search("CLI output", printed.join("\n"));
        // The REST API, including the resolved task configs and a validation of the source's config.
        for (const p of ["/connectors?expand=info&expand=status", ...[SOURCE, SINK].flatMap((n) => [`/connectors/${n}`, `/connectors/${n}/config`, `/connectors/${n}/tasks`, `/connectors/${n}/status`])]) {
            search(`GET ${p}`, JSON.stringify((await rest(p)).data));
        }
        const validation = await axios.put(`${urls[0]}/connector-plugins/io.debezium.connector.postgresql.PostgresConnector/config/validate`, expected(SOURCE));
        search("PUT .../config/validate", JSON.stringify(validation.data));
        // Connect's config topic: every record, from the beginning.
        const configs = await readTopic(platform().bootstrapServers, "cdc-sync-connect-configs");
        assert.ok(configs.includes("${file:/etc/cdc-sync/secrets/connectors.properties:itest-pg-password}"), "read the config topic, found no connector config");
        search("config topic", configs);
        // Connect's status topic: the FAILED task's state and trace (the sink with the wrong password, above).
        const statuses = await readTopic(platform().bootstrapServers, "cdc-sync-connect-status");
        assert.ok(statuses.includes('"state":"FAILED"'), "read the status topic, found no failed task in it");
        search("status topic", statuses);
        // Arguments and environment of the PostgreSQL, Connect, ZooKeeper and broker containers' processes.
        const p = platform();
        const kafkaContainers = [`cdc-sync-${p.stackName}-zookeeper`, ...(p.outputs.placement.value.brokers as { id: number }[]).map((b) => `cdc-sync-${p.stackName}-broker-${b.id}`)];
        const containers = [`cdc-sync-${t.stack.name}-pg`, ...workerContainers(p), ...kafkaContainers];
        for (const c of containers) {
            search(`${c} processes`, await execIn(c, ["sh", "-c", "cat /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null | tr '\\0' ' '"]));
        }
        // The settings (env, arguments) and every log of those and of all the platform's containers, the supervisors
        // among them (the failed tasks' traces are in the workers' logs); each container once.
        const Dockerode = (await import("dockerode")).default;
        const all = new Set([...containers, ...(await ownedByStack(platform().stackName)).containers.map((n) => n.replace(/^\//, ""))]);
        for (const c of all) {
            search(`${c} log`, ((await new Dockerode().getContainer(c).logs({ stdout: true, stderr: true })) as unknown as Buffer).toString("latin1"));
            search(`${c} inspect`, JSON.stringify((await inspect(c)).Config));
        }
        assert.deepStrictEqual(leaks, []);
    });
});

/** The Connect workers of the platform, by container name. */
function workerContainers(p: ReturnType<typeof platform>): string[] {
    return (p.outputs.placement.value.connectWorkers as { server: string }[]).map((w) => `cdc-sync-${p.stackName}-connect-${w.server}`);
}

/** How often the workers have logged starting `task` (e.g. `itest-sink-0`). */
async function taskStarts(p: ReturnType<typeof platform>, task: string): Promise<number> {
    const Dockerode = (await import("dockerode")).default;
    let n = 0;
    for (const c of workerContainers(p)) {
        const log = (await new Dockerode().getContainer(c).logs({ stdout: true, stderr: true })) as unknown as Buffer;
        n += log.toString("latin1").split(`Starting task ${task} `).length - 1;
    }
    return n;
}

async function inspect(container: string) {
    const Dockerode = (await import("dockerode")).default;
    return new Dockerode().getContainer(container).inspect();
}

/** Every record value of `topic`, read from the beginning up to the current end. */
async function readTopic(brokers: string[], topic: string): Promise<string> {
    // Committed records only: the config topic is written in transactions by the leader (exactly-once sources).
    const { low, high } = await topicBounds(brokers, [topic]);
    const values: string[] = [];
    await readCommitted(brokers, low, high, (_t, _p, m) => values.push(m.value?.toString() ?? ""));
    return values.join("\n");
}
