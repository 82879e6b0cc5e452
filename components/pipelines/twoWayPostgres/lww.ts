// The conflict rule, as triggers: last writer wins per row, deletes included.
//
// Every row carries (cdc_ts, cdc_side), the version of its last write. A local write (any session but the
// sink's) stamps a version newer than everything this database has seen of that key; a sink write carries
// the other side's version and is applied only if it is not older than what is here. A local delete
// records a tombstone (key + version) in the replicated tombstone table; receiving a tombstone deletes the
// row only if the row is older. Each database ends in the state of the newest version of every key,
// whatever order the versions arrive in, so both converge.
//
// Concurrency on one database: every path that can create a key takes a per-key advisory lock first and
// then waits for in-flight deleters (FOR UPDATE), so a version is always chosen after the writes it must
// follow have committed. Updates and deletes already hold the row lock when their trigger runs and take
// no advisory lock, which keeps one lock order (key lock, row, tombstone) and no deadlock between them.
import { CANARY_TABLE, ReplicatedTable, STAMP_COLUMNS, TOMBSTONE_TABLE, TwoWayDatabaseSpec, managedComment, tableFunctionName, tableKey } from "./spec";
import { body, doBlock, ident, literal, qualified } from "../../databases/postgres/sqlText";

const TS = ident(STAMP_COLUMNS.ts);
const SIDE = ident(STAMP_COLUMNS.side);
/** Smallest step of timestamptz: a local write is at least this much newer than the version it follows. */
const TICK = "interval '1 microsecond'";

/** Trigger names on the replicated tables (fired ALWAYS, so session_replication_role cannot skip them). */
export const TABLE_TRIGGERS = {
    ins: "cdc_sync_lww_insert",
    upd: "cdc_sync_lww_update",
    del: "cdc_sync_lww_delete",
    truncate: "cdc_sync_no_truncate",
} as const;
export const TOMBSTONE_TRIGGERS = { ins: "cdc_sync_apply_tombstone", upd: "cdc_sync_tombstone_lww" } as const;

function tombstones(spec: TwoWayDatabaseSpec): string {
    return qualified(spec.syncSchema, TOMBSTONE_TABLE);
}

function fn(spec: TwoWayDatabaseSpec, name: string): string {
    return qualified(spec.syncSchema, name);
}

/** `jsonb_build_object('a', REC."a", ...)`: the key as stored in tombstones (jsonb equality ignores key order). */
function keyJson(t: ReplicatedTable, rec: "NEW" | "OLD"): string {
    return `jsonb_build_object(${t.primaryKey.map((c) => `${literal(c)}, ${rec}.${ident(c)}`).join(", ")})`;
}

/** `l."a" = r."a" AND ...` over the primary key. */
function keyMatch(t: ReplicatedTable, l: string, r: string): string {
    return t.primaryKey.map((c) => `${l}.${ident(c)} = ${r}.${ident(c)}`).join(" AND ");
}

/** A trigger function running as its owner (the deploying superuser) with a fixed search_path: every name is qualified. */
function triggerFunction(name: string, code: string[], declare: string[] = []): string {
    const text = `${declare.length ? `DECLARE\n${declare.join("\n")}\n` : ""}BEGIN\n${code.join("\n")}\nEND;`;
    return `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger\nLANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS ${body(text)}`;
}

const isSink = (spec: TwoWayDatabaseSpec) => `session_user = ${literal(spec.sinkRole)}`;

/** The version of record `a` is newer than that of record `b`. */
const newer = (a: string, b: string) => `(${a}.${TS}, ${a}.${SIDE}) > (${b}.${TS}, ${b}.${SIDE})`;

/** Stamps NEW as a local write of `side`, newer than the version `after` (NULL: none) it follows. */
const stampLocal = (side: string, after: string, indent: string) => [
    `${indent}NEW.${TS} := greatest(clock_timestamp(), ${after} + ${TICK});`,
    `${indent}NEW.${SIDE} := ${side};`,
];

