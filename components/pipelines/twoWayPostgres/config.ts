// Topology B's keys: `cdc-sync:postgres` (the PostgreSQL server the stack runs or adopts) and
// `cdc-sync:twoWay` (the two databases kept in sync and their tables). Pure, like ./load.ts.
import { Bind, Checker, HOSTNAME, IPV4, serverRef } from "../../config/load";
import { PostgresSpec, ServerSpec, TwoWaySpec, TwoWayTableSpec } from "../../config/schema";

/** Lower-case SQL names that never need quoting; what databases and the names of tables may use. */
const SQL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** A column type as PostgreSQL writes it (`bigint`, `varchar(80)`, `numeric(10,2)`, `text[]`), nothing more. */
const COLUMN_TYPE = /^[a-z][a-z0-9_ ]*(\(\d+(,\s*\d+)?\))?( with(out)? time zone)?(\[\])?$/;

export function loadPostgres(c: Checker, v: unknown, servers: readonly ServerSpec[]): PostgresSpec | undefined {
    const o = c.object("postgres", v);
    if (!o) return undefined;
    c.unknownFields("postgres", o, ["server", "host", "port", "adminUser", "memoryMiB"]);
    const port = c.port("postgres.port", o.port, 5432);
    if ((o.server === undefined) === (o.host === undefined)) {
        c.fail("postgres", "exactly one of server (run PostgreSQL in a container there) or host (adopt an existing server)", v);
        return undefined;
    }
    let memoryMiB = 512;
    if (o.memoryMiB !== undefined) {
        if (typeof o.memoryMiB === "number" && Number.isInteger(o.memoryMiB) && o.memoryMiB >= 128) memoryMiB = o.memoryMiB;
        else c.fail("postgres.memoryMiB", "an integer of at least 128", o.memoryMiB);
    }
    if (o.server !== undefined) {
        if (o.adminUser !== undefined) c.fail("postgres.adminUser", "nothing when the stack runs the server (its superuser is postgres)", o.adminUser);
        const server = serverRef(c, "postgres.server", o.server, servers);
        return server ? { kind: "run", server, port, memoryMiB } : undefined;
    }
    const host = o.host;
    if (typeof host !== "string" || !(IPV4.test(host) || HOSTNAME.test(host))) return c.fail("postgres.host", "an IPv4 address or hostname", host);
    const adminUser = o.adminUser ?? "postgres";
    if (typeof adminUser !== "string" || !SQL_NAME.test(adminUser)) return c.fail("postgres.adminUser", "a superuser's name", adminUser);
    return { kind: "adopt", host, port, adminUser };
}

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

export function loadTwoWay(c: Checker, v: unknown): TwoWaySpec | undefined {
    const o = c.object("twoWay", v);
    if (!o) return undefined;
    c.unknownFields("twoWay", o, ["databases", "tables"]);
    const dbs = o.databases ?? ["db1", "db2"];
    if (!Array.isArray(dbs) || dbs.length !== 2 || !dbs.every((d) => typeof d === "string" && SQL_NAME.test(d)) || dbs[0] === dbs[1]) {
        return c.fail("twoWay.databases", "two different lower-case database names, e.g. [db1, db2]", dbs);
    }
    if (!Array.isArray(o.tables) || o.tables.length === 0) return c.fail("twoWay.tables", "a non-empty list of { name, primaryKey, columns? }", o.tables);
    const tables = o.tables.map((t, i) => loadTable(c, `twoWay.tables[${i}]`, t));
    const seen = new Set<string>();
    tables.forEach((t, i) => {
        if (!t) return;
        const q = `${t.schema}.${t.name}`;
        if (t.schema === "cdc_sync") c.fail(`twoWay.tables[${i}].name`, "a table outside the cdc_sync schema (cdc-sync's own)", q);
        if (seen.has(q)) c.fail(`twoWay.tables[${i}].name`, "a table listed once", q);
        seen.add(q);
    });
    if (tables.some((t) => t === undefined)) return undefined;
    return { databases: [dbs[0], dbs[1]], tables: tables as TwoWayTableSpec[] };
}

/** The passwords topology B needs, by name (components/secrets); `forConnect` go to the workers' secrets file. */
export function twoWayPasswordNames(tw: Pick<TwoWaySpec, "databases">): { names: string[]; forConnect: string[] } {
    const forConnect = tw.databases.flatMap((db) => [`${db}-replication`, `${db}-sink`]);
    return { names: ["postgres-admin", ...forConnect], forConnect };
}

/** Both keys or neither. An adopted server's admin password must be pinned; a run server's port joins the clash check when the stack runs it. */
export function loadTopologyB(
    c: Checker,
    value: (key: string) => unknown,
    servers: readonly ServerSpec[],
    secrets: { readonly passwordNames: readonly string[]; readonly connectorSecretNames: readonly string[] },
    binds: Bind[],
): { postgres?: PostgresSpec; twoWay?: TwoWaySpec } {
    const [pv, tv] = [value("postgres"), value("twoWay")];
    if (pv === undefined && tv === undefined) return {};
    if (pv === undefined) {
        c.fail("postgres", "the PostgreSQL server holding twoWay.databases ({ server } or { host })", pv);
        return {};
    }
    if (tv === undefined) {
        c.fail("twoWay", "the databases and tables to sync on the server cdc-sync:postgres declares", tv);
        return {};
    }
    const postgres = loadPostgres(c, pv, servers);
    if (postgres?.kind === "run") binds.push({ key: "postgres.port", server: postgres.server, port: postgres.port });
    if (postgres?.kind === "adopt" && !secrets.passwordNames.includes("postgres-admin")) {
        c.fail("passwords.postgres-admin", `the password of ${postgres.adminUser} on the adopted server (pulumi config set --secret --path 'cdc-sync:passwords.postgres-admin' ...)`, undefined);
    }
    const twoWay = loadTwoWay(c, tv);
    // The workers' secrets file holds both maps; a connectorSecrets entry would shadow the role's password.
    for (const n of twoWay ? twoWayPasswordNames(twoWay).forConnect.filter((x) => secrets.connectorSecretNames.includes(x)) : []) {
        c.fail(`connectorSecrets.${n}`, `another name: ${n} is the password the stack keeps for a two-way role (pin it with cdc-sync:passwords.${n})`, n);
    }
    return { postgres, twoWay };
}
