// The refusal: two-way sync is deployed only where the server can keep it loop-free, and only onto
// objects it may own. Facts are read live (read-only), judged by a pure function, and any problem
// stops the deployment before anything is created.
import type { ClientBase } from "pg";
import { readServerSettings, serverRefusals, ServerSettings } from "../../databases/postgres/capabilities";
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

/** The server's settings and what exists of this spec's objects. */
export interface ServerFacts extends ServerSettings {
    /** Replication slots other than this spec's. */
    readonly otherSlots: number;
    /** Replication origins other than this spec's (they share max_replication_slots state entries). */
    readonly otherOrigins: number;
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
