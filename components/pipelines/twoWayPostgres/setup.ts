// The whole per-database setup and its teardown, as ordered SQL. Everything is idempotent (IF NOT
// EXISTS, CREATE OR REPLACE, existence checks), so `update` re-runs the same setup to converge.
import { dropTableSql, lwwTablesSql, sharedFunctionsSql, tableTriggersSql } from "./lww";
import { createOriginsSql, dropOriginsSql, loginTriggerSql } from "./origins";
import { dropRolesSql, rolesSql } from "./roles";
import { signalSetupSql, signalTable } from "./signals";
import { LOGIN_TRIGGER, TwoWayDatabaseSpec, managedComment, originNames, syncTables, tableKey, validateSpec } from "./spec";
import { doBlock, ident, literal, qualified } from "../../databases/postgres/sqlText";

/**
 * The setup's version. A deployed database whose recorded version differs has the whole setup applied again by the
 * next `up` (TwoWayDatabase's update; idempotent, under the live-traffic lock timeout), before the connectors that need
 * what the new version adds restart. Raise it when the SQL changes in a way a running pair must get; say why here:
 *   1. the first (recorded as absent by deployments before versions existed);
 *   2. the replication role may write the canary row: the sources' heartbeat action query (connectorConfig.ts).
 */
export const SETUP_VERSION = 2;

/** What each version brought, for the preview's words. */
export const SETUP_CHANGES: Record<number, string> = {
    2: "the replication role may write its side's canary row, which the source's heartbeat bumps so that an idle side's slot stays confirmed",
};

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
