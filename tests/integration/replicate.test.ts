// `replicate` through `pulumi up`, in one stack beside the suite's: the same PostgreSQL tables, rows already in
// them, into PostgreSQL (sink on the default Connect cluster) and into MariaDB (sink on the `mysql` cluster);
// and a MariaDB the pipeline runs into PostgreSQL (its source on the `mariadb` cluster, which carries the plugin).
// Under a write load: every row and every recorded final state on the targets, deletes applied, a column added
// at the source added by the sinks (each in its own dialect), every task RUNNING; destroy leaves no slot,
// publication or role at the source, and the copies' data.
import * as assert from "assert";
import { randomBytes } from "crypto";
import axios from "axios";
import type { Connection, RowDataPacket } from "mysql2/promise";
import { Client } from "pg";
import { withMySql } from "../../components/databases/mysql/connection";
import { loadStackConfig, StackConfig } from "../../components/stack/load";
import { raw, stackFile } from "../stackFiles";
import { connectorStatus } from "./connectors";
import { openPipelinesStack, platform, platformKeys, requestConnectorSecrets } from "./fixture";
import { eventually, execIn, ownedByStack, TestStack } from "./harness";

const STACK = "itest-replicate";
const SOURCE_DB = "repl_src";
const COPY_DB = "repl_copy";
const PIPELINES = { pg: "repl-pg", maria: "repl-maria", fromMaria: "repl-from-maria" } as const;
const MARIA_PORT = 3308;
/** The MariaDB the MariaDB -> PostgreSQL pipeline runs (binlog on), on server 2. */
const SOURCE_MARIA_PORT = 3309;
const FROM_MARIA_DB = "repl_from_maria";

/** The connectors' passwords, handed to the suite's workers and pinned in the stack; and the servers' administrators'. */
const connectorPasswords = Object.fromEntries(
    Object.values(PIPELINES).flatMap((p) => [`${p}-replication`, `${p}-sink`]).map((n) => [n, randomBytes(16).toString("hex")]),
);
const mariaRoot = randomBytes(16).toString("hex");
const sourceMariaRoot = randomBytes(16).toString("hex");
/**
 * A raw connector of `cdc-sync:connectors` logs in to the MariaDB target with this secret of the workers: the
 * account of repl-maria's sink (root has no network login on a server the stack runs).
 */
const RAW = { name: "itest-raw-copy", secret: "itest-raw-maria-sink", user: "cdc_sink" };
requestConnectorSecrets({ ...connectorPasswords, [RAW.secret]: connectorPasswords[`${PIPELINES.maria}-sink`] });
/** The account the test writes to the MariaDB source with (made by root through the container's socket). */
const WRITER = { user: "itest_writer", password: randomBytes(16).toString("hex") };

