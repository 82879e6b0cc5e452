// Topology B through `pulumi up` of the stack (tests/integration/fixture.ts brings it up): real PostgreSQL 17,
// real Kafka and Connect, the real Debezium source and JDBC sink per direction. Then two more stacks beside
// it: one that adopts the same server for a second pair (and is destroyed, to see what it leaves), and one
// that points two-way sync at a server without logical decoding (and must be refused before creating anything).
import * as assert from "assert";
import { randomBytes } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import axios from "axios";
import Dockerode from "dockerode";
import { Client } from "pg";
import { loadStackConfig, StackConfig } from "../../components/stack/load";
import { DatabaseServerSpec, PostgresServerSpec } from "../../components/databases/config";
import { ImageBuilds } from "../../components/docker/builds";
import { buildPostgresServers } from "../../components/databases/servers";
import { twoWayPasswordNames, TwoWaySpec } from "../../components/pipelines/twoWayPostgres/config";
import { TwoWayPostgres } from "../../components/pipelines/twoWayPostgres/pipeline";
import { PasswordSet } from "../../components/secrets/passwords";
import { startServer, TestServer } from "../db/server";
import { stackFile } from "../stackFiles";
import { connectorStatus } from "./connectors";
import { platform, requestConnectorSecrets } from "./fixture";
import { eventually, execIn, openInlineStack, topicMessages } from "./harness";

/** The second pair (adopted server), whose connector passwords the workers must hold before it comes up. */
/** A pair as the tests declare it: databases and tables (the server is given apart). */
type Pair = Pick<TwoWaySpec, "databases" | "tables">;
const ADOPTED: Pair = {
    databases: ["itest_a", "itest_b"],
    tables: [{ schema: "public", name: "notes", primaryKey: ["id"], columns: { id: "bigint", body: "text" } }],
};
const adoptedPasswords = Object.fromEntries(twoWayPasswordNames(ADOPTED).map((n) => [n, randomBytes(16).toString("hex")]));
/** The pair whose server the stack restarts (its own container, port 5433 on the same server). */
const restartPasswords = Object.fromEntries(
    twoWayPasswordNames({ databases: ["restart_a", "restart_b"] }).map((n) => [n, randomBytes(16).toString("hex")]),
);
requestConnectorSecrets({ ...adoptedPasswords, ...restartPasswords });

/** A PostgreSQL server entry of a test's own pair stack; its admin password is handed in as `postgres-admin`. */
const testServer = (name: string) => ({ engine: "postgres" as const, name, key: `databases.${name}`, adminPassword: "postgres-admin" });

