// Echo suppression: every session of the sink role is tagged with a replication origin at login, and the
// source reads its slot with pgoutput `origin=none`, which drops every change written under an origin.
// A separate user alone would not do: the change stream does not record who wrote a change.
//
// An origin can be active in one session at a time, so the pool holds one per sink connection; the login
// trigger takes the first free one and refuses the login if none is free, so a sink session can never
// write untagged (its writes would echo back to where they came from).
import { LOGIN_TRIGGER, TwoWayDatabaseSpec, originNames } from "./spec";
import { body, doBlock, ident, literal, qualified } from "../../databases/postgres/sqlText";

const TAG_FUNCTION = "tag_sink_session";

/** Creates the missing origins of the pool (origins are cluster-wide and not transactional to use). */
export function createOriginsSql(origins: readonly string[]): string[] {
    if (origins.length === 0) return [];
    return [
        `SELECT pg_catalog.pg_replication_origin_create(o) FROM unnest(ARRAY[${origins.map(literal).join(", ")}]::text[]) AS o ` +
            `WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_replication_origin WHERE roname = o)`,
    ];
}

/** Drops the listed origins that exist; they must not be in use (sink sessions terminated first). */
export function dropOriginsSql(origins: readonly string[]): string[] {
    if (origins.length === 0) return [];
    return [
        `SELECT pg_catalog.pg_replication_origin_drop(roname) FROM pg_catalog.pg_replication_origin ` +
            `WHERE roname = ANY (ARRAY[${origins.map(literal).join(", ")}]::text[])`,
    ];
}

/** The LOGIN event trigger (PostgreSQL 17+) and its function, which is a no-op for every other role. */
export function loginTriggerSql(spec: TwoWayDatabaseSpec): string[] {
    const origins = originNames(spec);
    const fn = qualified(spec.syncSchema, TAG_FUNCTION);
    const code = [
        "DECLARE",
        "  o text;",
        "BEGIN",
        `  IF session_user <> ${literal(spec.sinkRole)} THEN RETURN; END IF;`,
        `  FOREACH o IN ARRAY ARRAY[${origins.map(literal).join(", ")}]::text[] LOOP`,
        "    BEGIN",
        "      PERFORM pg_catalog.pg_replication_origin_session_setup(o);",
        "      RETURN;",
        "    EXCEPTION WHEN object_in_use THEN",
        "      NULL;",
        "    END;",
        "  END LOOP;",
        "  RAISE EXCEPTION USING ERRCODE = 'too_many_connections',",
        `    MESSAGE = ${literal(`cdc-sync: all ${origins.length} replication origins of ${spec.sinkRole} are in use`)},`,
        "    DETAIL = 'A sink session without an origin would echo its writes back to their source.',",
        "    HINT = 'Raise originPoolSize to at least the sink''s tasks.max times connection.pool.max_size.';",
        "END;",
    ].join("\n");
    return [
        `CREATE OR REPLACE FUNCTION ${fn}() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER ` +
            `SET search_path = pg_catalog, pg_temp AS ${body(code)}`,
        doBlock(
            `BEGIN\n  IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = ${literal(LOGIN_TRIGGER)}) THEN\n` +
                `    CREATE EVENT TRIGGER ${ident(LOGIN_TRIGGER)} ON login EXECUTE FUNCTION ${fn}();\n  END IF;\nEND;`,
        ),
    ];
}
