// Topology B from stack config: the `postgres` and `twoWay` keys (table-driven), and the resource graph the
// pipeline component builds for the local stack, with Pulumi mocks.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { inputsOf, record, Recorded, secret } from "./mocks";
import { monitorRoleSql } from "../../components/databases/postgres/exporter";
import { loadStackConfig } from "../../components/stack/load";
import { TwoWaySpec } from "../../components/pipelines/twoWayPostgres/config";
import { errorsOf, raw, stackFile, VALID } from "../stackFiles";


const TABLES = [{ name: "public.customers", primaryKey: ["id"], columns: { id: "bigint", name: "text" } }];
const B = { postgres: { server: "server2" }, twoWay: { databases: ["db1", "db2"], tables: TABLES } };

describe("topology B config: cdc-sync:postgres and cdc-sync:twoWay", () => {
    it("reads the local stack's topology B", () => {
        const cfg = loadStackConfig(stackFile("local"));
        assert.deepStrictEqual(cfg.databases, [
            { name: "twoway-postgres", key: "databases.twoway-postgres", adminPassword: "postgres-admin", engine: "postgres", kind: "run", server: "server2", port: 5432, memoryMiB: 512 },
        ]);
        assert.deepStrictEqual(cfg.pipelines.map((p) => [p.name, p.kind, p.key]), [["twoway", "twoWayPostgres", "pipelines[0]"]]);
        const tw = cfg.pipelines[0].spec as TwoWaySpec;
        assert.deepStrictEqual([tw.postgres, tw.databases, tw.tables[0].primaryKey], ["twoway-postgres", ["db1", "db2"], ["id"]]);
        assert.deepStrictEqual(cfg.warnings, []);
    });

    it("reads the deprecated keys as pipeline twoway on server twoway-postgres, and says what replaces them", () => {
        const cfg = loadStackConfig(raw({ ...VALID, postgres: { server: "server2" }, twoWay: { tables: [{ name: "t", primaryKey: ["id"] }] } }));
        assert.deepStrictEqual(cfg.databases, [
            { name: "twoway-postgres", key: "postgres", adminPassword: "postgres-admin", engine: "postgres", kind: "run", server: "server2", port: 5432, memoryMiB: 512 },
        ]);
        assert.deepStrictEqual(cfg.pipelines, [
            {
                name: "twoway",
                kind: "twoWayPostgres",
                key: "twoWay",
                connect: "default",
                spec: { postgres: "twoway-postgres", databases: ["db1", "db2"], tables: [{ schema: "public", name: "t", primaryKey: ["id"], columns: undefined }] },
            },
        ]);
        assert.strictEqual(cfg.warnings.length, 1);
        assert.match(cfg.warnings[0], /^cdc-sync:postgres and cdc-sync:twoWay are deprecated; .* cdc-sync:databases: \{"twoway-postgres":\{"engine":"postgres","adminPassword":"postgres-admin","server":"server2"\}\} and cdc-sync:pipelines: \[\{"name":"twoway","kind":"twoWayPostgres",/);
    });

    const cases: { name: string; config: Record<string, unknown>; secretKeys?: string[]; error: RegExp }[] = [
        { name: "twoWay without a server", config: { ...VALID, twoWay: B.twoWay }, error: /^cdc-sync:postgres: expected the PostgreSQL server holding twoWay\.databases/ },
        { name: "a server without twoWay", config: { ...VALID, postgres: B.postgres }, error: /^cdc-sync:twoWay: expected the databases and tables to sync/ },
        { name: "both server and host", config: { ...VALID, ...B, postgres: { server: "server2", host: "10.0.0.5" } }, error: /^cdc-sync:postgres: expected exactly one of server .* and host/ },
        { name: "unknown server", config: { ...VALID, ...B, postgres: { server: "server9" } }, error: /^cdc-sync:postgres\.server: expected one of the declared servers/ },
        {
            name: "port taken by a broker",
            config: { ...VALID, ...B, postgres: { server: "server2", port: 9092 } },
            error: /^cdc-sync:postgres\.port: port 9092 on 127\.0\.0\.12:9092 is already taken by cdc-sync:brokers\[1\]\.port/,
        },
        {
            name: "a broker on the server's metrics port",
            config: { ...VALID, ...B, brokers: [{ id: 1, server: "server1" }, { id: 2, server: "server2", port: 15432 }] },
            error: /^cdc-sync:postgres\.port \(metrics at 15432\): port 15432 on 127\.0\.0\.12:15432 is already taken by cdc-sync:brokers\[1\]\.port$/,
        },
        {
            name: "a port whose metrics port would pass 65535",
            config: { ...VALID, ...B, postgres: { server: "server2", port: 60000 } },
            error: /^cdc-sync:postgres\.port: expected a port up to 55535: its metrics would listen 10000 above it, past 65535$/,
        },
        {
            name: "adopted server without its admin password",
            config: { ...VALID, ...B, postgres: { host: "10.0.0.5" } },
            error: /^cdc-sync:passwords\.postgres-admin: expected the administrator's password of the adopted server cdc-sync:postgres/,
        },
        { name: "one database", config: { ...VALID, ...B, twoWay: { databases: ["db1"], tables: TABLES } }, error: /^cdc-sync:twoWay\.databases: expected two different/ },
        { name: "the same database twice", config: { ...VALID, ...B, twoWay: { databases: ["db1", "db1"], tables: TABLES } }, error: /^cdc-sync:twoWay\.databases: expected two different/ },
        { name: "no tables", config: { ...VALID, ...B, twoWay: { tables: [] } }, error: /^cdc-sync:twoWay\.tables: expected a non-empty list/ },
        {
            name: "a table without a primary key",
            config: { ...VALID, ...B, twoWay: { tables: [{ name: "t" }] } },
            error: /^cdc-sync:twoWay\.tables\[0\]\.primaryKey: expected a non-empty list of column names \(two-way sync needs a primary key\)/,
        },
        {
            name: "a table name needing quotes",
            config: { ...VALID, ...B, twoWay: { tables: [{ name: "Public.T", primaryKey: ["id"] }] } },
            error: /^cdc-sync:twoWay\.tables\[0\]\.name: expected schema\.table/,
        },
        {
            name: "a column type that is SQL",
            config: { ...VALID, ...B, twoWay: { tables: [{ name: "t", primaryKey: ["id"], columns: { id: "bigint); DROP TABLE x; --" } }] } },
            error: /^cdc-sync:twoWay\.tables\[0\]\.columns\.id: expected a PostgreSQL column type/,
        },
        {
            name: "a key column not among the columns",
            config: { ...VALID, ...B, twoWay: { tables: [{ name: "t", primaryKey: ["id"], columns: { name: "text" } }] } },
            error: /^cdc-sync:twoWay\.tables\[0\]\.primaryKey: expected columns that are declared/,
        },
        {
            name: "a table of cdc-sync's own schema",
            config: { ...VALID, ...B, twoWay: { tables: [{ name: "cdc_sync.x", primaryKey: ["id"] }] } },
            error: /^cdc-sync:twoWay\.tables\[0\]\.name: expected a table outside the cdc_sync schema/,
        },
        {
            name: "a table listed twice",
            config: { ...VALID, ...B, twoWay: { tables: [{ name: "t", primaryKey: ["id"] }, { name: "public.t", primaryKey: ["id"] }] } },
            error: /^cdc-sync:twoWay\.tables\[1\]\.name: expected a table listed once/,
        },
        {
            name: "a connector secret named like a two-way role's password",
            config: { ...VALID, ...B, connectorSecrets: { "db2-sink": "x" } },
            secretKeys: ["connectorSecrets"],
            error: /^cdc-sync:connectorSecrets\.db2-sink: expected another name: db2-sink is the password the stack keeps for cdc-sync:twoWay's connectors/,
        },
        {
            name: "topology A beside it (one Connect cluster would run MySQL and PostgreSQL JDBC sinks)",
            config: { ...VALID, ...B, postgres: { server: "server1" }, mongodb: { server: "server1", image: "mongo:8.0", database: "shop", collections: ["c"] }, mysql: { server: "server2", database: "shop" } },
            error: /^cdc-sync:mongodb\/mysql: its mysql sink would share the Connect cluster default with the postgresql sink of cdc-sync:twoWay, .*mixes up their SQL dialects/,
        },
        {
            name: "a pinned password in plain text",
            config: { ...VALID, ...B, passwords: { "db1-sink": "hunter2" } },
            error: /^cdc-sync:passwords: expected a secret/,
        },
    ];
    for (const c of cases) {
        it(`rejects ${c.name}`, () => {
            const errors = errorsOf(c.config, c.secretKeys);
            assert.ok(errors.some((e) => c.error.test(e)), `no error matched ${c.error}; got:\n${errors.join("\n")}`);
            assert.ok(!errors.join("\n").includes("hunter2"), "an error echoed a password");
        });
    }

    it("accepts an adopted server whose admin password is pinned as a secret", () => {
        const cfg = loadStackConfig(raw({ ...VALID, ...B, postgres: { host: "10.0.0.5", adminUser: "admin" }, passwords: { "postgres-admin": "x" } }, ["passwords"]));
        assert.deepStrictEqual(cfg.databases[0], { name: "twoway-postgres", key: "postgres", adminPassword: "postgres-admin", engine: "postgres", kind: "adopt", host: "10.0.0.5", port: 5432, adminUser: "admin" });
    });
});

describe("topology B resource graph (local stack, mocks)", () => {
    const PINNED: Record<string, string> = {
        "postgres-admin": "pw-admin-1f3e",
        "db1-replication": "pw-db1-repl-9a",
        "db1-sink": "pw-db1-sink-77",
        "db2-replication": "pw-db2-repl-c4",
        "db2-sink": "pw-db2-sink-5b",
    };
    let rs: Recorded[] = [];
    /** The custom resource named `n` (components share names with their main resource). */
    const named = (n: string) => {
        const r = rs.find((x) => x.name === n && x.type.startsWith("pulumi-nodejs:dynamic/"));
        assert.ok(r, `no resource ${n}; have ${rs.map((x) => x.name).join(", ")}`);
        return inputsOf(r!);
    };

    before(async () => {
        const { buildStack } = await import("../../components/stack/program");
        const config = loadStackConfig(stackFile("local"));
        rs = await record(async () => {
            const out = buildStack({ stack: "local", config, connectorSecrets: pulumi.secret({}), pinnedPasswords: pulumi.secret(PINNED) });
            return out.components.twoway.urn;
        });
    });

    it("runs PostgreSQL on server 2, bound to its address only", () => {
        const c = named("twoway-postgres");
        assert.strictEqual(c.name, "cdc-sync-local-twoway-postgres");
        assert.ok(c.args.includes("listen_addresses=127.0.0.12"), c.args.join(" "));
        assert.ok(c.args.includes("wal_level=logical"));
    });

    it("runs a metrics exporter beside it on its address, 10000 above its port, logging in as the monitor role with its password only in a secret file", () => {
        const e = named("twoway-postgres-exporter");
        assert.strictEqual(e.name, "cdc-sync-local-twoway-postgres-exporter");
        assert.deepStrictEqual(e.args, ["--web.listen-address=127.0.0.12:15432", "--config.file=/dev/null"]);
        assert.deepStrictEqual(e.env, { DATA_SOURCE_URI: "127.0.0.12:5432/postgres?sslmode=disable", DATA_SOURCE_USER: "cdc_sync_monitor", DATA_SOURCE_PASS_FILE: "/etc/cdc-sync/secrets/monitor-password" });
        assert.deepStrictEqual(e.files, secret({ "/etc/cdc-sync/secrets/monitor-password": "generated-monitor" }));
        assert.deepStrictEqual(e.ready, { address: "127.0.0.12", port: 15432, timeoutSeconds: 60 });
        const role = named("twoway-postgres-exporter-role");
        assert.deepStrictEqual([role.containerId, role.port, role.password], ["id-twoway-postgres", 5432, secret("generated-monitor")]);
    });

    it("gives the monitor role a login and pg_monitor, nothing more, as a SCRAM verifier", () => {
        const sql = monitorRoleSql("SCRAM-SHA-256$4096:c2FsdA==$x:y");
        assert.match(sql, /ALTER ROLE cdc_sync_monitor WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 3 PASSWORD 'SCRAM-SHA-256\$4096:c2FsdA==\$x:y';/);
        assert.deepStrictEqual(sql.match(/GRANT .*;/g), ["GRANT pg_monitor TO cdc_sync_monitor;"]);
    });

    it("reads each database with origin=none and snapshots only db1 -> db2", () => {
        const s1 = named("twoway-db1-source");
        const s2 = named("twoway-db2-source");
        assert.deepStrictEqual(
            [s1, s2].map((s) => [s["database.dbname"], s["database.hostname"], s["slot.name"], s["slot.stream.params"], s["snapshot.mode"], s["topic.prefix"]]),
            [
                ["db1", "127.0.0.12", "cdc_sync_db1", "origin=none", "initial", "twoway.db1"],
                ["db2", "127.0.0.12", "cdc_sync_db2", "origin=none", "no_data", "twoway.db2"],
            ],
        );
    });

    it("has each source's heartbeat bump its own side's canary row, so a side that only receives confirms its slot", () => {
        assert.deepStrictEqual(
            ["twoway-db1-source", "twoway-db2-source"].map((n) => named(n)["heartbeat.action.query"]),
            ["db1", "db2"].map(
                (side) =>
                    `INSERT INTO "cdc_sync"."cdc_canary" AS c (side, seq, written_at) VALUES ('${side}', 1, clock_timestamp()) ON CONFLICT (side) DO UPDATE SET seq = c.seq + 1, written_at = excluded.written_at`,
            ),
        );
    });

    it("writes each direction into the other database as that database's sink role, upserting, never deleting", () => {
        const k1 = named("twoway-db1-to-db2-sink");
        assert.strictEqual(k1["connection.url"], "jdbc:postgresql://127.0.0.12:5432/db2");
        assert.strictEqual(k1["connection.username"], "cdc_sink_db2");
        assert.strictEqual(k1.topics, "twoway.db1.public.customers,twoway.db1.cdc_sync.cdc_tombstones,twoway.db1.cdc_sync.cdc_canary");
        assert.deepStrictEqual([k1["insert.mode"], k1["delete.enabled"], k1["primary.key.mode"]], ["upsert", "false", "record_key"]);
        assert.strictEqual(named("twoway-db2-to-db1-sink")["connection.url"], "jdbc:postgresql://127.0.0.12:5432/db1");
    });

    it("creates every topic, heartbeats included, with one partition", () => {
        const topics = rs.filter((r) => r.type.endsWith("kafka:Topic") && r.name.startsWith("twoway-")).map((r) => [r.inputs.name, r.inputs.partitions]);
        assert.strictEqual(topics.length, 8);
        assert.ok(topics.every(([, p]) => p === 1));
        assert.ok(topics.some(([n]) => n === "__debezium-heartbeat.twoway.db2"));
    });

    it("gives connectors passwords only as file config provider references, and keeps every password secret", () => {
        const connectors = rs.filter((r) => r.type.endsWith("connect:Connector"));
        assert.strictEqual(connectors.length, 4);
        for (const c of connectors) {
            const pw = c.inputs["database.password"] ?? c.inputs["connection.password"];
            assert.match(pw, /^\$\{file:\/etc\/cdc-sync\/secrets\/connectors\.properties:db[12]-(replication|sink)\}$/);
        }
        // Outside secret envelopes, no registered input holds any of the passwords.
        const unwrap = (v: unknown): unknown =>
            v && typeof v === "object"
                ? (v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
                    ? "[secret]"
                    : Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, unwrap(x)]))
                : v;
        const visible = JSON.stringify(rs.map((r) => unwrap(inputsOf(r))));
        for (const [name, value] of Object.entries(PINNED)) assert.ok(!visible.includes(value), `password ${name} is visible in plain text`);
    });
});
