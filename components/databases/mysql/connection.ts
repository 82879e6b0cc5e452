// How the dynamic providers of ./database.ts, ./user.ts, ./grant.ts and ./localRoot.ts reach a MySQL/MariaDB
// server as its administrator. Called inside provider methods, so packages are required at call time (nothing
// from node_modules is serialized into the state file; the repo's own modules are, imported above), and the
// password arrives as a provider input, never captured in a closure.
//
// A server the stack runs has no administrator reachable over the network: root logs in through the server's
// Unix socket, by the engine's exec API (the way `docker exec <c> mariadb` does), so an address that reaches
// port 3306 cannot even try root's password. An adopted server is reached as the account its stack file names.
import { Engine } from "../../config/schema";
import { execWithFiles } from "../../docker/exec";

/** An adopted server's administrator, over the network. */
export interface MySqlNetworkAdmin {
    /** The server's address (its ServerSpec address), reachable from the machine running Pulumi. */
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly password: string;
}

/** The root account of a server the stack runs, through its Unix socket inside the container. */
export interface MySqlSocketAdmin {
    readonly engine: Engine;
    /** The container's name. */
    readonly container: string;
    /** root's password (MariaDB's root@localhost also takes the socket's peer; MySQL's images need the password). */
    readonly password: string;
}

/** The account the stack manages a server with; always held as a Pulumi secret. */
export type MySqlAdmin = MySqlNetworkAdmin | MySqlSocketAdmin;

/** Rows as column name to value (NULL as null); empty for a statement that returns none. */
export type MySqlRows = Record<string, string | number | null>[];

/** One administrator's session: `?` values and `??` identifiers are escaped as mysql2 escapes them. */
export interface MySqlSession {
    query(sql: string, values?: readonly unknown[]): Promise<MySqlRows>;
}

/** Where `admin` reaches, for messages: `host:port`, or the container. */
export function adminTarget(admin: MySqlAdmin): string {
    return "container" in admin ? `container ${admin.container} (root through its socket)` : `${admin.host}:${admin.port}`;
}

/** Runs `fn` in a session as `admin`. A network session retries connecting for a while (a server that just started). */
export async function withMySql<T>(admin: MySqlAdmin, fn: (c: MySqlSession) => Promise<T>): Promise<T> {
    if ("container" in admin) return fn(socketSession(admin));
    const mysql: typeof import("mysql2/promise") = require("mysql2/promise");
    const deadline = Date.now() + 60_000;
    let c: import("mysql2/promise").Connection;
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
        return await fn({
            async query(sql, values) {
                const [rows] = await c.query(sql, values as unknown[] | undefined);
                return Array.isArray(rows) ? (rows as MySqlRows) : [];
            },
        });
    } finally {
        await c.end();
    }
}

/**
 * A session that runs each statement with the server's own client in its container: the statement and a client
 * config with root's password go in as 0600 files through the archive API (never a process argument), are read
 * from there, and are removed after. `--batch` output is parsed back into rows (parseBatch).
 */
function socketSession(admin: MySqlSocketAdmin): MySqlSession {
    return {
        async query(sql, values) {
            const { format }: typeof import("mysql2") = require("mysql2");
            const { randomBytes }: typeof import("crypto") = require("crypto");
            const dir = `/run/cdc-sync-sql-${randomBytes(6).toString("hex")}`;
            const deadline = Date.now() + 60_000;
            const files = { "client.cnf": clientConfig(admin.password), "statement.sql": `${format(sql, values as Parameters<typeof format>[1])};\n` };
            for (;;) {
                const r = await execWithFiles(admin.engine, admin.container, dir, files, { uid: 0, gid: 0 }, ["sh", "-c", RUN_STATEMENT, "sh", dir]);
                if (r.exitCode === 0) return parseBatch(r.output);
                // A server that just started may not have its socket yet (ERROR 2002); anything else fails at once.
                if (!/\bERROR 2002\b/.test(r.output) || Date.now() > deadline) {
                    throw new Error(`${adminTarget(admin)}: the statement failed (exit ${r.exitCode}): ${withoutStatement(r.output).trim().slice(-2000)}`);
                }
                await new Promise((res) => setTimeout(res, 2000));
            }
        },
    };
}

/**
 * The shell command run in the container with the files' directory as $1: MariaDB's `mariadb` client, or
 * MySQL's `mysql`, in batch mode with column names; stderr is shown only when the client fails. MariaDB's client
 * would print a failed statement (a password in it) before its error: told not to.
 */
const RUN_STATEMENT =
    'if c="$(command -v mariadb)"; then quiet=--skip-print-query-on-error; ' +
    'elif c="$(command -v mysql)"; then quiet=; else echo "no mariadb or mysql client in the container"; exit 127; fi; ' +
    '"$c" --defaults-extra-file="$1/client.cnf" --batch $quiet < "$1/statement.sql" 2>"$1/stderr"; s=$?; ' +
    '[ "$s" -eq 0 ] || cat "$1/stderr"; exit "$s"';

/** A client's error output without any statement it echoed (between `--------------` lines): it may hold a password. */
export function withoutStatement(output: string): string {
    return output.replace(/^-{14}\n[\s\S]*?\n-{14}\n/gm, "[statement not shown]\n");
}

/** A client option file for root through the socket (an option value in double quotes, backslashes escaped). */
export function clientConfig(password: string): string {
    return `[client]\nuser=root\npassword="${password.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"\n`;
}

/** The value of a `--batch` field: `\t`, `\n`, `\\` and `\0` unescaped; the bare word NULL is SQL's NULL. */
function batchValue(field: string): string | null {
    if (field === "NULL") return null;
    return field.replace(/\\(.)/g, (_m, c: string) => ({ t: "\t", n: "\n", "0": "\0", "\\": "\\" })[c] ?? c);
}

/** Rows of the client's `--batch` output: a tab-separated header line, then one line per row. */
export function parseBatch(output: string): MySqlRows {
    const lines = output.split("\n").filter((l) => l !== "");
    if (lines.length === 0) return [];
    const names = lines[0].split("\t");
    return lines.slice(1).map((line) => {
        const fields = line.split("\t");
        return Object.fromEntries(names.map((n, i) => [n, batchValue(fields[i] ?? "")]));
    });
}