/** The tombstone table and the stamp columns of every replicated table. */
export function lwwTablesSql(spec: TwoWayDatabaseSpec): string[] {
    return [
        `CREATE SCHEMA IF NOT EXISTS ${ident(spec.syncSchema)}`,
        // Teardown drops this schema with CASCADE: the comment lets the live check refuse a foreign one.
        `COMMENT ON SCHEMA ${ident(spec.syncSchema)} IS ${literal(managedComment(spec))}`,
        [
            `CREATE TABLE IF NOT EXISTS ${tombstones(spec)} (`,
            `  table_name text NOT NULL,`,
            `  row_key jsonb NOT NULL,`,
            `  ${TS} timestamptz NOT NULL,`,
            `  ${SIDE} text NOT NULL,`,
            `  PRIMARY KEY (table_name, row_key)`,
            `)`,
        ].join("\n"),
        // Debezium sends unchanged TOASTed values as a placeholder unless the old row is logged in full.
        `ALTER TABLE ${tombstones(spec)} REPLICA IDENTITY FULL`,
        [
            `CREATE TABLE IF NOT EXISTS ${qualified(spec.syncSchema, CANARY_TABLE)} (`,
            `  side text PRIMARY KEY,`,
            `  seq bigint NOT NULL,`,
            `  written_at timestamptz NOT NULL`,
            `)`,
        ].join("\n"),
        ...spec.tables.flatMap((t) => [
            // Rows that predate the setup get the oldest possible version, so any write beats them; between two such
            // rows of one key (the table held it on both sides before it joined the pair) the side decides, as for
            // equal timestamps: both databases end with the row of the side that sorts last. (Tables set up before
            // this rule have '' there; only their rows from before the pair existed carry it.)
            `ALTER TABLE ${tableKey(t)} ADD COLUMN IF NOT EXISTS ${TS} timestamptz NOT NULL DEFAULT '1970-01-01 00:00:00+00', ` +
                `ADD COLUMN IF NOT EXISTS ${SIDE} text NOT NULL DEFAULT ${literal(spec.side)}`,
            `ALTER TABLE ${tableKey(t)} REPLICA IDENTITY FULL`,
        ]),
    ];
}

