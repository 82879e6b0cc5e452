// Two-way PostgreSQL sync, database side, against a real PostgreSQL 17 (topology B: db1 and db2 on one
// server). The setup is applied by the dynamic provider itself; the connectors are simulated by
// connectors.ts (slot reads with origin=none as the replication role, JDBC-sink upserts as the sink role),
// so no Kafka is needed. Runs with `scripts/test.sh db`.
import * as assert from "assert";
import { Client } from "pg";
import { TwoWayDatabaseInputs, TwoWayDatabaseOutputs, twoWayDatabaseProvider as provider } from "../../components/pipelines/twoWayPostgres/database";
import { TwoWayTablesInputs, twoWayTablesProvider } from "../../components/pipelines/twoWayPostgres/tables";
import { canaryBumpSql } from "../../components/pipelines/twoWayPostgres/canary";
import { SETUP_VERSION } from "../../components/pipelines/twoWayPostgres/setup";
import { SINK_IDLE_IN_TRANSACTION_SECONDS } from "../../components/pipelines/twoWayPostgres/roles";
import { CANARY_TABLE, ReplicatedTable, TOMBSTONE_TABLE, TwoWayDatabaseSpec, defaultSpec } from "../../components/pipelines/twoWayPostgres/spec";
import { Change } from "./pgoutput";
import { SimulatedSink, SimulatedSource } from "./connectors";
import { TestServer, startServer } from "./server";

const CONTAINER = process.env.CDC_SYNC_TEST_PG_CONTAINER ?? "cdc-sync-test-twoway-pg";
const ADDRESS = process.env.CDC_SYNC_TEST_PG_ADDRESS ?? "127.0.0.41";
const APP_PASSWORD = "app-password";

const TABLES: ReplicatedTable[] = [
    { schema: "public", name: "accounts", primaryKey: ["id"] },
    { schema: "public", name: "order_lines", primaryKey: ["order_id", "line"] },
    // Quotes, spaces, dots and capitals in every identifier: all generated SQL must quote them.
    { schema: 'Sales "EU"', name: "Odd.Name", primaryKey: ["Key Col"] },
];
const DDL = [
    "CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance int NOT NULL)",
    "CREATE TABLE order_lines (order_id int, line int, qty int NOT NULL, PRIMARY KEY (order_id, line))",
    `CREATE SCHEMA "Sales ""EU"""`,
    `CREATE TABLE "Sales ""EU"""."Odd.Name" ("Key Col" text PRIMARY KEY, v int)`,
];

interface Side {
    readonly db: string;
    readonly spec: TwoWayDatabaseSpec;
    readonly inputs: TwoWayDatabaseInputs;
    outs?: TwoWayDatabaseOutputs;
    app?: Client;
    source?: SimulatedSource;
    /** The sink that writes INTO this database (it carries the other side's changes). */
    sink?: SimulatedSink;
    clients: Client[];
}

