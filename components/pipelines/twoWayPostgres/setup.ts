// The whole per-database setup and its teardown, as ordered SQL. Everything is idempotent (IF NOT
// EXISTS, CREATE OR REPLACE, existence checks), so `update` re-runs the same setup to converge.
import { applyTombstoneFunctionSql, dropTableSql, lwwTablesSql, sharedFunctionsSql, tableTriggersSql } from "./lww";
import { createOriginsSql, dropOriginsSql, loginTriggerSql } from "./origins";
import { SINK_IDLE_IN_TRANSACTION_SECONDS, dropRolesSql, rolesSql } from "./roles";
import { signalSetupSql, signalTable } from "./signals";
import { LOGIN_TRIGGER, TwoWayDatabaseSpec, managedComment, originNames, syncTables, tableKey, validateSpec } from "./spec";
import { doBlock, ident, literal, qualified } from "../../databases/postgres/sqlText";

/**
 * The setup's version. A deployed database whose recorded version is older gets what the newer versions bring from
 * the next `up` (TwoWayDatabase's update), before the connectors that need it restart. Raise it when the SQL changes
 * in a way a running pair must get, and add the step below. Version 1 is the first (recorded as absent by
 * deployments from before versions existed).
 */
export const SETUP_VERSION = 4;

/** What a version brings (`brings`, for the preview's words), and whether its roles' statements alone bring it. */
export interface SetupStep {
    readonly brings: string;
    /**
     * Grants only: the update runs the roles' statements (rolesSql), which lock no table. Otherwise the whole
     * setup runs again, idempotent, locking the tables briefly under the live traffic (5 s lock timeout); an
     * application transaction can then be the victim of a deadlock with it, so say so in `brings`.
     */
    readonly lockFree: boolean;
    /** With `lockFree`: statements of its own that lock no table either (CREATE OR REPLACE FUNCTION), run after. */
    readonly alsoSql?: (spec: TwoWayDatabaseSpec) => string[];
}

export const SETUP_STEPS: Record<number, SetupStep> = {
    2: {
        brings:
            "the replication role may write its side's canary row, which the source's heartbeat bumps so that an idle side's slot stays confirmed; " +
            "a tombstone for a table not yet joined on this side is kept until it joins, not refused",
        lockFree: true,
        // Deployments from before the tombstone rule changed (session 6) still refuse: a table joining while the other
        // side deletes from it failed the sink (integration run at 80baa3f, day-2 "a table ... joins").
        alsoSql: (spec) => [applyTombstoneFunctionSql(spec)],
    },
    3: {
        brings:
            `a sink session idle inside a transaction for ${SINK_IDLE_IN_TRANSACTION_SECONDS} s (its worker hung) is ended, so its row locks do not hold up ` +
            "the task restarted on another worker (for sink sessions opened from now on)",
        // Seen: CI at fdce275, the pause test's direction delivered nothing for the whole 60 s pause.
        lockFree: true,
    },
    4: {
        brings: "a received tombstone locks its row before it is recorded, so a local delete of the key no longer deadlocks with the sink's batch",
        lockFree: true,
        alsoSql: (spec) => [applyTombstoneFunctionSql(spec)],
    },
};

/** The steps from version `from` (absent: 1) up to `to`, oldest first. */
export function setupSteps(from: number | undefined, to: number | undefined): SetupStep[] {
    const [a, b] = [from ?? 1, to ?? 1];
    return Array.from({ length: Math.max(0, b - a) }, (_, i) => SETUP_STEPS[a + i + 1]);
}

/** Replica identity of a table before setup made it FULL; restored by teardown. */
export type ReplicaIdentity = "default" | "full";

export interface SqlPlan {
    /** Run one by one outside a transaction (slot creation and session termination cannot run inside one). */
    readonly autocommit: readonly string[];
    /** Run in one transaction after `autocommit`. */
    readonly transaction: readonly string[];
}

/**
 * The publication: the replicated tables, cdc-sync's own (tombstones, canary) and the signal table, inserts and updates only. Deletes are
 * replicated as tombstones (a delete event cannot carry the version the conflict rule needs), and the
 * sink's own deletes (applying a tombstone) must not travel either.
 */
