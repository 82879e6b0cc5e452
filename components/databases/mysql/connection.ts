// How the dynamic providers of ./database.ts, ./user.ts and ./grant.ts reach a MySQL/MariaDB server as its
// administrator. Called inside provider methods, so mysql2 is required at call time (nothing from
// node_modules is serialized into the state file), and the password arrives as a provider input, never
// captured in a closure.
import type { Connection } from "mysql2/promise";

/** The account the stack manages a server with; always held as a Pulumi secret. */
export interface MySqlAdmin {
    /** The server's address (its ServerSpec address), reachable from the machine running Pulumi. */
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly password: string;
}

/** Runs `fn` on a fresh admin connection; retries connecting for a while (a server that just started). */
export async function withMySql<T>(admin: MySqlAdmin, fn: (c: Connection) => Promise<T>): Promise<T> {
    const mysql: typeof import("mysql2/promise") = require("mysql2/promise");
    const deadline = Date.now() + 60_000;
    let c: Connection;
    for (;;) {
        try {
            c = await mysql.createConnection({ host: admin.host, port: admin.port, user: admin.user, password: admin.password, connectTimeout: 10_000 });
            break;
        } catch (e) {
            const code = (e as { code?: string }).code;
            // Only "not there yet" is worth waiting for; bad credentials fail at once.
            if (!["ECONNREFUSED", "ETIMEDOUT", "ECONNRESET"].includes(code ?? "") || Date.now() > deadline) {
                throw new Error(`cannot connect to ${admin.host}:${admin.port} as ${admin.user}: ${(e as Error).message}`);
            }
            await new Promise((r) => setTimeout(r, 2000));
        }
    }
    try {
        return await fn(c);
    } finally {
        await c.end();
    }
}
