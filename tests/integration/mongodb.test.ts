// Topology A's MongoDB side on the platform's real Connect cluster:
// - the MongoDB source config the mapping builds, against Connect's own validation with the Debezium MongoDB
//   plugin installed (runs everywhere: no mongod needed, see below for what Connect answers without one);
// - end to end through MongoToMySqlPipeline itself, from the stack config keys: a MongoDB replica set and
//   MariaDB deployed by `pulumi up` next to the platform, the two connectors, documents written in MongoDB
//   landing in MariaDB. That needs a MongoDB server image, which cannot be obtained on our own machines: it
//   runs only where CDC_SYNC_MONGODB_IMAGE names one the engine has or can pull, and is reported as skipped
//   otherwise (never as passed).
import * as assert from "assert";
import * as crypto from "crypto";
import type { RowDataPacket } from "mysql2/promise";
import * as pulumi from "@pulumi/pulumi";
import axios from "axios";
import { loadStackConfig } from "../../components/stack/load";
import { ServerSpec } from "../../components/config/schema";
import { TOPOLOGY_A_PASSWORDS, TopologyA } from "../../components/pipelines/mongoToMySql/config";
import { MongoSourceArgs, MongoSourceConnector } from "../../components/connectors/connector";
import { MONGODB_CONNECTOR_CLASS } from "../../components/connectors/mongoSource";
import { secretRef } from "../../components/connectors/secrets";
import { mongoSourceConfig, mongoSourceSpec, MongoToMySqlMapping } from "../../components/pipelines/mongoToMySql/mapping";
import { ADMIN_USER } from "../../components/databases/mongodb/server";
import { MongoToMySqlPipeline } from "../../components/pipelines/mongoToMySql/pipeline";
import { stackFile } from "../stackFiles";
import { connectorStatus } from "./connectors";
import { platform, requestConnectorSecrets } from "./fixture";
import { eventually, execIn, openInlineStack, ownedByStack, stateLeaks, TestStack } from "./harness";

const image = process.env.CDC_SYNC_MONGODB_IMAGE;
const random = () => crypto.randomBytes(12).toString("base64url");

/** The stack's first server (ZooKeeper, broker 1) and the server of its last broker: server 1 and server 2. */
function twoServers(): [ServerSpec, ServerSpec] {
    const cfg = loadStackConfig(stackFile(platform().stackName));
    const byName = (n: string) => cfg.servers.find((s) => s.name === n)!;
    return [byName(cfg.zookeeper.server), byName(cfg.brokers[cfg.brokers.length - 1].server)];
}

// Validation only: the password is never used to log in, but the workers must be able to resolve it.
const VALIDATION_SECRET = "itest-mongodb-validate";
requestConnectorSecrets({ [VALIDATION_SECRET]: random() });

