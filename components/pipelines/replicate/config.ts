// A `replicate` entry of `cdc-sync:pipelines`: one-way, the listed tables of a database on one server of
// `cdc-sync:databases` into a database on another (or the same) server, keys kept, deletes applied. Pure:
// every problem names its full key path.
import { Checker } from "../../config/checker";
import { databaseServerRef, DatabaseServerSpec, MySqlServerSpec } from "../../databases/config";
import type { LoadContext, SinkDialect } from "../kind";

/**
 * Source engines with a Debezium connector cdc-sync can run (MariaDB's as a plugin; MySQL's is in the platform
 * image, though MySQL itself has never run on our machines: no image can be had), and the sinks' targets.
 */
export const SOURCE_ENGINES = ["postgres", "mariadb", "mysql"] as const;
export const TARGET_ENGINES = ["postgres", "mariadb", "mysql"] as const;

export interface ReplicateTable {
    readonly schema: string;
    readonly name: string;
}

export interface ReplicateSpec {
    readonly source: {
        /** The `cdc-sync:databases` entry. */
        readonly server: string;
        readonly engine: (typeof SOURCE_ENGINES)[number];
        readonly database: string;
        /** Captured tables (each needs a primary key: rows are upserted and deleted by it); a MariaDB table's schema is its database. */
        readonly tables: readonly ReplicateTable[];
        /** A MariaDB/MySQL server: run (or adopted) by this pipeline, binlog on, which alone may use it. */
        readonly binlogServer?: MySqlServerSpec;
    };
    readonly target: {
        readonly server: string;
        readonly engine: (typeof TARGET_ENGINES)[number];
        /** Created if missing; the sink creates the tables in it and adds the columns the source gains. */
        readonly database: string;
        /** MySQL/MariaDB: the sink's account on the server (`cdc_sink`); PostgreSQL: a role named after the pipeline. */
        readonly user?: string;
        /** A MySQL/MariaDB server: run (or adopted) by this pipeline, which alone may use it. */
        readonly mysql?: MySqlServerSpec;
    };
}

/** Lower-case SQL names that never need quoting, on every engine. */
const SQL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const TABLE = /^(?:([a-z_][a-z0-9_]*)\.)?([a-z_][a-z0-9_]*)$/;

/** What the sink writes: the SQL dialect of the target. */
export function targetDialect(t: Pick<ReplicateSpec["target"], "engine">): SinkDialect {
    return t.engine === "postgres" ? "postgresql" : "mysql";
}

/** The source's or the target's server, of one of `engines`. */
function server<E extends DatabaseServerSpec["engine"]>(c: Checker, key: string, v: unknown, ctx: LoadContext, engines: readonly E[], role: "source" | "target") {
    const note = role === "source" ? "; a MongoDB source is the mongoToMySql kind" : "";
    return databaseServerRef(c, key, v, ctx, engines, (ds) => {
        const names = ds.map((d) => `${d.name} (${d.engine})`).join(", ") || "none declared";
        return `the name of a ${engines.join(" or ")} server in cdc-sync:databases to ${role === "source" ? "read from" : "write into"} (${names})${note}`;
    });
}