describe("topology B: two-way PostgreSQL sync, deployed by pulumi up", function () {
    this.timeout(10 * 60 * 1000);
    let cfg: StackConfig;
    /** The stack's two-way pair and its PostgreSQL server. */
    let pair: TwoWaySpec;
    let pipelineName: string;
    let postgres: DatabaseServerSpec | undefined;
    let host: string;
    let port: number;
    let adminPassword: string;
    const clients: Client[] = [];

    const connect = async (database: string): Promise<Client> => {
        const c = new Client({ host, port, user: "postgres", password: adminPassword, database });
        await c.connect();
        clients.push(c);
        return c;
    };
    let db1: Client;
    let db2: Client;

    /** Every row of the table with its version stamps, as comparable JSON. */
    const dump = async (c: Client, table = "customers") =>
        (await c.query(`SELECT to_jsonb(t) AS r FROM ${table} t ORDER BY id`)).rows.map((r) => JSON.stringify(r.r));

    /** Messages written so far to a direction's change topics (table + tombstones; not the canary or heartbeats). */
    const events = (side: string): Promise<number> =>
        topicMessages(platform().bootstrapServers, [`${pipelineName}.${side}.public.customers`, `${pipelineName}.${side}.cdc_sync.cdc_tombstones`]);

    /** The pair's stack output (`pipelines.<name>`). */
    const pairOutput = () =>
        (platform().outputs.pipelines.value as Record<string, unknown>)[pipelineName] as {
            directions: { direction: string; source: string; sink: string }[];
            health: { direction: string; canaryLatencyMs: number; slotActive: boolean }[];
        };
    /** The pair's connectors as the stack named them, by direction. */
    const pairConnectors = () => pairOutput().directions;
    /** Each named connector's task states, as Connect reports them now. */
    const taskStates = async (names: readonly string[]): Promise<Record<string, string[]>> => {
        const out: Record<string, string[]> = {};
        for (const n of names) out[n] = (await axios.get(`${platform().connectUrls[0]}/connectors/${n}/status`)).data.tasks.map((t: { state: string }) => t.state);
        return out;
    };

    /**
     * An inline stack beside the local one with one more pair on the same platform, wired as index.ts wires the
     * stack's own. `pair` is read when the program runs, so a test can change it between two `up`s. `pins` are
     * the passwords handed to the stack (the connector ones the workers already hold, and/or postgres-admin).
     */
    const pairStack = (stack: string, name: string, pair: () => { postgres: PostgresServerSpec; twoWay: Pair; pins: Record<string, string> }) => {
        const p = platform();
        return openInlineStack(p.test, stack, async () => {
            const { postgres, twoWay, pins } = pair();
            const passwords = new PasswordSet("pw", { names: [postgres.adminPassword, ...twoWayPasswordNames(twoWay)], overrides: pulumi.secret(pins) });
            const servers = buildPostgresServers({ stack, servers: cfg.servers, images: new ImageBuilds(cfg.images?.build), databases: [postgres], passwords });
            const pg = new TwoWayPostgres(name, {
                twoWay,
                server: servers.get(postgres.name)!,
                passwords,
                connectUrls: p.connectUrls,
                connectAuth: p.connectAuth,
                bootstrapServers: p.bootstrapServers.join(","),
                replicationFactor: cfg.kafka.replicationFactor,
                knownSecrets: Object.keys(pins).filter((n) => n !== "postgres-admin"),
            });
            return { measuredAt: pg.health.measuredAt };
        });
    };

    before(async function () {
        cfg = loadStackConfig(stackFile(platform().stackName));
        const pipeline = cfg.pipelines.find((x) => x.kind === "twoWayPostgres");
        pair = pipeline?.spec as TwoWaySpec;
        postgres = cfg.databases.find((d) => d.name === pair?.postgres);
        if (!pipeline || postgres?.engine !== "postgres" || postgres.kind !== "run") {
            // Reported as skipped, never as passed: this stack file does not deploy topology B on a server it runs.
            this.skip();
        }
        const server = cfg.servers.find((s) => s.name === (postgres as { server: string }).server)!;
        host = server.address;
        port = postgres.port;
        adminPassword = (await execIn(`cdc-sync-${platform().stackName}-${postgres.name}`, ["cat", "/etc/cdc-sync/secrets/postgres-password"])).trim();
        pipelineName = pipeline.name;
        [db1, db2] = [await connect(pair.databases[0]), await connect(pair.databases[1])];
    });

    after(async () => {
        await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    });

    it("reports both directions healthy in the stack outputs: the canary crossed each way", () => {
        const out = pairOutput();
        assert.deepStrictEqual(out.health.map((h) => h.direction), ["db1->db2", "db2->db1"]);
        for (const h of out.health) {
            assert.ok(h.canaryLatencyMs >= 0 && h.canaryLatencyMs < 120_000, `${h.direction}: ${h.canaryLatencyMs} ms`);
            assert.strictEqual(h.slotActive, true, `${h.direction}: the source does not hold its slot`);
        }
    });

    it("refuses physical replication over the network (pg_basebackup's, a copy of every database) to any role, the superuser's too, and takes the logical replication Debezium uses", async () => {
        const role = `itest_physical_${randomBytes(3).toString("hex")}`;
        const password = randomBytes(12).toString("hex");
        await db1.query(`CREATE ROLE ${role} LOGIN REPLICATION PASSWORD '${password}'`);
        try {
            // node-postgres sends `replication` in the startup packet: "true" asks for a physical, "database" a logical one.
            const attempt = async (user: string, pass: string, replication: string | boolean): Promise<string> => {
                const c = new Client({ host, port, user, password: pass, database: pair.databases[0], replication } as ConstructorParameters<typeof Client>[0]);
                c.on("error", () => undefined);
                return c.connect().then(
                    () => c.end().then(() => "connected"),
                    (e: Error) => e.message,
                );
            };
            for (const [user, pass] of [[role, password], ["postgres", adminPassword]]) {
                assert.match(await attempt(user, pass, true), /no pg_hba\.conf entry for replication connection/, `${user}: physical replication`);
                assert.strictEqual(await attempt(user, pass, "database"), "connected", `${user}: logical replication`);
            }
        } finally {
            await db1.query(`DROP ROLE ${role}`);
        }
    });

    it("carries inserts, updates and deletes from db1 to db2 and from db2 to db1, values and versions exact", async () => {
        for (const [from, into, id] of [[db1, db2, 1001], [db2, db1, 2001]] as const) {
            await from.query(
                `INSERT INTO customers (id, name, email, balance, tags, updated_at)
                 VALUES ($1, 'Zoë "quoted"', 'z@example.com', 1234.56, '{"vip": true, "n": [1, 2]}', '2026-11-22 10:00:00.123456+00')`,
                [id],
            );
            const row = async (c: Client) => (await c.query("SELECT to_jsonb(t) AS r FROM customers t WHERE id = $1", [id])).rows[0]?.r;
            const written = await row(from);
            // The whole row, including cdc_ts to the microsecond: Debezium's timestamp conversion and the sink keep it.
            await eventually(60, async () => assert.deepStrictEqual(await row(into), written));
            // PostgreSQL prints up to six fractional digits (trailing zeros dropped): sub-second precision was compared.
            assert.match(written.cdc_ts, /T\d\d:\d\d:\d\d\.\d{1,6}[+-]/, "cdc_ts has sub-second precision, so the comparison above checked it");

            await from.query("UPDATE customers SET balance = balance + 1, tags = tags || '{\"updated\": 1}' WHERE id = $1", [id]);
            const updated = await row(from);
            await eventually(60, async () => assert.deepStrictEqual(await row(into), updated));

            await from.query("DELETE FROM customers WHERE id = $1", [id]);
            await eventually(60, async () => assert.strictEqual(await row(into), undefined));
        }
    });

    it("sends each of N writes per side across exactly once: N events per direction, and equal databases", async () => {
        const before = { db1: await events("db1"), db2: await events("db2") };
        const N = 30;
        /** 15 inserts, 10 updates, 5 deletes on keys of its own per side. */
        const write = async (c: Client, base: number) => {
            for (let i = 0; i < 15; i++) await c.query("INSERT INTO customers (id, name) VALUES ($1, $2)", [base + i, `n${i}`]);
            for (let i = 0; i < 10; i++) await c.query("UPDATE customers SET name = name || '+' WHERE id = $1", [base + i]);
            for (let i = 10; i < 15; i++) await c.query("DELETE FROM customers WHERE id = $1", [base + i]);
        };
        await Promise.all([write(db1, 5000), write(db2, 6000)]);
        await eventually(90, async () => assert.deepStrictEqual(await dump(db2), await dump(db1)));
        // Give an echo time to show up: with one, the counts would keep growing past N.
        await new Promise((r) => setTimeout(r, 5000));
        const after = { db1: await events("db1"), db2: await events("db2") };
        assert.deepStrictEqual({ db1: after.db1 - before.db1, db2: after.db2 - before.db2 }, { db1: N, db2: N });
        assert.deepStrictEqual(await dump(db2), await dump(db1));
    });

    it("converges concurrent conflicting writes to the same rows by last writer wins, and nothing loops afterwards", async () => {
        const keys = Array.from({ length: 40 }, (_, i) => 7000 + i);
        for (const k of keys) await db1.query("INSERT INTO customers (id, name) VALUES ($1, 'base')", [k]);
        await eventually(60, async () => assert.strictEqual((await db2.query("SELECT count(*)::int AS n FROM customers WHERE id >= 7000 AND id < 8000")).rows[0].n, 40));
        // Both sides change every key at once, two writers per side; a quarter of the keys are deleted on one side.
        const side = async (c: Client, tag: string, deleteEvery: number) => {
            const extra = await connect(c.database!);
            await Promise.all(
                [c, extra].map(async (conn, w) => {
                    for (const k of keys.filter((_, i) => i % 2 === w)) {
                        if (deleteEvery && k % deleteEvery === 0) await conn.query("DELETE FROM customers WHERE id = $1", [k]);
                        else await conn.query("UPDATE customers SET name = $2 WHERE id = $1", [k, `${tag}-${k}`]);
                    }
                }),
            );
        };
        await Promise.all([side(db1, "db1", 4), side(db2, "db2", 0)]);
        await eventually(90, async () => assert.deepStrictEqual(await dump(db2), await dump(db1)));
        // The stated rule: each surviving row is the version with the greatest (cdc_ts, cdc_side), i.e. its
        // name is the one written by the side its stamp names.
        const rows = (await db1.query("SELECT id, name, cdc_side FROM customers WHERE id >= 7000 AND id < 8000")).rows;
        for (const r of rows) assert.strictEqual(r.name, `${r.cdc_side}-${r.id}`, `row ${r.id}: name ${r.name} with version of ${r.cdc_side}`);
        const quiet = { db1: await events("db1"), db2: await events("db2") };
        await new Promise((r) => setTimeout(r, 5000));
        assert.deepStrictEqual({ db1: await events("db1"), db2: await events("db2") }, quiet, "events kept flowing after convergence: a loop");
    });

    it("adds a column added on one side to the other (the sink's schema evolution, as the sink role), and syncs it back", async () => {
        // No MySQL-dialect sink ever ran in these workers: the stack file keeps them on the `mysql` cluster, so the
        // PostgreSQL sinks keep their own dialect (docs/topology-b.md, "Known defect") without any restart.
        const url = platform().connectUrls[0];
        await db1.query("ALTER TABLE customers ADD COLUMN IF NOT EXISTS note text");
        await db1.query("INSERT INTO customers (id, name, note) VALUES (8001, 'with note', 'added on db1')");
        const note = async (c: Client) => (await c.query("SELECT note FROM customers WHERE id = 8001")).rows[0]?.note;
        const arrived = await eventually(90, async () => assert.strictEqual(await note(db2), "added on db1")).then(
            () => undefined,
            (e: Error) => e,
        );
        if (arrived) {
            const sink = pairConnectors().find((d) => d.direction === "db1->db2")!.sink;
            throw new Error(`${arrived.message}\nsink ${sink}: ${await connectorStatus(url, sink)}`);
        }
        const added = await db2.query(
            "SELECT data_type, is_nullable FROM information_schema.columns WHERE table_name = 'customers' AND column_name = 'note'",
        );
        assert.deepStrictEqual(added.rows, [{ data_type: "text", is_nullable: "YES" }]);
        await db2.query("UPDATE customers SET note = 'changed on db2' WHERE id = 8001");
        await eventually(60, async () => assert.strictEqual(await note(db1), "changed on db2"));
        await eventually(30, async () => assert.deepStrictEqual(await dump(db2), await dump(db1)));
    });

    it("rides out a PostgreSQL restart the stack did not make: the sinks reconnect by themselves, no `up` needed", async () => {
        // The restart ends every open session, these tests' own included.
        for (const c of clients) c.on("error", () => undefined);
        await new Dockerode().getContainer(`cdc-sync-${platform().stackName}-twoway-postgres`).restart({ t: 10 });
        const [a, b] = [await eventually(60, () => connect("db1")), await eventually(60, () => connect("db2"))];
        [db1, db2] = [a, b];
        await a.query("INSERT INTO customers (id, name) VALUES (9001, 'written on db1 after a restart')");
        await b.query("INSERT INTO customers (id, name) VALUES (9002, 'written on db2 after a restart')");
        const name = async (c: Client, id: number) => (await c.query("SELECT name FROM customers WHERE id = $1", [id])).rows[0]?.name;
        const connectors = pairConnectors().flatMap((d) => [d.source, d.sink]);
        await eventually(120, async () => {
            assert.deepStrictEqual(
                { db2: await name(b, 9001), db1: await name(a, 9002) },
                { db2: "written on db1 after a restart", db1: "written on db2 after a restart" },
                `connector tasks: ${JSON.stringify(await taskStates(connectors))}`,
            );
        });
        for (const [n, tasks] of Object.entries(await taskStates(connectors))) assert.deepStrictEqual(tasks, ["RUNNING"], n);
        await eventually(30, async () => assert.deepStrictEqual(await dump(b), await dump(a)));
    });

    it("adopts an existing server for a second pair, and its destroy leaves no slot, publication, role, origin or connector — only the data", async function () {
        const p = platform();
        const t = await pairStack("itest-twoway", "itest-twoway", () => ({
            postgres: { ...testServer("itest-adopted-postgres"), kind: "adopt", host, port, adminUser: "postgres" },
            twoWay: ADOPTED,
            pins: { ...adoptedPasswords, "postgres-admin": adminPassword },
        }));
        try {
            const up = await t.stack.up({ onOutput: t.log });
            assert.strictEqual(up.summary.result, "succeeded");
            const [a, b] = [await connect("itest_a"), await connect("itest_b")];
            await a.query("INSERT INTO notes (id, body) VALUES (1, 'kept')");
            await eventually(60, async () => assert.strictEqual((await b.query("SELECT body FROM notes WHERE id = 1")).rows[0]?.body, "kept"));
            const second = await t.stack.up({ onOutput: t.log });
            assert.deepStrictEqual(Object.keys(second.summary.resourceChanges ?? {}).filter((k) => k !== "same"), [], "a second up changed something");
        } finally {
            await t.stack.destroy({ onOutput: t.log });
        }
        const admin = await connect("postgres");
        const one = async (sql: string) => (await admin.query(sql)).rows;
        assert.deepStrictEqual(await one("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'cdc_sync_itest%'"), []);
        assert.deepStrictEqual(await one("SELECT rolname FROM pg_roles WHERE rolname LIKE 'cdc_%_itest%'"), []);
        assert.deepStrictEqual(await one("SELECT roname FROM pg_replication_origin WHERE roname LIKE 'cdc_sink_itest%'"), []);
        for (const db of ADOPTED.databases) {
            const c = await connect(db);
            assert.deepStrictEqual((await c.query("SELECT pubname FROM pg_publication")).rows, [], `${db}: publication left`);
            assert.deepStrictEqual((await c.query("SELECT evtname FROM pg_event_trigger")).rows, [], `${db}: login trigger left`);
            assert.deepStrictEqual((await c.query("SELECT nspname FROM pg_namespace WHERE nspname = 'cdc_sync'")).rows, [], `${db}: sync schema left`);
            // The user's data stays: destroy removes the pipeline, not the tables it synced.
            assert.strictEqual((await c.query("SELECT count(*)::int AS n FROM notes")).rows[0].n, 1);
        }
        const connectors: string[] = (await axios.get(`${p.connectUrls[0]}/connectors`)).data;
        assert.deepStrictEqual(connectors.filter((n) => n.includes("itest_")), []);
    });

    it("restarts the pipeline when a settings change recreates the server's container, and it delivers again", async function () {
        const restartPair: Pair = { databases: ["restart_a", "restart_b"], tables: ADOPTED.tables };
        const pins = Object.fromEntries(twoWayPasswordNames(restartPair).map((n) => [n, restartPasswords[n]]));
        const server2 = cfg.servers.find((s) => s.name === (postgres as { server: string }).server)!;
        let memoryMiB = 512;
        let generation = "";
        const own: Client[] = [];
        const t = await pairStack("itest-twoway-restart", "itest-restart", () => ({
            postgres: { ...testServer("itest-restart-postgres"), kind: "run", server: server2.name, port: 5433, memoryMiB },
            twoWay: restartPair,
            pins,
        }));
        const container = "cdc-sync-itest-twoway-restart-itest-restart-postgres";
        const containerId = async () => (await new Dockerode().getContainer(container).inspect()).Id;
        try {
            await t.stack.up({ onOutput: t.log });
            generation = await containerId();
            memoryMiB = 640;
            // The reviewer sees the server's container updated (recreated in place, its volume kept: no replacement)
            // and, because of it, all four connectors restarted.
            const preview = await t.stack.preview({ onOutput: t.log, diff: true });
            assert.strictEqual(preview.changeSummary.replace, undefined, JSON.stringify(preview.changeSummary));
            assert.ok((preview.changeSummary.update ?? 0) >= 6, `connectors and health not updated: ${JSON.stringify(preview.changeSummary)}`);
            const up = await t.stack.up({ onOutput: t.log });
            assert.strictEqual(up.summary.result, "succeeded");
            assert.notStrictEqual(await containerId(), generation, "the container was not recreated");
            // The health resource measured again after the restart: both canaries crossed.
            const pw = (await execIn(container, ["cat", "/etc/cdc-sync/secrets/postgres-password"])).trim();
            const open = async (db: string) => {
                const c = new Client({ host: server2.address, port: 5433, user: "postgres", password: pw, database: db });
                // Ended before the destroy below stops this server; an error after that is expected.
                c.on("error", () => undefined);
                await c.connect();
                own.push(c);
                return c;
            };
            const [a, b] = [await open("restart_a"), await open("restart_b")];
            await b.query("INSERT INTO notes (id, body) VALUES (2, 'after restart')");
            await eventually(60, async () => assert.strictEqual((await a.query("SELECT body FROM notes WHERE id = 2")).rows[0]?.body, "after restart"));
            await a.query("UPDATE notes SET body = 'back' WHERE id = 2");
            await eventually(60, async () => assert.strictEqual((await b.query("SELECT body FROM notes WHERE id = 2")).rows[0]?.body, "back"));
        } finally {
            await Promise.all(own.map((c) => c.end().catch(() => undefined)));
            await t.stack.destroy({ onOutput: t.log });
        }
    });

    it("refuses, before creating anything, to deploy on a server that cannot filter origins (wal_level=replica)", async function () {
        let server: TestServer | undefined;
        const t = await pairStack("itest-twoway-refused", "itest-refused", () => ({
            postgres: { ...testServer("itest-refused-postgres"), kind: "adopt", host: server!.address, port: server!.port, adminUser: "postgres" },
            twoWay: { databases: ["refused_a", "refused_b"], tables: ADOPTED.tables },
            pins: { "postgres-admin": server!.adminPassword },
        }));
        try {
            server = await startServer({ container: "cdc-sync-itest-pg-replica", address: "127.0.0.43", port: 5432, walLevel: "replica" });
            const failed = await t.stack.up({ onOutput: t.log }).then(
                () => undefined,
                (e: Error) => e.message,
            );
            assert.ok(failed, "up succeeded on a server with wal_level=replica");
            assert.match(failed, /wal_level is replica: logical decoding needs wal_level=logical/);
            // A reviewer's preview already says so.
            const preview = await t.stack.preview({ onOutput: t.log }).then(
                () => "",
                (e: Error) => e.message,
            );
            assert.match(preview, /two-way sync cannot be deployed on 127\.0\.0\.43:5432: wal_level is replica/);
            const state = await t.stack.exportStack();
            // Only the generated passwords may exist: they live in the stack's state, nowhere else.
            const created = (state.deployment.resources ?? []).filter(
                (r: { type: string; custom?: boolean }) => r.custom && !r.type.startsWith("pulumi:providers:") && !r.type.endsWith("GeneratedPasswords"),
            );
            assert.deepStrictEqual(created.map((r: { urn: string }) => r.urn), [], "resources were created before the refusal");
            const c = await server.connect("postgres");
            try {
                assert.deepStrictEqual((await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'refused%'")).rows, []);
                assert.deepStrictEqual((await c.query("SELECT rolname FROM pg_roles WHERE rolname LIKE 'cdc_%'")).rows, []);
            } finally {
                await c.end();
            }
        } finally {
            await t.stack.destroy({ onOutput: t.log }).catch(() => undefined);
            server?.remove();
        }
    });
});
