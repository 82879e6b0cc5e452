// Table-driven tests of the pure side of two-way sync: quoting, the generated SQL for single and
// composite keys, the refusal, the provider's diff, and the connector settings per direction.
import * as assert from "assert";
import { pairProblems, topicFor, twoWaySinkConfig, twoWaySourceConfig } from "../../components/pipelines/twoWayPostgres/connectorConfig";
import { twoWayDatabaseProvider } from "../../components/pipelines/twoWayPostgres/database";
import { tableTriggersSql } from "../../components/pipelines/twoWayPostgres/lww";
import { ServerFacts, existingKey, refusals } from "../../components/pipelines/twoWayPostgres/refusal";
import { rolesSql } from "../../components/pipelines/twoWayPostgres/roles";
import { scramVerifier } from "../../components/databases/postgres/scram";
import { publicationSql, setupPlan, teardownPlan } from "../../components/pipelines/twoWayPostgres/setup";
import { ReplicatedTable, TwoWayDatabaseSpec, defaultSpec, managedComment, originPoolSizeFor, specProblems } from "../../components/pipelines/twoWayPostgres/spec";
import { body, ident, literal } from "../../components/databases/postgres/sqlText";

const accounts: ReplicatedTable = { schema: "public", name: "accounts", primaryKey: ["id"] };
const lines: ReplicatedTable = { schema: "public", name: "order_lines", primaryKey: ["order_id", "line"] };
const odd: ReplicatedTable = { schema: 'Sales "EU"', name: "Odd'Name", primaryKey: ["Key Col"] };
const spec = defaultSpec("db1", [accounts, lines]);

describe("two-way sync: SQL text", () => {
    const idents: [string, string][] = [
        ["accounts", '"accounts"'],
        ["Mixed Case", '"Mixed Case"'],
        ['say "hi"', '"say ""hi"""'],
        ["a.b", '"a.b"'],
        ["x'; DROP TABLE y; --", `"x'; DROP TABLE y; --"`],
    ];
    for (const [name, quoted] of idents) it(`quotes identifier ${JSON.stringify(name)}`, () => assert.strictEqual(ident(name), quoted));

    const literals: [string, string][] = [
        ["db1", "'db1'"],
        ["o'brien", "'o''brien'"],
        ["back\\slash", "'back\\slash'"],
        ['"public"."accounts"', `'"public"."accounts"'`],
    ];
    for (const [value, quoted] of literals) it(`quotes literal ${JSON.stringify(value)}`, () => assert.strictEqual(literal(value), quoted));

    const refused: [string, () => unknown, RegExp][] = [
        ["an empty identifier", () => ident(""), /cannot be empty/],
        ["NUL in an identifier", () => ident("a\0b"), /NUL/],
        ["an identifier over 63 bytes", () => ident("é".repeat(32)), /longer than 63 bytes/],
        ["NUL in a literal", () => literal("a\0"), /NUL/],
        ["a body containing its quote tag", () => body("SELECT '$cdc$'"), /quote tag/],
    ];
    for (const [what, f, error] of refused) it(`refuses ${what}`, () => assert.throws(f, error));
});

