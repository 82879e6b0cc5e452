// Topology A, MySQL half, for real: MariaDB, the sink's database, account and grants through `pulumi up` of
// an inline program next to the platform stack; then checks on the live server, and Debezium MongoDB change
// events (the exact shape the source emits) landing in MariaDB through the platform's JDBC sink with the
// mapping's transform chain, as inserts, updates and deletes, nested values included.
import * as assert from "assert";
import * as crypto from "crypto";
import * as net from "net";
import { Kafka, logLevel } from "kafkajs";
import type { Connection, RowDataPacket } from "mysql2/promise";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../../components/stack/load";
import { ServerSpec } from "../../components/config/schema";
import { DocumentLayout, mongoToMySqlSinkConfig, MongoToMySqlMapping } from "../../components/pipelines/mongoToMySql/mapping";
import { MySqlRows, withMySql } from "../../components/databases/mysql/connection";
import { MySqlServer } from "../../components/databases/mysql/server";
import { dockerClient } from "../../components/docker/engine";
import { stackFile } from "../stackFiles";
import { connectorStatus, deleteConnector, putConnector } from "./connectors";
import { change, Collection, Message, tombstone } from "./debeziumMongo";
import { platform, requestConnectorSecrets } from "./fixture";
import { eventually, jsonForms, openInlineStack, ownedByStack, stateLeaks, TestStack } from "./harness";

const DATABASE = "shop";
const SINK_USER = "cdc_sink";
// Quotes and backslashes: every layer (entrypoint, SQL, drivers, the workers' secrets file) must take them verbatim.
const rootPassword = `r'\\"${crypto.randomBytes(9).toString("base64url")}`;
const sinkPassword = `s'\\"${crypto.randomBytes(9).toString("base64url")}`;
/** The JDBC sink reads its password from the Connect workers' secrets file, as a deployed sink does. */
const SINK_SECRET = "itest-mysql-sink";
requestConnectorSecrets({ [SINK_SECRET]: sinkPassword });

/** The Connect cluster MySQL-dialect sinks run on (the stack file's `connect.clusters.mysql`). */
function mysqlCluster(): string[] {
    const urls = platform().connectClusters.mysql;
    if (!urls) throw new Error(`the ${platform().stackName} stack declares no connect.clusters.mysql: MariaDB sinks would share workers with PostgreSQL ones`);
    return urls;
}

