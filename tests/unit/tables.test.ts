// Tables joining and leaving a running two-way pair (components/pipelines/twoWayPostgres/tables.ts, signals.ts):
// which tables changed, which rows are behind, what is still missing, and the SQL each step runs.
import * as assert from "assert";
import { behind, leaveSql, stillMissing, tableChanges, versionsSql } from "../../components/pipelines/twoWayPostgres/tables";
import { signalSetupSql, snapshotSignalSql } from "../../components/pipelines/twoWayPostgres/signals";
import { lwwTablesSql, tableTriggersSql } from "../../components/pipelines/twoWayPostgres/lww";
import { defaultSpec } from "../../components/pipelines/twoWayPostgres/spec";

const customers = { schema: "public", name: "customers", primaryKey: ["id"] };
const orders = { schema: "public", name: "orders", primaryKey: ["id"] };
const lines = { schema: "sales", name: "order lines", primaryKey: ["order_id", "line"] };

describe("two-way tables: what changed", () => {
    const cases = [
        { olds: [customers], news: [customers, orders], joined: ["orders"], left: [] },
        { olds: [customers, orders], news: [customers], joined: [], left: ["orders"] },
        { olds: [customers, orders], news: [orders, lines], joined: ["order lines"], left: ["customers"] },
        { olds: [customers], news: [customers], joined: [], left: [] },
        // A new key on the same table is neither (TwoWayDatabase's check judges the key against the catalog).
        { olds: [orders], news: [{ ...orders, primaryKey: ["id", "x"] }], joined: [], left: [] },
    ];
    for (const c of cases) {
        it(`${c.olds.map((t) => t.name).join("+")} -> ${c.news.map((t) => t.name).join("+")}`, () => {
            const r = tableChanges(c.olds, c.news);
            assert.deepStrictEqual([r.joined.map((t) => t.name), r.left.map((t) => t.name)], [c.joined, c.left]);
        });
    }
});

describe("two-way tables: rows behind and rows still missing", () => {
    const v = (ts: string, side: string) => `${ts} ${side}`;
    const old = v("19700101000000000000", "db1");
    const t1 = v("20261202030000000001", "db1");
    const t2 = v("20261202030000000002", "db2");
    const cases: { name: string; from: [string, string][]; into: [string, string][]; behind: string[] }[] = [
        { name: "a row the other side lacks", from: [["a", t1]], into: [], behind: ["a"] },
        { name: "a row the other side holds at an older version", from: [["a", t2]], into: [["a", t1]], behind: ["a"] },
        { name: "a row the other side holds at a newer version (it wins there, and travels back)", from: [["a", t1]], into: [["a", t2]], behind: [] },
        { name: "the same version on both sides", from: [["a", t1]], into: [["a", t1]], behind: [] },
        // Rows from before the pair: between (epoch, db1) and (epoch, db2) the side that sorts last wins.
        { name: "pre-pair rows of one key on both sides", from: [["a", v("19700101000000000000", "db2")]], into: [["a", old]], behind: ["a"] },
        { name: "microseconds order the versions", from: [["a", v("20261202030000000010", "db1")]], into: [["a", v("20261202030000000009", "db2")]], behind: ["a"] },
    ];
    for (const c of cases) {
        it(c.name, () => assert.deepStrictEqual([...behind(new Map(c.from), new Map(c.into)).keys()], c.behind));
    }

    it("a wanted row is done once the other side holds its version or newer, or this side deleted it", () => {
        const wanted = new Map([
            ["arrived", t1],
            ["newer-there", t1],
            ["deleted-here", t1],
            ["missing", t1],
            ["older-there", t2],
        ]);
        const fromNow = new Map([...wanted].filter(([k]) => k !== "deleted-here"));
        const intoNow = new Map([
            ["arrived", t1],
            ["newer-there", t2],
            ["older-there", t1],
        ]);
        assert.deepStrictEqual([...stillMissing(wanted, fromNow, intoNow).keys()], ["missing", "older-there"]);
    });
});

