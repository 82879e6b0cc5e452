// `cdc-sync:databases` and `cdc-sync:pipelines`: every bad entry names its full key path (table-driven), and
// the resource graph of a stack with two two-way pairs on one PostgreSQL server (Pulumi mocks).
import * as assert from "assert";
import { Recorded, recordStack } from "./mocks";
import { TwoWaySpec } from "../../components/pipelines/twoWayPostgres/config";
import { loadStackConfig } from "../../components/stack/load";
import { errorsOf, raw, VALID } from "../stackFiles";

const TABLES = [{ name: "public.items", primaryKey: ["id"], columns: { id: "bigint", label: "text" } }];
const PG = { engine: "postgres", server: "server2" };
const pair = (name: string, databases: string[], more: Record<string, unknown> = {}) => ({ name, kind: "twoWayPostgres", postgres: "pg", databases, tables: TABLES, ...more });
/** Two pairs on one server: the shape the cases below break one field at a time. */
const TWO_PAIRS = { ...VALID, databases: { pg: PG }, pipelines: [pair("left", ["l1", "l2"]), pair("right", ["r1", "r2"])] };
const MONGO = { engine: "mongodb", server: "server1", image: "mongo:8.0" };
const MARIA = { engine: "mariadb", server: "server2", port: 3307 };
const TOPOLOGY_A = { name: "docs", kind: "mongoToMySql", mongodb: { server: "mongo", database: "shop", collections: ["c"] }, mysql: { server: "maria", database: "shop" } };

