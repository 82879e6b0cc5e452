// The keys of the first releases, `cdc-sync:postgres` + `cdc-sync:twoWay` (topology B) and `cdc-sync:mongodb` +
// `cdc-sync:mysql` (topology A), read as one pipeline each with the same names as before, so a stack deployed
// with them moves to `cdc-sync:pipelines` without a replacement. Each use is warned about, with the equivalent
// `pipelines` entry to copy. Pure.
import { Bind, Checker, NAMESPACE } from "../config/checker";
import { ServerSpec } from "../config/schema";
import { DatabaseServerSpec, loadDatabaseServer, serverFields } from "../databases/config";

/** A pipeline entry read from deprecated keys: its fields, and how they are named in messages. */
export interface LegacyEntry {
    readonly name: string;
    readonly kind: string;
    /** The deprecated key(s) it came from, e.g. `twoWay`. */
    readonly key: string;
    readonly fields: Record<string, unknown>;
    /** Names a field of the entry by the deprecated key the user wrote. */
    readonly at: (path: string) => string;
}

export const LEGACY_KEYS = ["postgres", "twoWay", "mongodb", "mysql"] as const;

/** Names the deprecated keys give to what they declare: the names everything derived from them carries. */
export const LEGACY_NAMES = {
    twoWayPipeline: "twoway",
    twoWayServer: "twoway-postgres",
    topologyAPipeline: "topology-a",
    mongodbServer: "mongodb",
    mysqlServer: "mysql",
} as const;

/** Splits a deprecated object into the server's fields and the pipeline's. */
function split(o: Record<string, unknown>, serverKeys: readonly string[]): [Record<string, unknown>, Record<string, unknown>] {
    const server: Record<string, unknown> = {};
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) (serverKeys.includes(k) ? server : rest)[k] = v;
    return [server, rest];
}

function equivalent(databases: Record<string, unknown>, pipeline: Record<string, unknown>): string {
    return `${NAMESPACE}:databases: ${JSON.stringify(databases)} and ${NAMESPACE}:pipelines: [${JSON.stringify(pipeline)}]`;
}

/**
 * Database servers and pipeline entries the deprecated keys declare (none when they are absent), and the names of
 * every server they declare, valid or not (`declared`).
 */
export function loadLegacy(
    c: Checker,
    value: (key: string) => unknown,
    servers: readonly ServerSpec[],
    binds: Bind[],
): { databases: DatabaseServerSpec[]; entries: LegacyEntry[]; declared: string[] } {
    const databases: DatabaseServerSpec[] = [];
    const entries: LegacyEntry[] = [];
    const n = LEGACY_NAMES;

    const [pv, tv] = [value("postgres"), value("twoWay")];
    if (pv !== undefined || tv !== undefined) {
        if (pv === undefined) c.fail("postgres", "the PostgreSQL server holding twoWay.databases ({ server } or { host })", pv);
        else if (tv === undefined) c.fail("twoWay", "the databases and tables to sync on the server cdc-sync:postgres declares", tv);
        else {
            const po = c.object("postgres", pv);
            const to = c.object("twoWay", tv);
            const db = po && loadDatabaseServer(c, "postgres", n.twoWayServer, po, servers, binds, { engine: "postgres", adminPassword: "postgres-admin" });
            if (db) databases.push(db);
            if (po && to) {
                const fields = { ...to, postgres: n.twoWayServer };
                entries.push({ name: n.twoWayPipeline, kind: "twoWayPostgres", key: "twoWay", fields, at: (p) => `twoWay.${p}` });
                c.warnings.push(
                    `${NAMESPACE}:postgres and ${NAMESPACE}:twoWay are deprecated; they are read as pipeline "${n.twoWayPipeline}". The same stack ` +
                        `with the new keys: ${equivalent({ [n.twoWayServer]: { engine: "postgres", adminPassword: "postgres-admin", ...po } }, { name: n.twoWayPipeline, kind: "twoWayPostgres", ...fields })}`,
                );
            }
        }
    }

    const [mv, yv] = [value("mongodb"), value("mysql")];
    if (mv !== undefined || yv !== undefined) {
        if (mv === undefined) c.fail("mongodb", `the MongoDB replica set and the collections to capture: topology A (MongoDB -> MySQL) needs both ${NAMESPACE}:mongodb and ${NAMESPACE}:mysql`, undefined);
        else if (yv === undefined) c.fail("mysql", `the MySQL/MariaDB server the sink writes into: topology A (MongoDB -> MySQL) needs both ${NAMESPACE}:mongodb and ${NAMESPACE}:mysql`, undefined);
        else {
            const mo = c.object("mongodb", mv);
            const yo = c.object("mysql", yv);
            if (mo && yo) {
                const [mongoServer, mongoRest] = split(mo, serverFields("mongodb"));
                const [mysqlServer, mysqlRest] = split(yo, [...serverFields("mariadb"), "flavor"]);
                const { flavor, ...mysqlServerFields } = mysqlServer;
                const engine = c.oneOf("mysql.flavor", flavor, ["mariadb", "mysql"] as const, "mariadb");
                const mongo = loadDatabaseServer(c, "mongodb", n.mongodbServer, mongoServer, servers, binds, { engine: "mongodb", adminPassword: "mongodb-admin" });
                const mysql = loadDatabaseServer(c, "mysql", n.mysqlServer, mysqlServerFields, servers, binds, {
                    engine,
                    adminPassword: mysqlServerFields.host !== undefined ? "mysql-admin" : "mysql-root",
                });
                databases.push(...(mongo ? [mongo] : []), ...(mysql ? [mysql] : []));
                const fields = { mongodb: { ...mongoRest, server: n.mongodbServer }, mysql: { ...mysqlRest, server: n.mysqlServer } };
                entries.push({ name: n.topologyAPipeline, kind: "mongoToMySql", key: "mongodb/mysql", fields, at: (p) => p });
                c.warnings.push(
                    `${NAMESPACE}:mongodb and ${NAMESPACE}:mysql are deprecated; they are read as pipeline "${n.topologyAPipeline}". The same stack ` +
                        `with the new keys: ${equivalent(
                            {
                                [n.mongodbServer]: { engine: "mongodb", adminPassword: "mongodb-admin", ...mongoServer },
                                [n.mysqlServer]: { engine, adminPassword: mysql?.adminPassword, ...mysqlServerFields },
                            },
                            { name: n.topologyAPipeline, kind: "mongoToMySql", ...fields },
                        )}`,
                );
            }
        }
    }
    const declared = [
        ...(pv !== undefined ? [n.twoWayServer] : []),
        ...(mv !== undefined ? [n.mongodbServer] : []),
        ...(yv !== undefined ? [n.mysqlServer] : []),
    ];
    return { databases, entries, declared };
}