describe("two-way tables: SQL", () => {
    it("a joining table first applies the tombstones the other side sent before this database knew it, before any trigger exists", () => {
        const sql = tableTriggersSql(defaultSpec("db1", [customers]), customers);
        const pending = sql.findIndex((x) => x.includes("jsonb_populate_record(NULL::\"public\".\"customers\", d.row_key)"));
        const firstTrigger = sql.findIndex((x) => x.startsWith("CREATE TRIGGER"));
        assert.ok(pending >= 0 && pending < firstTrigger, sql.join("\n"));
        assert.match(sql[pending], /IF NOT EXISTS \(SELECT FROM pg_catalog\.pg_trigger WHERE tgrelid = '"public"\."customers"'::regclass AND tgname = 'cdc_sync_lww_insert'\)/);
        assert.match(sql[pending], /\(d\."cdc_ts", d\."cdc_side"\) > \(r\."cdc_ts", r\."cdc_side"\)/);
    });

    const spec = defaultSpec("db1", [customers, lines]);

    it("reads each row's key and version, whole or through the primary key", () => {
        assert.strictEqual(
            versionsSql(lines, true),
            `SELECT jsonb_build_object('order_id', r."order_id", 'line', r."line")::text AS k, ` +
                `to_char(r."cdc_ts" AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') || ' ' || r."cdc_side" AS v FROM "sales"."order lines" AS r ` +
                `JOIN jsonb_populate_recordset(NULL::"sales"."order lines", $1::jsonb) AS q ON r."order_id" = q."order_id" AND r."line" = q."line"`,
        );
        assert.ok(!versionsSql(customers, false).includes("JOIN"));
    });

    it("stamps rows from before the setup with the epoch and this side, so a key held on both sides has one winner", () => {
        const sql = lwwTablesSql(spec).join("\n");
        assert.ok(sql.includes(`ADD COLUMN IF NOT EXISTS "cdc_side" text NOT NULL DEFAULT 'db1'`), sql);
    });

    it("signals an incremental snapshot of exactly the joining tables", () => {
        const s = snapshotSignalSql(spec, "id-1", [orders, lines]);
        assert.strictEqual(s.text, `INSERT INTO "cdc_sync"."cdc_signals" (id, type, data) VALUES ($1, $2, $3)`);
        assert.deepStrictEqual(s.values, ["id-1", "execute-snapshot", JSON.stringify({ "data-collections": ["public\\.orders", "sales\\.order lines"], type: "incremental" })]);
    });

    it("creates the signal table in Debezium's shape, lets only the replication role write it, and publishes it", () => {
        const sql = signalSetupSql(spec).join("\n");
        assert.ok(sql.includes(`CREATE TABLE IF NOT EXISTS "cdc_sync"."cdc_signals" (\n  id varchar(64) PRIMARY KEY,\n  type varchar(32) NOT NULL,\n  data varchar(2048)\n)`));
        assert.ok(sql.includes(`GRANT SELECT, INSERT ON "cdc_sync"."cdc_signals" TO "cdc_repl_db1"`));
        assert.ok(!sql.includes("cdc_sink_db1"));
        assert.ok(sql.includes(`ALTER PUBLICATION "cdc_sync_db1" ADD TABLE "cdc_sync"."cdc_signals"`));
    });

    it("takes a leaving table out of the publication first, then its triggers, stamps and tombstones, under a lock timeout", () => {
        const rest = defaultSpec("db1", [customers]);
        const sql = leaveSql(rest, lines, "default");
        const at = (needle: string) => sql.findIndex((s) => s.includes(needle));
        assert.strictEqual(sql[0], "SET LOCAL lock_timeout = '5s'");
        assert.ok(at(`DROP TABLE "sales"."order lines"`) === 1, sql.join("\n"));
        assert.ok(at(`DROP TRIGGER IF EXISTS "cdc_sync_lww_insert" ON "sales"."order lines"`) > 1);
        assert.ok(at(`DROP COLUMN IF EXISTS "cdc_ts"`) > 1);
        assert.ok(at(`REPLICA IDENTITY DEFAULT`) > 1);
        assert.ok(at(`DELETE FROM "cdc_sync"."cdc_tombstones" WHERE table_name = '"sales"."order lines"'`) > 1);
        // The tombstone function keeps the tables that stay, and only records what still arrives for the one that left.
        const fn = sql[sql.length - 1];
        assert.ok(fn.includes(`NEW.table_name = '"public"."customers"'`) && !fn.includes("order lines"), fn);
        assert.ok(!fn.includes("RAISE"), fn);
    });
});