describe("replicate: PostgreSQL into PostgreSQL and into MariaDB, deployed by pulumi up", function () {
    this.timeout(10 * 60 * 1000);
    let t: TestStack | undefined;
    let cfg: StackConfig;
    let pgHost: string;
    let adminPassword: string;
    let source: Client;
    let copy: Client;
    let maria: Connection;
    /** The MariaDB source of the third pipeline, and its PostgreSQL copy. */
    let sourceMaria: Connection;
    let fromMaria: Client;
    /** The raw connector's state as `up` reported it. */
    let rawState: string | undefined;
    const clients: { end(): Promise<void> }[] = [];

    const pgConnect = async (database: string) => {
        const c = new Client({ host: pgHost, port: 5432, user: "postgres", password: adminPassword, database });
        await c.connect();
        clients.push(c);
        return c;
    };
    /** A table's rows as `id:item:qty`, sorted by id. */
    const pgRows = async (c: Client, table: string) => (await c.query(`SELECT id, item, qty FROM ${table} ORDER BY id`)).rows.map((r) => `${r.id}:${r.item}:${r.qty}`);
    const mariaRows = async (table: string) =>
        ((await maria.query<RowDataPacket[]>(`SELECT id, item, qty FROM ${table} ORDER BY id`))[0] as RowDataPacket[]).map((r) => `${r.id}:${r.item}:${r.qty}`);

    before(async function () {
        const p = platform();
        for (const k of ["mysql", "mariadb"]) if (!p.connectClusters[k]) throw new Error(`the ${p.stackName} stack declares no connect.clusters.${k}`);
        const base = stackFile(p.stackName);
        const platformValues = platformKeys();
        // The suite's PostgreSQL server, adopted: the source tables exist, with rows, before the pipelines do.
        const localPg = (JSON.parse(base.values.databases!) as Record<string, { server: string }>)["twoway-postgres"];
        const server = (platformValues.servers as Record<string, { address: string }>)[localPg.server];
        pgHost = server.address;
        adminPassword = (await execIn(`cdc-sync-${p.stackName}-twoway-postgres`, ["cat", "/etc/cdc-sync/secrets/postgres-password"])).trim();
        const admin = await pgConnect("postgres");
        await admin.query(`CREATE DATABASE ${SOURCE_DB}`);
        source = await pgConnect(SOURCE_DB);
        await source.query("CREATE TABLE orders (id bigint PRIMARY KEY, item text NOT NULL, qty int NOT NULL)");
        await source.query("CREATE TABLE returns (id bigint PRIMARY KEY, item text NOT NULL, qty int NOT NULL)");
        await source.query("INSERT INTO orders SELECT g, 'item-' || g, g % 7 FROM generate_series(1, 200) g");
        await source.query("INSERT INTO returns SELECT g, 'ret-' || g, 1 FROM generate_series(1, 20) g");

        const tables = ["public.orders", "returns"];
        cfg = loadStackConfig(
            raw(
                {
                    ...platformValues,
                    databases: {
                        src: { engine: "postgres", host: pgHost, adminUser: "postgres", adminPassword: "postgres-admin" },
                        maria: { engine: "mariadb", server: "server1", port: MARIA_PORT },
                        msrc: { engine: "mariadb", server: "server2", port: SOURCE_MARIA_PORT },
                    },
                    pipelines: [
                        { name: PIPELINES.pg, kind: "replicate", source: { server: "src", database: SOURCE_DB, tables }, target: { server: "src", database: COPY_DB } },
                        { name: PIPELINES.maria, kind: "replicate", connect: "mysql", source: { server: "src", database: SOURCE_DB, tables }, target: { server: "maria", database: COPY_DB } },
                        { name: PIPELINES.fromMaria, kind: "replicate", connect: "mariadb", source: { server: "msrc", database: "shop", tables: ["orders"] }, target: { server: "src", database: FROM_MARIA_DB } },
                    ],
                    // Beside the pipelines, as a user would declare it: a plain JDBC sink copying one of repl-pg's topics.
                    connectors: [
                        {
                            name: RAW.name,
                            class: "io.debezium.connector.jdbc.JdbcSinkConnector",
                            connect: "mysql",
                            config: {
                                "connection.url": `jdbc:mariadb://${(platformValues.servers as Record<string, { address: string }>).server1.address}:${MARIA_PORT}/${COPY_DB}`,
                                "connection.username": RAW.user,
                                "connection.password": `\${file:/etc/cdc-sync/secrets/connectors.properties:${RAW.secret}}`,
                                topics: `${PIPELINES.pg}.public.orders`,
                                "insert.mode": "upsert",
                                "primary.key.mode": "record_key",
                                "delete.enabled": true,
                                "schema.evolution": "basic",
                                "collection.name.format": "raw_${source.table}",
                            },
                        },
                    ],
                    passwords: { "postgres-admin": "pinned", "maria-admin": "pinned" },
                    connectorSecrets: { [RAW.secret]: "set for the workers by requestConnectorSecrets" },
                },
                ["passwords", "connectorSecrets"],
            ),
        );
        t = await openPipelinesStack(STACK, cfg, { ...connectorPasswords, "postgres-admin": adminPassword, "maria-admin": mariaRoot, "msrc-admin": sourceMariaRoot });
        const up = await t.stack.up({ onOutput: t.log });
        assert.strictEqual(up.summary.result, "succeeded", `up failed; see ${t.logFile}`);
        rawState = (up.outputs.connectors.value as Record<string, { state: string }>)[RAW.name]?.state;
        copy = await pgConnect(COPY_DB);
        const mysql = await import("mysql2/promise");
        const address = (s: string) => (platformValues.servers as Record<string, { address: string }>)[s].address;
        // The copy is read as its sink's account; the source is written as an account the test makes there.
        maria = await mysql.createConnection({ host: address("server1"), port: MARIA_PORT, user: RAW.user, password: connectorPasswords[`${PIPELINES.maria}-sink`], database: COPY_DB });
        await withMySql({ engine: { kind: "local" }, container: `cdc-sync-${STACK}-msrc`, password: sourceMariaRoot }, async (c) => {
            await c.query("CREATE USER ?@'%' IDENTIFIED BY ?", [WRITER.user, WRITER.password]);
            await c.query("GRANT ALL PRIVILEGES ON shop.* TO ?@'%'", [WRITER.user]);
        });
        sourceMaria = await mysql.createConnection({ host: address("server2"), port: SOURCE_MARIA_PORT, user: WRITER.user, password: WRITER.password, database: "shop" });
        fromMaria = await pgConnect(FROM_MARIA_DB);
        clients.push(maria, sourceMaria);
    });

    after(async function () {
        await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
        if (!t) return;
        const down = await t.stack.destroy({ onOutput: t.log });
        assert.strictEqual(down.summary.result, "succeeded", `destroy failed; see ${t.logFile}`);
        assert.deepStrictEqual(await ownedByStack(STACK), { containers: [], volumes: [], networks: [] }, "destroy left things behind");
    });

    const converged = async () => {
        for (const table of ["orders", "returns"]) {
            const want = await pgRows(source, table);
            await eventually(120, async () => assert.deepStrictEqual(await pgRows(copy, table), want, `PostgreSQL copy of ${table}`));
            await eventually(120, async () => assert.deepStrictEqual(await mariaRows(table), want, `MariaDB copy of ${table}`));
        }
    };

    it("copies the rows that were there before the pipelines (the initial snapshot) into both targets", async () => {
        await converged();
        assert.strictEqual((await pgRows(copy, "orders")).length, 200);
    });

    it("under a write load: every insert, update and delete arrives in both, and every recorded final state is there", async () => {
        /** Four writers, each owning its keys and recording their final state; deletes recorded as absent. */
        const finals = new Map<number, string | undefined>();
        const writer = async (w: number) => {
            const c = await pgConnect(SOURCE_DB);
            for (let i = 0; i < 60; i++) {
                const id = 10_000 + w * 1000 + (i % 25);
                const op = i % 5;
                if (op === 4) {
                    await c.query("DELETE FROM orders WHERE id = $1", [id]);
                    finals.set(id, undefined);
                } else {
                    const row = await c.query(
                        "INSERT INTO orders (id, item, qty) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET item = EXCLUDED.item, qty = EXCLUDED.qty RETURNING id, item, qty",
                        [id, `w${w}-${i}`, i],
                    );
                    finals.set(id, `${row.rows[0].id}:${row.rows[0].item}:${row.rows[0].qty}`);
                }
            }
            // Rows that were snapshotted are changed and deleted too.
            await c.query("UPDATE orders SET qty = qty + 100 WHERE id BETWEEN $1 AND $2", [w * 10 + 1, w * 10 + 5]);
            await c.query("DELETE FROM orders WHERE id BETWEEN $1 AND $2", [w * 10 + 6, w * 10 + 8]);
        };
        await Promise.all([0, 1, 2, 3].map(writer));
        await converged();
        const [pg, mdb] = [new Set(await pgRows(copy, "orders")), new Set(await mariaRows("orders"))];
        for (const [id, row] of finals) {
            if (row === undefined) {
                for (const [name, rows] of [["PostgreSQL", pg], ["MariaDB", mdb]] as const) assert.ok(![...rows].some((r) => r.startsWith(`${id}:`)), `${name}: deleted row ${id} still there`);
            } else {
                assert.ok(pg.has(row) && mdb.has(row), `final state ${row} missing (PostgreSQL: ${pg.has(row)}, MariaDB: ${mdb.has(row)})`);
            }
        }
    });

    it("adds a column added at the source in both targets, each in its own SQL, and carries its values", async () => {
        await source.query("ALTER TABLE orders ADD COLUMN note text");
        await source.query("INSERT INTO orders (id, item, qty, note) VALUES (99001, 'with note', 1, 'added at the source')");
        await eventually(120, async () => assert.strictEqual((await copy.query("SELECT note FROM orders WHERE id = 99001")).rows[0]?.note, "added at the source"));
        await eventually(120, async () => assert.strictEqual(((await maria.query<RowDataPacket[]>("SELECT note FROM orders WHERE id = 99001"))[0] as RowDataPacket[])[0]?.note, "added at the source"));
        const pgType = (await copy.query("SELECT data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'")).rows[0].data_type;
        const [mariaType] = (await maria.query<RowDataPacket[]>("SELECT DATA_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'orders' AND COLUMN_NAME = 'note'", [COPY_DB]))[0] as RowDataPacket[];
        // Each sink wrote its own dialect's DDL: the two dialects never met in one worker.
        assert.deepStrictEqual([pgType, mariaType.t], ["text", "longtext"]);
    });

    it("MariaDB into PostgreSQL: a table created, written, altered and deleted from under load arrives whole", async () => {
        const mariaOrders = async () =>
            ((await sourceMaria.query<RowDataPacket[]>("SELECT id, item, qty FROM orders ORDER BY id"))[0] as RowDataPacket[]).map((r) => `${r.id}:${r.item}:${r.qty}`);
        await sourceMaria.query("CREATE TABLE orders (id bigint PRIMARY KEY, item varchar(100) NOT NULL, qty int NOT NULL)");
        await sourceMaria.query("INSERT INTO orders (id, item, qty) VALUES " + Array.from({ length: 100 }, (_, i) => `(${i + 1}, 'm-${i + 1}', ${i % 9})`).join(","));
        /** Two writers on keys of their own, each recording the final state of every key it touched. */
        const finals = new Map<number, string | undefined>();
        const mysql = await import("mysql2/promise");
        const writer = async (w: number) => {
            const c = await mysql.createConnection({ host: sourceMaria.config.host, port: SOURCE_MARIA_PORT, user: WRITER.user, password: WRITER.password, database: "shop" });
            try {
                for (let i = 0; i < 50; i++) {
                    const id = 1000 + w * 100 + (i % 20);
                    if (i % 5 === 4) {
                        await c.query("DELETE FROM orders WHERE id = ?", [id]);
                        finals.set(id, undefined);
                    } else {
                        await c.query("INSERT INTO orders (id, item, qty) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE item = VALUES(item), qty = VALUES(qty)", [id, `w${w}-${i}`, i]);
                        finals.set(id, `${id}:w${w}-${i}:${i}`);
                    }
                }
                await c.query("DELETE FROM orders WHERE id BETWEEN ? AND ?", [w * 10 + 1, w * 10 + 3]);
            } finally {
                await c.end();
            }
        };
        await Promise.all([0, 1].map(writer));
        const want = await mariaOrders();
        await eventually(120, async () => assert.deepStrictEqual(await pgRows(fromMaria, "orders"), want, "PostgreSQL copy of MariaDB's orders"));
        const copied = new Set(await pgRows(fromMaria, "orders"));
        for (const [id, row] of finals) {
            if (row === undefined) assert.ok(![...copied].some((r) => r.startsWith(`${id}:`)), `deleted row ${id} still there`);
            else assert.ok(copied.has(row), `final state ${row} missing`);
        }
        await sourceMaria.query("ALTER TABLE orders ADD COLUMN note varchar(200) NULL");
        await sourceMaria.query("INSERT INTO orders (id, item, qty, note) VALUES (99001, 'with note', 1, 'added in MariaDB')");
        await eventually(120, async () => assert.strictEqual((await fromMaria.query("SELECT note FROM orders WHERE id = 99001")).rows[0]?.note, "added in MariaDB"));
    });

    it("runs a raw connector from cdc-sync:connectors beside the pipelines: it copies what it was configured to", async () => {
        assert.deepStrictEqual(rawState, "running");
        await eventually(120, async () => assert.deepStrictEqual(await mariaRows("raw_orders"), await pgRows(source, "orders")));
    });

    it("keeps every connector and task RUNNING", async () => {
        const p = platform();
        const connectors = [
            ["default", [`${PIPELINES.pg}-source`, `${PIPELINES.pg}-sink`]],
            ["mysql", [`${PIPELINES.maria}-source`, `${PIPELINES.maria}-sink`, RAW.name]],
            ["mariadb", [`${PIPELINES.fromMaria}-source`, `${PIPELINES.fromMaria}-sink`]],
        ] as const;
        for (const [cluster, names] of connectors) {
            for (const c of names) {
                const { data } = await axios.get(`${p.connectClusters[cluster][0]}/connectors/${c}/status`);
                assert.deepStrictEqual([data.connector.state, ...data.tasks.map((x: { state: string }) => x.state)], ["RUNNING", "RUNNING"], await connectorStatus(p.connectClusters[cluster][0], c));
            }
        }
    });

    it("destroy removes the source's slots, publications and roles, and leaves both copies' data", async () => {
        const down = await t!.stack.destroy({ onOutput: t!.log });
        assert.strictEqual(down.summary.result, "succeeded", `destroy failed; see ${t!.logFile}`);
        t = undefined;
        // Named after the pipelines: cdc_<name> for slot and publication, cdc_<name>_repl / _sink for the roles.
        const slugs = Object.values(PIPELINES).map((n) => `cdc_${n.replace(/-/g, "_")}`);
        assert.deepStrictEqual((await source.query("SELECT slot_name FROM pg_replication_slots WHERE slot_name = ANY($1)", [slugs])).rows, []);
        assert.deepStrictEqual((await source.query("SELECT pubname FROM pg_publication")).rows, []);
        const roles = slugs.flatMap((s) => [`${s}_repl`, `${s}_sink`]);
        assert.deepStrictEqual((await source.query("SELECT rolname FROM pg_roles WHERE rolname = ANY($1)", [roles])).rows, []);
        assert.ok((await pgRows(copy, "orders")).length > 200, "the PostgreSQL copy lost its rows");
        assert.deepStrictEqual(await ownedByStack(STACK), { containers: [], volumes: [], networks: [] }, "destroy left things behind");
    });
});