describe("cdc-sync:databases and cdc-sync:pipelines", () => {
    it("reads two pairs on one server, each under its own name, with no warning", () => {
        const cfg = loadStackConfig(raw(TWO_PAIRS));
        assert.deepStrictEqual(cfg.databases.map((d) => [d.name, d.engine, d.kind, d.adminPassword]), [["pg", "postgres", "run", "pg-admin"]]);
        assert.deepStrictEqual(cfg.pipelines.map((p) => [p.name, p.kind, p.key, (p.spec as TwoWaySpec).databases]), [
            ["left", "twoWayPostgres", "pipelines[0]", ["l1", "l2"]],
            ["right", "twoWayPostgres", "pipelines[1]", ["r1", "r2"]],
        ]);
        assert.deepStrictEqual(cfg.warnings, []);
    });

    const cases: { name: string; config: Record<string, unknown>; secretKeys?: string[]; error: RegExp }[] = [
        { name: "a list that is not one", config: { ...TWO_PAIRS, pipelines: { left: pair("left", ["l1", "l2"]) } }, error: /^cdc-sync:pipelines: expected a list of pipelines/ },
        { name: "an unknown kind", config: { ...TWO_PAIRS, pipelines: [{ ...pair("left", ["l1", "l2"]), kind: "threeWay" }] }, error: /^cdc-sync:pipelines\[0\]\.kind: expected one of: twoWayPostgres \(.*\); mongoToMySql \(.*\), got "threeWay"$/ },
        { name: "a name that cannot be part of names", config: { ...TWO_PAIRS, pipelines: [pair("Left_1", ["l1", "l2"])] }, error: /^cdc-sync:pipelines\[0\]\.name: expected a name of lowercase letters/ },
        { name: "no name", config: { ...TWO_PAIRS, pipelines: [{ ...pair("x", ["l1", "l2"]), name: undefined }] }, error: /^cdc-sync:pipelines\[0\]\.name: expected a name .*, got nothing$/ },
        {
            name: "two pipelines with one name",
            config: { ...TWO_PAIRS, pipelines: [pair("left", ["l1", "l2"]), pair("left", ["r1", "r2"])] },
            error: /^cdc-sync:pipelines\[1\]\.name: expected a name no other pipeline has, got "left" \(also cdc-sync:pipelines\[0\]\)$/,
        },
        {
            name: "a database in two pairs on one server",
            config: { ...TWO_PAIRS, pipelines: [pair("left", ["l1", "l2"]), pair("right", ["l2", "r2"])] },
            error: /^cdc-sync:pipelines\[1\]: its database pg\/l2 is also cdc-sync:pipelines\[0\]'s: two cannot share it/,
        },
        {
            name: "derived names that collide (connector left-l1-source from two names)",
            config: { ...TWO_PAIRS, databases: { pg: PG, pg2: { ...PG, port: 5433 } }, pipelines: [pair("left", ["l1", "l2"]), pair("left-l1", ["l1", "l2"], { postgres: "pg2" })] },
            error: /^cdc-sync:pipelines\[1\]: its password l1-replication is also cdc-sync:pipelines\[0\]'s/,
        },
        { name: "a field of no kind", config: { ...TWO_PAIRS, pipelines: [pair("left", ["l1", "l2"], { tabels: [] })] }, error: /^cdc-sync:pipelines\[0\]\.tabels: expected no such field \(allowed: postgres, databases, tables\)/ },
        {
            name: "a key path deep inside an entry",
            config: { ...TWO_PAIRS, pipelines: [pair("left", ["l1", "l2"]), pair("right", ["r1", "r2"], { tables: [{ name: "t", primaryKey: [] }] })] },
            error: /^cdc-sync:pipelines\[1\]\.tables\[0\]\.primaryKey: expected a non-empty list of column names/,
        },
        { name: "a server that is not declared", config: { ...TWO_PAIRS, pipelines: [pair("left", ["l1", "l2"], { postgres: "pgx" })] }, error: /^cdc-sync:pipelines\[0\]\.postgres: expected the name of a PostgreSQL server in cdc-sync:databases \(pg\), got "pgx"$/ },
        {
            name: "a server of another engine",
            config: { ...TWO_PAIRS, databases: { pg: PG, maria: MARIA }, pipelines: [pair("left", ["l1", "l2"], { postgres: "maria" })] },
            error: /^cdc-sync:pipelines\[0\]\.postgres: expected the name of a PostgreSQL server in cdc-sync:databases \(pg\), got "maria"$/,
        },
        { name: "a database server without an engine", config: { ...TWO_PAIRS, databases: { pg: { server: "server2" } } }, error: /^cdc-sync:databases\.pg\.engine: expected one of postgres, mariadb, mysql, mongodb, got nothing$/ },
        { name: "an unknown engine", config: { ...TWO_PAIRS, databases: { pg: { ...PG, engine: "oracle" } } }, error: /^cdc-sync:databases\.pg\.engine: expected one of postgres, mariadb, mysql, mongodb, got "oracle"$/ },
        { name: "a database server name with capitals", config: { ...TWO_PAIRS, databases: { PG } }, error: /^cdc-sync:databases\.PG: expected a name of lowercase letters/ },
        { name: "a server field of another engine", config: { ...TWO_PAIRS, databases: { pg: { ...PG, replicaSet: "rs0" } } }, error: /^cdc-sync:databases\.pg\.replicaSet: expected no such field/ },
        { name: "two servers on one port", config: { ...TWO_PAIRS, databases: { pg: PG, pg2: PG } }, error: /^cdc-sync:databases\.pg2\.port: port 5432 on 127\.0\.0\.12:5432 is already taken by cdc-sync:databases\.pg\.port$/ },
        {
            name: "an adopted server whose administrator's password is not pinned",
            config: { ...TWO_PAIRS, databases: { pg: { engine: "postgres", host: "10.0.0.5" } } },
            error: /^cdc-sync:passwords\.pg-admin: expected the administrator's password of the adopted server cdc-sync:databases\.pg/,
        },
        {
            name: "a server named like one a deprecated key declares",
            config: { ...TWO_PAIRS, postgres: { server: "server1" }, twoWay: { tables: TABLES }, databases: { "twoway-postgres": PG } },
            error: /^cdc-sync:databases\.twoway-postgres: a database server named twoway-postgres is already declared by cdc-sync:postgres$/,
        },
        {
            name: "a pipeline named like the one a deprecated key declares",
            config: { ...TWO_PAIRS, postgres: { server: "server1" }, twoWay: { databases: ["x1", "x2"], tables: TABLES }, pipelines: [pair("twoway", ["l1", "l2"])] },
            error: /^cdc-sync:pipelines\[0\]\.name: expected a name no other pipeline has, got "twoway" \(also cdc-sync:twoWay\)$/,
        },
        {
            name: "a MySQL sink and PostgreSQL sinks on one Connect cluster",
            config: { ...TWO_PAIRS, databases: { pg: PG, mongo: MONGO, maria: MARIA }, pipelines: [pair("left", ["l1", "l2"]), TOPOLOGY_A] },
            error: /^cdc-sync:pipelines\[1\]: its mysql sink would share the Connect cluster default with the postgresql sink of cdc-sync:pipelines\[0\], where the Debezium JDBC sink mixes up their SQL dialects/,
        },
        {
            name: "a MariaDB server no pipeline uses",
            config: { ...TWO_PAIRS, databases: { pg: PG, maria: MARIA } },
            error: /^cdc-sync:databases\.maria: a mariadb server no pipeline uses/,
        },
    ];
    for (const c of cases) {
        it(`rejects ${c.name}`, () => {
            const problems = errorsOf(c.config, c.secretKeys);
            assert.ok(problems.some((p) => c.error.test(p)), `no problem matched ${c.error}; got:\n  ${problems.join("\n  ") || "(accepted)"}`);
        });
    }

    it("reports a broken server once, not again at each pipeline using it", () => {
        const problems = errorsOf({ ...TWO_PAIRS, databases: { pg: { ...PG, server: "server9" } } });
        assert.deepStrictEqual(problems, ['cdc-sync:databases.pg.server: expected one of the declared servers (server1, server2), got "server9"']);
    });
});

