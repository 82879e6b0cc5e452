// The administrator's session the PostgreSQL dynamic providers work in (required inside their methods, so
// nothing from node_modules is serialized with them).
import type { Client } from "pg";

/** Where a provider connects: a database on a server, as a role allowed to set things up there. */
export interface PgAdminTarget {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly database: string;
}

/** A connected client; `application` names the session in pg_stat_activity. */
export async function adminClient(target: PgAdminTarget, password: string, application: string): Promise<Client> {
    const pg: typeof import("pg") = require("pg");
    const client = new pg.Client({ ...target, password, application_name: application });
    await client.connect();
    return client;
}

/** Runs `statements` in one transaction: all of them, or (rolled back) none. */
export async function inTransaction(client: Client, statements: readonly string[]): Promise<void> {
    await client.query("BEGIN");
    try {
        for (const sql of statements) await client.query(sql);
        await client.query("COMMIT");
    } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw e;
    }
}
