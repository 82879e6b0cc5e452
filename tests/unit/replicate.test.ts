// The `replicate` kind: its entries table-driven (each bad one naming its key path), the SQL of its source
// and sink accounts, and the resource graph of PostgreSQL -> MariaDB and PostgreSQL -> PostgreSQL (mocks).
import * as assert from "assert";
import { inputsOf, Recorded, recordStack } from "./mocks";
import { cdcPublicationSql, cdcRoleSql, cdcTeardownSql } from "../../components/databases/postgres/cdcSource";
import { dropSinkRoleSql, sinkRoleSql } from "../../components/databases/postgres/sinkRole";
import { ReplicateSpec } from "../../components/pipelines/replicate/config";
import { loadStackConfig, passwordNeeds } from "../../components/stack/load";
import { errorsOf, raw, VALID } from "../stackFiles";

const DATABASES = {
    pg: { engine: "postgres", server: "server2" },
    pg2: { engine: "postgres", server: "server1", port: 5433 },
    maria: { engine: "mariadb", server: "server1", port: 3307 },
};
const entry = (name: string, target: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
    name,
    kind: "replicate",
    source: { server: "pg", database: "shop", tables: ["public.orders", "items"] },
    target,
    ...more,
});
const TO_MARIA = entry("to-maria", { server: "maria", database: "shop_copy" }, { connect: "mysql" });
const TO_PG = entry("to-pg", { server: "pg2", database: "shop_copy" });
/** MariaDB into PostgreSQL: its source needs a Connect cluster carrying the MariaDB plugin. */
const FROM_MARIA = { name: "from-maria", kind: "replicate", connect: "mariadb", source: { server: "maria", database: "shop", tables: ["orders", "shop.items"] }, target: { server: "pg2", database: "from_maria" } };
const STACK = { ...VALID, connect: { ...VALID.connect, clusters: { mysql: { workers: ["server1"], port: 8084 } } }, databases: DATABASES, pipelines: [TO_MARIA, TO_PG] };

const STACK_M = {
    ...STACK,
    connect: { ...VALID.connect, clusters: { mariadb: { workers: ["server2"], port: 8085, plugins: ["mariadb"] } } },
    pipelines: [FROM_MARIA],
};