/** The three row triggers and the TRUNCATE guard of one table. */
export function tableTriggersSql(spec: TwoWayDatabaseSpec, t: ReplicatedTable): string[] {
    const q = tableKey(t);
    const name = literal(q);
    const side = literal(spec.side);
    const lockKey = (k: string) => `pg_advisory_xact_lock(hashtext(${name}), jsonb_hash(${k}))`;
    const insert = triggerFunction(
        fn(spec, tableFunctionName(t, "ins")),
        [
            `  PERFORM ${lockKey("k")};`,
            // Waits for a concurrent delete of this key, whose tombstone must be seen below.
            `  PERFORM 1 FROM ${q} AS r WHERE ${keyMatch(t, "r", "NEW")} FOR UPDATE;`,
            // No tombstone leaves tomb's fields NULL, which greatest() ignores.
            `  SELECT d.${TS}, d.${SIDE} INTO tomb FROM ${tombstones(spec)} AS d WHERE d.table_name = ${name} AND d.row_key = k;`,
            `  IF ${isSink(spec)} THEN`,
            `    IF tomb.${TS} IS NOT NULL AND ${newer("tomb", "NEW")} THEN RETURN NULL; END IF;`,
            `  ELSE`,
            ...stampLocal(side, `tomb.${TS}`, "    "),
            `  END IF;`,
            `  RETURN NEW;`,
        ],
        [`  k jsonb := ${keyJson(t, "NEW")};`, `  tomb record;`],
    );
    const update = triggerFunction(
        fn(spec, tableFunctionName(t, "upd")),
        [
            `  IF ${isSink(spec)} THEN`,
            `    IF ${newer("OLD", "NEW")} THEN RETURN NULL; END IF;`,
            `    RETURN NEW;`,
            `  END IF;`,
            // A key change would need a tombstone for the old key and a fresh version for the new one,
            // racing remote writes to both: refused, the application deletes and inserts instead.
            `  IF ROW(${t.primaryKey.map((c) => `NEW.${ident(c)}`).join(", ")}) IS DISTINCT FROM ROW(${t.primaryKey.map((c) => `OLD.${ident(c)}`).join(", ")}) THEN`,
            `    RAISE EXCEPTION USING ERRCODE = 'feature_not_supported',`,
            `      MESSAGE = ${literal(`cdc-sync: the primary key of ${q} cannot change under two-way sync`)},`,
            `      HINT = 'Delete the row and insert it with the new key.';`,
            `  END IF;`,
            ...stampLocal(side, `OLD.${TS}`, "  "),
            `  RETURN NEW;`,
        ],
    );
    const del = triggerFunction(
        fn(spec, tableFunctionName(t, "del")),
        [
            // The sink only deletes through a received tombstone, which is already recorded.
            `  IF ${isSink(spec)} THEN RETURN NULL; END IF;`,
            `  INSERT INTO ${tombstones(spec)} AS d (table_name, row_key, ${TS}, ${SIDE})`,
            `  VALUES (${name}, ${keyJson(t, "OLD")}, greatest(clock_timestamp(), OLD.${TS} + ${TICK}), ${side})`,
            `  ON CONFLICT (table_name, row_key) DO UPDATE SET ${TS} = EXCLUDED.${TS}, ${SIDE} = EXCLUDED.${SIDE}`,
            `  WHERE ${newer("EXCLUDED", "d")};`,
            `  RETURN NULL;`,
        ],
    );
    const trigger = (tname: string, when: string, f: string) => [
        `DROP TRIGGER IF EXISTS ${ident(tname)} ON ${q}`,
        `CREATE TRIGGER ${ident(tname)} ${when} ON ${q} FOR EACH ROW EXECUTE FUNCTION ${f}()`,
        `ALTER TABLE ${q} ENABLE ALWAYS TRIGGER ${ident(tname)}`,
    ];
    // Joining (no trigger yet): tombstones the other side sent before this database knew the table are applied now,
    // before any trigger exists, so the deletes are neither lost nor stamped again as local ones.
    const pending = doBlock(
        `BEGIN\n  IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger WHERE tgrelid = ${literal(q)}::regclass AND tgname = ${literal(TABLE_TRIGGERS.ins)}) THEN\n` +
            `    DELETE FROM ${q} AS r USING ${tombstones(spec)} AS d, jsonb_populate_record(NULL::${q}, d.row_key) AS k\n` +
            `    WHERE d.table_name = ${name} AND ${keyMatch(t, "r", "k")} AND ${newer("d", "r")};\n  END IF;\nEND;`,
    );
    return [
        insert,
        update,
        del,
        pending,
        ...trigger(TABLE_TRIGGERS.ins, "BEFORE INSERT", fn(spec, tableFunctionName(t, "ins"))),
        ...trigger(TABLE_TRIGGERS.upd, "BEFORE UPDATE", fn(spec, tableFunctionName(t, "upd"))),
        ...trigger(TABLE_TRIGGERS.del, "AFTER DELETE", fn(spec, tableFunctionName(t, "del"))),
        // TRUNCATE is neither published nor recorded as tombstones: it would silently diverge the sides.
        `DROP TRIGGER IF EXISTS ${ident(TABLE_TRIGGERS.truncate)} ON ${q}`,
        `CREATE TRIGGER ${ident(TABLE_TRIGGERS.truncate)} BEFORE TRUNCATE ON ${q} FOR EACH STATEMENT EXECUTE FUNCTION ${fn(spec, "refuse_truncate")}()`,
        `ALTER TABLE ${q} ENABLE ALWAYS TRIGGER ${ident(TABLE_TRIGGERS.truncate)}`,
    ];
}

/**
 * The function that applies a received tombstone: one branch per replicated table. Replaced (no table lock) when a
 * table leaves the pair.
 */
export function applyTombstoneFunctionSql(spec: TwoWayDatabaseSpec): string {
    const branches = spec.tables.flatMap((t, i) => [
        `  ${i === 0 ? "IF" : "ELSIF"} NEW.table_name = ${literal(tableKey(t))} THEN`,
        // The row is locked whether or not this tombstone deletes it (an older one does not): the sink's transaction
        // may hold this tombstone row and then apply a newer tombstone of the key, which deletes. Locked only then,
        // a local delete of the key in between (row, then its tombstone) deadlocked with it (CI at 94c64c4).
        `    PERFORM 1 FROM ${tableKey(t)} AS r, jsonb_populate_record(NULL::${tableKey(t)}, NEW.row_key) AS k`,
        `    WHERE ${keyMatch(t, "r", "k")} FOR UPDATE OF r;`,
        `    DELETE FROM ${tableKey(t)} AS r USING jsonb_populate_record(NULL::${tableKey(t)}, NEW.row_key) AS k`,
        `    WHERE ${keyMatch(t, "r", "k")} AND ${newer("NEW", "r")};`,
    ]);
    // Runs BEFORE the tombstone row is written, so the lock order is key lock, data row, tombstone row,
    // as in a local delete (data row, tombstone row).
    return triggerFunction(
        fn(spec, "apply_tombstone"),
        [
            `  IF NOT ${isSink(spec)} THEN RETURN NEW; END IF;`,
            `  PERFORM pg_advisory_xact_lock(hashtext(NEW.table_name), jsonb_hash(NEW.row_key));`,
            ...branches,
            // A table this database does not replicate (yet): the two databases are set up side by side, so the other one
            // may delete rows of a joining table before this one knows it. The tombstone is recorded, and the table's
            // setup here applies it (tableTriggersSql). For a table that left the pair it is merely kept.
            `  END IF;`,
            `  RETURN NEW;`,
        ],
    );
}