describe("two-way PostgreSQL sync (database side, PostgreSQL 17)", function () {
    this.timeout(180_000);
    let server: TestServer;
    let admin: Client;
    const sides: Side[] = [];

    const rows = async (db: string, sql: string, params: unknown[] = []) => {
        const c = await server.connect(db);
        try {
            return (await c.query(sql, params)).rows;
        } finally {
            await c.end();
        }
    };
    /** Whole contents (stamps included) of every replicated table and the tombstones, comparable across sides. */
    const dump = async (db: string) => {
        const out: Record<string, unknown> = {};
        for (const t of [...TABLES.map((t) => `"${t.schema.replace(/"/g, '""')}"."${t.name}"`), `cdc_sync.${TOMBSTONE_TABLE}`]) {
            out[t] = (await rows(db, `SELECT to_jsonb(t) AS r FROM ${t} t ORDER BY 1`)).map((r) => r.r);
        }
        return out;
    };
    /** Moves every pending change both ways until nothing is left; returns how many crossed each way. */
    const pump = async (reverse = false) => {
        const moved = [0, 0];
        for (let round = 0; round < 20; round++) {
            const c1 = await sides[0].source!.read();
            await sides[1].sink!.apply(c1, reverse);
            const c2 = await sides[1].source!.read();
            await sides[0].sink!.apply(c2, reverse);
            moved[0] += c1.length;
            moved[1] += c2.length;
            if (c1.length + c2.length === 0) return moved;
        }
        throw new Error("changes still crossing after 20 rounds: a replication loop");
    };
    const balance = async (db: string, id: number) => (await rows(db, "SELECT balance FROM accounts WHERE id = $1", [id]))[0]?.balance;

    before(async () => {
        server = await startServer({ container: CONTAINER, address: ADDRESS, port: 5432, walLevel: "logical" });
        admin = await server.connect("postgres");
        await admin.query(`CREATE ROLE app LOGIN PASSWORD '${APP_PASSWORD}'`);
        for (const db of ["db1", "db2"]) {
            await admin.query(`CREATE DATABASE ${db} OWNER app`);
            const app = await server.connect(db, "app", APP_PASSWORD);
            for (const sql of DDL) await app.query(sql);
            const spec = defaultSpec(db, TABLES, { originPoolSize: 4 });
            sides.push({
                db,
                spec,
                clients: [app],
                app,
                inputs: {
                    connection: { host: server.address, port: server.port, database: db, user: "postgres" },
                    adminPassword: server.adminPassword,
                    spec,
                    replicationPassword: `repl-${db}`,
                    sinkPassword: `sink-${db}`,
                },
            });
        }
        // Rows that exist before setup: db1 seeds db2 through the one snapshot.
        await sides[0].app!.query("INSERT INTO accounts SELECT g, 'seed', 0 FROM generate_series(1, 10) g");
    });

    after(async () => {
        for (const s of sides) for (const c of s.clients) await c.end().catch(() => undefined);
        await admin?.end().catch(() => undefined);
        server?.remove();
    });

    it("applies the setup to both databases through the provider", async () => {
        for (const s of sides) {
            const outs = (await provider.create(s.inputs)).outs!;
            s.outs = outs;
            assert.deepStrictEqual(outs.replicaIdentities, Object.fromEntries(TABLES.map((t) => [`"${t.schema.replace(/"/g, '""')}"."${t.name}"`, "default"])));
            assert.match(outs.serverVersion, /^17\./);
        }
        const keys = new Map<string, readonly string[]>([
            ...TABLES.map((t): [string, readonly string[]] => [`${t.schema}.${t.name}`, t.primaryKey]),
            [`cdc_sync.${TOMBSTONE_TABLE}`, ["table_name", "row_key"]],
            [`cdc_sync.${CANARY_TABLE}`, ["side"]],
        ]);
        for (const [i, s] of sides.entries()) {
            const repl = await server.connect(s.db, s.spec.replicationRole, s.inputs.replicationPassword);
            const sink = await server.connect(s.db, s.spec.sinkRole, s.inputs.sinkPassword);
            s.clients.push(repl, sink);
            s.source = new SimulatedSource(repl, s.spec.slotName, s.spec.publicationName);
            s.sink = new SimulatedSink(sink, { keys, schemaEvolution: true });
            assert.ok(i >= 0);
        }
        // Snapshot one direction only: db1 -> db2 (snapshot rows are not origin-filtered).
        const snap = await sides[0].source!.snapshot(TABLES);
        assert.strictEqual(snap.length, 10);
        await sides[1].sink!.apply(snap);
        assert.deepStrictEqual(await pump(), [0, 0], "the snapshot must not echo");
        assert.deepStrictEqual(await dump("db1"), await dump("db2"));
    });

    it("(a) N writes on each side cross exactly once and nothing echoes", async () => {
        const N = 12;
        const [one, two] = sides;
        for (let i = 0; i < N / 2; i++) await one.app!.query("INSERT INTO accounts VALUES ($1, 'db1', $1)", [100 + i]);
        for (let i = 0; i < N / 2; i++) await one.app!.query("UPDATE accounts SET balance = balance + 1 WHERE id = $1", [100 + i]);
        for (let i = 0; i < N / 2 - 1; i++) await two.app!.query("INSERT INTO order_lines VALUES (7, $1, $1)", [i]);
        await two.app!.query(`INSERT INTO "Sales ""EU"""."Odd.Name" VALUES ('it''s "odd"', 1)`);
        for (let i = 0; i < N / 2 - 1; i++) await two.app!.query("UPDATE order_lines SET qty = qty * 10 WHERE order_id = 7 AND line = $1", [i]);
        await two.app!.query(`UPDATE "Sales ""EU"""."Odd.Name" SET v = 2`);

        const from1 = await one.source!.read();
        assert.strictEqual(from1.length, N, "db1's slot holds exactly db1's writes");
        await two.sink!.apply(from1);
        // The sink's writes are in db2's WAL, tagged with one of db2's sink origins; origin=none hides them.
        const all2 = await two.source!.peek("any");
        const tagged = all2.filter((c: Change) => c.origin);
        assert.strictEqual(tagged.length, N);
        assert.ok(tagged.every((c) => /^cdc_sink_db2_[1-4]$/.test(c.origin!)), JSON.stringify(tagged.map((c) => c.origin)));
        const from2 = await two.source!.read();
        assert.strictEqual(from2.length, N, "db2's slot holds exactly db2's own writes, none of the applied ones");
        assert.ok(from2.every((c) => !c.origin));
        await one.sink!.apply(from2);
        assert.strictEqual((await one.source!.read()).length, 0, "nothing echoes back to db2");
        assert.strictEqual((await two.source!.read()).length, 0);
        assert.deepStrictEqual(await dump("db1"), await dump("db2"));
    });

    it("(b) interleaved conflicting updates converge on the later writer, in either apply order", async () => {
        const [one, two] = sides;
        for (const reverse of [false, true]) {
            const base = reverse ? 10 : 0;
            for (const id of [1, 2, 3]) await one.app!.query("UPDATE accounts SET balance = $2 WHERE id = $1", [id, base + 1000 + id]);
            for (const id of [1, 2, 3, 4, 5, 6]) await two.app!.query("UPDATE accounts SET balance = $2 WHERE id = $1", [id, base + 2000 + id]);
            for (const id of [4, 5, 6]) await one.app!.query("UPDATE accounts SET balance = $2 WHERE id = $1", [id, base + 1000 + id]);
            // Both slots hold conflicting versions of the same keys; apply db2's first this time round.
            const from2 = await two.source!.read();
            const from1 = await one.source!.read();
            await one.sink!.apply(from2, reverse);
            await two.sink!.apply(from1, reverse);
            assert.deepStrictEqual(await pump(), [0, 0], "no ping-pong after a conflict");
            for (const db of ["db1", "db2"]) {
                for (const id of [1, 2, 3]) assert.strictEqual(await balance(db, id), base + 2000 + id, `${db} id ${id}`);
                for (const id of [4, 5, 6]) assert.strictEqual(await balance(db, id), base + 1000 + id, `${db} id ${id}`);
            }
            assert.deepStrictEqual(await dump("db1"), await dump("db2"));
        }
    });

    it("(b) equal timestamps are broken by side name", async () => {
        const [one] = sides;
        await one.app!.query("UPDATE accounts SET balance = 70 WHERE id = 7");
        const [{ cdc_ts }] = await rows("db1", "SELECT cdc_ts::text FROM accounts WHERE id = 7");
        // Versions as the sink would carry them: same instant, from side db0 (loses to db1) and db2 (wins).
        const sink = one.clients[2];
        await sink.query("INSERT INTO accounts VALUES (7, 'x', -1, $1, 'db0') ON CONFLICT (id) DO UPDATE SET balance = EXCLUDED.balance, cdc_ts = EXCLUDED.cdc_ts, cdc_side = EXCLUDED.cdc_side", [cdc_ts]);
        assert.notStrictEqual(await balance("db1", 7), -1);
        await sink.query("INSERT INTO accounts VALUES (7, 'x', -2, $1, 'db2') ON CONFLICT (id) DO UPDATE SET balance = EXCLUDED.balance, cdc_ts = EXCLUDED.cdc_ts, cdc_side = EXCLUDED.cdc_side", [cdc_ts]);
        assert.strictEqual(await balance("db1", 7), -2);
        await sides[0].app!.query("UPDATE accounts SET balance = 7 WHERE id = 7");
        await pump();
        assert.deepStrictEqual(await dump("db1"), await dump("db2"));
    });

    it("(c) delete-vs-update conflicts converge on the later of the two", async () => {
        const [one, two] = sides;
        await one.app!.query("INSERT INTO accounts VALUES (50, 'x', 0), (51, 'x', 0), (52, 'x', 0), (53, 'x', 0)");
        await pump();
        await one.app!.query("DELETE FROM accounts WHERE id = 50"); // then a later update on db2 wins: row survives
        await two.app!.query("UPDATE accounts SET balance = 500 WHERE id = 50");
        await two.app!.query("UPDATE accounts SET balance = 510 WHERE id = 51"); // then a later delete on db1 wins
        await one.app!.query("DELETE FROM accounts WHERE id = 51");
        await one.app!.query("DELETE FROM accounts WHERE id = 52"); // deleted on both sides
        await two.app!.query("DELETE FROM accounts WHERE id = 52");
        await two.app!.query("DELETE FROM accounts WHERE id = 53"); // deleted, then re-inserted later on the other side
        await one.app!.query("INSERT INTO accounts VALUES (53, 'again', 530) ON CONFLICT (id) DO UPDATE SET balance = 530");
        // Tombstones and row versions travel on different topics: apply them in reverse order.
        assert.ok((await pump(true))[0] > 0);
        for (const db of ["db1", "db2"]) {
            assert.strictEqual(await balance(db, 50), 500, `${db}: the update after the delete wins`);
            assert.strictEqual(await balance(db, 51), undefined, `${db}: the delete after the update wins`);
            assert.strictEqual(await balance(db, 52), undefined);
            assert.strictEqual(await balance(db, 53), 530, `${db}: the insert after the delete wins`);
        }
        assert.deepStrictEqual(await dump("db1"), await dump("db2"));
    });

    it("(b, c) concurrent writers on both sides and both sinks running converge to identical rows", async () => {
        const [one, two] = sides;
        const keys = Array.from({ length: 12 }, (_, i) => 1000 + i);
        let seed = 42;
        const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
        const errors: string[] = [];
        let writing = true;
        const writer = async (db: string, n: number) => {
            const c = await server.connect(db, "app", APP_PASSWORD);
            try {
                for (let i = 0; i < n; i++) {
                    const id = keys[Math.floor(random() * keys.length)];
                    const r = random();
                    if (r < 0.5) await c.query("INSERT INTO accounts VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET balance = EXCLUDED.balance, owner = EXCLUDED.owner", [id, db, i]);
                    else if (r < 0.8) await c.query("UPDATE accounts SET balance = balance + 1, owner = $2 WHERE id = $1", [id, db]);
                    else await c.query("DELETE FROM accounts WHERE id = $1", [id]);
                }
            } catch (e) {
                errors.push(`${db} writer: ${(e as Error).message}`);
            } finally {
                await c.end();
            }
        };
        const direction = async (from: Side, to: Side) => {
            try {
                while (writing) {
                    await to.sink!.apply(await from.source!.read());
                    await new Promise((r) => setTimeout(r, 5));
                }
            } catch (e) {
                errors.push(`sink into ${to.db}: ${(e as Error).message}`);
            }
        };
        const sinks = [direction(one, two), direction(two, one)];
        await Promise.all([writer("db1", 300), writer("db1", 300), writer("db2", 300), writer("db2", 300)]);
        writing = false;
        await Promise.all(sinks);
        assert.deepStrictEqual(errors, []);
        await pump();
        const [d1, d2] = [await dump("db1"), await dump("db2")];
        assert.deepStrictEqual(d1, d2);
        // The rule's invariant: a row exists only if its version is newer than its key's tombstone.
        const stale = await rows(
            "db1",
            `SELECT a.id FROM accounts a JOIN cdc_sync.cdc_tombstones t ON t.table_name = '"public"."accounts"' AND t.row_key = jsonb_build_object('id', a.id)
              WHERE (a.cdc_ts, a.cdc_side) <= (t.cdc_ts, t.cdc_side)`,
        );
        assert.deepStrictEqual(stale, []);
        // Both sides' writes and deletes really met on the same keys.
        const sidesSeen = await rows("db1", "SELECT DISTINCT cdc_side FROM cdc_sync.cdc_tombstones UNION SELECT DISTINCT cdc_side FROM accounts WHERE id >= 1000");
        assert.deepStrictEqual(sidesSeen.map((r) => r.cdc_side).sort(), ["db1", "db2"]);
    });

    it("a column added on one side is added on the other by the sink, and the triggers keep working", async () => {
        const [one, two] = sides;
        await one.app!.query("ALTER TABLE accounts ADD COLUMN note text");
        await one.app!.query("UPDATE accounts SET note = 'hello' WHERE id = 1");
        await pump();
        const [r2] = await rows("db2", "SELECT note, cdc_side FROM accounts WHERE id = 1");
        assert.deepStrictEqual(r2, { note: "hello", cdc_side: "db1" });
        await two.app!.query("UPDATE accounts SET balance = 42 WHERE id = 1");
        await pump();
        const [r1] = await rows("db1", "SELECT note, balance, cdc_side FROM accounts WHERE id = 1");
        assert.deepStrictEqual(r1, { note: "hello", balance: 42, cdc_side: "db2" });
        assert.deepStrictEqual(await dump("db1"), await dump("db2"));
    });

    it("refuses TRUNCATE and primary-key changes, which the rule cannot carry", async () => {
        const app = sides[0].app!;
        await assert.rejects(app.query("TRUNCATE accounts"), /TRUNCATE of public.accounts is not replicated/);
        await assert.rejects(app.query("UPDATE accounts SET id = 999 WHERE id = 2"), /primary key of "public"."accounts" cannot change/);
    });

    it("refuses a sink session when every origin of the pool is taken, so none writes untagged", async () => {
        const [, two] = sides;
        // The sink into db2 holds one origin; an admin session takes another; two more sink sessions fit.
        await admin.query("SELECT 1"); // admin is on database postgres; origins are cluster-wide
        await admin.query("SELECT pg_replication_origin_session_setup('cdc_sink_db2_4')");
        const extra: Client[] = [];
        try {
            for (let i = 0; i < 2; i++) extra.push(await server.connect("db2", two.spec.sinkRole, two.inputs.sinkPassword));
            await assert.rejects(server.connect("db2", two.spec.sinkRole, two.inputs.sinkPassword), /all 4 replication origins of cdc_sink_db2 are in use/);
        } finally {
            for (const c of extra) await c.end();
            await admin.query("SELECT pg_replication_origin_session_reset()");
        }
    });

    it("a table leaves the pair in two steps: kept set up while the connectors change, then taken out; the origin pool shrinks in place", async () => {
        const [one, two] = sides;
        const without = (spec: TwoWayDatabaseSpec) => ({ ...spec, tables: TABLES.filter((t) => t.name !== "order_lines") });
        const news = { ...one.inputs, spec: { ...without(one.spec), originPoolSize: 2 } };
        assert.deepStrictEqual((await provider.diff("id", one.outs!, news)).replaces, []);
        const identitiesBefore = one.outs!.replicaIdentities;
        one.outs = (await provider.update("id", one.outs!, news)).outs!;
        // The sink may still write the table until its connector is updated: its triggers and stamps stay for now.
        assert.strictEqual((await rows("db1", "SELECT tgname FROM pg_trigger WHERE tgrelid = 'order_lines'::regclass AND NOT tgisinternal")).length, 4);
        assert.strictEqual((await rows("db1", "SELECT tablename FROM pg_publication_tables WHERE tablename = 'order_lines'")).length, 1);
        // TwoWayTables runs after the connectors and takes it out of both databases.
        const tablesInputs = (specs: TwoWayDatabaseSpec[], identities: TwoWayTablesInputs["replicaIdentities"]): TwoWayTablesInputs => ({
            ends: [0, 1].map((i) => ({ connection: sides[i].inputs.connection, spec: specs[i] })) as TwoWayTablesInputs["ends"],
            adminPassword: server.adminPassword,
            replicaIdentities: identities,
            timeoutSeconds: 10,
        });
        const before = tablesInputs([one.spec, two.spec], [identitiesBefore, two.outs!.replicaIdentities]);
        const after = tablesInputs([news.spec, without(two.spec)], [one.outs!.replicaIdentities, two.outs!.replicaIdentities]);
        assert.strictEqual((await twoWayTablesProvider.diff("id", before, after)).changes, true);
        await twoWayTablesProvider.update("id", before, after);
        assert.deepStrictEqual(await rows("db1", "SELECT tgname FROM pg_trigger WHERE tgrelid = 'order_lines'::regclass"), []);
        assert.deepStrictEqual(await rows("db2", "SELECT tgname FROM pg_trigger WHERE tgrelid = 'order_lines'::regclass"), []);
        assert.deepStrictEqual(await rows("db1", "SELECT attname FROM pg_attribute WHERE attrelid = 'order_lines'::regclass AND attname LIKE 'cdc%'"), []);
        assert.deepStrictEqual(await rows("db1", "SELECT tablename FROM pg_publication_tables WHERE tablename = 'order_lines'"), []);
        assert.deepStrictEqual(
            (await rows("db1", "SELECT roname FROM pg_replication_origin WHERE roname LIKE 'cdc_sink_db1%' ORDER BY 1")).map((r) => r.roname),
            ["cdc_sink_db1_1", "cdc_sink_db1_2"],
        );
        assert.deepStrictEqual(await rows("db1", "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'cdc_sink_db1'"), [{ rolconnlimit: 2 }]);
        // The remaining tables still replicate.
        await one.app!.query("UPDATE accounts SET balance = 1 WHERE id = 1");
        assert.strictEqual((await pump())[0], 1);
    });

    it("a rotated password is set on the roles alone: it takes no lock on the tables the sink is writing", async () => {
        const [one] = sides;
        // A writer holding the replicated tables: the full setup (triggers) would wait on it; a rotation must not.
        const holder = await server.connect("db1");
        await holder.query("BEGIN");
        await holder.query("LOCK TABLE accounts, order_lines IN ROW EXCLUSIVE MODE");
        try {
            const news = { ...one.inputs, spec: one.outs!.spec, sinkPassword: "rotated-sink-password-1", replicationPassword: "rotated-repl-password-1" };
            const update = provider.update("id", one.outs!, news);
            const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("the update waited on the tables' locks")), 10_000));
            one.outs = ((await Promise.race([update, timeout])) as { outs: typeof one.outs }).outs;
        } finally {
            await holder.query("ROLLBACK");
            await holder.end();
        }
        const sink = await server.connect("db1", one.spec.sinkRole, "rotated-sink-password-1");
        await sink.end();
        const repl = await server.connect("db1", one.spec.replicationRole, "rotated-repl-password-1");
        await repl.end();
    });

    it("a tombstone for a table this side does not replicate yet is kept, and applied when the table joins here", async () => {
        const [one] = sides;
        // Rows from before the table joined, here; the other side deleted key 1 and set the table up first.
        await one.app!.query("CREATE TABLE public.joining (id int PRIMARY KEY, v text)");
        await one.app!.query("INSERT INTO public.joining VALUES (1, 'here before'), (2, 'here before')");
        const sink = await server.connect("db1", one.spec.sinkRole, "rotated-sink-password-1");
        try {
            // Before this change the tombstone function raised here, and the sink task failed for good.
            await sink.query(`INSERT INTO cdc_sync.${TOMBSTONE_TABLE} (table_name, row_key, cdc_ts, cdc_side) VALUES ('"public"."joining"', '{"id": 1}', clock_timestamp(), 'db2')`);
        } finally {
            await sink.end();
        }
        const joining = { schema: "public", name: "joining", primaryKey: ["id"] };
        const news = { ...one.outs!, spec: { ...one.outs!.spec, tables: [...one.outs!.spec.tables, joining] } };
        one.outs = (await provider.update("id", one.outs!, news)).outs!;
        assert.deepStrictEqual((await rows("db1", "SELECT id FROM public.joining ORDER BY id")).map((r) => r.id), [2]);
        assert.strictEqual((await rows("db1", `SELECT 1 FROM cdc_sync.${TOMBSTONE_TABLE} WHERE table_name = '"public"."joining"'`)).length, 1);
        // Set up now: a later local delete is stamped and recorded as usual.
        await one.app!.query("DELETE FROM public.joining WHERE id = 2");
        assert.deepStrictEqual(
            (await rows("db1", `SELECT row_key->>'id' AS id, cdc_side FROM cdc_sync.${TOMBSTONE_TABLE} WHERE table_name = '"public"."joining"' ORDER BY 1`)),
            [{ id: "1", cdc_side: "db2" }, { id: "2", cdc_side: "db1" }],
        );
    });

    it("a sink batch with an older and then a newer tombstone of a key, and a local delete of that key between them: the delete waits for the batch, neither deadlocks", async () => {
        const [one] = sides;
        await one.app!.query("INSERT INTO accounts VALUES (9002, 'twice', 0)");
        const sink = await server.connect("db1", one.spec.sinkRole, "rotated-sink-password-1");
        const tombstone = (ts: string) =>
            sink.query(
                `INSERT INTO cdc_sync.${TOMBSTONE_TABLE} AS d (table_name, row_key, cdc_ts, cdc_side) VALUES ('"public"."accounts"', '{"id": 9002}', $1, 'db2') ` +
                    "ON CONFLICT (table_name, row_key) DO UPDATE SET cdc_ts = EXCLUDED.cdc_ts, cdc_side = EXCLUDED.cdc_side",
                [ts],
            );
        try {
            await sink.query("BEGIN");
            // Older than the row: recorded, the row stays.
            await tombstone("2000-01-01T00:00:00Z");
            const local = one.app!.query("DELETE FROM accounts WHERE id = 9002").then(() => "done", (e: Error) => `local delete: ${e.message}`);
            await new Promise((r) => setTimeout(r, 500));
            // Newer than the row: deletes it.
            const second = await tombstone("2100-01-01T00:00:00Z").then(() => "done", (e: Error) => `sink: ${e.message}`);
            await sink.query(second === "done" ? "COMMIT" : "ROLLBACK");
            assert.deepStrictEqual([second, await local], ["done", "done"]);
        } finally {
            await sink.end();
        }
        assert.strictEqual(await balance("db1", 9002), undefined);
    });

    it("a side that only receives still has a change of its own: the source's heartbeat bumps its canary row as the replication role, which may write nothing else; a setup from before version 2 gets that grant from its next update, locking no table", async () => {
        const [one, two] = sides;
        // As deployed before setup versions existed: no grant, and no version recorded.
        await rows("db2", `REVOKE INSERT, UPDATE ON cdc_sync.${CANARY_TABLE} FROM ${two.spec.replicationRole}`);
        const repl = await server.connect("db2", two.spec.replicationRole, two.outs!.replicationPassword);
        try {
            const heartbeat = canaryBumpSql(two.spec.syncSchema, "db2");
            await assert.rejects(repl.query(heartbeat), /permission denied/);
            const old = { ...two.outs!, setupVersion: undefined };
            const news = { ...two.inputs, spec: two.outs!.spec, replicationPassword: two.outs!.replicationPassword, sinkPassword: two.outs!.sinkPassword, setupVersion: SETUP_VERSION };
            assert.deepStrictEqual(await provider.diff("id", old, news), { changes: true, replaces: [], deleteBeforeReplace: true });
            // Under a writer holding the replicated tables: version 2 only grants, so it waits on no table lock.
            const holder = await server.connect("db2");
            await holder.query("BEGIN");
            await holder.query("LOCK TABLE accounts, order_lines IN ROW EXCLUSIVE MODE");
            try {
                const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("the update waited on the tables' locks")), 10_000));
                two.outs = ((await Promise.race([provider.update("id", old, news), timeout])) as { outs: TwoWayDatabaseOutputs }).outs;
            } finally {
                await holder.query("ROLLBACK");
                await holder.end();
            }
            await repl.query(heartbeat);
            const changes = await two.source!.read();
            assert.deepStrictEqual(
                changes.map((c) => [c.op, `${c.relation.schema}.${c.relation.name}`, c.row.side]),
                [["insert", `cdc_sync.${CANARY_TABLE}`, "db2"]],
            );
            await one.sink!.apply(changes);
            await assert.rejects(repl.query("UPDATE accounts SET balance = 0 WHERE id = 1"), /permission denied/);
        } finally {
            await repl.end();
        }
    });

    it("a sink session left idle inside its transaction (its worker hung) is ended after 10 s: the sink's task restarted on another worker gets its row then, not when the hung worker resumes", async () => {
        const [, two] = sides;
        const hung = await server.connect("db2", two.spec.sinkRole, two.outs!.sinkPassword);
        const next = await server.connect("db2", two.spec.sinkRole, two.outs!.sinkPassword);
        hung.on("error", () => undefined);
        try {
            await hung.query("BEGIN");
            assert.strictEqual((await hung.query("SELECT id FROM accounts WHERE id = 1 FOR UPDATE")).rowCount, 1);
            // Without the role's timeout the lock would be held for good: fail in bounded time instead.
            await next.query("SET lock_timeout = '25s'");
            const at = Date.now();
            await next.query("SELECT id FROM accounts WHERE id = 1 FOR UPDATE");
            const waited = (Date.now() - at) / 1000;
            assert.ok(waited > SINK_IDLE_IN_TRANSACTION_SECONDS - 1 && waited < SINK_IDLE_IN_TRANSACTION_SECONDS + 5, `waited ${waited} s for the hung session's lock`);
            await assert.rejects(hung.query("COMMIT"), /idle-in-transaction timeout|terminating connection|not queryable/);
        } finally {
            await hung.end().catch(() => undefined);
            await next.end();
        }
    });

    it("a whole setup run under a write in progress waits for it, not deadlocks with it: it takes the replicated tables before the tombstones, as the write's trigger does", async () => {
        const [one] = sides;
        const writer = one.app!;
        const deadlocks = async () => Number((await rows("postgres", "SELECT deadlocks FROM pg_catalog.pg_stat_database WHERE datname = 'db1'"))[0].deadlocks);
        const before = await deadlocks();
        await writer.query("INSERT INTO accounts VALUES (9001, 'locks', 0)");
        await writer.query("BEGIN");
        // A statement that has taken its table and not yet reached its trigger (the sink's, in the deadlock seen).
        await writer.query("LOCK TABLE accounts IN ROW EXCLUSIVE MODE");
        // A spec change: the whole setup runs again, in one transaction.
        const news = { ...one.outs!, spec: { ...one.outs!.spec, originPoolSize: one.outs!.spec.originPoolSize + 1 } };
        const update = provider.update("id", one.outs!, news);
        try {
            await new Promise((r) => setTimeout(r, 1500));
            // The delete's trigger records a tombstone: with the setup holding cdc-sync's tables first, this deadlocked.
            await writer.query("DELETE FROM accounts WHERE id = 9001");
            await writer.query("COMMIT");
        } catch (e) {
            await writer.query("ROLLBACK").catch(() => undefined);
            throw e;
        } finally {
            one.outs = (await update).outs;
        }
        // The setup repeats a transaction a deadlock aborted, so only the server's count shows one (its statistics
        // are written within a second or so).
        await new Promise((r) => setTimeout(r, 2000));
        assert.strictEqual(await deadlocks(), before, "the setup deadlocked with the write");
    });

    it("(d) teardown leaves no slot, publication, origin, event trigger, role, schema or stamp column", async () => {
        for (const s of sides) {
            for (const c of s.clients.splice(1)) await c.end();
            await provider.delete(`${s.db}`, s.outs!);
        }
        assert.deepStrictEqual(await rows("postgres", "SELECT slot_name FROM pg_replication_slots"), []);
        assert.deepStrictEqual(await rows("postgres", "SELECT roname FROM pg_replication_origin"), []);
        assert.deepStrictEqual(await rows("postgres", "SELECT rolname FROM pg_roles WHERE rolname LIKE 'cdc%'"), []);
        for (const db of ["db1", "db2"]) {
            assert.deepStrictEqual(await rows(db, "SELECT pubname FROM pg_publication"), []);
            assert.deepStrictEqual(await rows(db, "SELECT evtname FROM pg_event_trigger"), []);
            assert.deepStrictEqual(await rows(db, "SELECT nspname FROM pg_namespace WHERE nspname = 'cdc_sync'"), []);
            assert.deepStrictEqual(await rows(db, "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'cdc_sync%'"), []);
            assert.deepStrictEqual(await rows(db, "SELECT attrelid::regclass::text, attname FROM pg_attribute WHERE attname LIKE 'cdc\\_%' AND NOT attisdropped"), []);
            assert.deepStrictEqual(await rows(db, "SELECT DISTINCT relreplident FROM pg_class WHERE relname IN ('accounts', 'order_lines', 'Odd.Name')"), [{ relreplident: "d" }]);
        }
    });
});

