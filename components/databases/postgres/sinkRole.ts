// The account a JDBC sink writes into one PostgreSQL database as: a LOGIN role that is a member of the
// database's owner role (components/databases/postgres/database.ts), so it may create and alter the tables it
// writes (schema evolution) and nothing outside that database. Dropped on delete, its tables handed to the owner.
import * as pulumi from "@pulumi/pulumi";
import type { Client } from "pg";
import { changedFields } from "../../dynamic/diff";
import { adminClient, inTransaction, PgAdminTarget, retryingCatalogRaces } from "./admin";
import { ownerRole } from "./database";
import { scramVerifier } from "./scram";
import { ident, literal } from "./sqlText";

/** Comment on the role: what the stack created. */
export const SINK_ROLE_COMMENT = "managed by cdc-sync (JDBC sink account)";

/** The role, its password and its one privilege: membership of the database's owner. */
export function sinkRoleSql(role: string, database: string, verifier: string, exists: boolean): string[] {
    return [
        `${exists ? "ALTER" : "CREATE"} ROLE ${ident(role)} WITH LOGIN INHERIT PASSWORD ${literal(verifier)}`,
        `COMMENT ON ROLE ${ident(role)} IS ${literal(SINK_ROLE_COMMENT)}`,
        `GRANT ${ident(ownerRole(database))} TO ${ident(role)}`,
        `GRANT CONNECT ON DATABASE ${ident(database)} TO ${ident(role)}`,
    ];
}

/** Run in the database on delete: what the sink created goes to the owner (the data stays), then the role goes. */
export function dropSinkRoleSql(role: string, database: string): string[] {
    return [`REASSIGN OWNED BY ${ident(role)} TO ${ident(ownerRole(database))}`, `DROP OWNED BY ${ident(role)}`, `DROP ROLE IF EXISTS ${ident(role)}`];
}

interface Inputs {
    connection: PgAdminTarget;
    adminPassword: string;
    role: string;
    password: string;
}

const connect = (inputs: Inputs): Promise<Client> => adminClient(inputs.connection, inputs.adminPassword, "cdc-sync sink account");

async function converge(inputs: Inputs): Promise<void> {
    const client = await connect(inputs);
    try {
        const found = (await client.query("SELECT shobj_description(oid, 'pg_authid') AS c FROM pg_roles WHERE rolname = $1", [inputs.role])).rows[0];
        if (found && found.c !== SINK_ROLE_COMMENT) throw new Error(`role ${inputs.role} exists and was not created by this deployment (its comment is not "${SINK_ROLE_COMMENT}")`);
        const owner = ownerRole(inputs.connection.database);
        if ((await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [owner])).rowCount === 0) {
            throw new Error(`database ${inputs.connection.database} has no owner role ${owner}: a sink writes into a database the stack created (or one owned by ${owner})`);
        }
        await inTransaction(client, sinkRoleSql(inputs.role, inputs.connection.database, scramVerifier(inputs.password), found !== undefined));
    } finally {
        await client.end();
    }
}

const provider: pulumi.dynamic.ResourceProvider<Inputs, Inputs> = {
    async create(inputs) {
        await retryingCatalogRaces(() => converge(inputs));
        return { id: `${inputs.connection.host}:${inputs.connection.port}/${inputs.connection.database}/${inputs.role}`, outs: inputs };
    },
    async diff(_id, olds, news) {
        const replaces = [...changedFields(olds.connection, news.connection, ["host", "port", "database"]).map((f) => `connection.${f}`), ...changedFields<Inputs>(olds, news, ["role"])];
        const updates = changedFields<Inputs>(olds, news, ["password", "adminPassword"]);
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
                for (const sql of dropSinkRoleSql(olds.role, olds.connection.database)) await client.query(sql);
            } finally {
                await client.end();
            }
        });
    },
};

export interface PostgresSinkRoleArgs {
    readonly connection: pulumi.Input<Inputs["connection"]>;
    readonly adminPassword: pulumi.Input<string>;
    readonly role: string;
    readonly password: pulumi.Input<string>;
}

/** A JDBC sink's account in one database the stack created (see PostgresDatabase). */
export class PostgresSinkRole extends pulumi.dynamic.Resource {
    constructor(name: string, args: PostgresSinkRoleArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            { connection: args.connection, adminPassword: pulumi.secret(args.adminPassword), role: args.role, password: pulumi.secret(args.password) },
            { ...opts, additionalSecretOutputs: ["adminPassword", "password"] },
            "databases",
            "PostgresSinkRole",
        );
    }
}