describe("MongoDB source config against Connect's own validation (Debezium MongoDB plugin, no mongod needed)", function () {
    this.timeout(10 * 60 * 1000);
    const mapping: MongoToMySqlMapping = { topicPrefix: "itest-mongo-validate", database: "shop", collections: ["customers", "orders"] };
    // Nothing listens there: Debezium's validation tries to connect, and that is all a preview can learn without a mongod.
    let unreachable: string;
    let t: TestStack;
    let extra: Partial<MongoSourceArgs> = {};
    const printed: string[] = [];

    before(async () => {
        unreachable = `mongodb://${twoServers()[0].address}:27099/?replicaSet=rs0`;
        t = await openInlineStack(platform().test, `${platform().stackName}-mongo-validate`, async () => {
            const spec = mongoSourceSpec(mapping, { connectionString: unreachable, user: "debezium", passwordSecret: VALIDATION_SECRET });
            new MongoSourceConnector("itest-mongo-validate", { ...spec, ...extra, connectUrls: platform().connectUrls, connectAuth: platform().connectAuth, knownSecrets: [VALIDATION_SECRET] });
        });
    });

    after(async () => {
        await t?.stack.workspace.removeStack(t.stack.name);
    });

    // What Debezium 3.2 answers without a mongod, on mongodb.connection.string only: "Connection validation timed
    // out after 10000ms" and "Unable to connect: Interrupted while waiting for a server that matches
    // ReadPreferenceServerSelector{readPreference=primary}". Whether the account and the replica set are right
    // can only be learnt from a live one (the end-to-end test below).
    it("Connect finds no error in the mapping's source config; the only one is that no mongod answers at the connection string", async () => {
        const config = mongoSourceConfig(mapping, { connectionString: unreachable, user: "debezium", passwordSecret: VALIDATION_SECRET });
        const res = await axios.put(
            `${platform().connectUrls[0]}/connector-plugins/${MONGODB_CONNECTOR_CLASS}/config/validate`,
            { ...config, name: "itest-mongo-validate", "connection.validation.timeout.ms": "10000" },
            { timeout: 60_000 },
        );
        const errors = (res.data.configs as { value: { name: string; errors: string[] } }[]).filter((c) => c.value.errors.length > 0);
        console.log(`      (Connect's validation without a mongod: ${JSON.stringify(errors.map((c) => [c.value.name, c.value.errors]))})`);
        assert.deepStrictEqual(
            errors.map((c) => c.value.name),
            ["mongodb.connection.string"],
            "Connect rejects more than the unreachable server",
        );
    });

    it("so `preview` of that source succeeds: an unreachable database is not a config error (the health gate reports it on `up`)", async () => {
        const res = await t.stack.preview({ onOutput: (l) => (printed.push(l), t.log(l)) });
        assert.deepStrictEqual(res.changeSummary, { create: 2 }, `see ${t.logFile}`);
    });

    const failures: [string, Partial<MongoSourceArgs>, string, RegExp][] = [
        // Typed args forbid the value, hence the cast: the local rule catches it before Connect is asked.
        ["a wrong enum value", { captureMode: "full" as "change_streams" }, "capture.mode", /expected one of change_streams, /],
        // Only the plugin knows this property's type: the error is Connect's own.
        ["a field only the plugin can judge", { extra: { "snapshot.max.threads": "many" } }, "snapshot.max.threads", /Connect: The 'snapshot\.max\.threads' value is invalid: An integer is expected/],
    ];
    for (const [what, args, field, message] of failures) {
        it(`${what} fails preview naming ${field}`, async () => {
            extra = args;
            try {
                await t.stack.preview({ onOutput: (l) => (printed.push(l), t.log(l)) });
                assert.fail("preview succeeded");
            } catch (e) {
                const text = (e as Error).message;
                assert.match(text, new RegExp(`property ${field.replace(/\./g, "\\.")} value .* has a problem: ${message.source}`), text);
            } finally {
                extra = {};
            }
        });
    }
});

// The passwords the pipeline's accounts get; the connectors' two reach the workers' secrets file under the
// names the pipeline references (`${file:...:mongodb-debezium}`, `${file:...:mysql-sink}`).
const PASSWORDS: Record<string, string> = Object.fromEntries(Object.values(TOPOLOGY_A_PASSWORDS).map((n) => [n, random()]));
const FOR_CONNECT = [TOPOLOGY_A_PASSWORDS.mongodbDebezium, TOPOLOGY_A_PASSWORDS.mysqlSink];
if (image) requestConnectorSecrets(Object.fromEntries(FOR_CONNECT.map((n) => [n, PASSWORDS[n]])));

const SKIPPED =
    "SKIPPED, NOT RUN: CDC_SYNC_MONGODB_IMAGE is unset, and no MongoDB server image can be obtained on this machine " +
    "(no reachable registry or package repository ships one); set it to an image the engine has, e.g. mongo:8.0";