describe("resource graph: two two-way pairs on one PostgreSQL server, and a replicate pipeline (mocks)", () => {
    let rs: Recorded[] = [];
    /** The two pairs, and a copy of one of left's databases onto a second server. */
    const STACK = {
        ...TWO_PAIRS,
        databases: { pg: PG, pg2: { engine: "postgres", server: "server1" } },
        pipelines: [...TWO_PAIRS.pipelines, { name: "copy", kind: "replicate", source: { server: "pg", database: "l1", tables: ["items"] }, target: { server: "pg2", database: "l1_copy" } }],
    };
    before(async () => {
        rs = await recordStack(STACK);
    });
    const byType = (suffix: string) => rs.filter((r) => r.type.endsWith(suffix));

    it("runs each server once, named after its cdc-sync:databases entry, each with its metrics exporter beside it", () => {
        const containers = byType("docker:Container").map((r) => r.inputs.name).filter((n: string) => !/zookeeper|broker|connect/.test(n));
        assert.deepStrictEqual(containers.sort(), ["cdc-sync-local-pg", "cdc-sync-local-pg-exporter", "cdc-sync-local-pg2", "cdc-sync-local-pg2-exporter"]);
    });

    it("reads a pair's database for the copy through a slot and publication of its own, beside the pair's", () => {
        const cdc = byType("databases:PostgresCdcSource").map((r) => [r.inputs.connection.database, r.inputs.spec.slot, r.inputs.spec.publication]);
        assert.deepStrictEqual(cdc, [["l1", "cdc_copy", "cdc_copy"]]);
    });

    it("names every connector and topic after its pipeline, so the two pairs never meet", () => {
        const connectors = byType("connect:Connector").map((r) => r.name).filter((n: string) => !n.startsWith("copy-")).sort();
        assert.deepStrictEqual(connectors, [
            "left-l1-source",
            "left-l1-to-l2-sink",
            "left-l2-source",
            "left-l2-to-l1-sink",
            "right-r1-source",
            "right-r1-to-r2-sink",
            "right-r2-source",
            "right-r2-to-r1-sink",
        ]);
        const topics: string[] = byType("kafka:Topic").map((r) => r.inputs.name);
        assert.ok(topics.includes("left.l1.public.items") && topics.includes("right.r2.public.items"), topics.join(", "));
        assert.strictEqual(new Set(topics).size, topics.length, "a topic is declared twice");
    });

    it("sets up each database once, with slots and roles named after it", () => {
        const sync = byType("twoWayPostgres:TwoWayDatabase").concat(byType("sync:TwoWayDatabase"));
        assert.deepStrictEqual(sync.map((r) => r.inputs.spec.slotName).sort(), ["cdc_sync_l1", "cdc_sync_l2", "cdc_sync_r1", "cdc_sync_r2"]);
    });

    it("generates each password once: the server's administrator and every role's (each exporter's, the Connect REST API's and ZooKeeper's in a set of its own)", () => {
        const all = byType("secrets:GeneratedPasswords");
        assert.deepStrictEqual(all.filter((r) => r.name !== "passwords-generated").map((r) => [r.name, r.inputs.names]).sort(), [
            ["connect-rest-password-generated", ["connect-rest"]],
            ["pg-exporter-password-generated", ["monitor"]],
            ["pg2-exporter-password-generated", ["monitor"]],
            ["zookeeper-password-generated", ["zookeeper"]],
        ]);
        const set = all.filter((r) => r.name === "passwords-generated");
        assert.strictEqual(set.length, 1);
        assert.deepStrictEqual(set[0].inputs.names, [
            "copy-replication",
            "copy-sink",
            "l1-replication",
            "l1-sink",
            "l2-replication",
            "l2-sink",
            "pg-admin",
            "pg2-admin",
            "r1-replication",
            "r1-sink",
            "r2-replication",
            "r2-sink",
        ]);
    });
});