describe("two-way sync: generated SQL", () => {
    const cases: { table: ReplicatedTable; spec: TwoWayDatabaseSpec; expect: string[] }[] = [
        {
            table: accounts,
            spec,
            expect: [
                `k jsonb := jsonb_build_object('id', NEW."id");`,
                `PERFORM pg_advisory_xact_lock(hashtext('"public"."accounts"'), jsonb_hash(k));`,
                `PERFORM 1 FROM "public"."accounts" AS r WHERE r."id" = NEW."id" FOR UPDATE;`,
                `IF session_user = 'cdc_sink_db1' THEN`,
                `IF (OLD."cdc_ts", OLD."cdc_side") > (NEW."cdc_ts", NEW."cdc_side") THEN RETURN NULL; END IF;`,
                `IF ROW(NEW."id") IS DISTINCT FROM ROW(OLD."id") THEN`,
                `NEW."cdc_ts" := greatest(clock_timestamp(), OLD."cdc_ts" + interval '1 microsecond');`,
                `VALUES ('"public"."accounts"', jsonb_build_object('id', OLD."id"), greatest(clock_timestamp(), OLD."cdc_ts" + interval '1 microsecond'), 'db1')`,
                `CREATE TRIGGER "cdc_sync_lww_delete" AFTER DELETE ON "public"."accounts" FOR EACH ROW EXECUTE FUNCTION "cdc_sync"."public_accounts_`,
                `ALTER TABLE "public"."accounts" ENABLE ALWAYS TRIGGER "cdc_sync_lww_insert"`,
            ],
        },
        {
            table: lines,
            spec,
            expect: [
                `k jsonb := jsonb_build_object('order_id', NEW."order_id", 'line', NEW."line");`,
                `WHERE r."order_id" = NEW."order_id" AND r."line" = NEW."line" FOR UPDATE;`,
                `IF ROW(NEW."order_id", NEW."line") IS DISTINCT FROM ROW(OLD."order_id", OLD."line") THEN`,
            ],
        },
        {
            table: odd,
            spec: defaultSpec("it's", [odd], { sinkRole: "sink'role" }),
            expect: [
                `k jsonb := jsonb_build_object('Key Col', NEW."Key Col");`,
                `PERFORM 1 FROM "Sales ""EU"""."Odd'Name" AS r WHERE r."Key Col" = NEW."Key Col" FOR UPDATE;`,
                `hashtext('"Sales ""EU"""."Odd''Name"')`,
                `IF session_user = 'sink''role' THEN`,
                `NEW."cdc_side" := 'it''s';`,
            ],
        },
    ];
    for (const c of cases) {
        it(`triggers of ${c.table.schema}.${c.table.name} (${c.table.primaryKey.length}-column key)`, () => {
            const sql = tableTriggersSql(c.spec, c.table).join("\n");
            for (const e of c.expect) assert.ok(sql.includes(e), `missing:\n${e}\nin:\n${sql}`);
        });
    }

    it("publishes the tables, the tombstone, canary and signal tables, inserts and updates only", () => {
        const sql = publicationSql(spec).join("\n");
        const tables = `"public"."accounts", "public"."order_lines", "cdc_sync"."cdc_tombstones", "cdc_sync"."cdc_canary", "cdc_sync"."cdc_signals"`;
        assert.ok(sql.includes(`CREATE PUBLICATION "cdc_sync_db1" FOR TABLE ${tables} WITH (publish = 'insert, update');`));
        assert.ok(sql.includes(`ALTER PUBLICATION "cdc_sync_db1" SET TABLE ${tables};`));
    });

    it("gives the replication role REPLICATION + SELECT and the sink role DML without DELETE", () => {
        const sql = rolesSql(spec).join("\n");
        assert.ok(sql.includes(`ALTER ROLE "cdc_repl_db1" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS INHERIT REPLICATION`));
        assert.ok(sql.includes(`ALTER ROLE "cdc_sink_db1" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS INHERIT NOREPLICATION CONNECTION LIMIT 4`));
        assert.ok(sql.includes(`GRANT SELECT ON "public"."accounts", "public"."order_lines", "cdc_sync"."cdc_tombstones", "cdc_sync"."cdc_canary" TO "cdc_repl_db1"`));
        assert.ok(sql.includes(`GRANT SELECT, INSERT, UPDATE ON "public"."accounts", "public"."order_lines", "cdc_sync"."cdc_tombstones", "cdc_sync"."cdc_canary" TO "cdc_sink_db1"`));
        assert.ok(sql.includes("WITH INHERIT TRUE, SET FALSE"));
        assert.ok(!rolesSql({ ...spec, schemaEvolution: "none" }).join("\n").includes("INHERIT TRUE"));
        assert.ok(!/DELETE|TRUNCATE/.test(sql));
    });

    it("creates the slot outside the transaction and the origin pool and login trigger inside it", () => {
        const plan = setupPlan(spec);
        assert.deepStrictEqual(plan.autocommit, [
            `SELECT pg_catalog.pg_create_logical_replication_slot('cdc_sync_db1', 'pgoutput') WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_replication_slots WHERE slot_name = 'cdc_sync_db1')`,
        ]);
        const tx = plan.transaction.join("\n");
        assert.ok(tx.includes(`unnest(ARRAY['cdc_sink_db1_1', 'cdc_sink_db1_2', 'cdc_sink_db1_3', 'cdc_sink_db1_4']::text[])`));
        assert.ok(tx.includes(`CREATE EVENT TRIGGER "cdc_sync_tag_sink_session" ON login EXECUTE FUNCTION "cdc_sync"."tag_sink_session"();`));
        assert.ok(tx.includes("EXCEPTION WHEN object_in_use THEN"));
    });

    it("tears down the slot, publication, event trigger, origins, schema and roles", () => {
        const plan = teardownPlan(spec, { '"public"."accounts"': "full" });
        const all = [...plan.autocommit, ...plan.transaction].join("\n");
        for (const e of [
            `pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = 'cdc_sync_db1'`,
            `DROP EVENT TRIGGER IF EXISTS "cdc_sync_tag_sink_session"`,
            `DROP PUBLICATION IF EXISTS "cdc_sync_db1"`,
            `DROP SCHEMA IF EXISTS "cdc_sync" CASCADE`,
            `pg_replication_origin_drop(roname)`,
            `ALTER TABLE "public"."accounts" REPLICA IDENTITY FULL`,
            `ALTER TABLE "public"."order_lines" REPLICA IDENTITY DEFAULT`,
            "DROP ROLE %I",
        ]) {
            assert.ok(all.includes(e), `missing: ${e}`);
        }
    });
});