describe("topology A end to end through MongoToMySqlPipeline: MongoDB -> Debezium -> Kafka -> JDBC sink -> MariaDB (real pulumi up)", function () {
    this.timeout(20 * 60 * 1000);
    const prefix = `itest${Date.now()}`;
    let t: TestStack;
    let name: string;
    let out: Record<string, string>;
    let server1: ServerSpec;
    let server2: ServerSpec;

    /** Runs mongosh as the administrator in the MongoDB container (test-only: the password is an argument there). */
    const mongo = async (script: string) => {
        const login = ["--username", ADMIN_USER, "--password", PASSWORDS[TOPOLOGY_A_PASSWORDS.mongodbAdmin], "--authenticationDatabase", "admin"];
        await execIn(`cdc-sync-${name}-mongodb`, ["mongosh", "--quiet", out.mongoUrl, ...login, "--eval", script]);
    };
    const connectorConfig = async (connector: string) => (await axios.get(`${platform().connectUrls[0]}/connectors/${connector}/config`)).data as Record<string, string>;

    before(async function () {
        if (!image) {
            console.log(`      ${SKIPPED}`);
            this.skip();
        }
        [server1, server2] = twoServers();
        name = `${platform().stackName}-topology-a`;
        // The topology comes from the same config keys a stack file holds; port 3307: the MySQL half's own test
        // may use 3306 on the same address.
        const base = stackFile(platform().stackName);
        const cfg = loadStackConfig({
            secretKeys: base.secretKeys,
            values: {
                ...base.values,
                // Topology A alone: its MySQL sink must not share the Connect workers' config with a PostgreSQL one.
                databases: undefined,
                pipelines: undefined,
                mongodb: JSON.stringify({ server: server1.name, image, database: "shop", collections: ["customers"], topicPrefix: prefix }),
                mysql: JSON.stringify({ server: server2.name, port: 3307, database: "shop" }),
            },
        });
        t = await openInlineStack(platform().test, name, async () => {
            const p = new MongoToMySqlPipeline("topology-a", {
                stack: pulumi.getStack(),
                servers: cfg.servers,
                topology: cfg.pipelines.find((x) => x.kind === "mongoToMySql")!.spec as TopologyA,
                passwords: { get: (n) => pulumi.secret(PASSWORDS[n]) },
                connect: { urls: platform().connectUrls, knownSecrets: FOR_CONNECT },
            });
            return {
                mongoUrl: p.mongodb.connectionString,
                jdbcUrl: p.mysql.jdbcUrl,
                mysqlAddress: p.mysql.address,
                source: p.source.connectorName,
                sink: p.sink.connectorName,
                states: pulumi.all([p.source.state, p.sink.state]).apply((s) => s.join(",")),
            };
        });
        const up = await t.stack.up({ onOutput: t.log });
        assert.strictEqual(up.summary.result, "succeeded", `up failed; see ${t.logFile}`);
        out = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]));
    });

    it("runs MongoDB on server 1 and MariaDB on server 2, and both connectors, holding only password references", async () => {
        assert.strictEqual(out.mongoUrl, `mongodb://${server1.address}:27017/?replicaSet=rs0`);
        assert.strictEqual(out.jdbcUrl, `jdbc:mariadb://${server2.address}:3307/shop`);
        assert.strictEqual(out.states, "running,running");
        const source = await connectorConfig(out.source);
        const sink = await connectorConfig(out.sink);
        assert.strictEqual(source["mongodb.connection.string"], out.mongoUrl);
        assert.strictEqual(source["mongodb.password"], secretRef(TOPOLOGY_A_PASSWORDS.mongodbDebezium));
        assert.strictEqual(sink["connection.url"], out.jdbcUrl);
        assert.strictEqual(sink["connection.password"], secretRef(TOPOLOGY_A_PASSWORDS.mysqlSink));
    });

    it("inserts, updates and deletes in MongoDB land in MariaDB, nested documents and arrays as JSON", async () => {
        const url = platform().connectUrls[0];
        const mysql = await import("mysql2/promise");
        const sinkPassword = PASSWORDS[TOPOLOGY_A_PASSWORDS.mysqlSink];
        const sink = await mysql.createConnection({ host: out.mysqlAddress, port: 3307, user: "cdc_sink", password: sinkPassword, database: "shop" });
        const docs = async () => (await sink.query<RowDataPacket[]>("SELECT document FROM customers ORDER BY _id"))[0].map((r) => JSON.parse(r.document));
        const landed = async (check: () => Promise<void>) =>
            eventually(180, check).catch(async (e) => {
                throw new Error(`${(e as Error).message}\nsource: ${await connectorStatus(url, out.source)}\nsink: ${await connectorStatus(url, out.sink)}`);
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
        }
    });

    it("keeps every password out of the stack's state", async () => {
        // The export is decrypted (--show-secrets): each password is searched for outside the Pulumi secrets.
        assert.deepStrictEqual(stateLeaks(await t.stack.exportStack(), PASSWORDS), []);
    });

    it("destroy removes the connectors, the replica set's and the database's containers and volumes", async () => {
        const down = await t.stack.destroy({ onOutput: t.log });
        assert.strictEqual(down.summary.result, "succeeded", `destroy failed; see ${t.logFile}`);
        for (const c of [out.source, out.sink]) {
            assert.strictEqual((await axios.get(`${platform().connectUrls[0]}/connectors/${c}`, { validateStatus: () => true })).status, 404, c);
        }
        assert.deepStrictEqual(await ownedByStack(name), { containers: [], volumes: [], networks: [] });
        await t.stack.workspace.removeStack(name);
    });
});