export function publicationSql(spec: TwoWayDatabaseSpec): string[] {
    const p = ident(spec.publicationName);
    const tables = [...spec.tables.map(tableKey), ...syncTables(spec).map((t) => qualified(t.schema, t.name)), signalTable(spec)].join(", ");
    return [
        doBlock(
            `BEGIN\n  IF EXISTS (SELECT FROM pg_catalog.pg_publication WHERE pubname = ${literal(spec.publicationName)}) THEN\n` +
                `    ALTER PUBLICATION ${p} SET TABLE ${tables};\n` +
                `    ALTER PUBLICATION ${p} SET (publish = 'insert, update');\n` +
                `  ELSE\n    CREATE PUBLICATION ${p} FOR TABLE ${tables} WITH (publish = 'insert, update');\n  END IF;\nEND;`,
        ),
        `COMMENT ON PUBLICATION ${p} IS ${literal(managedComment(spec))}`,
    ];
}

/** The slot, created before the setup so that no write after it is missed, whatever starts the connector. */
export function slotSql(spec: TwoWayDatabaseSpec): string[] {
    return [
        `SELECT pg_catalog.pg_create_logical_replication_slot(${literal(spec.slotName)}, 'pgoutput') ` +
            `WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_replication_slots WHERE slot_name = ${literal(spec.slotName)})`,
    ];
}

/**
 * What an update removes: origins no longer declared. (A table that leaves the pair is taken out later, once the
 * connectors no longer use it: `leaveSql` in ./tables.ts.)
 */
export interface Removed {
    readonly origins: readonly string[];
}

/** Setup of one database: slot, then one transaction with everything else. */
export function setupPlan(spec: TwoWayDatabaseSpec, removed: Removed = { origins: [] }): SqlPlan {
    validateSpec(spec);
    return {
        autocommit: slotSql(spec),
        transaction: [
            // The replicated tables first, then cdc-sync's own: the order in which a sink's or an application's write
            // takes them (the table, then its trigger's tombstones). Taken the other way round, a write to a table
            // under the setup deadlocked with it, and the sink was the victim and went FAILED (CI-like run at 19b5bd9,
            // day 2's "a table joins"). Each of these locks is held to the commit anyway.
            `LOCK TABLE ${spec.tables.map(tableKey).join(", ")} IN ACCESS EXCLUSIVE MODE`,
            ...lwwTablesSql(spec),
            ...sharedFunctionsSql(spec),
            ...spec.tables.flatMap((t) => tableTriggersSql(spec, t)),
            ...rolesSql(spec),
            ...signalSetupSql(spec),
            ...dropOriginsSql(removed.origins),
            ...createOriginsSql(originNames(spec)),
            ...loginTriggerSql(spec),
            ...publicationSql(spec),
        ],
    };
}

/**
 * Teardown of one database, leaving no slot, publication, origin, event trigger, role, trigger or
 * stamp column behind. The roles lose LOGIN first and their sessions (the connectors, if still running)
 * are ended, because an active slot or origin cannot be dropped.
 */
export function teardownPlan(spec: TwoWayDatabaseSpec, replicaIdentities: Readonly<Record<string, ReplicaIdentity>>): SqlPlan {
    const roles = [spec.replicationRole, spec.sinkRole].map(literal).join(", ");
    const slot = literal(spec.slotName);
    return {
        autocommit: [
            doBlock(
                `DECLARE r text;\nBEGIN\n  FOR r IN SELECT rolname FROM pg_catalog.pg_roles WHERE rolname IN (${roles}) LOOP\n` +
                    `    EXECUTE format('ALTER ROLE %I NOLOGIN', r);\n  END LOOP;\nEND;`,
            ),
            // pg_terminate_backend(pid, timeout) waits for the backend to exit, which releases its origin or slot.
            `SELECT pg_catalog.pg_terminate_backend(pid, 10000) FROM pg_catalog.pg_stat_activity WHERE usename IN (${roles}) ` +
                `OR pid = (SELECT active_pid FROM pg_catalog.pg_replication_slots WHERE slot_name = ${slot})`,
            `SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = ${slot}`,
        ],
        transaction: [
            `DROP EVENT TRIGGER IF EXISTS ${ident(LOGIN_TRIGGER)}`,
            `DROP PUBLICATION IF EXISTS ${ident(spec.publicationName)}`,
            // Tables dropped meanwhile are skipped rather than failing the destroy.
            ...spec.tables.flatMap((t) => {
                const statements = dropTableSql(spec, t, replicaIdentities[tableKey(t)] ?? "default");
                return [
                    doBlock(
                        `BEGIN\n  IF pg_catalog.to_regclass(${literal(tableKey(t))}) IS NOT NULL THEN\n` +
                            statements.map((s) => `    EXECUTE ${literal(s)};`).join("\n") +
                            `\n  END IF;\nEND;`,
                    ),
                ];
            }),
            `DROP SCHEMA IF EXISTS ${ident(spec.syncSchema)} CASCADE`,
            ...dropOriginsSql(originNames(spec)),
            ...dropRolesSql(spec),
        ],
    };
}
