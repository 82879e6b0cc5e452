// The refusal: two-way sync is deployed only where the server can keep it loop-free, and only onto
// objects it may own. Facts are read live (read-only), judged by a pure function, and any problem
// stops the deployment before anything is created.
import type { ClientBase } from "pg";
import { STAMP_COLUMNS, TwoWayDatabaseSpec, managedComment, originNames, tableKey } from "./spec";

export interface TableFacts {
    readonly exists: boolean;
    /** Primary-key columns in key order; empty without a primary key. */
    readonly primaryKey: readonly string[];
    /** pg_class.relreplident: d(efault), f(ull), i(ndex), n(othing). */
    readonly replicaIdentity: string;
    readonly owner: string;
    readonly ownerIsSuperuser: boolean;
    /** Types of stamp columns already present (from an earlier setup), by column name. */
    readonly stampTypes: Readonly<Record<string, string>>;
}

export interface ServerFacts {
    readonly versionNum: number;
    readonly version: string;
    readonly walLevel: string;
    readonly superuser: boolean;
    readonly standardConformingStrings: boolean;
    /** `event_triggers` (PostgreSQL 17+; absent means on): off would skip the login trigger. */
    readonly eventTriggers: boolean;
    readonly maxReplicationSlots: number;
    readonly maxWalSenders: number;
    /** Replication slots other than this spec's. */
    readonly otherSlots: number;
    /** Replication origins other than this spec's (they share max_replication_slots state entries). */
    readonly otherOrigins: number;
    readonly database: string;
    /** This spec's slot, if it exists already. */
    readonly slot?: { readonly database: string; readonly plugin: string };
    /** Comments of this spec's roles, publication and sync schema that exist already (null: no comment). */
    readonly existing: Readonly<Record<string, string | null>>;
    readonly tables: Readonly<Record<string, TableFacts>>;
}

/** Keys of `ServerFacts.existing`. */
export const existingKey = {
    role: (name: string) => `role ${name}`,
    publication: (name: string) => `publication ${name}`,
    schema: (name: string) => `schema ${name}`,
};