describe("connect.clusters: Connect clusters besides the default one", () => {
    const CLUSTERS = { ...VALID.connect, clusters: { mysql: { workers: ["server2"], port: 8084 } } };
    const MIXED = {
        ...VALID,
        connect: CLUSTERS,
        databases: { pg: PG, mongo: MONGO, maria: MARIA },
        pipelines: [pair("left", ["l1", "l2"]), { ...TOPOLOGY_A, connect: "mysql" }],
    };

    it("reads a second cluster with its defaults: group id after the default one's", () => {
        const cfg = loadStackConfig(raw(MIXED));
        assert.deepStrictEqual(cfg.connect.clusters, [{ name: "mysql", workers: ["server2"], port: 8084, groupId: "cdc-sync-connect-mysql", config: {}, plugins: [], exactlyOnce: true }]);
        assert.deepStrictEqual(cfg.pipelines.map((p) => [p.name, p.connect]), [["left", "default"], ["docs", "mysql"]]);
    });

    const cases: { name: string; config: Record<string, unknown>; error: RegExp }[] = [
        { name: "a cluster named default", config: { ...VALID, connect: { clusters: { default: { port: 8084 } } } }, error: /^cdc-sync:connect\.clusters\.default: expected another name: default is the cluster cdc-sync:connect itself declares/ },
        { name: "a cluster without a port of its own", config: { ...VALID, connect: { clusters: { mysql: {} } } }, error: /^cdc-sync:connect\.clusters\.mysql\.port: expected a REST port of its own/ },
        { name: "a cluster on the default one's port", config: { ...VALID, connect: { clusters: { mysql: { port: 8083 } } } }, error: /^cdc-sync:connect\.clusters\.mysql\.port \(worker on server1\): port 8083 on 127\.0\.0\.11:8083 is already taken by cdc-sync:connect\.port \(worker on server1\)$/ },
        { name: "two clusters with one group id", config: { ...VALID, connect: { clusters: { mysql: { port: 8084, groupId: "cdc-sync-connect" } } } }, error: /^cdc-sync:connect\.clusters\.mysql\.groupId: expected a group id no other Connect cluster has/ },
        { name: "a pipeline on a cluster that is not declared", config: { ...MIXED, pipelines: [pair("left", ["l1", "l2"], { connect: "mysql2" })] }, error: /^cdc-sync:pipelines\[0\]\.connect: expected one of "default", "mysql", got "mysql2"$/ },
        { name: "the two dialects on one cluster still", config: { ...MIXED, pipelines: [pair("left", ["l1", "l2"], { connect: "mysql" }), { ...TOPOLOGY_A, connect: "mysql" }] }, error: /^cdc-sync:pipelines\[1\]: its mysql sink would share the Connect cluster mysql with the postgresql sink of cdc-sync:pipelines\[0\]/ },
    ];
    for (const c of cases) {
        it(`rejects ${c.name}`, () => {
            const problems = errorsOf(c.config);
            assert.ok(problems.some((p) => c.error.test(p)), `no problem matched ${c.error}; got:\n  ${problems.join("\n  ") || "(accepted)"}`);
        });
    }

    describe("resource graph (mocks)", () => {
        let rs: Recorded[] = [];
        before(async () => {
            rs = await recordStack({ ...TWO_PAIRS, connect: CLUSTERS, pipelines: [pair("left", ["l1", "l2"], { connect: "mysql" }), pair("right", ["r1", "r2"])] });
        });

        it("runs each cluster's workers under names of their own, the default cluster's as before", () => {
            const workers = rs.filter((r) => r.type.endsWith("docker:Container") && r.inputs.args?.[0] === "connect").map((r) => r.inputs.name).sort();
            assert.deepStrictEqual(workers, ["cdc-sync-local-connect-mysql-server2", "cdc-sync-local-connect-server1", "cdc-sync-local-connect-server2"]);
            const internal: string[] = rs.filter((r) => r.type.endsWith("kafka:Topic") && /-(configs|offsets|status)$/.test(r.inputs.name)).map((r) => r.inputs.name).sort();
            assert.deepStrictEqual(internal, [
                "cdc-sync-connect-configs",
                "cdc-sync-connect-mysql-configs",
                "cdc-sync-connect-mysql-offsets",
                "cdc-sync-connect-mysql-status",
                "cdc-sync-connect-offsets",
                "cdc-sync-connect-status",
            ]);
        });

        it("puts each pipeline's connectors on the cluster it names", () => {
            const urls = (name: string) => rs.find((r) => r.type.endsWith("connect:Connector") && r.name === name)!.inputs.connectUrls;
            assert.deepStrictEqual(urls("left-l1-source"), ["http://127.0.0.12:8084"]);
            assert.deepStrictEqual(urls("right-r1-source"), ["http://127.0.0.11:8083", "http://127.0.0.12:8083"]);
        });
    });
});