export function loadReplicate(c: Checker, entry: Record<string, unknown>, ctx: LoadContext): ReplicateSpec | undefined {
    const before = c.problems.length;
    c.unknownFields(ctx.key, entry, ["source", "target"]);
    const so = c.object(ctx.at("source"), entry.source);
    const to = c.object(ctx.at("target"), entry.target);
    if (!so || !to) return undefined;
    c.unknownFields(ctx.at("source"), so, ["server", "database", "tables"]);
    c.unknownFields(ctx.at("target"), to, ["server", "database", "user"]);
    const src = server(c, ctx.at("source.server"), so.server, ctx, SOURCE_ENGINES, "source");
    const dst = server(c, ctx.at("target.server"), to.server, ctx, TARGET_ENGINES, "target");
    const sdb = c.string(ctx.at("source.database"), so.database, "a lower-case database name", (s) => SQL_NAME.test(s));
    const tdb = c.string(ctx.at("target.database"), to.database, "a lower-case database name", (s) => SQL_NAME.test(s));
    const user = to.user === undefined ? undefined : c.string(ctx.at("target.user"), to.user, "an account name of letters, digits and '_' (at most 32)", (s) => /^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(s));
    if (dst?.engine === "postgres" && to.user !== undefined) c.fail(ctx.at("target.user"), "nothing for a PostgreSQL target (its role is named after the pipeline)", to.user);
    let tables: ReplicateTable[] | undefined;
    const binlogSource = src !== undefined && src.engine !== "postgres";
    if (!Array.isArray(so.tables) || so.tables.length === 0) c.fail(ctx.at("source.tables"), "a non-empty list of tables, schema.table (or table, meaning public.table)", so.tables);
    else {
        tables = [];
        so.tables.forEach((t, i) => {
            const at = ctx.at(`source.tables[${i}]`);
            const m = typeof t === "string" ? TABLE.exec(t) : null;
            if (!m) return c.fail(at, binlogSource ? "a table name (or <source.database>.table) in lower-case SQL names" : "schema.table (or table, meaning public.table) in lower-case SQL names", t);
            // A MariaDB/MySQL table is named within the database: its "schema" is source.database.
            if (binlogSource && m[1] !== undefined && m[1] !== sdb) return c.fail(at, `a table of source.database ${sdb} (${src!.engine} names tables by database)`, t);
            const table = { schema: binlogSource ? String(sdb) : (m[1] ?? "public"), name: m[2] };
            if (tables!.some((x) => x.schema === table.schema && x.name === table.name)) c.fail(at, "a table listed once", t);
            // MySQL/MariaDB has no schemas in a database: tables land by name alone.
            else if (dst && dst.engine !== "postgres" && tables!.some((x) => x.name === table.name)) {
                c.fail(at, `a table name not listed in another schema (a ${dst.engine} target holds tables by name alone)`, t);
            } else tables!.push(table);
        });
    }
    if (binlogSource && dst && src && dst.name === src.name) c.fail(ctx.at("target.server"), `another server than a ${src.engine} source (the pipeline runs each of them itself)`, to.server);
    if (src && dst && sdb && tdb && src.name === dst.name && sdb === tdb) c.fail(ctx.at("target.database"), "a database other than the source (the sink would write into what it reads)", tdb);
    if (!src || !dst || !sdb || !tdb || !tables || c.problems.length > before) return undefined;
    return {
        source: { server: src.name, engine: src.engine, database: sdb, tables, ...(src.engine !== "postgres" ? { binlogServer: src as MySqlServerSpec } : {}) },
        target: { server: dst.name, engine: dst.engine, database: tdb, ...(user ? { user } : {}), ...(dst.engine !== "postgres" ? { mysql: dst as MySqlServerSpec } : {}) },
    };
}

/** `orders-copy` -> `orders_copy`: the pipeline's name where PostgreSQL names take it. */
export function sqlSlug(name: string): string {
    return name.replace(/-/g, "_");
}

/** Names on the database side, all derived from the pipeline's name. */
export function replicateNames(name: string) {
    const slug = sqlSlug(name);
    return {
        slot: `cdc_${slug}`,
        publication: `cdc_${slug}`,
        replicationRole: `cdc_${slug}_repl`,
        sinkRole: `cdc_${slug}_sink`,
        passwords: { replication: `${name}-replication`, sink: `${name}-sink` },
        connectors: { source: `${name}-source`, sink: `${name}-sink` },
        heartbeatTopic: `__debezium-heartbeat.${name}`,
        /** A MariaDB source's DDL history (Debezium reads it back on every start). */
        schemaHistoryTopic: `__debezium-schema-history.${name}`,
        /** A MariaDB source's account on the server the pipeline runs. */
        sourceUser: "cdc_source",
    };
}

/** The change topic of a captured table, as Debezium names it. */
export function tableTopic(name: string, t: ReplicateTable): string {
    return `${name}.${t.schema}.${t.name}`;
}
