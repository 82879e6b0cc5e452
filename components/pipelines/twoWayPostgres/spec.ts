// What one database of a two-way PostgreSQL pair needs declared, the names derived from it, and the
// pure validation that runs before any SQL is generated. Both databases of a pair get one spec each.
import { createHash } from "crypto";
import { ident, qualified } from "../../databases/postgres/sqlText";

export interface ReplicatedTable {
    /** Schema of the table, e.g. `public`. */
    readonly schema: string;
    /** Table name exactly as in the catalog (case-sensitive). */
    readonly name: string;
    /** Primary-key columns in key order; must be the table's actual primary key (checked live). */
    readonly primaryKey: readonly string[];
}

export type SchemaEvolution = "none" | "basic";

export interface TwoWayDatabaseSpec {
    /**
     * Stamped into `cdc_side` by local writes; breaks ties between equal timestamps, so it must differ
     * from the other database's side. Conventionally the database name (`db1`).
     */
    readonly side: string;
    /** Tables replicated in both directions; the same list on both databases. */
    readonly tables: readonly ReplicatedTable[];
    /** Role the Debezium PostgreSQL source of this database logs in as (REPLICATION + SELECT only). */
    readonly replicationRole: string;
    /** Role the JDBC sink writing INTO this database logs in as; its sessions are tagged with an origin. */
    readonly sinkRole: string;
    /** Logical replication slot (pgoutput) the source reads; created here so no change is missed. */
    readonly slotName: string;
    /** Publication the source reads: the tables plus the tombstone table, inserts and updates only. */
    readonly publicationName: string;
    /**
     * Replication origins created for sink sessions, which is also the sink role's CONNECTION LIMIT:
     * at least the sink's `tasks.max × connection.pool.max_size` (see `originPoolSizeFor`).
     */
    readonly originPoolSize: number;
    /** Schema for cdc-sync's functions and the tombstone table (created, and dropped on teardown). */
    readonly syncSchema: string;
    /**
     * `basic`: the sink may add columns (Debezium JDBC `schema.evolution=basic`), so the sink role
     * inherits the privileges of the tables' owner (never SET ROLE to it). `none`: DML only.
     */
    readonly schemaEvolution: SchemaEvolution;
}

/** The columns every replicated table gets: when and on which side its row version was written. */
export const STAMP_COLUMNS = { ts: "cdc_ts", side: "cdc_side" } as const;
/** The replicated table that carries deletes as data (deletes themselves are not published). */
export const TOMBSTONE_TABLE = "cdc_tombstones";
/**
 * The replicated health table: one row per side, written only by that side (the stack's health check), so
 * the other side's copy shows when the last canary crossed. No conflict rule is needed: no row has two writers.
 */
export const CANARY_TABLE = "cdc_canary";
/** cdc-sync's own replicated tables, in the sync schema: `schema.name` pairs as the connectors see them. */
export function syncTables(spec: Pick<TwoWayDatabaseSpec, "syncSchema">): { schema: string; name: string }[] {
    return [TOMBSTONE_TABLE, CANARY_TABLE].map((name) => ({ schema: spec.syncSchema, name }));
}
/**
 * Debezium's signal table (`signal.data.collection`), in the sync schema: the stack inserts `execute-snapshot` here
 * when a table joins a running pair, and the source writes its incremental-snapshot windows here. Captured but not
 * replicated: the source's transforms drop its events before Kafka.
 */
export const SIGNAL_TABLE = "cdc_signals";
/** Per-database event trigger that tags sink sessions with a replication origin. */
export const LOGIN_TRIGGER = "cdc_sync_tag_sink_session";

/** Comment put on every role, publication and schema created here; adoption checks rely on it. */
export function managedComment(spec: Pick<TwoWayDatabaseSpec, "side" | "slotName">): string {
    return `managed by cdc-sync two-way sync (side ${spec.side}, slot ${spec.slotName})`;
}

/**
 * Origins needed for a JDBC sink: one per connection it can hold at once, twice over, because a task
 * restarted by Connect may open its new pool before the backends of the old one have exited.
 */
export function originPoolSizeFor(sink: { tasks: number; poolMaxSize: number }): number {
    if (!Number.isInteger(sink.tasks) || sink.tasks < 1) throw new Error(`sink tasks: expected a positive integer, got ${sink.tasks}`);
    if (!Number.isInteger(sink.poolMaxSize) || sink.poolMaxSize < 1) {
        throw new Error(`sink connection.pool.max_size: expected a positive integer, got ${sink.poolMaxSize}`);
    }
    return 2 * sink.tasks * sink.poolMaxSize;
}

/**
 * A spec with conventional names for database `database`: roles `cdc_repl_<db>` and `cdc_sink_<db>`,
 * slot and publication `cdc_sync_<db>`, side `<db>`. Roles and origins are cluster-wide, so the names
 * carry the database to keep both databases of topology B (one server) apart.
 */