describe("replicate: config", () => {
    it("reads a MySQL source like a MariaDB one, with Debezium's MySQL connector (in the platform image: no plugin)", () => {
        const cfg = loadStackConfig(
            raw({
                ...STACK,
                databases: { pg2: DATABASES.pg2, my: { engine: "mysql", server: "server2", port: 3310, image: "mysql:8.4" } },
                pipelines: [{ ...FROM_MARIA, connect: undefined, source: { ...FROM_MARIA.source, server: "my" } }],
            }),
        );
        assert.strictEqual((cfg.pipelines[0].spec as ReplicateSpec).source.binlogServer?.engine, "mysql");
    });

    it("reads a MariaDB source: tables within its database, the server run by the pipeline", () => {
        const spec = loadStackConfig(raw(STACK_M)).pipelines[0].spec as ReplicateSpec;
        assert.deepStrictEqual(spec.source.tables, [{ schema: "shop", name: "orders" }, { schema: "shop", name: "items" }]);
        assert.strictEqual(spec.source.binlogServer?.name, "maria");
    });

    it("reads both entries: tables qualified, each target's engine", () => {
        const cfg = loadStackConfig(raw(STACK));
        const specs = cfg.pipelines.map((p) => p.spec as ReplicateSpec);
        assert.deepStrictEqual(specs[0].source, { server: "pg", engine: "postgres", database: "shop", tables: [{ schema: "public", name: "orders" }, { schema: "public", name: "items" }] });
        assert.deepStrictEqual([specs[0].target.engine, specs[0].target.mysql?.name, specs[1].target.engine, specs[1].target.mysql], ["mariadb", "maria", "postgres", undefined]);
        assert.deepStrictEqual(passwordNeeds(cfg).forConnect, ["to-maria-replication", "to-maria-sink", "to-pg-replication", "to-pg-sink"]);
    });

    const cases: { name: string; config: Record<string, unknown>; error: RegExp }[] = [
        { name: "no target", config: { ...STACK, pipelines: [{ ...TO_PG, target: undefined }] }, error: /^cdc-sync:pipelines\[0\]\.target: expected an object, got nothing$/ },
        {
            name: "a MongoDB source (the mongoToMySql kind's)",
            config: { ...STACK, databases: { ...DATABASES, mongo: { engine: "mongodb", server: "server2", image: "mongo:8.0" } }, pipelines: [{ ...TO_PG, source: { ...TO_PG.source, server: "mongo" } }] },
            error: /^cdc-sync:pipelines\[0\]\.source\.server: expected the name of a postgres or mariadb or mysql server in cdc-sync:databases to read from \(pg \(postgres\), pg2 \(postgres\), maria \(mariadb\)\); a MongoDB source is the mongoToMySql kind/,
        },
        {
            name: "a MariaDB source on a Connect cluster without the MariaDB plugin",
            config: { ...STACK, pipelines: [FROM_MARIA] },
            error: /^cdc-sync:pipelines\[0\]: its connectors need the mariadb plugin, which the Connect cluster default does not carry: add it to cdc-sync:connect\.plugins/,
        },
        {
            name: "a MariaDB table of another database",
            config: { ...STACK_M, pipelines: [{ ...FROM_MARIA, source: { ...FROM_MARIA.source, tables: ["other.orders"] } }] },
            error: /^cdc-sync:pipelines\[0\]\.source\.tables\[0\]: expected a table of source\.database shop \(mariadb names tables by database\), got "other\.orders"$/,
        },
        { name: "an unknown Connect plugin", config: { ...STACK, connect: { ...VALID.connect, plugins: ["oracle"] } }, error: /^cdc-sync:connect\.plugins: expected a list of plugins to add, each once \(available: mariadb\)/ },
        { name: "an undeclared target server", config: { ...STACK, pipelines: [{ ...TO_PG, target: { server: "nope", database: "x" } }] }, error: /^cdc-sync:pipelines\[0\]\.target\.server: expected the name of a postgres or mariadb or mysql server/ },
        { name: "no tables", config: { ...STACK, pipelines: [{ ...TO_PG, source: { ...TO_PG.source, tables: [] } }] }, error: /^cdc-sync:pipelines\[0\]\.source\.tables: expected a non-empty list of tables/ },
        { name: "a table name needing quotes", config: { ...STACK, pipelines: [{ ...TO_PG, source: { ...TO_PG.source, tables: ["Public.Orders"] } }] }, error: /^cdc-sync:pipelines\[0\]\.source\.tables\[0\]: expected schema\.table/ },
        {
            name: "two tables of one name into MariaDB",
            config: { ...STACK, pipelines: [{ ...TO_MARIA, source: { ...TO_MARIA.source, tables: ["public.orders", "archive.orders"] } }] },
            error: /^cdc-sync:pipelines\[0\]\.source\.tables\[1\]: expected a table name not listed in another schema \(a mariadb target holds tables by name alone\)/,
        },
        { name: "a database copied onto itself", config: { ...STACK, pipelines: [entry("self", { server: "pg", database: "shop" })] }, error: /^cdc-sync:pipelines\[0\]\.target\.database: expected a database other than the source/ },
        { name: "a user for a PostgreSQL target", config: { ...STACK, pipelines: [{ ...TO_PG, target: { ...TO_PG.target, user: "bob" } }] }, error: /^cdc-sync:pipelines\[0\]\.target\.user: expected nothing for a PostgreSQL target/ },
        {
            name: "two pipelines writing one database",
            config: { ...STACK, pipelines: [TO_PG, entry("to-pg-again", { server: "pg2", database: "shop_copy" })] },
            error: /^cdc-sync:pipelines\[1\]: its database pg2\/shop_copy is also cdc-sync:pipelines\[0\]'s/,
        },
        {
            name: "a MariaDB server another pipeline runs",
            config: { ...STACK, pipelines: [TO_MARIA, entry("to-maria-2", { server: "maria", database: "other" }, { connect: "mysql" })] },
            error: /^cdc-sync:pipelines\[1\]: uses the database server maria, which cdc-sync:pipelines\[0\] runs itself \(a replicate pipeline\)/,
        },
        {
            name: "a pipeline whose slot is a two-way pair's",
            config: { ...STACK, pipelines: [{ name: "tw", kind: "twoWayPostgres", postgres: "pg", databases: ["shop", "x"], tables: [{ name: "t", primaryKey: ["id"] }] }, entry("sync-shop", { server: "pg2", database: "c" })] },
            error: /^cdc-sync:pipelines\[1\]: its slot pg\/cdc_sync_shop is also cdc-sync:pipelines\[0\]'s/,
        },
        { name: "the MariaDB sink beside PostgreSQL sinks", config: { ...STACK, pipelines: [{ ...TO_MARIA, connect: undefined }, TO_PG] }, error: /^cdc-sync:pipelines\[1\]: its postgresql sink would share the Connect cluster default with the mysql sink of cdc-sync:pipelines\[0\]/ },
    ];
    for (const c of cases) {
        it(`rejects ${c.name}`, () => {
            const problems = errorsOf(c.config);
            assert.ok(problems.some((p) => c.error.test(p)), `no problem matched ${c.error}; got:\n  ${problems.join("\n  ") || "(accepted)"}`);
        });
    }
});

