// The two login roles of one database, each with only what its connector does:
//  - replication role (Debezium PostgreSQL source): REPLICATION to stream from the slot, SELECT on the
//    published tables for the initial snapshot. The publication is created here, so the connector runs
//    with publication.autocreate.mode=disabled and needs no ownership or CREATE. It may write one thing: its
//    side's canary row, which its heartbeat action query bumps.
//  - sink role (Debezium JDBC sink writing into this database): SELECT, INSERT, UPDATE, as its upserts
//    need; no DELETE (deletes arrive as tombstones and are applied by a trigger running as its owner), no
//    TRUNCATE. With schema evolution `basic` it also inherits the table owner's privileges (ALTER TABLE
//    ADD COLUMN needs ownership) but may not SET ROLE to it. A session of its left idle inside a transaction
//    is ended after SINK_IDLE_IN_TRANSACTION_SECONDS (below).
// Passwords are never part of this SQL: the provider sets them as SCRAM verifiers (see scram.ts).
import { CANARY_TABLE, ReplicatedTable, TwoWayDatabaseSpec, managedComment, syncTables, tableKey } from "./spec";
import { doBlock, ident, literal, qualified } from "../../databases/postgres/sqlText";

/**
 * How long a sink session may sit idle inside a transaction before the server ends it. A sink writes a batch and
 * commits at once; a session idle in a transaction for longer belongs to a worker that hangs (paused, swapping, a
 * stuck JVM), and it holds the row locks of its batch, so the task the group restarts on another worker waits on
 * them, and its direction delivers nothing, until the hung worker resumes. Shorter than the group's fail-over
 * (session timeout 8 s and the rebalance delay 10 s, components/platform/properties.ts), so the locks are gone
 * before the task runs elsewhere. A worker that stalls this long and then goes on finds its connection closed: the
 * task fails, nothing of its batch was committed, and the batch is delivered again.
 */
export const SINK_IDLE_IN_TRANSACTION_SECONDS = 10;

function publishedTables(spec: TwoWayDatabaseSpec): string[] {
    return [...spec.tables.map(tableKey), ...syncTables(spec).map((t) => qualified(t.schema, t.name))];
}

function schemas(spec: TwoWayDatabaseSpec): string[] {
    return [...new Set([...spec.tables.map((t: ReplicatedTable) => t.schema), spec.syncSchema])].map(ident);
}

function createRole(name: string, attributes: string, comment: string): string[] {
    return [
        doBlock(
            `BEGIN\n  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = ${literal(name)}) THEN\n` +
                `    CREATE ROLE ${ident(name)};\n  END IF;\nEND;`,
        ),
        `ALTER ROLE ${ident(name)} WITH ${attributes}`,
        `COMMENT ON ROLE ${ident(name)} IS ${literal(comment)}`,
    ];
}

/** Creates or converges both roles and their privileges (after the tables and sync schema exist). */
export function rolesSql(spec: TwoWayDatabaseSpec): string[] {
    const comment = managedComment(spec);
    const repl = ident(spec.replicationRole);
    const sink = ident(spec.sinkRole);
    const base = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS INHERIT";
    const tables = publishedTables(spec).join(", ");
    const statements = [
        ...createRole(spec.replicationRole, `${base} REPLICATION`, comment),
        // One origin per connection: a session beyond the pool could not be tagged, so it is not let in.
        ...createRole(spec.sinkRole, `${base} NOREPLICATION CONNECTION LIMIT ${spec.originPoolSize}`, comment),
        // For the sessions it opens from now on (a running task's keep their settings until it reconnects).
        `ALTER ROLE ${sink} SET idle_in_transaction_session_timeout = '${SINK_IDLE_IN_TRANSACTION_SECONDS}s'`,
        doBlock(
            `BEGIN\n  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I, %I', current_database(), ` +
                `${literal(spec.replicationRole)}, ${literal(spec.sinkRole)});\nEND;`,
        ),
        `GRANT USAGE ON SCHEMA ${schemas(spec).join(", ")} TO ${repl}, ${sink}`,
        `GRANT SELECT ON ${tables} TO ${repl}`,
        // The source's heartbeat action query writes its side's canary row (connectorConfig.ts): a change of its own
        // on a side that only receives, so its slot is confirmed and WAL does not pile up.
        `GRANT INSERT, UPDATE ON ${qualified(spec.syncSchema, CANARY_TABLE)} TO ${repl}`,
        `GRANT SELECT, INSERT, UPDATE ON ${tables} TO ${sink}`,
    ];
    if (spec.schemaEvolution === "basic") {
        const owners =
            `SELECT DISTINCT pg_catalog.pg_get_userbyid(c.relowner) AS owner FROM pg_catalog.pg_class c ` +
            `WHERE c.oid IN (${spec.tables.map((t) => `${literal(tableKey(t))}::regclass`).join(", ")})`;
        statements.push(
            doBlock(
                `DECLARE o text;\nBEGIN\n  FOR o IN ${owners} LOOP\n` +
                    `    EXECUTE format('GRANT %I TO %I WITH INHERIT TRUE, SET FALSE', o, ${literal(spec.sinkRole)});\n` +
                    `  END LOOP;\nEND;`,
            ),
        );
    }
    return statements;
}

/**
 * Removes both roles. Sessions must be gone first (see teardown): DROP OWNED revokes everything they
 * were granted in this database, including CONNECT; role memberships go with DROP ROLE.
 */
export function dropRolesSql(spec: TwoWayDatabaseSpec): string[] {
    const roles = [spec.replicationRole, spec.sinkRole];
    return [
        doBlock(
            `DECLARE r text;\nBEGIN\n  FOR r IN SELECT rolname FROM pg_catalog.pg_roles WHERE rolname IN (${roles.map(literal).join(", ")}) LOOP\n` +
                `    EXECUTE format('DROP OWNED BY %I', r);\n    EXECUTE format('DROP ROLE %I', r);\n  END LOOP;\nEND;`,
        ),
    ];
}