/** Functions shared by all tables: TRUNCATE guard, tombstone application, tombstone purge. */
export function sharedFunctionsSql(spec: TwoWayDatabaseSpec): string[] {
    const refuseTruncate = triggerFunction(
        fn(spec, "refuse_truncate"),
        [
            `  RAISE EXCEPTION USING ERRCODE = 'feature_not_supported',`,
            `    MESSAGE = format('cdc-sync: TRUNCATE of %I.%I is not replicated by two-way sync', TG_TABLE_SCHEMA, TG_TABLE_NAME),`,
            `    HINT = 'Use DELETE, which is replicated as tombstones.';`,
            `  RETURN NULL;`,
        ],
    );
    const applyTombstone = applyTombstoneFunctionSql(spec);
    const tombstoneLww = triggerFunction(
        fn(spec, "tombstone_lww"),
        [
            `  IF ${isSink(spec)} AND ${newer("OLD", "NEW")} THEN RETURN NULL; END IF;`,
            `  RETURN NEW;`,
        ],
    );
    const purge = [
        `CREATE OR REPLACE FUNCTION ${fn(spec, "purge_tombstones")}(older_than interval) RETURNS bigint`,
        `LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS ${body(
            `WITH gone AS (DELETE FROM ${tombstones(spec)} WHERE ${TS} < clock_timestamp() - older_than RETURNING 1) SELECT count(*) FROM gone;`,
        )}`,
    ].join("\n");
    const q = tombstones(spec);
    return [
        refuseTruncate,
        applyTombstone,
        tombstoneLww,
        purge,
        `DROP TRIGGER IF EXISTS ${ident(TOMBSTONE_TRIGGERS.ins)} ON ${q}`,
        `CREATE TRIGGER ${ident(TOMBSTONE_TRIGGERS.ins)} BEFORE INSERT ON ${q} FOR EACH ROW EXECUTE FUNCTION ${fn(spec, "apply_tombstone")}()`,
        `ALTER TABLE ${q} ENABLE ALWAYS TRIGGER ${ident(TOMBSTONE_TRIGGERS.ins)}`,
        `DROP TRIGGER IF EXISTS ${ident(TOMBSTONE_TRIGGERS.upd)} ON ${q}`,
        `CREATE TRIGGER ${ident(TOMBSTONE_TRIGGERS.upd)} BEFORE UPDATE ON ${q} FOR EACH ROW EXECUTE FUNCTION ${fn(spec, "tombstone_lww")}()`,
        `ALTER TABLE ${q} ENABLE ALWAYS TRIGGER ${ident(TOMBSTONE_TRIGGERS.upd)}`,
    ];
}

/** Removes what `tableTriggersSql` and the stamp columns added to one table; `replicaIdentity` is restored. */
export function dropTableSql(spec: TwoWayDatabaseSpec, t: ReplicatedTable, replicaIdentity: "default" | "full"): string[] {
    const q = tableKey(t);
    return [
        ...Object.values(TABLE_TRIGGERS).map((tr) => `DROP TRIGGER IF EXISTS ${ident(tr)} ON ${q}`),
        ...(["ins", "upd", "del"] as const).map((k) => `DROP FUNCTION IF EXISTS ${fn(spec, tableFunctionName(t, k))}()`),
        `ALTER TABLE ${q} DROP COLUMN IF EXISTS ${TS}, DROP COLUMN IF EXISTS ${SIDE}`,
        `ALTER TABLE ${q} REPLICA IDENTITY ${replicaIdentity === "full" ? "FULL" : "DEFAULT"}`,
    ];
}
