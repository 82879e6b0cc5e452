// The dynamic resource that applies the two-way setup to one database and tears it down on delete.
// Create and update first read the server's facts and refuse (before touching anything) where two-way
// sync cannot be loop-free; the SQL itself comes from the pure generators in this folder.
import * as pulumi from "@pulumi/pulumi";
import type { Client } from "pg";
import { changedFields } from "../../dynamic/diff";
import { listed, withEffect } from "../../dynamic/effect";
import { tableChanges } from "./tables";
import { Guard, guardFor, refuseDestruction } from "../../dynamic/guard";
import { LIVE_LOCK_TIMEOUT, retryingLockWaits, tableExists } from "../../databases/postgres/admin";
import { serverRefusalsIfReachable } from "../../databases/postgres/capabilities";
import { assertDeployable, readFacts } from "./refusal";
import { scramVerifier } from "../../databases/postgres/scram";
import { rolesSql } from "./roles";
import { ReplicaIdentity, Removed, SETUP_VERSION, SqlPlan, setupPlan, setupSteps, teardownPlan } from "./setup";
import { ReplicatedTable, TwoWayDatabaseSpec, originNames, specProblems, tableKey } from "./spec";
import { ident, literal } from "../../databases/postgres/sqlText";

/** Where the setup is applied; the user must be a superuser (login event triggers and origins need one). */
export interface PgConnection {
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly user: string;
}

export interface TwoWayDatabaseArgs {
    readonly connection: pulumi.Input<PgConnection>;
    /** Password of `connection.user`. Stored only as a Pulumi secret. */
    readonly adminPassword: pulumi.Input<string>;
    /** Tables, roles, slot, publication, origin pool (see spec.ts; `defaultSpec` fills the names). */
    readonly spec: pulumi.Input<TwoWayDatabaseSpec>;
    /** Password of the replication role (Debezium source `database.password`). A Pulumi secret. */
    readonly replicationPassword: pulumi.Input<string>;
    /** Password of the sink role (JDBC sink `connection.password`). A Pulumi secret. */
    readonly sinkPassword: pulumi.Input<string>;
}

export interface TwoWayDatabaseInputs {
    connection: PgConnection;
    adminPassword: string;
    spec: TwoWayDatabaseSpec;
    replicationPassword: string;
    sinkPassword: string;
    guard?: Guard;
    /** SETUP_VERSION when the setup was last applied; absent in deployments from before versions (1). */
    setupVersion?: number;
}

export interface TwoWayDatabaseOutputs extends TwoWayDatabaseInputs {
    /** Replica identity of each table before setup set FULL, by quoted name: what teardown restores. */
    replicaIdentities: Record<string, ReplicaIdentity>;
    /** `server_version` at the last create or update. */
    serverVersion: string;
}

/** Fields whose change means other objects (database, names of roles, slot, publication, schema, side). */
const REPLACE_CONNECTION = ["host", "port", "database"] as const;
const REPLACE_SPEC = ["side", "replicationRole", "sinkRole", "slotName", "publicationName", "syncSchema"] as const;
/** Fields an update converges in place. */
const UPDATE_SPEC = ["tables", "originPoolSize", "schemaEvolution"] as const;
const SECRETS = ["adminPassword", "replicationPassword", "sinkPassword"] as const;

async function connect(inputs: TwoWayDatabaseInputs): Promise<Client> {
    const pg: typeof import("pg") = require("pg");
    const client = new pg.Client({ ...inputs.connection, password: inputs.adminPassword, application_name: "cdc-sync two-way setup" });
    await client.connect();
    return client;
}

/** Runs a plan, naming the statement that failed (plans never contain secrets). */
async function runPlan(client: Client, plan: SqlPlan, extra: string[] = []): Promise<void> {
    const exec = async (sql: string) => {
        try {
            await client.query(sql);
        } catch (e) {
            // The SQLSTATE travels on: a lost lock wait is retried (retryingLockWaits).
            throw Object.assign(new Error(`${(e as Error).message}\n  in: ${sql.split("\n").slice(0, 3).join(" ")}`), { code: (e as { code?: string }).code });
        }
    };
    for (const sql of plan.autocommit) await exec(sql);
    await client.query("BEGIN");
    try {
        await client.query(LIVE_LOCK_TIMEOUT);
        for (const sql of plan.transaction) await exec(sql);
        // Passwords last, as verifiers; an error here must not echo the statement.
        for (const sql of extra) await client.query(sql).catch(() => Promise.reject(new Error("setting a role password failed")));
        await client.query("COMMIT");
    } catch (e) {
        await client.query("ROLLBACK");
        throw e;
    }
}

