// One database as a Debezium source, owned by the stack: a replication role that may read only the captured
// tables, a publication of exactly those tables, and a pgoutput slot created before the connector starts, so no
// change between `up` and the connector's first poll is missed. Removed on delete (the data stays). The SQL is
// pure (tested); the dynamic provider over `pg` applies it.
import * as pulumi from "@pulumi/pulumi";
import type { Client } from "pg";
import { changedFields } from "../../dynamic/diff";
import { Guard, guardFor, refuseDestruction } from "../../dynamic/guard";
import { adminClient, inTransaction, PgAdminTarget, retryingCatalogRaces, tableExists } from "./admin";
import { serverRefusalsIfReachable } from "./capabilities";
import { scramVerifier } from "./scram";
import { ident, literal, qualified } from "./sqlText";

export interface CdcTable {
    readonly schema: string;
    readonly name: string;
}

export interface CdcSourceSpec {
    readonly role: string;
    readonly publication: string;
    readonly slot: string;
    readonly tables: readonly CdcTable[];
}

/** Comment on the role and publication: what the stack created, so a foreign object of that name is refused. */
export function cdcSourceComment(spec: Pick<CdcSourceSpec, "slot">): string {
    return `managed by cdc-sync (CDC source, slot ${spec.slot})`;
}

/** The role (created or its password set) and what it may read: connect, the schemas' usage, the tables. */
export function cdcRoleSql(spec: CdcSourceSpec, database: string, verifier: string, exists: boolean): string[] {
    const schemas = [...new Set(spec.tables.map((t) => t.schema))];
    return [
        exists ? `ALTER ROLE ${ident(spec.role)} WITH LOGIN REPLICATION PASSWORD ${literal(verifier)}` : `CREATE ROLE ${ident(spec.role)} WITH LOGIN REPLICATION PASSWORD ${literal(verifier)}`,
        `COMMENT ON ROLE ${ident(spec.role)} IS ${literal(cdcSourceComment(spec))}`,
        `GRANT CONNECT ON DATABASE ${ident(database)} TO ${ident(spec.role)}`,
        ...schemas.map((s) => `GRANT USAGE ON SCHEMA ${ident(s)} TO ${ident(spec.role)}`),
        ...spec.tables.map((t) => `GRANT SELECT ON ${qualified(t.schema, t.name)} TO ${ident(spec.role)}`),
    ];
}

/** The publication of exactly the captured tables (created, or its table list set). */
export function cdcPublicationSql(spec: CdcSourceSpec, exists: boolean): string[] {
    const tables = spec.tables.map((t) => qualified(t.schema, t.name)).join(", ");
    return [
        exists ? `ALTER PUBLICATION ${ident(spec.publication)} SET TABLE ${tables}` : `CREATE PUBLICATION ${ident(spec.publication)} FOR TABLE ${tables}`,
        `COMMENT ON PUBLICATION ${ident(spec.publication)} IS ${literal(cdcSourceComment(spec))}`,
    ];
}

/** What delete runs in the database: the slot (its reader ended first), the publication, the role's grants and the role. */
export function cdcTeardownSql(spec: CdcSourceSpec): string[] {
    return [
        `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = ${literal(spec.slot)} AND active_pid IS NOT NULL`,
        `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ${literal(spec.slot)}`,
        `DROP PUBLICATION IF EXISTS ${ident(spec.publication)}`,
        `DROP OWNED BY ${ident(spec.role)}`,
        `DROP ROLE IF EXISTS ${ident(spec.role)}`,
    ];
}

interface Inputs {
    /** The administrator's connection to the source database (a superuser: slots and REPLICATION roles need one). */
    connection: PgAdminTarget;
    adminPassword: string;
    rolePassword: string;
    spec: CdcSourceSpec;
    guard?: Guard;
}

const connect = (inputs: Inputs): Promise<Client> => adminClient(inputs.connection, inputs.adminPassword, "cdc-sync CDC source setup");