describe("two-way PostgreSQL sync refusal on a live server without logical decoding", function () {
    this.timeout(120_000);
    let server: TestServer;

    before(async () => {
        server = await startServer({ container: `${CONTAINER}-replica`, address: ADDRESS, port: 5433, walLevel: "replica" });
        const c = await server.connect("postgres");
        await c.query("CREATE DATABASE db1");
        await c.end();
        const db = await server.connect("db1");
        await db.query(DDL[0]);
        await db.end();
    });

    after(() => server?.remove());

    it("(e) fails before creating anything, saying why", async () => {
        const spec = defaultSpec("db1", [TABLES[0]], { schemaEvolution: "none" });
        const inputs = {
            connection: { host: server.address, port: server.port, database: "db1", user: "postgres" },
            adminPassword: server.adminPassword,
            spec,
            replicationPassword: "r",
            sinkPassword: "s",
        };
        await assert.rejects(provider.create(inputs), (e: Error) => {
            assert.match(e.message, /two-way sync cannot be deployed on database db1/);
            assert.match(e.message, /wal_level is replica: logical decoding needs wal_level=logical/);
            return true;
        });
        const c = await server.connect("db1");
        try {
            const left = await c.query(
                `SELECT (SELECT count(*) FROM pg_roles WHERE rolname LIKE 'cdc%')::int AS roles,
                        (SELECT count(*) FROM pg_namespace WHERE nspname = 'cdc_sync')::int AS schemas,
                        (SELECT count(*) FROM pg_replication_origin)::int AS origins,
                        (SELECT count(*) FROM pg_event_trigger)::int AS triggers,
                        (SELECT count(*) FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname LIKE 'cdc%')::int AS columns`,
            );
            assert.deepStrictEqual(left.rows[0], { roles: 0, schemas: 0, origins: 0, triggers: 0, columns: 0 });
        } finally {
            await c.end();
        }
    });
});
