// Topology A from stack config to resources: the `cdc-sync:mongodb` and `cdc-sync:mysql` keys table-driven
// (every bad input names its key), the passwords it needs, the repo's stack files that declare it, and with
// Pulumi mocks what runs on server 1 and server 2 and what the two connectors are configured with.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { inputsOf, record, Recorded } from "./mocks";
import { ConfigError } from "../../components/config/checker";
import { loadStackConfig, StackConfig } from "../../components/stack/load";
import { TopologyA, topologyAPasswords } from "../../components/pipelines/mongoToMySql/config";
import { engineKey } from "../../components/platform/placement";
import { errorsOf, raw, stackFile, VALID } from "../stackFiles";

const MONGODB = { server: "server1", image: "mongo:8.0", database: "shop", collections: ["customers", "orders"] };
const MYSQL = { server: "server2", database: "shop" };
const A = { ...VALID, mongodb: MONGODB, mysql: MYSQL };

/** The stack's topology A pipeline, if it declares one. */
const topologyA = (cfg: StackConfig) => cfg.pipelines.find((p) => p.kind === "mongoToMySql")?.spec as TopologyA | undefined;

describe("topology A config (cdc-sync:mongodb + cdc-sync:mysql)", () => {
    it("parses a stack running both databases, with the defaults filled in", () => {
        assert.deepStrictEqual(topologyA(loadStackConfig(raw(A))), {
            mongodb: { kind: "run", server: "server1", port: 27017, image: "mongo:8.0", replicaSet: "rs0", serverName: "mongodb", user: "debezium", adminPassword: "mongodb-admin" },
            mysql: { kind: "run", server: "server2", port: 3306, serverName: "mysql", adminPassword: "mysql-root", flavor: "mariadb", database: "shop", user: "cdc_sink" },
            mapping: { topicPrefix: "mongodb", database: "shop", collections: ["customers", "orders"], layout: "document" },
        } satisfies TopologyA);
    });

    it("parses adopted databases when their passwords are pinned", () => {
        const cfg = loadStackConfig(
            raw(
                {
                    ...VALID,
                    mongodb: { connectionString: "mongodb://db1:27017/?replicaSet=prod", database: "shop", collections: ["customers"], layout: "flatten", tables: { customers: "clients" } },
                    mysql: { host: "db2.internal", port: 3307, flavor: "mysql", database: "shop", adminUser: "ops" },
                    passwords: { "mongodb-debezium": "x", "mysql-admin": "y" },
                },
                ["passwords"],
            ),
        );
        assert.deepStrictEqual(topologyA(cfg), {
            mongodb: { kind: "existing", connectionString: "mongodb://db1:27017/?replicaSet=prod", authSource: "admin", serverName: "mongodb", user: "debezium", adminPassword: "mongodb-admin" },
            mysql: { kind: "existing", host: "db2.internal", port: 3307, adminUser: "ops", serverName: "mysql", adminPassword: "mysql-admin", flavor: "mysql", database: "shop", user: "cdc_sink" },
            mapping: { topicPrefix: "mongodb", database: "shop", collections: ["customers"], layout: "flatten", tables: { customers: "clients" } },
        } satisfies TopologyA);
    });

    it("is absent without either key", () => assert.strictEqual(topologyA(loadStackConfig(raw(VALID))), undefined));

    const cases: { name: string; config: Record<string, unknown>; secretKeys?: string[]; error: RegExp }[] = [
        { name: "mongodb without mysql", config: { ...A, mysql: undefined }, error: /^cdc-sync:mysql: expected the MySQL\/MariaDB server the sink writes into: topology A .* needs both cdc-sync:mongodb and cdc-sync:mysql, got nothing$/ },
        { name: "mysql without mongodb", config: { ...A, mongodb: undefined }, error: /^cdc-sync:mongodb: expected the MongoDB replica set and the collections to capture: topology A .* needs both/ },
        {
            name: "no MongoDB image",
            config: { ...A, mongodb: { ...MONGODB, image: undefined } },
            error: /^cdc-sync:mongodb\.image: expected a MongoDB server image .*e\.g\. mongo:8\.0 .*`pulumi config set --path 'cdc-sync:mongodb\.image' mongo:8\.0`, got nothing$/,
        },
        { name: "MongoDB on an unknown server", config: { ...A, mongodb: { ...MONGODB, server: "db" } }, error: /^cdc-sync:mongodb\.server: expected one of the declared servers \(server1, server2\), got "db"$/ },
        {
            name: "both run and adopt",
            config: { ...A, mongodb: { ...MONGODB, connectionString: "mongodb://db1/?replicaSet=rs0" } },
            error: /^cdc-sync:mongodb: expected exactly one of server \(the stack runs it there\) and connectionString \(adopt a running one\)/,
        },
        { name: "neither run nor adopt", config: { ...A, mysql: { database: "shop" } }, error: /^cdc-sync:mysql: expected exactly one of server .* and host/ },
        {
            name: "adopted replica set without replicaSet",
            config: { ...A, mongodb: { connectionString: "mongodb://db1:27017/", database: "shop", collections: ["c"] }, passwords: { "mongodb-debezium": "x" } },
            secretKeys: ["passwords"],
            error: /^cdc-sync:mongodb\.connectionString: expected a replica set/,
        },
        {
            name: "adopted replica set with a port of its own",
            config: { ...A, mongodb: { connectionString: "mongodb://db1/?replicaSet=rs0", port: 27018, database: "shop", collections: ["c"] }, passwords: { "mongodb-debezium": "x" } },
            secretKeys: ["passwords"],
            error: /^cdc-sync:mongodb\.port: expected no port with connectionString/,
        },
        {
            name: "adopted replica set, Debezium's password not pinned",
            config: { ...A, mongodb: { connectionString: "mongodb://db1/?replicaSet=rs0", database: "shop", collections: ["c"] } },
            error: /^cdc-sync:passwords\.mongodb-debezium: expected the password of an account that exists outside the stack .*pulumi config set --secret --path 'cdc-sync:passwords\.mongodb-debezium'/,
        },
        {
            name: "a connector secret shadowing the sink's password",
            config: { ...A, connectorSecrets: { "mysql-sink": "x" } },
            secretKeys: ["connectorSecrets"],
            error: /^cdc-sync:connectorSecrets\.mysql-sink: expected another name: mysql-sink is the password the stack keeps for cdc-sync:mongodb\/mysql's connectors \(pin it with cdc-sync:passwords\.mysql-sink\)/,
        },
        { name: "adopted MySQL, admin password not pinned", config: { ...A, mysql: { host: "10.0.0.30", database: "shop" } }, error: /^cdc-sync:passwords\.mysql-admin: expected the password/ },
        { name: "adopted MySQL at a malformed host", config: { ...A, mysql: { host: "db 2", database: "shop" } }, error: /^cdc-sync:mysql\.host: expected the server's address/ },
        { name: "unknown layout", config: { ...A, mongodb: { ...MONGODB, layout: "json" } }, error: /^cdc-sync:mongodb\.layout: expected one of "document", "flatten", got "json"$/ },
        { name: "no collections", config: { ...A, mongodb: { ...MONGODB, collections: [] } }, error: /^cdc-sync:mongodb\.collections: expected a non-empty list of collection names/ },
        { name: "no database to capture", config: { ...A, mongodb: { ...MONGODB, database: undefined } }, error: /^cdc-sync:mongodb\.database: expected the name of the MongoDB database to capture, got nothing$/ },
        {
            name: "two collections, one table",
            config: { ...A, mongodb: { ...MONGODB, tables: { orders: "customers" } } },
            error: /^cdc-sync:mongodb\.tables\.orders: table customers is already the table of collection customers$/,
        },
        { name: "a table for no collection", config: { ...A, mongodb: { ...MONGODB, tables: { carts: "c" } } }, error: /^cdc-sync:mongodb\.tables\.carts: not one of the collections/ },
        { name: "misspelled field", config: { ...A, mongodb: { ...MONGODB, colections: ["x"] } }, error: /^cdc-sync:mongodb\.colections: expected no such field \(allowed: server, database, collections, / },
        { name: "adopt-only field while running", config: { ...A, mysql: { ...MYSQL, adminUser: "root" } }, error: /^cdc-sync:mysql\.adminUser: expected no such field/ },
        { name: "unknown flavor", config: { ...A, mysql: { ...MYSQL, flavor: "postgres" } }, error: /^cdc-sync:mysql\.flavor: expected one of "mariadb", "mysql", got "postgres"$/ },
        { name: "MySQL flavor without a MySQL image", config: { ...A, mysql: { ...MYSQL, flavor: "mysql" } }, error: /^cdc-sync:mysql\.image: expected a MySQL image \(e\.g\. mysql:8\.4\) for engine "mysql"/ },
        { name: "a database name needing quotes", config: { ...A, mysql: { ...MYSQL, database: "my-shop" } }, error: /^cdc-sync:mysql\.database: expected 1-64 letters, digits or '_'/ },
        { name: "a sink user name needing quotes", config: { ...A, mysql: { ...MYSQL, user: "cdc-sink" } }, error: /^cdc-sync:mysql\.user: expected 1-32 letters, digits or '_'/ },
        { name: "a port out of range", config: { ...A, mysql: { ...MYSQL, port: 0 } }, error: /^cdc-sync:mysql\.port: expected a TCP port/ },
        {
            name: "MongoDB on a broker's port",
            config: { ...A, mongodb: { ...MONGODB, port: 9092 } },
            error: /^cdc-sync:mongodb\.port: port 9092 on 127\.0\.0\.11:9092 is already taken by cdc-sync:brokers\[0\]\.port$/,
        },
        {
            name: "MySQL on Connect's port",
            config: { ...A, mysql: { ...MYSQL, port: 8083 } },
            error: /^cdc-sync:mysql\.port: port 8083 on 127\.0\.0\.12:8083 is already taken by cdc-sync:connect\.port \(worker on server2\)$/,
        },
        {
            name: "both databases on one server and port",
            config: { ...A, mysql: { ...MYSQL, server: "server1", port: 27017 } },
            error: /^cdc-sync:mysql\.port: port 27017 on 127\.0\.0\.11:27017 is already taken by cdc-sync:mongodb\.port$/,
        },
    ];
    for (const c of cases) {
        it(`rejects ${c.name}`, () => {
            const problems = errorsOf(c.config, c.secretKeys);
            assert.ok(problems.some((p) => c.error.test(p)), `no problem matched ${c.error}; got:\n  ${problems.join("\n  ") || "(accepted)"}`);
        });
    }

    it("never echoes credentials of an adopted connection string", () => {
        const problems = errorsOf({ ...A, mongodb: { connectionString: "mongodb://debezium:hunter2@db1/?replicaSet=rs0", database: "shop", collections: ["c"] } });
        assert.ok(problems.some((p) => p.startsWith("cdc-sync:mongodb.connectionString: expected no credentials")), problems.join("\n"));
        assert.ok(!problems.join("\n").includes("hunter2"));
    });

    describe("passwords", () => {
        const run = topologyA(loadStackConfig(raw(A)))!;
        const cases: [string, Pick<TopologyA, "mongodb" | "mysql">, ReturnType<typeof topologyAPasswords>][] = [
            [
                "both run by the stack: all generated",
                run,
                { names: ["mongodb-admin", "mysql-root", "mongodb-debezium", "mysql-sink"], forConnect: ["mongodb-debezium", "mysql-sink"], pinned: [] },
            ],
            [
                "both adopted: Debezium's account and MySQL's administrator exist already",
                {
                    mongodb: { kind: "existing", connectionString: "mongodb://db1/?replicaSet=rs0", authSource: "admin", serverName: "mongodb", user: "debezium", adminPassword: "mongodb-admin" },
                    mysql: { kind: "existing", host: "db2", port: 3306, adminUser: "root", serverName: "mysql", adminPassword: "mysql-admin", flavor: "mariadb", database: "shop", user: "cdc_sink" },
                },
                { names: ["mysql-admin", "mongodb-debezium", "mysql-sink"], forConnect: ["mongodb-debezium", "mysql-sink"], pinned: ["mongodb-debezium", "mysql-admin"] },
            ],
        ];
        for (const [name, a, want] of cases) it(name, () => assert.deepStrictEqual(topologyAPasswords(a), want));
    });

    describe("the repo's stack files", () => {
        it("dev declares topology A: MongoDB on server 1, MariaDB on server 2", () => {
            const a = topologyA(loadStackConfig(stackFile("dev")))!;
            assert.deepStrictEqual([a.mongodb.kind === "run" && a.mongodb.server, a.mysql.kind === "run" && a.mysql.server], ["server1", "server2"]);
        });

        it("local does not (it runs topology B)", () => assert.strictEqual(topologyA(loadStackConfig(stackFile("local"))), undefined));

        it("local-a stops at cdc-sync:databases.mongodb.image, and only there, until the user sets an image", () => {
            const problems: string[] = [];
            try {
                loadStackConfig(stackFile("local-a"));
            } catch (e) {
                problems.push(...(e as ConfigError).problems);
            }
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /^cdc-sync:databases\.mongodb\.image: expected a MongoDB server image .*pulumi config set --path 'cdc-sync:databases\.mongodb\.image' mongo:8\.0/);
        });

        it("local-a with an image: its own addresses, 127.0.0.13 and 127.0.0.14", () => {
            const cfg = localA();
            assert.deepStrictEqual(cfg.servers.map((s) => s.address), ["127.0.0.13", "127.0.0.14"]);
            const a = topologyA(cfg);
            assert.strictEqual(a?.mongodb.kind === "run" && a.mongodb.image, "mongo:8.0");
        });
    });
});

/** The local-a stack file with `pulumi config set --path 'cdc-sync:databases.mongodb.image' mongo:8.0` applied. */
function localA(): StackConfig {
    const file = stackFile("local-a");
    const dbs = JSON.parse(file.values.databases!);
    const databases = JSON.stringify({ ...dbs, mongodb: { ...dbs.mongodb, image: "mongo:8.0" } });
    return loadStackConfig({ ...file, values: { ...file.values, databases } });
}

/** Passwords as a test knows them: any of them found outside a secret in a recorded input is a leak. */
const PASSWORDS: Record<string, string> = Object.fromEntries(
    ["mongodb-admin", "mongodb-debezium", "mysql-root", "mysql-admin", "mysql-sink"].map((n) => [n, `pw-${n}-4Kq9`]),
);

async function deploy(cfg: StackConfig, stack: string): Promise<Recorded[]> {
    const { MongoToMySqlPipeline } = await import("../../components/pipelines/mongoToMySql/pipeline");
    return record(async () => {
        const p = new MongoToMySqlPipeline("topology-a", {
            stack,
            servers: cfg.servers,
            topology: topologyA(cfg)!,
            passwords: { get: (n) => pulumi.secret(PASSWORDS[n]) },
            connect: { urls: ["http://10.0.0.11:8083", "http://10.0.0.12:8083"], knownSecrets: ["mongodb-debezium", "mysql-sink"] },
        });
        return pulumi.all([p.source.state, p.sink.state]);
    });
}

/** Every plain (non-secret) string in a recorded input. */
function plainStrings(v: unknown): string[] {
    if (typeof v === "string") return [v];
    if (!v || typeof v !== "object") return [];
    if ((v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return [];
    return Object.values(v).flatMap(plainStrings);
}

describe("topology A resources (mocks)", () => {
    const vps1 = "ssh:deploy@vps1.example.com:22";
    const vps2 = "ssh:deploy@vps2.example.com:22";
    const REF = "${file:/etc/cdc-sync/secrets/connectors.properties:";
    const stacks: { stack: string; config: () => StackConfig; server1: [string, string]; server2: [string, string] }[] = [
        { stack: "dev", config: () => loadStackConfig(stackFile("dev")), server1: ["10.0.0.11", vps1], server2: ["10.0.0.12", vps2] },
        { stack: "local-a", config: localA, server1: ["127.0.0.13", "local"], server2: ["127.0.0.14", "local"] },
    ];
    for (const s of stacks) {
        describe(`${s.stack} stack`, () => {
            let rs: Recorded[] = [];
            const [addr1, engine1] = s.server1;
            const [addr2, engine2] = s.server2;
            const one = (suffix: string) => {
                const r = rs.find((x) => x.type.endsWith(suffix));
                assert.ok(r, `no ${suffix} registered`);
                return inputsOf(r);
            };
            before(async () => {
                rs = await deploy(s.config(), s.stack);
            });

            it("server 1 runs MongoDB, server 2 runs MariaDB, each bound to its own address only", () => {
                const got = rs
                    .filter((r) => r.type.endsWith("docker:Container"))
                    .map((r) => [r.inputs.name, r.inputs.ready.address, engineKey(r.inputs.engine), r.inputs.args.find((a: string) => /^--bind[-_]/.test(a))]);
                assert.deepStrictEqual(got.sort(), [
                    [`cdc-sync-${s.stack}-mongodb`, addr1, engine1, `--bind_ip=${addr1}`],
                    [`cdc-sync-${s.stack}-mysql`, addr2, engine2, `--bind-address=${addr2}`],
                ]);
                assert.strictEqual(one("docker:RegistryImage").name, "mongo:8.0");
            });

            it("the source reads the replica set on server 1; its password is only a reference to the workers' secrets file", () => {
                const src = one("connect:MongoSource");
                assert.strictEqual(src.name, "topology-a-source");
                assert.strictEqual(src["mongodb.connection.string"], `mongodb://${addr1}:27017/?replicaSet=rs0`);
                assert.strictEqual(src["mongodb.user"], "debezium");
                assert.strictEqual(src["mongodb.password"], `${REF}mongodb-debezium}`);
                assert.strictEqual(src["capture.target"], "shop");
                assert.strictEqual(src["collection.include.list"], "shop\\.customers,shop\\.orders");
                assert.deepStrictEqual(src.connectUrls, ["http://10.0.0.11:8083", "http://10.0.0.12:8083"]);
            });

            it("the sink writes MariaDB on server 2, one table per collection; its password is only a reference", () => {
                const sink = one("connect:JdbcSink");
                assert.strictEqual(sink.name, "topology-a-sink");
                assert.strictEqual(sink["connection.url"], `jdbc:mariadb://${addr2}:3306/shop`);
                assert.strictEqual(sink["connection.username"], "cdc_sink");
                assert.strictEqual(sink["connection.password"], `${REF}mysql-sink}`);
                assert.strictEqual(sink.topics, "mongodb.shop.customers,mongodb.shop.orders");
                assert.deepStrictEqual([sink["transforms.table0.replacement"], sink["transforms.table1.replacement"]], ["customers", "orders"]);
            });

            it("no password appears outside a Pulumi secret in any recorded input", () => {
                const plain = rs.flatMap((r) => plainStrings(inputsOf(r)));
                for (const [name, pw] of Object.entries(PASSWORDS)) {
                    assert.ok(!plain.some((x) => x.includes(pw)), `password ${name} recorded in plain text`);
                }
                // ...and the databases did get them, as secrets.
                assert.ok(JSON.stringify(rs.map(inputsOf)).includes(PASSWORDS["mysql-sink"]));
            });
        });
    }
});