async function converge(inputs: Inputs): Promise<void> {
    const { spec } = inputs;
    const client = await connect(inputs);
    const one = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows[0];
    try {
        const wal = await one("SELECT current_setting('wal_level') AS w", []);
        if (wal.w !== "logical") throw new Error(`${inputs.connection.host}:${inputs.connection.port}: wal_level is ${wal.w}; a CDC source needs wal_level=logical`);
        const missing = [];
        for (const t of spec.tables) if (!(await tableExists(client, qualified(t.schema, t.name)))) missing.push(`${t.schema}.${t.name}`);
        if (missing.length > 0) throw new Error(`database ${inputs.connection.database}: no table ${missing.join(", ")} to capture (create it first, or list only tables that exist)`);
        const keyless = [];
        for (const t of spec.tables) {
            if (!(await one("SELECT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = $1::regclass AND indisprimary) AS k", [qualified(t.schema, t.name)])).k) keyless.push(`${t.schema}.${t.name}`);
        }
        // The sink upserts and deletes by the record key, which Debezium takes from the primary key.
        if (keyless.length > 0) throw new Error(`database ${inputs.connection.database}: table ${keyless.join(", ")} has no primary key (rows are upserted and deleted by it)`);
        const foreign = async (what: string, sql: string, name: string) => {
            const row = await one(sql, [name]);
            if (row && row.c !== cdcSourceComment(spec)) throw new Error(`${what} ${name} exists and was not created by this deployment (its comment is not "${cdcSourceComment(spec)}")`);
            return row !== undefined;
        };
        const roleExists = await foreign("role", "SELECT shobj_description(oid, 'pg_authid') AS c FROM pg_roles WHERE rolname = $1", spec.role);
        const pubExists = await foreign("publication", "SELECT obj_description(oid, 'pg_publication') AS c FROM pg_publication WHERE pubname = $1", spec.publication);
        await inTransaction(client, [...cdcRoleSql(spec, inputs.connection.database, scramVerifier(inputs.rolePassword), roleExists), ...cdcPublicationSql(spec, pubExists)]);
        // After the publication: the slot's start is where the connector's snapshot-then-stream begins.
        const slot = await one("SELECT database, plugin FROM pg_replication_slots WHERE slot_name = $1", [spec.slot]);
        if (slot && (slot.database !== inputs.connection.database || slot.plugin !== "pgoutput")) {
            throw new Error(`slot ${spec.slot} exists for database ${slot.database} with plugin ${slot.plugin}; expected ${inputs.connection.database} with pgoutput`);
        }
        if (!slot) await client.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [spec.slot]);
    } finally {
        await client.end();
    }
}

export const cdcSourceProvider: pulumi.dynamic.ResourceProvider<Inputs, Inputs> = {
    async check(_olds, news) {
        // At preview already: a server that answers and cannot decode logically is refused before anything exists.
        const reasons = (await serverRefusalsIfReachable(news.connection, news.adminPassword, "logical")).map((reason) => ({ property: "connection", reason }));
        return { inputs: news, failures: reasons };
    },
    async create(inputs) {
        await retryingCatalogRaces(() => converge(inputs));
        const c = inputs.connection;
        return { id: `${c.host}:${c.port}/${c.database}/${inputs.spec.slot}`, outs: inputs };
    },
    async diff(_id, olds, news) {
        const replaces = [
            ...changedFields(olds.connection, news.connection, ["host", "port", "database"]).map((f) => `connection.${f}`),
            ...changedFields(olds.spec, news.spec, ["role", "publication", "slot"]).map((f) => `spec.${f}`),
        ];
        const updates = [...changedFields(olds.spec, news.spec, ["tables"]), ...changedFields<Inputs>(olds, news, ["rolePassword", "adminPassword"])];
        const where = `slot ${olds.spec.slot} of ${olds.connection.database} on ${olds.connection.host}:${olds.connection.port}`;
        refuseDestruction(news.guard, replaces, "drop-slot", where);
        // The connector streams from its offsets: a table added to a running source gets no snapshot. Said at preview
        // rather than found out later as a copy without the table's old rows.
        const had = new Set(olds.spec.tables.map((t) => qualified(t.schema, t.name)));
        const added = news.spec.tables.filter((t) => !had.has(qualified(t.schema, t.name))).map((t) => `${t.schema}.${t.name}`);
        refuseDestruction(news.guard, added, "no-backfill", where, undefined, { verb: "change", doing: "adding" });
        // The old objects hold the names the new ones need: remove them first.
        return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: true };
    },
    async update(_id, _olds, news) {
        await retryingCatalogRaces(() => converge(news));
        return { outs: news };
    },
    async delete(_id, olds) {
        await retryingCatalogRaces(async () => {
            const client = await connect(olds);
            try {
                for (const sql of cdcTeardownSql(olds.spec)) await client.query(sql);
            } finally {
                await client.end();
            }
        });
    },
};

export interface PostgresCdcSourceArgs {
    readonly connection: pulumi.Input<Inputs["connection"]>;
    readonly adminPassword: pulumi.Input<string>;
    /** The replication role's password (a secret); the connector gets it through the workers' secrets file. */
    readonly rolePassword: pulumi.Input<string>;
    readonly spec: CdcSourceSpec;
}

/** The stack's CDC objects in one database: replication role, publication, slot. */
export class PostgresCdcSource extends pulumi.dynamic.Resource {
    constructor(name: string, args: PostgresCdcSourceArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            cdcSourceProvider,
            name,
            { connection: args.connection, adminPassword: pulumi.secret(args.adminPassword), rolePassword: pulumi.secret(args.rolePassword), spec: args.spec, guard: guardFor(name) },
            { ...opts, additionalSecretOutputs: ["adminPassword", "rolePassword"] },
            "databases",
            "PostgresCdcSource",
        );
    }
}
