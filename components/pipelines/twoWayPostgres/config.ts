// A `twoWayPostgres` entry of `cdc-sync:pipelines`: two databases on one PostgreSQL server of
// `cdc-sync:databases`, kept in sync both ways, and their tables. Pure: every problem names its full key.
import { Checker } from "../../config/checker";
import { databaseServerRef } from "../../databases/config";
import type { LoadContext } from "../kind";

/** Lower-case SQL names that never need quoting; what databases and the names of tables may use. */
const SQL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** A column type as PostgreSQL writes it (`bigint`, `varchar(80)`, `numeric(10,2)`, `text[]`), nothing more. */
const COLUMN_TYPE = /^[a-z][a-z0-9_ ]*(\(\d+(,\s*\d+)?\))?( with(out)? time zone)?(\[\])?$/;

export interface TwoWayTableSpec {
    readonly schema: string;
    readonly name: string;
    readonly primaryKey: readonly string[];
    /** When given, the stack creates the table in both databases if it is missing (and never drops it). */
    readonly columns?: Readonly<Record<string, string>>;
}

/** Two databases on one PostgreSQL server, kept in sync both ways. */
export interface TwoWaySpec {
    /** The `cdc-sync:databases` entry (engine postgres) holding both databases. */
    readonly postgres: string;
    readonly databases: readonly [string, string];
    readonly tables: readonly TwoWayTableSpec[];
}

/** The fields of an entry (besides `name` and `kind`). */
export const TWO_WAY_FIELDS = ["postgres", "databases", "tables"] as const;

function loadTable(c: Checker, key: string, v: unknown): TwoWayTableSpec | undefined {
    const o = c.object(key, v);
    if (!o) return undefined;
    c.unknownFields(key, o, ["name", "primaryKey", "columns"]);
    const m = typeof o.name === "string" ? /^(?:([a-z_][a-z0-9_]*)\.)?([a-z_][a-z0-9_]*)$/.exec(o.name) : null;
    if (!m) return c.fail(`${key}.name`, "schema.table (or table, meaning public.table) in lower-case SQL names", o.name);
    const [schema, name] = [m[1] ?? "public", m[2]];
    const pk = o.primaryKey;
    if (!Array.isArray(pk) || pk.length === 0 || !pk.every((k) => typeof k === "string" && SQL_NAME.test(k))) {
        return c.fail(`${key}.primaryKey`, "a non-empty list of column names (two-way sync needs a primary key)", pk);
    }
    let columns: Record<string, string> | undefined;
    if (o.columns !== undefined) {
        const cols = c.object(`${key}.columns`, o.columns);
        if (!cols) return undefined;
        columns = {};
        for (const [col, type] of Object.entries(cols)) {
            if (!SQL_NAME.test(col)) c.fail(`${key}.columns.${col}`, "a lower-case column name", col);
            else if (typeof type !== "string" || !COLUMN_TYPE.test(type.trim().toLowerCase())) {
                c.fail(`${key}.columns.${col}`, "a PostgreSQL column type such as bigint, text, varchar(80), numeric(10,2)", type);
            } else columns[col] = type.trim().toLowerCase();
        }
        for (const k of pk as string[]) if (!(k in cols)) c.fail(`${key}.primaryKey`, `columns that are declared in ${key}.columns (${k} is not)`, pk);
    }
    return { schema, name, primaryKey: pk as string[], columns };
}

/** One entry; `o` holds its fields, `ctx.at` names them. */
export function loadTwoWay(c: Checker, o: Record<string, unknown>, ctx: Pick<LoadContext, "at" | "databases" | "invalidDatabases">): TwoWaySpec | undefined {
    const server = databaseServerRef(c, ctx.at("postgres"), o.postgres, ctx, ["postgres"] as const, (pg) => `the name of a PostgreSQL server in cdc-sync:databases (${pg.map((d) => d.name).join(", ") || "none declared"})`);
    const dbs = o.databases ?? ["db1", "db2"];
    if (!Array.isArray(dbs) || dbs.length !== 2 || !dbs.every((d) => typeof d === "string" && SQL_NAME.test(d)) || dbs[0] === dbs[1]) {
        return c.fail(ctx.at("databases"), "two different lower-case database names, e.g. [db1, db2]", dbs);
    }
    if (!Array.isArray(o.tables) || o.tables.length === 0) return c.fail(ctx.at("tables"), "a non-empty list of { name, primaryKey, columns? }", o.tables);
    const tables = o.tables.map((t, i) => loadTable(c, ctx.at(`tables[${i}]`), t));
    const seen = new Set<string>();
    tables.forEach((t, i) => {
        if (!t) return;
        const q = `${t.schema}.${t.name}`;
        if (t.schema === "cdc_sync") c.fail(ctx.at(`tables[${i}].name`), "a table outside the cdc_sync schema (cdc-sync's own)", q);
        if (seen.has(q)) c.fail(ctx.at(`tables[${i}].name`), "a table listed once", q);
        seen.add(q);
    });
    if (tables.some((t) => t === undefined) || !server) return undefined;
    return { postgres: server.name, databases: [dbs[0], dbs[1]], tables: tables as TwoWayTableSpec[] };
}

/**
 * The passwords of a pair's roles, by name: `<db>-replication` (the source's) and `<db>-sink` (the sink's),
 * both referenced by the connectors. Named after the database, like the roles themselves.
 */
export function twoWayPasswordNames(tw: Pick<TwoWaySpec, "databases">): string[] {
    return tw.databases.flatMap((db) => [`${db}-replication`, `${db}-sink`]);
}