/** Version requirement, stated as what breaks without it. */
function versionProblem(f: Pick<ServerFacts, "versionNum" | "version">): string | undefined {
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

/** The reasons that concern the server as a whole, whatever the database and tables (checked at preview). */
export function serverRefusals(f: ServerSettings): string[] {
    const out: string[] = [];
    const v = versionProblem(f);
    if (v) out.push(v);
    if (f.walLevel !== "logical") {
        out.push(`wal_level is ${f.walLevel}: logical decoding needs wal_level=logical (set it and restart PostgreSQL)`);
    }
    if (!f.superuser) out.push("the deploying role is not a superuser: creating a LOGIN event trigger and replication origins requires one");
    if (!f.standardConformingStrings) out.push("standard_conforming_strings is off: the generated SQL quotes literals for it being on");
    if (!f.eventTriggers) out.push("event_triggers is off: the login trigger would not tag sink sessions and their writes would echo");
    if (f.maxWalSenders < 1) out.push("max_wal_senders is 0: the source connector cannot stream");
    return out;
}

/** Every reason the spec cannot be deployed on the server described by `facts`; empty when it can. */
export function refusals(spec: TwoWayDatabaseSpec, f: ServerFacts): string[] {
    const out = serverRefusals(f);
    if (f.slot) {
        if (f.slot.database !== f.database || f.slot.plugin !== "pgoutput") {
            out.push(`slot ${spec.slotName} exists for database ${f.slot.database} with plugin ${f.slot.plugin}; expected ${f.database} with pgoutput`);
        }
    } else if (f.otherSlots + 1 > f.maxReplicationSlots) {
        out.push(`max_replication_slots is ${f.maxReplicationSlots} and ${f.otherSlots} slots exist: no room for slot ${spec.slotName}`);
    }
    // PostgreSQL 17 keeps the progress of every used origin in max_replication_slots entries.
    if (f.otherOrigins + originNames(spec).length > f.maxReplicationSlots) {
        out.push(
            `max_replication_slots is ${f.maxReplicationSlots}, ${f.otherOrigins} other replication origins exist and the sink pool needs ` +
                `${spec.originPoolSize}: raise max_replication_slots or lower originPoolSize`,
        );
    }
    const marker = managedComment(spec);
    const foreign = (key: string, what: string) => {
        if (key in f.existing && f.existing[key] !== marker) out.push(`${what} exists and was not created by this deployment (its comment is not "${marker}")`);
    };
    foreign(existingKey.role(spec.replicationRole), `role ${spec.replicationRole}`);
    foreign(existingKey.role(spec.sinkRole), `role ${spec.sinkRole}`);
    foreign(existingKey.publication(spec.publicationName), `publication ${spec.publicationName}`);
    foreign(existingKey.schema(spec.syncSchema), `schema ${spec.syncSchema}`);
    for (const t of spec.tables) {
        const key = tableKey(t);
        const tf = f.tables[key];
        if (!tf || !tf.exists) {
            out.push(`table ${key} does not exist in database ${f.database}`);
            continue;
        }
        if (tf.primaryKey.join(",") !== t.primaryKey.join(",")) {
            out.push(`table ${key}: declared primary key (${t.primaryKey.join(", ")}) differs from the table's (${tf.primaryKey.join(", ") || "none"})`);
        }
        if (tf.replicaIdentity !== "d" && tf.replicaIdentity !== "f") {
            out.push(`table ${key}: replica identity ${tf.replicaIdentity === "n" ? "NOTHING" : "USING INDEX"} would be overwritten (setup sets FULL); use DEFAULT or FULL`);
        }
        if (spec.schemaEvolution === "basic" && tf.ownerIsSuperuser) {
            out.push(
                `table ${key} is owned by superuser ${tf.owner}: schema evolution 'basic' makes the sink role inherit the tables' owner, ` +
                    `which must not be a superuser (give the tables an ordinary owner, or use schemaEvolution 'none')`,
            );
        }
        const expected: Record<string, string> = { [STAMP_COLUMNS.ts]: "timestamp with time zone", [STAMP_COLUMNS.side]: "text" };
        for (const [col, type] of Object.entries(tf.stampTypes)) {
            if (expected[col] !== type) out.push(`table ${key}: column ${col} exists with type ${type}; cdc-sync needs it as ${expected[col]}`);
        }
    }
    return out;
}

/** Throws, before anything is created, when two-way sync cannot be deployed. */
export function assertDeployable(spec: TwoWayDatabaseSpec, facts: ServerFacts): void {
    const problems = refusals(spec, facts);
    if (problems.length > 0) {
        throw new Error(`two-way sync cannot be deployed on database ${facts.database} (side ${spec.side}):\n  - ${problems.join("\n  - ")}`);
    }
}

/** The facts about the server and the session's role, whatever the spec (what `serverRefusals` judges). */
export type ServerSettings = Pick<
    ServerFacts,
    "versionNum" | "version" | "walLevel" | "superuser" | "standardConformingStrings" | "eventTriggers" | "maxReplicationSlots" | "maxWalSenders" | "database"
>;

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

/** Reads the facts `refusals` judges, without changing anything. */
export async function readFacts(client: ClientBase, spec: TwoWayDatabaseSpec): Promise<ServerFacts> {
    const one = async <T>(sql: string, params: unknown[] = []): Promise<T> => (await client.query(sql, params)).rows[0] as T;
    const settings = await readServerSettings(client);
    const origins = originNames(spec);
    const counts = await one<{ slots: string; origins: string }>(
        `SELECT (SELECT count(*) FROM pg_replication_slots WHERE slot_name <> $1) AS slots,
                (SELECT count(*) FROM pg_replication_origin WHERE NOT (roname = ANY($2::text[]))) AS origins`,
        [spec.slotName, origins],
    );
    const slot = await one<{ database: string; plugin: string } | undefined>(
        `SELECT database, plugin FROM pg_replication_slots WHERE slot_name = $1`,
        [spec.slotName],
    );
    const existing: Record<string, string | null> = {};
    for (const role of [spec.replicationRole, spec.sinkRole]) {
        const r = await one<{ c: string | null } | undefined>(`SELECT shobj_description(oid, 'pg_authid') AS c FROM pg_roles WHERE rolname = $1`, [role]);
        if (r) existing[existingKey.role(role)] = r.c;
    }
    const pub = await one<{ c: string | null } | undefined>(
        `SELECT obj_description(oid, 'pg_publication') AS c FROM pg_publication WHERE pubname = $1`,
        [spec.publicationName],
    );
    if (pub) existing[existingKey.publication(spec.publicationName)] = pub.c;
    const sch = await one<{ c: string | null } | undefined>(`SELECT obj_description(oid, 'pg_namespace') AS c FROM pg_namespace WHERE nspname = $1`, [
        spec.syncSchema,
    ]);
    if (sch) existing[existingKey.schema(spec.syncSchema)] = sch.c;
    const tables: Record<string, TableFacts> = {};
    for (const t of spec.tables) {
        const row = await one<{ relreplident: string; owner: string; owner_super: boolean } | undefined>(
            `SELECT c.relreplident, pg_get_userbyid(c.relowner) AS owner, r.rolsuper AS owner_super
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles r ON r.oid = c.relowner
              WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
            [t.schema, t.name],
        );
        if (!row) {
            tables[tableKey(t)] = { exists: false, primaryKey: [], replicaIdentity: "", owner: "", ownerIsSuperuser: false, stampTypes: {} };
            continue;
        }
        const pk = await client.query<{ attname: string }>(
            `SELECT a.attname FROM pg_index i
               CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.ord`,
            [tableKey(t)],
        );
        const stamps = await client.query<{ attname: string; type: string }>(
            `SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute
              WHERE attrelid = $1::regclass AND attname = ANY($2::text[]) AND NOT attisdropped`,
            [tableKey(t), [STAMP_COLUMNS.ts, STAMP_COLUMNS.side]],
        );
        tables[tableKey(t)] = {
            exists: true,
            primaryKey: pk.rows.map((r) => r.attname),
            replicaIdentity: row.relreplident,
            owner: row.owner,
            ownerIsSuperuser: row.owner_super,
            stampTypes: Object.fromEntries(stamps.rows.map((r) => [r.attname, r.type])),
        };
    }
    return {
        ...settings,
        otherSlots: Number(counts.slots),
        otherOrigins: Number(counts.origins),
        slot: slot ? { database: slot.database, plugin: slot.plugin } : undefined,
        existing,
        tables,
    };
}