describe("replicate: the database side's SQL", () => {
    const spec = { role: "cdc_x_repl", publication: "cdc_x", slot: "cdc_x", tables: [{ schema: "public", name: "orders" }, { schema: "sales", name: "items" }] };
    it("the replication role may log in, replicate and read exactly the captured tables", () => {
        assert.deepStrictEqual(cdcRoleSql(spec, "shop", "SCRAM-SHA-256$v", false), [
            `CREATE ROLE "cdc_x_repl" WITH LOGIN REPLICATION PASSWORD 'SCRAM-SHA-256$v'`,
            `COMMENT ON ROLE "cdc_x_repl" IS 'managed by cdc-sync (CDC source, slot cdc_x)'`,
            `GRANT CONNECT ON DATABASE "shop" TO "cdc_x_repl"`,
            `GRANT USAGE ON SCHEMA "public" TO "cdc_x_repl"`,
            `GRANT USAGE ON SCHEMA "sales" TO "cdc_x_repl"`,
            `GRANT SELECT ON "public"."orders" TO "cdc_x_repl"`,
            `GRANT SELECT ON "sales"."items" TO "cdc_x_repl"`,
        ]);
    });
    it("the publication holds exactly the tables, and is set again when they change", () => {
        assert.strictEqual(cdcPublicationSql(spec, false)[0], `CREATE PUBLICATION "cdc_x" FOR TABLE "public"."orders", "sales"."items"`);
        assert.strictEqual(cdcPublicationSql(spec, true)[0], `ALTER PUBLICATION "cdc_x" SET TABLE "public"."orders", "sales"."items"`);
    });
    it("teardown ends the slot's reader, then drops slot, publication and role; never a table", () => {
        const sql = cdcTeardownSql(spec);
        assert.deepStrictEqual(sql.map((s) => s.split(" ")[0]), ["SELECT", "SELECT", "DROP", "DROP", "DROP"]);
        assert.ok(!sql.some((s) => /TABLE|TRUNCATE|DELETE/i.test(s)), sql.join("\n"));
    });
    it("the sink's role is a member of the database's owner, and hands its tables to the owner when dropped", () => {
        assert.deepStrictEqual(sinkRoleSql("cdc_x_sink", "copy", "v", false).slice(2), [`GRANT "copy_owner" TO "cdc_x_sink"`, `GRANT CONNECT ON DATABASE "copy" TO "cdc_x_sink"`]);
        assert.deepStrictEqual(dropSinkRoleSql("cdc_x_sink", "copy"), [`REASSIGN OWNED BY "cdc_x_sink" TO "copy_owner"`, `DROP OWNED BY "cdc_x_sink"`, `DROP ROLE IF EXISTS "cdc_x_sink"`]);
    });
});