export function defaultSpec(
    database: string,
    tables: readonly ReplicatedTable[],
    overrides: Partial<TwoWayDatabaseSpec> = {},
): TwoWayDatabaseSpec {
    const slug = database.toLowerCase().replace(/[^a-z0-9_]/g, "_");
    return {
        side: database,
        tables,
        replicationRole: `cdc_repl_${slug}`,
        sinkRole: `cdc_sink_${slug}`,
        slotName: `cdc_sync_${slug}`,
        publicationName: `cdc_sync_${slug}`,
        originPoolSize: originPoolSizeFor({ tasks: 1, poolMaxSize: 2 }),
        syncSchema: "cdc_sync",
        schemaEvolution: "basic",
        ...overrides,
    };
}

/** Origins of the pool, named after the sink role (itself cluster-unique) so two databases never share one. */
export function originNames(spec: Pick<TwoWayDatabaseSpec, "sinkRole" | "originPoolSize">): string[] {
    return Array.from({ length: spec.originPoolSize }, (_, i) => `${spec.sinkRole}_${i + 1}`);
}

/** How a table is named in tombstones and advisory-lock keys: its quoted qualified name. */
export function tableKey(t: ReplicatedTable): string {
    return qualified(t.schema, t.name);
}

/**
 * Name of a per-table trigger function: readable prefix plus a hash of the exact qualified name, so
 * `a.b_c` and `a_b.c` (same readable prefix) never share a function and the name stays under 63 bytes.
 */
export function tableFunctionName(t: ReplicatedTable, kind: "ins" | "upd" | "del"): string {
    const readable = `${t.schema}_${t.name}`.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 40);
    const hash = createHash("sha256").update(tableKey(t)).digest("hex").slice(0, 8);
    return `${readable}_${hash}_${kind}`;
}

/** Problems with a spec, each naming the field; empty when the spec can be turned into SQL. */
export function specProblems(spec: TwoWayDatabaseSpec): string[] {
    const problems: string[] = [];
    const check = (field: string, f: () => void) => {
        try {
            f();
        } catch (e) {
            problems.push(`${field}: ${(e as Error).message}`);
        }
    };
    if (spec.side.trim() === "") problems.push("side: expected a non-empty name");
    for (const f of ["replicationRole", "sinkRole", "publicationName", "syncSchema"] as const) check(f, () => ident(spec[f]));
    if (!/^[a-z0-9_]{1,63}$/.test(spec.slotName)) {
        problems.push(`slotName: expected lower-case letters, digits and underscores (at most 63), got ${JSON.stringify(spec.slotName)}`);
    }
    if (spec.replicationRole === spec.sinkRole) problems.push("sinkRole: must differ from replicationRole");
    // Origin names add `_<n>`; they share the 63-byte limit of other names in practice (roname is text).
    if (!Number.isInteger(spec.originPoolSize) || spec.originPoolSize < 1 || spec.originPoolSize > 64) {
        problems.push(`originPoolSize: expected an integer from 1 to 64, got ${spec.originPoolSize}`);
    }
    if (spec.schemaEvolution !== "none" && spec.schemaEvolution !== "basic") {
        problems.push(`schemaEvolution: expected none or basic, got ${JSON.stringify(spec.schemaEvolution)}`);
    }
    if (spec.tables.length === 0) problems.push("tables: expected at least one table");
    const seen = new Set<string>();
    spec.tables.forEach((t, i) => {
        const at = `tables[${i}]`;
        check(`${at}.schema`, () => ident(t.schema));
        check(`${at}.name`, () => ident(t.name));
        if (t.schema === spec.syncSchema) problems.push(`${at}: the sync schema ${spec.syncSchema} holds cdc-sync's own objects`);
        const key = `${t.schema}.${t.name}`;
        if (seen.has(tableKey(t))) problems.push(`${at}: ${key} is listed twice`);
        seen.add(tableKey(t));
        if (t.primaryKey.length === 0) problems.push(`${at}.primaryKey: expected at least one column (two-way sync needs a primary key)`);
        if (new Set(t.primaryKey).size !== t.primaryKey.length) problems.push(`${at}.primaryKey: a column is listed twice`);
        t.primaryKey.forEach((c, j) => {
            check(`${at}.primaryKey[${j}]`, () => ident(c));
            if (c === STAMP_COLUMNS.ts || c === STAMP_COLUMNS.side) problems.push(`${at}.primaryKey[${j}]: ${c} is a cdc-sync stamp column`);
        });
    });
    return problems;
}

/** Throws one error listing every problem of the spec. */
export function validateSpec(spec: TwoWayDatabaseSpec): void {
    const problems = specProblems(spec);
    if (problems.length > 0) throw new Error(`two-way sync spec for side ${JSON.stringify(spec.side)}:\n  ${problems.join("\n  ")}`);
}