function passwordSql(inputs: TwoWayDatabaseInputs): string[] {
    return [
        `ALTER ROLE ${ident(inputs.spec.replicationRole)} PASSWORD ${literal(scramVerifier(inputs.replicationPassword))}`,
        `ALTER ROLE ${ident(inputs.spec.sinkRole)} PASSWORD ${literal(scramVerifier(inputs.sinkPassword))}`,
    ];
}

/**
 * Checks the server, then applies the setup. Returns the replica identities found for tables not yet
 * set up (`known` holds those recorded earlier, which now read FULL because of the setup itself).
 */
async function apply(
    inputs: TwoWayDatabaseInputs,
    known: Record<string, ReplicaIdentity>,
    removed?: Removed,
    leaving: readonly ReplicatedTable[] = [],
): Promise<TwoWayDatabaseOutputs> {
    const client = await connect(inputs);
    try {
        // Tables leaving the pair stay set up until the connectors no longer use them: TwoWayTables (./tables.ts),
        // which runs after the connectors, takes them out.
        const stillThere: ReplicatedTable[] = [];
        for (const t of leaving) {
            if (await tableExists(client, tableKey(t))) stillThere.push(t);
        }
        const spec = { ...inputs.spec, tables: [...inputs.spec.tables, ...stillThere] };
        const facts = await readFacts(client, spec);
        assertDeployable(spec, facts);
        const replicaIdentities: Record<string, ReplicaIdentity> = {};
        for (const t of inputs.spec.tables) {
            const key = tableKey(t);
            replicaIdentities[key] = known[key] ?? (facts.tables[key].replicaIdentity === "f" ? "full" : "default");
        }
        const plan = setupPlan(spec, removed);
        try {
            await retryingLockWaits(() => runPlan(client, plan, passwordSql(inputs)));
        } catch (e) {
            // A slot this call created would otherwise retain WAL for a deployment that does not exist.
            if (!facts.slot) {
                const slot = literal(inputs.spec.slotName);
                await client
                    .query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ${slot}`)
                    .catch(() => undefined);
            }
            throw e;
        }
        return { ...inputs, replicaIdentities, serverVersion: facts.version };
    } finally {
        await client.end();
    }
}

/** What an update does, in words (components/dynamic/effect.ts); a replacement is refused or says itself. */
export function twoWayDatabaseEffect(olds: TwoWayDatabaseInputs, news: TwoWayDatabaseInputs): string | undefined {
    if (changedFields(olds.connection, news.connection, REPLACE_CONNECTION).length + changedFields(olds.spec, news.spec, REPLACE_SPEC).length > 0) return undefined;
    const names = (ts: readonly ReplicatedTable[]) => listed(ts.map((t) => `${t.schema}.${t.name}`));
    const { joined, left } = tableChanges(olds.spec.tables, news.spec.tables);
    const what: string[] = [];
    if (joined.length > 0) what.push(`sets up ${names(joined)} for the pair: stamp columns, triggers, publication, grants (tables locked briefly, 5 s lock timeout)`);
    if (left.length > 0) what.push(`keeps ${names(left)} set up until the connectors no longer use it (the pair's TwoWayTables then takes it out)`);
    if (olds.spec.originPoolSize !== news.spec.originPoolSize) what.push(`origin pool ${olds.spec.originPoolSize} -> ${news.spec.originPoolSize}`);
    if (olds.spec.schemaEvolution !== news.spec.schemaEvolution) what.push(`schema evolution ${olds.spec.schemaEvolution} -> ${news.spec.schemaEvolution}`);
    const steps = setupSteps(olds.setupVersion, news.setupVersion);
    if (steps.length > 0) {
        // `what` holds only the spec's own changes so far: with none, lock-free steps run without the whole setup.
        const lockFree = steps.every((s) => s.lockFree) && what.length === 0;
        const how = lockFree ? "grants and functions only, no table lock" : "the whole setup again, tables locked briefly (5 s lock timeout)";
        what.push(`setup version ${olds.setupVersion ?? 1} -> ${news.setupVersion}: ${steps.map((s) => s.brings).join("; ")} (${how})`);
    }
    const rotated = [
        ...(olds.replicationPassword !== news.replicationPassword ? [news.spec.replicationRole] : []),
        ...(olds.sinkPassword !== news.sinkPassword ? [news.spec.sinkRole] : []),
    ];
    if (rotated.length > 0) what.push(`sets a new password on ${listed(rotated)}${what.length === 0 ? ": nothing else, no table lock" : ""}`);
    if (what.length === 0 && olds.adminPassword !== news.adminPassword) what.push("records the rotated superuser password: nothing changes in the database");
    return what.length > 0 ? what.join("; ") : undefined;
}

type Provider = pulumi.dynamic.ResourceProvider<TwoWayDatabaseInputs, TwoWayDatabaseOutputs>;

/** The provider, exported for the database-side tests, which drive its methods against a real server. */
export const twoWayDatabaseProvider: Required<Pick<Provider, "check" | "create" | "diff" | "update" | "delete">> = {
    async check(olds, news) {
        const failures = specProblems(news.spec).map((reason) => ({ property: "spec", reason }));
        // At preview already: a server that exists and cannot filter origins is refused before anything is
        // created anywhere. (A server the stack has yet to start is judged again by create.)
        for (const reason of await serverRefusalsIfReachable(news.connection, news.adminPassword)) failures.push({ property: "connection", reason });
        return { inputs: withEffect(olds, news, twoWayDatabaseEffect), failures };
    },
    async create(inputs) {
        const outs = await apply(inputs, {});
        const c = inputs.connection;
        return { id: `${c.host}:${c.port}/${c.database}/${inputs.spec.slotName}`, outs };
    },
    async diff(_id, olds, news) {
        const replaces = [
            ...changedFields(olds.connection, news.connection, REPLACE_CONNECTION).map((f) => `connection.${f}`),
            ...changedFields(olds.spec, news.spec, REPLACE_SPEC).map((f) => `spec.${f}`),
        ];
        const updates = [
            ...changedFields(olds.spec, news.spec, UPDATE_SPEC).map((f) => `spec.${f}`),
            ...changedFields(olds.connection, news.connection, ["user"]).map((f) => `connection.${f}`),
            ...changedFields<TwoWayDatabaseInputs>(olds, news, SECRETS),
            ...((olds.setupVersion ?? 1) !== (news.setupVersion ?? 1) ? ["setupVersion"] : []),
        ];
        refuseDestruction(
            news.guard,
            replaces,
            "drop-slot",
            `slot ${olds.spec.slotName} of ${olds.connection.database} on ${olds.connection.host}:${olds.connection.port}`,
            "one side of a live two-way pair: its triggers, origins and roles go too, and writes made meanwhile do not cross",
        );
        // The old objects hold the names the new ones need (same database, slot, roles): remove them first.
        return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: true };
    },
    async update(_id, olds, news) {
        const steps = setupSteps(olds.setupVersion, news.setupVersion);
        const lockFree =
            changedFields(olds.spec, news.spec, UPDATE_SPEC).length === 0 &&
            changedFields(olds.connection, news.connection, ["user"]).length === 0 &&
            steps.every((s) => s.lockFree);
        if (lockFree) {
            // A rotation, or a new version that only grants: the roles' statements and passwords, nothing else. The
            // whole setup would lock every replicated table under the running sink's and applications' writes (and, before
            // it took them in their order, setupPlan, deadlocked them: an application's transaction was the victim).
            const client = await connect(news);
            try {
                const versionSql = steps.length > 0 ? [...rolesSql(news.spec), ...steps.flatMap((s) => s.alsoSql?.(news.spec) ?? [])] : [];
                await runPlan(client, { autocommit: [], transaction: versionSql }, passwordSql(news));
            } finally {
                await client.end();
            }
            return { outs: { ...news, replicaIdentities: olds.replicaIdentities, serverVersion: olds.serverVersion } };
        }
        const kept = new Set(news.spec.tables.map(tableKey));
        const removed: Removed = { origins: originNames(olds.spec).filter((o) => !originNames(news.spec).includes(o)) };
        const leaving = olds.spec.tables.filter((t) => !kept.has(tableKey(t)));
        return { outs: await apply(news, olds.replicaIdentities, removed, leaving) };
    },
    async delete(_id, olds) {
        const client = await connect(olds);
        try {
            await retryingLockWaits(() => runPlan(client, teardownPlan(olds.spec, olds.replicaIdentities)));
        } finally {
            await client.end();
        }
    },
};

/**
 * One database of a two-way PostgreSQL pair, set up for loop-free sync with last-writer-wins conflicts
 * (see docs/topology-b.md). Declare one per database; the connectors of both directions depend on both.
 */
export class TwoWayDatabase extends pulumi.dynamic.Resource {
    public readonly replicaIdentities!: pulumi.Output<Record<string, ReplicaIdentity>>;
    public readonly serverVersion!: pulumi.Output<string>;

    constructor(name: string, args: TwoWayDatabaseArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            twoWayDatabaseProvider,
            name,
            {
                connection: args.connection,
                spec: args.spec,
                adminPassword: pulumi.secret(args.adminPassword),
                replicationPassword: pulumi.secret(args.replicationPassword),
                sinkPassword: pulumi.secret(args.sinkPassword),
                guard: guardFor(name),
                setupVersion: SETUP_VERSION,
                replicaIdentities: undefined,
                serverVersion: undefined,
            },
            { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...SECRETS] },
            "sync",
            "TwoWayDatabase",
        );
    }
}
