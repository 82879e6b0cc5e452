// Topology A end to end: a MongoDB replica set and MariaDB deployed by `pulumi up` next to the platform, the
// Debezium MongoDB source and the JDBC sink on the platform's Connect cluster, documents written in MongoDB
// landing in MariaDB. Needs a MongoDB server image, which cannot be obtained on our own machines: it runs
// only where CDC_SYNC_MONGODB_IMAGE names one the engine has or can pull, and is reported as skipped
// otherwise (never as passed).
import * as assert from "assert";
import * as crypto from "crypto";
import type { RowDataPacket } from "mysql2/promise";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../../components/config/load";
import { mongoSourceConfig, mongoToMySqlSinkConfig, MongoToMySqlMapping } from "../../components/databases/mapping";
import { ADMIN_USER, MongoReplicaSet } from "../../components/databases/mongodb";
import { MySqlServer } from "../../components/databases/mysql";
import { stackFile } from "../stackFiles";
import { connectorStatus, deleteConnector, putConnector } from "./connectors";
import { platform } from "./fixture";
import { eventually, execIn, openInlineStack, ownedByStack, TestStack } from "./harness";

const image = process.env.CDC_SYNC_MONGODB_IMAGE;

describe("topology A end to end: MongoDB -> Debezium -> Kafka -> JDBC sink -> MariaDB (real pulumi up)", function () {
    this.timeout(20 * 60 * 1000);
    if (!image) {
        it.skip(
            "SKIPPED, NOT RUN: CDC_SYNC_MONGODB_IMAGE is unset, and no MongoDB server image can be obtained on this machine " +
                "(no reachable registry or package repository ships one); set it to an image the engine has, e.g. mongo:8.0",
        );
        return;
    }

    const adminPassword = crypto.randomBytes(12).toString("base64url");
    const dbzPassword = crypto.randomBytes(12).toString("base64url");
    const sinkPassword = crypto.randomBytes(12).toString("base64url");
    const prefix = `itest${Date.now()}`;
    const mapping: MongoToMySqlMapping = { topicPrefix: prefix, database: "shop", collections: ["customers"] };
    let t: TestStack;
    let name: string;
    let out: Record<string, string>;

    /** Runs mongosh as the administrator in the MongoDB container (test-only: the password is an argument there). */
    const mongo = async (script: string) => {
        const login = ["--username", ADMIN_USER, "--password", adminPassword, "--authenticationDatabase", "admin"];
        await execIn(`cdc-sync-${name}-mongodb`, ["mongosh", "--quiet", out.mongoUrl, ...login, "--eval", script]);
    };

    before(async () => {
        const cfg = loadStackConfig(stackFile(platform().stackName));
        const [server1, server2] = [cfg.zookeeper.server, cfg.brokers[cfg.brokers.length - 1].server].map((n) => cfg.servers.find((s) => s.name === n)!);
        name = `${platform().stackName}-topology-a`;
        t = await openInlineStack(platform().test, name, async () => {
            const stack = pulumi.getStack();
            const rs = new MongoReplicaSet("mongodb", {
                run: { server: server1, stack, image, adminPassword: pulumi.secret(adminPassword) },
                connector: { user: "debezium", password: pulumi.secret(dbzPassword), databases: [mapping.database] },
            });
            // Port 3307: the MySQL half's own test may use 3306 on the same address.
            const db = new MySqlServer("mysql", {
                run: { server: server2, stack, port: 3307, rootPassword: pulumi.secret(crypto.randomBytes(12).toString("base64url")) },
                database: "shop",
                sinkUser: { name: "cdc_sink", password: pulumi.secret(sinkPassword) },
            });
            return { mongoUrl: rs.connectionString, jdbcUrl: db.jdbcUrl, mysqlAddress: db.address };
        });
        const up = await t.stack.up({ onOutput: t.log });
        assert.strictEqual(up.summary.result, "succeeded", `up failed; see ${t.logFile}`);
        out = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]));
    });

    it("inserts, updates and deletes in MongoDB land in MariaDB, nested documents and arrays as JSON", async () => {
        const url = platform().connectUrls[0];
        // Plain passwords in these test-only configs, until connectorSecrets reaches the workers.
        await putConnector(url, `${prefix}-source`, mongoSourceConfig(mapping, { connectionString: out.mongoUrl, user: "debezium", password: dbzPassword }));
        await putConnector(url, `${prefix}-sink`, mongoToMySqlSinkConfig(mapping, "mariadb", { jdbcUrl: out.jdbcUrl, user: "cdc_sink", password: sinkPassword }));
        const mysql = await import("mysql2/promise");
        const sink = await mysql.createConnection({ host: out.mysqlAddress, port: 3307, user: "cdc_sink", password: sinkPassword, database: "shop" });
        const docs = async () => (await sink.query<RowDataPacket[]>("SELECT document FROM customers ORDER BY _id"))[0].map((r) => JSON.parse(r.document));
        const landed = async (check: () => Promise<void>) =>
            eventually(180, check).catch(async (e) => {
                throw new Error(`${(e as Error).message}\nsource: ${await connectorStatus(url, `${prefix}-source`)}\nsink: ${await connectorStatus(url, `${prefix}-sink`)}`);
            });
        try {
            await mongo(`db.getSiblingDB("shop").customers.insertMany([
                { _id: 1, name: "Ada", address: { city: "London" }, tags: ["math", "poetry"] },
                { _id: 2, name: "Grace", address: { city: "Arlington" }, tags: ["cobol"] }])`);
            await landed(async () =>
                assert.deepStrictEqual(await docs(), [
                    { _id: 1, name: "Ada", address: { city: "London" }, tags: ["math", "poetry"] },
                    { _id: 2, name: "Grace", address: { city: "Arlington" }, tags: ["cobol"] },
                ]),
            );
            await mongo(`const c = db.getSiblingDB("shop").customers;
                c.updateOne({ _id: 1 }, { $set: { "address.city": "Cambridge" }, $push: { tags: "engines" } });
                c.deleteOne({ _id: 2 })`);
            await landed(async () =>
                assert.deepStrictEqual(await docs(), [{ _id: 1, name: "Ada", address: { city: "Cambridge" }, tags: ["math", "poetry", "engines"] }]),
            );
        } finally {
            await sink.end();
            await deleteConnector(url, `${prefix}-sink`);
            await deleteConnector(url, `${prefix}-source`);
        }
    });

    it("destroy removes the replica set's and the database's containers and volumes", async () => {
        const down = await t.stack.destroy({ onOutput: t.log });
        assert.strictEqual(down.summary.result, "succeeded", `destroy failed; see ${t.logFile}`);
        assert.deepStrictEqual(await ownedByStack(name), { containers: [], volumes: [], networks: [] });
        await t.stack.workspace.removeStack(name);
    });
});