describe("replicate: MariaDB source, resource graph (mocks)", () => {
    let rs: Recorded[] = [];
    before(async () => {
        rs = await recordStack(STACK_M);
    });

    it("runs MariaDB with its binlog on, in rows with full images", () => {
        const c = rs.find((r) => r.type.endsWith("docker:Container") && r.inputs.name === "cdc-sync-local-maria")!;
        for (const a of ["--log-bin=mysql-bin", "--server-id=1", "--binlog-format=ROW", "--binlog-row-image=FULL", "--binlog-legacy-event-pos=ON"]) assert.ok(c.inputs.args.includes(a), `${a}: ${c.inputs.args.join(" ")}`);
    });

    it("gives the source's account exactly its server-wide privileges, as MariaDB lists them", () => {
        const g = rs.find((r) => r.type.endsWith("mysql:Grant") && r.name.endsWith("-source-grant"))!;
        assert.deepStrictEqual([g.inputs.user, g.inputs.database, g.inputs.privileges], ["cdc_source", "*", ["BINLOG MONITOR", "RELOAD", "REPLICATION SLAVE", "SELECT", "SHOW DATABASES"]]);
    });

    it("configures Debezium's MariaDB source on the cluster with the plugin, its DDL history in a topic the stack keeps", () => {
        const s = inputsOf(rs.find((r) => r.type.endsWith("connect:Connector") && r.name === "from-maria-source")!);
        assert.deepStrictEqual(
            [s["connector.class"], s["database.include.list"], s["table.include.list"], s["schema.history.internal.kafka.topic"], s["database.password"]],
            ["io.debezium.connector.mariadb.MariaDbConnector", "shop", "shop\\.orders,shop\\.items", "__debezium-schema-history.from-maria", "${file:/etc/cdc-sync/secrets/connectors.properties:from-maria-replication}"],
        );
        assert.deepStrictEqual(s.connectUrls, ["http://127.0.0.12:8085"]);
        const history = rs.find((r) => r.type.endsWith("kafka:Topic") && r.inputs.name === "__debezium-schema-history.from-maria")!;
        assert.strictEqual(history.inputs.configs["retention.ms"], "-1");
    });

    it("runs that cluster's worker on the platform image with the plugin added, built from the platform image", () => {
        const images = rs.filter((r) => r.type.endsWith("docker:Image"));
        const plugin = images.find((r) => r.inputs.tag.startsWith("cdc-sync/connect-mariadb:"))!;
        assert.strictEqual(plugin.inputs.buildArgs.BASE_IMAGE, "sha256:kafka-images-kafka-1");
        const worker = rs.find((r) => r.type.endsWith("docker:Container") && r.inputs.name === "cdc-sync-local-connect-mariadb-server2")!;
        assert.strictEqual(worker.inputs.image, `sha256:${plugin.name}`);
        const others = rs.filter((r) => r.type.endsWith("docker:Container") && /connect-server[12]$/.test(r.inputs.name));
        assert.ok(others.every((w) => w.inputs.image === "sha256:kafka-images-kafka-1"), "the default cluster's workers changed image");
        const gate = rs.find((r) => r.type.endsWith("connect:ClusterReady") && r.inputs.urls[0].endsWith(":8085"))!;
        assert.ok(gate.inputs.requiredPlugins.includes("io.debezium.connector.mariadb.MariaDbConnector"));
    });

    it("writes PostgreSQL tables by the source table's name", () => {
        const k = inputsOf(rs.find((r) => r.type.endsWith("connect:JdbcSink") && r.name === "from-maria-sink")!);
        assert.deepStrictEqual([k["connection.url"], k["collection.name.format"]], ["jdbc:postgresql://127.0.0.11:5433/from_maria", "${source.table}"]);
    });
});

describe("replicate: resource graph (mocks)", () => {
    let rs: Recorded[] = [];
    before(async () => {
        rs = await recordStack(STACK);
    });
    const connector = (name: string) => inputsOf(rs.find((r) => r.type.endsWith("connect:PostgresSource") || r.type.endsWith("connect:JdbcSink") ? r.name === name : false)!);

    it("reads the source through the slot and publication the stack made, snapshot first", () => {
        const s = connector("to-maria-source");
        assert.deepStrictEqual(
            [s["database.user"], s["slot.name"], s["publication.name"], s["publication.autocreate.mode"], s["snapshot.mode"], s["table.include.list"], s["topic.prefix"]],
            ["cdc_to_maria_repl", "cdc_to_maria", "cdc_to_maria", "disabled", "initial", "public\\.orders,public\\.items", "to-maria"],
        );
        assert.deepStrictEqual(s.connectUrls, ["http://127.0.0.11:8084"]);
    });

    it("writes MariaDB through its JDBC URL by table name, and PostgreSQL by schema and name, upserting and deleting", () => {
        const m = connector("to-maria-sink");
        assert.deepStrictEqual([m["connection.url"], m["connection.username"], m["collection.name.format"]], ["jdbc:mariadb://127.0.0.11:3307/shop_copy", "cdc_sink", "${source.table}"]);
        const p = connector("to-pg-sink");
        assert.deepStrictEqual([p["connection.url"], p["connection.username"], p["collection.name.format"]], ["jdbc:postgresql://127.0.0.11:5433/shop_copy", "cdc_to_pg_sink", "${source.schema}.${source.table}"]);
        for (const k of [m, p]) assert.deepStrictEqual([k["insert.mode"], k["primary.key.mode"], k["delete.enabled"], k["schema.evolution"]], ["upsert", "record_key", true, "basic"]);
    });

    it("runs the MariaDB target inside the pipeline, named after its cdc-sync:databases entry", () => {
        const names = rs.filter((r) => r.type.endsWith("docker:Container")).map((r) => r.inputs.name);
        assert.ok(names.includes("cdc-sync-local-maria"), names.join(", "));
    });

    it("creates each table's change topic and the heartbeat topic", () => {
        const topics: string[] = rs.filter((r) => r.type.endsWith("kafka:Topic") && r.name.startsWith("to-pg-")).map((r) => r.inputs.name).sort();
        assert.deepStrictEqual(topics, ["__debezium-heartbeat.to-pg", "to-pg.public.items", "to-pg.public.orders"]);
    });
});