describe("two-way sync: spec validation", () => {
    const cases: [string, Partial<TwoWayDatabaseSpec>, RegExp][] = [
        ["no tables", { tables: [] }, /tables: expected at least one table/],
        ["a table without key", { tables: [{ ...accounts, primaryKey: [] }] }, /primaryKey: expected at least one column/],
        ["a stamp column as key", { tables: [{ ...accounts, primaryKey: ["cdc_ts"] }] }, /cdc_ts is a cdc-sync stamp column/],
        ["a table listed twice", { tables: [accounts, accounts] }, /listed twice/],
        ["a slot name PostgreSQL refuses", { slotName: "Bad-Slot" }, /slotName: expected lower-case letters/],
        ["the same role twice", { sinkRole: "cdc_repl_db1" }, /sinkRole: must differ/],
        ["an empty origin pool", { originPoolSize: 0 }, /originPoolSize: expected an integer from 1 to 64/],
        ["a table in the sync schema", { tables: [{ ...accounts, schema: "cdc_sync" }] }, /holds cdc-sync's own objects/],
    ];
    for (const [name, override, error] of cases) {
        it(`refuses ${name}`, () => {
            const problems = specProblems({ ...spec, ...override });
            assert.ok(problems.some((p) => error.test(p)), problems.join("\n"));
        });
    }
    it("accepts the default spec", () => assert.deepStrictEqual(specProblems(spec), []));
    it("sizes the origin pool at twice the sink's connections", () => assert.strictEqual(originPoolSizeFor({ tasks: 2, poolMaxSize: 3 }), 12));
});

describe("two-way sync: refusal", () => {
    const table = { exists: true, primaryKey: ["id"], replicaIdentity: "d", owner: "app", ownerIsSuperuser: false, stampTypes: {} };
    const ok: ServerFacts = {
        versionNum: 170005,
        version: "17.5",
        walLevel: "logical",
        superuser: true,
        standardConformingStrings: true,
        eventTriggers: true,
        maxReplicationSlots: 10,
        maxWalSenders: 10,
        otherSlots: 1,
        otherOrigins: 4,
        database: "db1",
        existing: {},
        tables: { '"public"."accounts"': table, '"public"."order_lines"': { ...table, primaryKey: ["order_id", "line"] } },
    };
    const cases: [string, Partial<ServerFacts>, RegExp][] = [
        ["PostgreSQL 15", { versionNum: 150004, version: "15.4" }, /PostgreSQL 15.4 has no pgoutput origin=none filter \(PostgreSQL 16\+\) and no LOGIN event triggers.*echo back/],
        ["PostgreSQL 16", { versionNum: 160002, version: "16.2" }, /PostgreSQL 16.2 has no LOGIN event triggers \(PostgreSQL 17\+\)/],
        ["wal_level=replica", { walLevel: "replica" }, /wal_level is replica: logical decoding needs wal_level=logical/],
        ["a non-superuser", { superuser: false }, /not a superuser/],
        ["event_triggers off", { eventTriggers: false }, /event_triggers is off/],
        ["no free slot", { otherSlots: 10 }, /no room for slot cdc_sync_db1/],
        ["too few origin entries", { otherOrigins: 7 }, /7 other replication origins exist and the sink pool needs 4/],
        ["the slot of another database", { slot: { database: "db2", plugin: "pgoutput" } }, /slot cdc_sync_db1 exists for database db2/],
        ["a foreign role", { existing: { [existingKey.role("cdc_sink_db1")]: null } }, /role cdc_sink_db1 exists and was not created by this deployment/],
        ["a foreign schema", { existing: { [existingKey.schema("cdc_sync")]: "mine" } }, /schema cdc_sync exists and was not created/],
        ["a missing table", { tables: { '"public"."accounts"': table } }, /table "public"."order_lines" does not exist/],
        ["a different key", { tables: { ...ok.tables, '"public"."accounts"': { ...table, primaryKey: ["uuid"] } } }, /declared primary key \(id\) differs from the table's \(uuid\)/],
        ["replica identity nothing", { tables: { ...ok.tables, '"public"."accounts"': { ...table, replicaIdentity: "n" } } }, /replica identity NOTHING/],
        ["a superuser-owned table", { tables: { ...ok.tables, '"public"."accounts"': { ...table, owner: "postgres", ownerIsSuperuser: true } } }, /owned by superuser postgres/],
        ["a stamp column of another type", { tables: { ...ok.tables, '"public"."accounts"': { ...table, stampTypes: { cdc_ts: "bigint" } } } }, /column cdc_ts exists with type bigint/],
    ];
    it("accepts a PostgreSQL 17 server with logical decoding", () => assert.deepStrictEqual(refusals(spec, ok), []));
    it("accepts its own objects from an earlier setup", () => {
        const mine = managedComment(spec);
        assert.deepStrictEqual(refusals(spec, { ...ok, existing: { [existingKey.role("cdc_sink_db1")]: mine, [existingKey.publication("cdc_sync_db1")]: mine } }), []);
    });
    for (const [name, override, error] of cases) {
        it(`refuses ${name}`, () => {
            const problems = refusals(spec, { ...ok, ...override });
            assert.ok(problems.some((p) => error.test(p)), problems.join("\n"));
        });
    }
});

describe("two-way sync: provider diff", () => {
    const inputs = {
        connection: { host: "127.0.0.1", port: 5432, database: "db1", user: "postgres" },
        adminPassword: "a",
        spec,
        replicationPassword: "r",
        sinkPassword: "s",
    };
    const olds = { ...inputs, replicaIdentities: {}, serverVersion: "17.5" };
    const cases: [string, object, string[], boolean][] = [
        ["nothing", {}, [], false],
        ["the host", { connection: { ...inputs.connection, host: "127.0.0.2" } }, ["connection.host"], true],
        ["the slot", { spec: { ...spec, slotName: "other" } }, ["spec.slotName"], true],
        ["the side", { spec: { ...spec, side: "x" } }, ["spec.side"], true],
        ["the tables", { spec: { ...spec, tables: [accounts] } }, [], true],
        ["the origin pool", { spec: { ...spec, originPoolSize: 8 } }, [], true],
        ["a password", { sinkPassword: "t" }, [], true],
    ];
    for (const [what, change, replaces, changes] of cases) {
        it(`changing ${what}: ${replaces.length ? `replaces (${replaces}), when allowed` : changes ? "updates in place" : "no change"}`, async () => {
            const d = await twoWayDatabaseProvider.diff("id", olds, { ...inputs, ...change, guard: { resource: "db1", allowed: "drop-slot" } });
            assert.deepStrictEqual([d.replaces, d.changes], [replaces, changes]);
        });
        if (replaces.length === 0) continue;
        it(`changing ${what}: refused unless allowed, naming the slot it would drop`, async () => {
            await assert.rejects(
                twoWayDatabaseProvider.diff("id", olds, { ...inputs, ...change, guard: { resource: "db1" } }),
                /refusing to replace db1 \(slot \S+ of db1 on 127\.0\.0\.1:5432\): changing \S+ drops the replication slot .*one side of a live two-way pair.*cdc-sync:allowDestructive\.db1: drop-slot/,
            );
        });
    }
});

describe("two-way sync: connector settings per direction", () => {
    const db2 = defaultSpec("db2", [accounts, lines]);
    const toDb2 = { from: { spec, topicPrefix: "db1" }, into: { spec: db2 }, snapshot: true };
    const toDb1 = { from: { spec: db2, topicPrefix: "db2" }, into: { spec }, snapshot: false };

    it("reads db1 without the sink's writes, snapshotting only this direction", () => {
        const c = twoWaySourceConfig(toDb2);
        assert.deepStrictEqual(
            [c["slot.name"], c["publication.name"], c["publication.autocreate.mode"], c["slot.stream.params"], c["snapshot.mode"], c["database.user"]],
            ["cdc_sync_db1", "cdc_sync_db1", "disabled", "origin=none", "initial", "cdc_repl_db1"],
        );
        assert.strictEqual(c["table.include.list"], "public\\.accounts,public\\.order_lines,cdc_sync\\.cdc_tombstones,cdc_sync\\.cdc_canary,cdc_sync\\.cdc_signals");
        assert.strictEqual(twoWaySourceConfig(toDb1)["snapshot.mode"], "no_data");
    });

    it("takes signals from its signal table and drops that table's events before Kafka", () => {
        const c = twoWaySourceConfig(toDb2);
        assert.deepStrictEqual(
            [c["signal.data.collection"], c.transforms, c["transforms.dropSignals.type"], c["transforms.dropSignals.predicate"], c["predicates.isSignal.pattern"]],
            ["cdc_sync.cdc_signals", "dropSignals", "org.apache.kafka.connect.transforms.Filter", "isSignal", "db1\\.cdc_sync\\.cdc_signals"],
        );
        // Not a change topic: no sink reads it, and the stack creates no topic for it.
        assert.ok(!twoWaySinkConfig(toDb2).topics.includes("cdc_signals"));
    });

    it("writes into db2 as its sink role with upserts, no deletes, and a pool the origins cover", () => {
        const c = twoWaySinkConfig(toDb2);
        assert.deepStrictEqual(
            [c.topics, c["connection.username"], c["insert.mode"], c["primary.key.mode"], c["delete.enabled"], c["schema.evolution"], c["connection.pool.max_size"]],
            ["db1.public.accounts,db1.public.order_lines,db1.cdc_sync.cdc_tombstones,db1.cdc_sync.cdc_canary", "cdc_sink_db2", "upsert", "record_key", "false", "basic", "2"],
        );
        assert.throws(() => twoWaySinkConfig({ ...toDb2, sinkPoolMaxSize: 3 }), /needs 6 replication origins, the database has originPoolSize 4/);
    });

    it("rides out a restart of the database it writes to (fresh pooled connection, write retried)", () => {
        const c = twoWaySinkConfig(toDb2);
        assert.deepStrictEqual([c["hibernate.c3p0.testConnectionOnCheckout"], c["connection.restart.on.errors"]], ["true", "true"]);
    });

    it("names topics as Debezium does", () => assert.strictEqual(topicFor("db1", 'Sales "EU"', "t"), "db1.Sales__EU_.t"));

    it("checks the two databases of a pair against each other", () => {
        assert.deepStrictEqual(pairProblems(spec, db2), []);
        assert.ok(pairProblems(spec, { ...db2, side: "db1" }).some((p) => /both databases have side db1/.test(p)));
        assert.ok(pairProblems(spec, { ...db2, tables: [accounts] }).some((p) => /different tables/.test(p)));
    });
});

describe("two-way sync: role passwords", () => {
    it("are sent as SCRAM-SHA-256 verifiers", () => {
        assert.match(scramVerifier("secret", Buffer.alloc(16)), /^SCRAM-SHA-256\$4096:AAAAAAAAAAAAAAAAAAAAAA==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    });
    it("refuse characters the server would normalize", () => assert.throws(() => scramVerifier("pässword"), /printable ASCII/));
});
