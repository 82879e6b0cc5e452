// A database on a PostgreSQL server (owned by an ordinary role `<database>_owner`), and optionally tables
// declared with their columns, created as that owner when missing. Neither is ever dropped by the stack: they hold the user's data, which outlives the pipeline
// (a server the stack runs in a container takes its data volume with it on destroy; an adopted server keeps
// everything). The bridged @pulumi/postgresql provider would do the database part, but its plugin cannot
// be built here (see README), so this is a dynamic provider over `pg`.
import * as pulumi from "@pulumi/pulumi";
import { changedFields } from "../../dynamic/diff";
import { listed, withEffect } from "../../dynamic/effect";
import { serverRefusalsIfReachable } from "./capabilities";
import { ident as q, qualified } from "./sqlText";

export interface PgAdminConnection {
    readonly host: string;
    readonly port: number;
    readonly user: string;
}

/** A table to create if missing: every column with its type, and the primary key. */
export interface DeclaredTable {
    readonly schema: string;
    readonly name: string;
    readonly columns: Readonly<Record<string, string>>;
    readonly primaryKey: readonly string[];
}

interface Inputs {
    connection: PgAdminConnection;
    adminPassword: string;
    database: string;
    tables: DeclaredTable[];
    preflight: Preflight;
}

/** What the server must support, judged by `check` (at preview) when the server already answers. */
export type Preflight = "none" | "two-way";

/** `CREATE SCHEMA/TABLE IF NOT EXISTS` for each declared table (names are validated config, quoted anyway). */
export function createTablesSql(tables: readonly DeclaredTable[]): string[] {
    return tables.flatMap((t) => [
        `CREATE SCHEMA IF NOT EXISTS ${q(t.schema)}`,
        `CREATE TABLE IF NOT EXISTS ${qualified(t.schema, t.name)} (` +
            [...Object.entries(t.columns).map(([c, type]) => `${q(c)} ${type}`), `PRIMARY KEY (${t.primaryKey.map(q).join(", ")})`].join(", ") +
            `)`,
    ]);
}

/** The owner a database the stack creates gets: an ordinary role nobody logs in as. */
export function ownerRole(database: string): string {
    return `${database}_owner`;
}

async function converge(inputs: Inputs): Promise<void> {
    const pg: typeof import("pg") = require("pg");
    const admin = new pg.Client({ ...inputs.connection, password: inputs.adminPassword, database: "postgres" });
    await admin.connect();
    let owner: { name: string; superuser: boolean };
    try {
        const found = await admin.query(
            "SELECT r.rolname AS name, r.rolsuper AS superuser FROM pg_catalog.pg_database d JOIN pg_catalog.pg_roles r ON r.oid = d.datdba WHERE d.datname = $1",
            [inputs.database],
        );
        if (found.rowCount === 0) {
            // Not the superuser: tables the sink may ALTER (schema evolution) must have an ordinary owner.
            const role = ownerRole(inputs.database);
            const exists = await admin.query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", [role]);
            if (exists.rowCount === 0) await admin.query(`CREATE ROLE ${q(role)} NOLOGIN`);
            await admin.query(`CREATE DATABASE ${q(inputs.database)} OWNER ${q(role)}`);
            owner = { name: role, superuser: false };
        } else owner = found.rows[0];
    } finally {
        await admin.end();
    }
    if (inputs.tables.length === 0) return;
    const db = new pg.Client({ ...inputs.connection, password: inputs.adminPassword, database: inputs.database });
    await db.connect();
    try {
        await db.query("BEGIN");
        // Created as the database's owner, so they are its tables, not the administrator's.
        if (!owner.superuser) await db.query(`SET LOCAL ROLE ${q(owner.name)}`);
        for (const sql of createTablesSql(inputs.tables)) await db.query(sql);
        await db.query("COMMIT");
    } catch (e) {
        await db.query("ROLLBACK").catch(() => undefined);
        throw e;
    } finally {
        await db.end();
    }
}

/** What an update does, in words (components/dynamic/effect.ts). */
export function databaseEffect(olds: Inputs, news: Inputs): string | undefined {
    const had = new Set((olds.tables ?? []).map((t) => `${t.schema}.${t.name}`));
    const created = (news.tables ?? []).map((t) => `${t.schema}.${t.name}`).filter((t) => !had.has(t));
    if (created.length > 0) return `creates ${listed(created)} if missing (owner ${ownerRole(news.database)}); an existing table is left as it is`;
    if (changedFields<Inputs>(olds, news, ["tables"]).length > 0) return "tables taken off the list are left as they are, with their data";
    if (olds.adminPassword !== news.adminPassword) return "records the rotated superuser password: nothing changes in the database";
    return undefined;
}

const provider: pulumi.dynamic.ResourceProvider<Inputs, Inputs> = {
    async check(olds, news) {
        const inputs = withEffect(olds, news, databaseEffect);
        if (news.preflight !== "two-way") return { inputs };
        const reasons = await serverRefusalsIfReachable(news.connection, news.adminPassword);
        return { inputs, failures: reasons.map((reason) => ({ property: "connection", reason })) };
    },
    async create(inputs) {
        await converge(inputs);
        return { id: `${inputs.connection.host}:${inputs.connection.port}/${inputs.database}`, outs: inputs };
    },
    async diff(_id, olds, news) {
        const replaces = [
            ...changedFields(olds.connection, news.connection, ["host", "port"]).map((f) => `connection.${f}`),
            ...changedFields<Inputs>(olds, news, ["database"]),
        ];
        const updates = changedFields<Inputs>(olds, news, ["tables", "adminPassword"]);
        return { changes: replaces.length + updates.length > 0, replaces };
    },
    async update(_id, _olds, news) {
        // Tables taken off the list are left as they are: they hold data.
        await converge(news);
        return { outs: news };
    },
    // No delete: the database and its tables are the user's data.
};

export interface PostgresDatabaseArgs {
    readonly connection: pulumi.Input<PgAdminConnection>;
    /** Password of `connection.user` (a superuser, or a role with CREATEDB); kept a Pulumi secret. */
    readonly adminPassword: pulumi.Input<string>;
    readonly database: string;
    /** Tables to create if missing; default none. Columns of an existing table are not compared. */
    readonly tables?: readonly DeclaredTable[];
    /** `two-way`: refuse at preview a server two-way sync cannot run on (components/databases/postgres/capabilities.ts). */
    readonly preflight?: Preflight;
}

/** A database created if missing, with tables created if missing; kept on `pulumi destroy`. */
export class PostgresDatabase extends pulumi.dynamic.Resource {
    constructor(name: string, args: PostgresDatabaseArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            { connection: args.connection, adminPassword: pulumi.secret(args.adminPassword), database: args.database, tables: args.tables ?? [], preflight: args.preflight ?? "none" },
            { ...opts, additionalSecretOutputs: ["adminPassword"] },
            "databases",
            "PostgresDatabase",
        );
    }
}
