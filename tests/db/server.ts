// A throwaway PostgreSQL 17 server for the database-side tests: one container on the host network,
// listening on one loopback address, started through the docker CLI and removed afterwards.
import { execFileSync } from "child_process";
import { randomBytes } from "crypto";
import * as path from "path";
import { Client, ClientConfig } from "pg";

/** Image built from tests/db/postgres (once per engine; reused while the tag exists). */
export const TEST_IMAGE = process.env.CDC_SYNC_TEST_PG_IMAGE ?? "cdc-sync/test-postgres:17";

export interface ServerOptions {
    /** Container name; unique on the engine. */
    readonly container: string;
    readonly address: string;
    readonly port: number;
    /** `logical` for the real tests, `replica` to see the refusal. */
    readonly walLevel: "logical" | "replica";
}

export interface TestServer extends ServerOptions {
    /** Password of the `postgres` superuser. */
    readonly adminPassword: string;
    /** A connection as `user` (default: the superuser) to `database`. */
    connect(database: string, user?: string, password?: string): Promise<Client>;
    remove(): void;
}

function docker(args: string[]): string {
    return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function ensureImage(): void {
    try {
        docker(["image", "inspect", TEST_IMAGE]);
    } catch {
        execFileSync("docker", ["build", "--network", "host", "-t", TEST_IMAGE, path.join(__dirname, "postgres")], { stdio: "ignore" });
    }
}

export async function startServer(o: ServerOptions): Promise<TestServer> {
    ensureImage();
    docker(["rm", "-f", o.container]);
    const adminPassword = randomBytes(12).toString("hex");
    // Password auth on TCP only, so every test role logs in exactly as a connector would.
    const script = [
        "set -e",
        "D=/tmp/pgdata",
        'printf "%s" "$PG_ADMIN_PASSWORD" > /tmp/pw',
        "/usr/lib/postgresql/17/bin/initdb -D $D -U postgres -A scram-sha-256 --pwfile=/tmp/pw >/dev/null",
        "rm /tmp/pw",
        'printf "host all all 127.0.0.0/8 scram-sha-256\\nhost replication all 127.0.0.0/8 scram-sha-256\\n" > $D/pg_hba.conf',
        `exec /usr/lib/postgresql/17/bin/postgres -D $D -c listen_addresses=${o.address} -c port=${o.port} ` +
            `-c unix_socket_directories=/tmp -c wal_level=${o.walLevel} -c max_replication_slots=20 -c fsync=off`,
    ].join("\n");
    docker(["run", "-d", "--name", o.container, "--network", "host", "--user", "postgres", "-e", `PG_ADMIN_PASSWORD=${adminPassword}`, TEST_IMAGE, "bash", "-c", script]);
    const cfg = (database: string, user = "postgres", password = adminPassword): ClientConfig => ({
        host: o.address,
        port: o.port,
        database,
        user,
        password,
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
        const c = new Client(cfg("postgres"));
        try {
            await c.connect();
            await c.end();
            break;
        } catch (e) {
            await c.end().catch(() => undefined);
            if (Date.now() > deadline) {
                const log = docker(["logs", o.container]);
                throw new Error(`PostgreSQL in ${o.container} did not accept connections: ${(e as Error).message}\n${log}`);
            }
            await new Promise((r) => setTimeout(r, 300));
        }
    }
    return {
        ...o,
        adminPassword,
        async connect(database, user, password) {
            const c = new Client(cfg(database, user, password));
            await c.connect();
            return c;
        },
        remove: () => {
            docker(["rm", "-f", o.container]);
        },
    };
}