describe("topology A, MySQL half: MariaDB + sink account (real pulumi up) and the JDBC sink", function () {
    this.timeout(15 * 60 * 1000);
    let name: string;
    let t: TestStack;
    let server: ServerSpec;
    let jdbcUrl: string;
    let mysql: typeof import("mysql2/promise");
    const connections: Connection[] = [];

    const connect = async (user: string, password: string, database?: string) => {
        const c = await mysql.createConnection({ host: server.address, port: 3306, user, password, database });
        connections.push(c);
        return c;
    };
    const rows = async (c: Connection, sql: string, params: unknown[] = []) =>
        (await c.query<RowDataPacket[]>(sql, params))[0].map((r) => ({ ...r }) as Record<string, unknown>);
    /** A statement as root, through the server's socket in its container: what the stack itself does (root has no network login). */
    const asRoot = (sql: string, params: unknown[] = []): Promise<MySqlRows> =>
        withMySql({ engine: { kind: "local" }, container: `cdc-sync-${name}-mysql`, password: rootPassword }, (c) => c.query(sql, params));

    before(async function () {
        mysql = await import("mysql2/promise");
        const cfg = loadStackConfig(stackFile(platform().stackName));
        // Topology A: the sink database lives on the server of broker 2.
        server = cfg.servers.find((s) => s.name === cfg.brokers[cfg.brokers.length - 1].server)!;
        name = `${platform().stackName}-mysql`;
        t = await openInlineStack(platform().test, name, async () => {
            const db = new MySqlServer("mysql", {
                run: { server, stack: pulumi.getStack(), rootPassword: pulumi.secret(rootPassword) },
                database: DATABASE,
                sinkUser: { name: SINK_USER, password: pulumi.secret(sinkPassword) },
            });
            return { jdbcUrl: db.jdbcUrl, serverVersion: db.serverVersion };
        });
        const started = Date.now();
        const up = await t.stack.up({ onOutput: t.log });
        assert.strictEqual(up.summary.result, "succeeded", `up failed; see ${t.logFile}`);
        console.log(`      (first up of the MySQL stack: ${((Date.now() - started) / 1000).toFixed(0)} s)`);
        jdbcUrl = up.outputs.jdbcUrl.value;
    });

    after(async function () {
        for (const c of connections) await c.end().catch(() => undefined);
    });

    it("reports a MariaDB JDBC URL on the server's address", () => {
        assert.strictEqual(jdbcUrl, `jdbc:mariadb://${server.address}:3306/${DATABASE}`);
    });

    it("listens on the server's address only", async () => {
        const open = (host: string) =>
            new Promise<boolean>((resolve) => {
                const s = net.connect({ host, port: 3306, timeout: 2000 });
                s.once("connect", () => (s.destroy(), resolve(true)));
                s.once("error", () => resolve(false));
                s.once("timeout", () => (s.destroy(), resolve(false)));
            });
        assert.strictEqual(await open(server.address), true);
        assert.strictEqual(await open("127.0.0.1"), false, "MariaDB answers on 127.0.0.1: bound too widely");
    });

    it("keeps the root password out of the container's config and the stack's state", async () => {
        const info = await dockerClient({ kind: "local" }).getContainer(`cdc-sync-${name}-mysql`).inspect();
        // JSON-escaped too: the password holds a quote and a backslash, which JSON.stringify escapes.
        for (const form of jsonForms(rootPassword)) assert.ok(!JSON.stringify(info).includes(form), "the root password is visible in docker inspect");
        assert.deepStrictEqual(stateLeaks(await t.stack.exportStack(), { root: rootPassword, sink: sinkPassword }), []);
    });

    it("the sink account holds exactly its privileges on its database, nothing global", async () => {
        const grants = (await asRoot(`SHOW GRANTS FOR '${SINK_USER}'@'%'`)).map((r) => String(Object.values(r)[0]));
        assert.deepStrictEqual(
            grants.map((g) => g.replace(/ IDENTIFIED BY PASSWORD '[^']*'/, "")),
            [`GRANT USAGE ON *.* TO \`${SINK_USER}\`@\`%\``, `GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER ON \`${DATABASE}\`.* TO \`${SINK_USER}\`@\`%\``],
        );
    });

    it("the sink account can create, alter and write tables in its database and cannot touch another", async () => {
        await asRoot("CREATE DATABASE IF NOT EXISTS other");
        await asRoot("CREATE TABLE IF NOT EXISTS other.t (id INT PRIMARY KEY)");
        const sink = await connect(SINK_USER, sinkPassword, DATABASE);
        await sink.query("CREATE TABLE probe (id INT PRIMARY KEY, v VARCHAR(10))");
        await sink.query("ALTER TABLE probe ADD COLUMN w INT");
        await sink.query("INSERT INTO probe VALUES (1, 'a', 2) ON DUPLICATE KEY UPDATE v = VALUES(v)");
        await sink.query("UPDATE probe SET v = 'b' WHERE id = 1");
        assert.deepStrictEqual(await rows(sink, "SELECT id, v, w FROM probe"), [{ id: 1, v: "b", w: 2 }]);
        await sink.query("DELETE FROM probe");
        const denied: [string, string][] = [
            ["SELECT * FROM other.t", "ER_TABLEACCESS_DENIED_ERROR"],
            ["INSERT INTO other.t VALUES (1)", "ER_TABLEACCESS_DENIED_ERROR"],
            ["CREATE TABLE other.t2 (id INT)", "ER_TABLEACCESS_DENIED_ERROR"],
            ["CREATE DATABASE other2", "ER_DBACCESS_DENIED_ERROR"],
            ["DROP TABLE probe", "ER_TABLEACCESS_DENIED_ERROR"],
            ["SELECT user FROM mysql.user", "ER_TABLEACCESS_DENIED_ERROR"],
            ["CREATE USER x IDENTIFIED BY 'x'", "ER_SPECIFIC_ACCESS_DENIED_ERROR"],
        ];
        for (const [sql, code] of denied) {
            await assert.rejects(sink.query(sql), (e: { code?: string }) => e.code === code, `${sql} was not denied with ${code}`);
        }
        await asRoot("DROP TABLE shop.probe");
        await asRoot("DROP DATABASE other");
    });

    it("a privilege added by hand shows on refresh and the next `up` revokes it", async () => {
        await asRoot(`GRANT DROP ON ${DATABASE}.* TO '${SINK_USER}'@'%'`);
        await t.stack.refresh({ onOutput: t.log });
        const up = await t.stack.up({ onOutput: t.log });
        assert.deepStrictEqual(up.summary.resourceChanges?.update, 1, `expected the grant to be updated; see ${t.logFile}`);
        const held = await asRoot("SELECT PRIVILEGE_TYPE AS p FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ? AND TABLE_SCHEMA = ?", [
            `'${SINK_USER}'@'%'`,
            DATABASE,
        ]);
        assert.deepStrictEqual(held.map((r) => r.p).sort(), ["ALTER", "CREATE", "DELETE", "INSERT", "SELECT", "UPDATE"]);
    });

    it("root has no network login: no root@'%', root's password refused over the network; one added by hand is dropped by the next `up`", async () => {
        const remoteRoots = async () => (await asRoot("SELECT Host AS h FROM mysql.user WHERE User = 'root' ORDER BY Host")).map((r) => r.h);
        const rootOverNetwork = () => mysql.createConnection({ host: server.address, port: 3306, user: "root", password: rootPassword }).then((c) => c.end());
        assert.deepStrictEqual(await remoteRoots(), ["localhost"]);
        await assert.rejects(rootOverNetwork(), /Access denied for user 'root'/);
        // As a server deployed before this release has it (the image made it from MYSQL_ROOT_HOST=%).
        await asRoot("CREATE USER 'root'@'%' IDENTIFIED BY ?", [rootPassword]);
        await asRoot("GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION");
        await rootOverNetwork();
        await t.stack.refresh({ onOutput: t.log });
        const up = await t.stack.up({ onOutput: t.log });
        assert.deepStrictEqual(up.summary.resourceChanges?.update, 1, `expected the root account's guard to be updated; see ${t.logFile}`);
        assert.deepStrictEqual(await remoteRoots(), ["localhost"]);
        await assert.rejects(rootOverNetwork(), /Access denied for user 'root'/);
    });

    it("an adopted server whose root logs in over the network is reported at `up` (warned, and its stack output), and left as it is", async () => {
        // This test's server, with a root@'%' made by hand, adopted by a stack of its own as that root, over the network.
        await asRoot("CREATE USER 'root'@'%' IDENTIFIED BY ?", [rootPassword]);
        await asRoot("GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION");
        const adopted = await openInlineStack(platform().test, `${name}-adopted`, async () => {
            const db = new MySqlServer("adopted", { existing: { address: server.address, adminUser: "root", adminPassword: pulumi.secret(rootPassword) }, database: "adopted_db" });
            return { remoteRootHosts: db.remoteRootHosts };
        });
        try {
            let said = "";
            const up = await adopted.stack.up({ onOutput: (s) => ((said += s), adopted.log(s)) });
            assert.deepStrictEqual(up.outputs.remoteRootHosts.value, ["%"]);
            assert.match(said, /adopted: the adopted server lets root log in over the network \(root@'%'\)/);
            assert.deepStrictEqual((await asRoot("SELECT Host AS h FROM mysql.user WHERE User = 'root' ORDER BY Host")).map((r) => r.h), ["%", "localhost"], "the report changed the server");
            await adopted.stack.destroy({ onOutput: adopted.log });
        } finally {
            await adopted.stack.workspace.removeStack(`${name}-adopted`, { force: true }).catch(() => undefined);
            await asRoot("DROP USER IF EXISTS 'root'@'%'");
            await asRoot("DROP DATABASE IF EXISTS adopted_db");
        }
    });

    it("a second `up` changes nothing", async () => {
        const again = await t.stack.up({ onOutput: t.log });
        const changes = Object.entries(again.summary.resourceChanges ?? {}).filter(([op]) => op !== "same");
        assert.deepStrictEqual(changes, [], `second up changed resources; see ${t.logFile}`);
    });

    // Debezium MongoDB change events through the platform's JDBC sink (plain `it`s: mocha would run a nested
    // describe after `destroy` below). Documents as the source writes them: `after` in strict extended JSON,
    // the key's _id in relaxed extended JSON.
    const ada = (city: string, tags: string[]) =>
        `{"_id": {"$oid": "650000000000000000000001"},"name": "Ada","address": {"city": "${city}","zip": "N1"},` +
        `"tags": [${tags.map((x) => JSON.stringify(x)).join(",")}],"visits": {"$numberLong": "3"}}`;
    const grace = `{"_id": {"$oid": "650000000000000000000002"},"name": "Grace","address": {"city": "Arlington","zip": "22201"},"tags": ["cobol"],"visits": {"$numberLong": "7"}}`;
    const ADA = '{"$oid": "650000000000000000000001"}';
    const GRACE = '{"$oid": "650000000000000000000002"}';

    interface SinkRun {
        readonly collection: Collection;
        send(batch: Message[]): Promise<void>;
        status(): Promise<string>;
    }

    /** Runs a JDBC sink configured by `config` on a fresh topic of a `customers` collection, for `fn` to produce to. */
    async function withSink(
        layout: DocumentLayout,
        table: string,
        config: (m: MongoToMySqlMapping) => Record<string, string>,
        fn: (run: SinkRun) => Promise<void>,
    ): Promise<void> {
        const prefix = `itest${Date.now()}${layout[0]}`;
        const mapping: MongoToMySqlMapping = { topicPrefix: prefix, database: DATABASE, collections: ["customers"], tables: { customers: table }, layout };
        const collection: Collection = { topic: `${prefix}.${DATABASE}.customers`, prefix, db: DATABASE, collection: "customers" };
        const kafka = new Kafka({ clientId: "itest-mysql", brokers: platform().bootstrapServers, logLevel: logLevel.NOTHING });
        const admin = kafka.admin();
        const producer = kafka.producer();
        // MySQL-dialect sinks run on the stack's `mysql` Connect cluster, never beside the PostgreSQL ones.
        const url = mysqlCluster()[0];
        const connector = `${prefix}-sink`;
        await admin.connect();
        await producer.connect();
        try {
            await admin.createTopics({ waitForLeaders: true, topics: [{ topic: collection.topic, numPartitions: 1 }] });
            await putConnector(url, connector, config(mapping));
            await fn({
                collection,
                send: async (batch) => void (await producer.send({ topic: collection.topic, acks: -1, messages: batch })),
                status: () => connectorStatus(url, connector),
            });
        } finally {
            await deleteConnector(url, connector);
            await producer.disconnect();
            await admin.deleteTopics({ topics: [collection.topic] }).catch(() => undefined);
            await admin.disconnect();
        }
    }

    const sinkConfig = (m: MongoToMySqlMapping) => mongoToMySqlSinkConfig(m, "mariadb", { jdbcUrl, user: SINK_USER, passwordSecret: SINK_SECRET });

    const creates = (c: Collection) => [change(c, "c", ADA, ada("London", ["math", "poetry"]), 1), change(c, "c", GRACE, grace, 2)];
    const updateAndDelete = (c: Collection) => [
        change(c, "u", ADA, ada("Cambridge", ["math", "poetry", "engines"]), 3, '{"address.city": "Cambridge"}'),
        change(c, "d", GRACE, undefined, 4),
        tombstone(c, GRACE),
    ];

    /** Lands two creates, then an update and a delete (with its tombstone), checking the table after each. */
    async function land(layout: DocumentLayout, table: string, checks: [(sink: Connection) => Promise<void>, (sink: Connection) => Promise<void>]) {
        await withSink(layout, table, sinkConfig, async (run) => {
            const sink = await connect(SINK_USER, sinkPassword, DATABASE);
            for (const [i, batch] of [creates(run.collection), updateAndDelete(run.collection)].entries()) {
                await run.send(batch);
                await eventually(90, () => checks[i](sink)).catch(async (e) => {
                    throw new Error(`${(e as Error).message}\n${await run.status()}`);
                });
            }
        });
    }

    it("Debezium MongoDB events, document layout: one row per document, the whole document as JSON, rewritten by updates, removed by deletes", async () => {
        const docs = async (sink: Connection) =>
            (await rows(sink, "SELECT _id, document, JSON_VALUE(document, '$.address.city') AS city FROM customers_doc ORDER BY _id")).map((r) => ({
                _id: r._id,
                document: JSON.parse(String(r.document)),
                city: r.city,
            }));
        await land("document", "customers_doc", [
            async (sink) =>
                assert.deepStrictEqual(await docs(sink), [
                    { _id: "650000000000000000000001", document: JSON.parse(ada("London", ["math", "poetry"])), city: "London" },
                    { _id: "650000000000000000000002", document: JSON.parse(grace), city: "Arlington" },
                ]),
            async (sink) =>
                assert.deepStrictEqual(await docs(sink), [
                    { _id: "650000000000000000000001", document: JSON.parse(ada("Cambridge", ["math", "poetry", "engines"])), city: "Cambridge" },
                ]),
        ]);
    });

    it("Debezium MongoDB events, flatten layout: a column per leaf, array elements included, updated and deleted by _id", async () => {
        // Columns appear as documents bring new leaves (schema evolution): tags__2 only with the update.
        const people = (sink: Connection, columns: string) => rows(sink, `SELECT _id, name, address_city, address_zip, ${columns}, visits FROM customers_flat ORDER BY _id`);
        await land("flatten", "customers_flat", [
            async (sink) =>
                assert.deepStrictEqual(await people(sink, "tags__0, tags__1"), [
                    { _id: "650000000000000000000001", name: "Ada", address_city: "London", address_zip: "N1", tags__0: "math", tags__1: "poetry", visits: 3 },
                    { _id: "650000000000000000000002", name: "Grace", address_city: "Arlington", address_zip: "22201", tags__0: "cobol", tags__1: null, visits: 7 },
                ]),
            async (sink) =>
                assert.deepStrictEqual(await people(sink, "tags__0, tags__1, tags__2"), [
                    { _id: "650000000000000000000001", name: "Ada", address_city: "Cambridge", address_zip: "N1", tags__0: "math", tags__1: "poetry", tags__2: "engines", visits: 3 },
                ]),
        ]);
    });

    it("why the mapping is so: nested structs from ExtractNewDocumentState, or JSON typed as JSON on MariaDB, stop the sink", async () => {
        const without = (keys: string[]) => (m: MongoToMySqlMapping) => Object.fromEntries(Object.entries(sinkConfig(m)).filter(([k]) => !keys.includes(k)));
        const cases: [string, DocumentLayout, (m: MongoToMySqlMapping) => Record<string, string>, RegExp][] = [
            [
                "unflattened",
                "flatten",
                without(["transforms.unwrap.flatten.struct", "transforms.unwrap.flatten.struct.delimiter"]),
                /Failed to resolve column type for schema: STRUCT/,
            ],
            [
                "typedjson",
                "document",
                (m) => {
                    const cfg = sinkConfig(m);
                    return { ...cfg, transforms: cfg.transforms.replace(",plainJson", "") };
                },
                /SQL syntax/,
            ],
        ];
        for (const [table, layout, config, trace] of cases) {
            await withSink(layout, table, config, async (run) => {
                await run.send(creates(run.collection));
                await eventually(90, async () => {
                    const status = await run.status();
                    assert.match(status, /tasks \[FAILED\]/, status);
                    assert.match(status, trace, status);
                });
            });
        }
    });

    it("destroy removes the container and the volume (the image stays, a cache)", async () => {
        const down = await t.stack.destroy({ onOutput: t.log });
        assert.strictEqual(down.summary.result, "succeeded", `destroy failed; see ${t.logFile}`);
        assert.deepStrictEqual(await ownedByStack(name), { containers: [], volumes: [], networks: [] });
        await t.stack.workspace.removeStack(name);
    });
});
