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

/** Whether the table named `qualifiedName` (as SQL: `"schema"."name"`) exists in the client's database. */
export async function tableExists(client: Client, qualifiedName: string): Promise<boolean> {
    return (await client.query("SELECT pg_catalog.to_regclass($1) IS NOT NULL AS found", [qualifiedName])).rows[0].found === true;
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

/**
 * Runs `fn` again (up to 5 times) when PostgreSQL reports "tuple concurrently updated": two of the stack's sessions
 * changed one catalog row at once (two pipelines' roles granted on one database, their teardowns run in parallel by
 * `pulumi destroy`). The server aborts one of them whole; `fn` must be safe to repeat (a transaction, or IF EXISTS).
 */
export async function retryingCatalogRaces<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await fn();
        } catch (e) {
            if (attempt >= 5 || !/tuple concurrently (updated|deleted)/.test((e as Error).message)) throw e;
            await new Promise((r) => setTimeout(r, 200 * attempt + Math.floor(Math.random() * 300)));
        }
    }
}

/** SQLSTATEs of a transaction that lost a lock wait: `deadlock_detected`, and `lock_not_available` (lock_timeout). */
const LOCK_LOST = new Set(["40P01", "55P03"]);

/**
 * Runs `fn` again (up to 5 times, after a growing pause) when PostgreSQL aborted it for a lock: a deadlock with the
 * running sinks' writes, or the `lock_timeout` it set for itself. A setup that changes tables under live traffic sets
 * a short lock_timeout, so that its place in a table's lock queue never holds the application's writes for long;
 * `fn` must be one transaction (or safe to repeat).
 */
export async function retryingLockWaits<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await fn();
        } catch (e) {
            if (attempt >= 5 || !LOCK_LOST.has((e as { code?: string }).code ?? "")) throw e;
            await new Promise((r) => setTimeout(r, 500 * attempt + Math.floor(Math.random() * 500)));
        }
    }
}

/** `SET LOCAL lock_timeout`: the first statement of a transaction that takes table locks under live traffic. */
export const LIVE_LOCK_TIMEOUT = "SET LOCAL lock_timeout = '5s'";
