// What a PostgreSQL server offers change-data capture, read live and judged by pure functions: logical
// decoding, and for two-way sync the origin filter (16+) and login event triggers (17+) that keep it loop-free.
// Read at preview by every resource that would touch the server, so a server that cannot is refused first.
import type { ClientBase } from "pg";
import { UNKNOWN } from "../../dynamic/diff";

/** The server's settings and the session's role, whatever the database (what `serverRefusals` judges). */
export interface ServerSettings {
    readonly versionNum: number;
    readonly version: string;
    readonly walLevel: string;
    readonly superuser: boolean;
    readonly standardConformingStrings: boolean;
    /** `event_triggers` (PostgreSQL 17+; absent means on): off would skip the login trigger. */
    readonly eventTriggers: boolean;
    readonly maxReplicationSlots: number;
    readonly maxWalSenders: number;
    readonly database: string;
}

/** Version requirement, stated as what breaks without it. */
function versionProblem(f: Pick<ServerSettings, "versionNum" | "version">): string | undefined {
    if (f.versionNum >= 170000) return undefined;
    const missing =
        f.versionNum >= 160000
            ? "no LOGIN event triggers (PostgreSQL 17+), so the sink's sessions cannot be tagged with a replication origin before they write"
            : "no pgoutput origin=none filter (PostgreSQL 16+) and no LOGIN event triggers (PostgreSQL 17+)";
    return (
        `PostgreSQL ${f.version} has ${missing}: the source could not tell the sink's writes from the application's, ` +
        `so every replicated change would echo back to its origin. Two-way sync needs PostgreSQL 17 or later`
    );
}

/**
 * What a server must offer: `logical`, a CDC source (logical decoding, a superuser to create its slot and
 * REPLICATION role); `two-way`, that and what keeps two-way sync loop-free (origin filter, login triggers).
 */
export type Requirement = "logical" | "two-way";

/** The reasons the server cannot serve `requirement`, whatever the database and tables (checked at preview). */
export function serverRefusals(f: ServerSettings, requirement: Requirement = "two-way"): string[] {
    const twoWay = requirement === "two-way";
    const out: string[] = [];
    const v = twoWay ? versionProblem(f) : undefined;
    if (v) out.push(v);
    if (f.walLevel !== "logical") {
        out.push(`wal_level is ${f.walLevel}: logical decoding needs wal_level=logical (set it and restart PostgreSQL)`);
    }
    if (!f.superuser) {
        out.push(`the deploying role is not a superuser: creating ${twoWay ? "a LOGIN event trigger and replication origins" : "a replication slot and a REPLICATION role"} requires one`);
    }
    if (!f.standardConformingStrings) out.push("standard_conforming_strings is off: the generated SQL quotes literals for it being on");
    if (twoWay && !f.eventTriggers) out.push("event_triggers is off: the login trigger would not tag sink sessions and their writes would echo");
    if (f.maxWalSenders < 1) out.push("max_wal_senders is 0: the source connector cannot stream");
    return out;
}

/** Reads the server's settings `serverRefusals` judges, without changing anything. */
export async function readServerSettings(client: ClientBase): Promise<ServerSettings> {
    const s = (
        await client.query<Record<string, string | boolean | null>>(
            `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version,
                current_setting('wal_level') AS wal_level, current_setting('standard_conforming_strings') AS scs,
                current_setting('event_triggers', true) AS event_triggers,
                current_setting('max_replication_slots') AS max_slots, current_setting('max_wal_senders') AS max_senders,
                (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser, current_database() AS db`,
        )
    ).rows[0];
    return {
        versionNum: Number(s.num),
        version: String(s.version),
        walLevel: String(s.wal_level),
        superuser: s.superuser === true,
        standardConformingStrings: s.scs === "on",
        eventTriggers: s.event_triggers !== "off",
        maxReplicationSlots: Number(s.max_slots),
        maxWalSenders: Number(s.max_senders),
        database: String(s.db),
    };
}

/**
 * The server-wide refusals, when the server already answers; none when it cannot be reached yet. For the
 * `check` of every resource of a two-way pair that touches the server, so a preview refuses before any is created.
 */
export async function serverRefusalsIfReachable(
    c: { readonly host: string; readonly port: number; readonly user: string } | undefined,
    adminPassword: string,
    requirement: Requirement = "two-way",
): Promise<string[]> {
    const known = (v: unknown) => v !== undefined && v !== UNKNOWN;
    if (!c || ![c.host, c.port, c.user, adminPassword].every(known)) return [];
    const pg: typeof import("pg") = require("pg");
    // The database itself may be created later in the same update: ask the maintenance database.
    const client = new pg.Client({ host: c.host, port: c.port, user: c.user, database: "postgres", password: adminPassword, connectionTimeoutMillis: 3000 });
    try {
        await client.connect();
    } catch {
        return [];
    }
    try {
        const what = requirement === "two-way" ? "two-way sync cannot be deployed" : "a CDC source cannot be set up";
        return serverRefusals(await readServerSettings(client), requirement).map((p) => `${what} on ${c.host}:${c.port}: ${p}`);
    } finally {
        await client.end();
    }
}

