// A `mongoToMySql` entry of `cdc-sync:pipelines` (topology A): which MongoDB replica set of `cdc-sync:databases`
// it captures, what (database, collections, layout), and which MySQL/MariaDB server of `cdc-sync:databases` the
// sink writes into. Pure: every problem names its full key and what was expected.
import { Checker, NAMESPACE } from "../../config/checker";
import { databaseServerRef, DatabaseServerSpec } from "../../databases/config";
import { checkNames, MySqlFlavor } from "../../databases/mysql/sql";
import type { LoadContext, PasswordNeeds } from "../kind";
import { DocumentLayout, MappingError, MongoToMySqlMapping, routes } from "./mapping";

/** The replica set the stack runs on one of its servers. */
export interface MongoRunSpec {
    readonly kind: "run";
    readonly server: string;
    readonly port: number;
    /** A MongoDB server image (none can be built here, so it is always configured). */
    readonly image: string;
    readonly replicaSet: string;
}

/** A replica set that runs elsewhere; the Debezium account must exist there already. */
export interface MongoExistingSpec {
    readonly kind: "existing";
    /** Without credentials; names the replica set. */
    readonly connectionString: string;
    /** Database holding the Debezium account. */
    readonly authSource: string;
}

/** The MySQL/MariaDB server the stack runs on one of its servers. */
export interface MySqlRunSpec {
    readonly kind: "run";
    readonly server: string;
    readonly port: number;
    /** A registry image; absent: MariaDB built from images/mariadb. */
    readonly image?: string;
}

/** A MySQL/MariaDB server that runs elsewhere; the stack creates the database, the sink's account and grants. */
export interface MySqlExistingSpec {
    readonly kind: "existing";
    readonly host: string;
    readonly port: number;
    /** An account allowed to create databases and users and to grant. */
    readonly adminUser: string;
}

/** Topology A: MongoDB -> Debezium MongoDB source -> Kafka -> JDBC sink -> MySQL/MariaDB. */
export interface TopologyA {
    readonly mongodb: (MongoRunSpec | MongoExistingSpec) & {
        /** The `cdc-sync:databases` entry. */
        readonly serverName: string;
        /** The account Debezium's MongoDB source connects as. */
        readonly user: string;
        /** Password name of the administrator of a replica set the stack runs. */
        readonly adminPassword: string;
    };
    readonly mysql: (MySqlRunSpec | MySqlExistingSpec) & {
        /** The `cdc-sync:databases` entry. */
        readonly serverName: string;
        /** Password name of `root` (run) or of the adopted server's administrator. */
        readonly adminPassword: string;
        readonly flavor: MySqlFlavor;
        /** The database the JDBC sink writes into. */
        readonly database: string;
        /** The account the JDBC sink connects as. */
        readonly user: string;
    };
    /** Which collections land in which tables, and how (components/databases/mapping.ts). */
    readonly mapping: MongoToMySqlMapping;
}

/** Names of the passwords topology A uses (components/secrets/passwords.ts; pin any with `cdc-sync:passwords.<name>`). */
export const TOPOLOGY_A_PASSWORDS = {
    /** Administrator of a replica set the stack runs. */
    mongodbAdmin: "mongodb-admin",
    /** Debezium's MongoDB account. */
    mongodbDebezium: "mongodb-debezium",
    /** `root` of a MySQL/MariaDB server the stack runs. */
    mysqlRoot: "mysql-root",
    /** The administrator account of an adopted MySQL/MariaDB server. */
    mysqlAdmin: "mysql-admin",
    /** The JDBC sink's account. */
    mysqlSink: "mysql-sink",
} as const;

/** Which passwords topology A needs, given where its databases run. */
export function topologyAPasswords(a: Pick<TopologyA, "mongodb" | "mysql">): PasswordNeeds {
    const p = TOPOLOGY_A_PASSWORDS;
    const pinned = [...(a.mongodb.kind === "existing" ? [p.mongodbDebezium] : []), ...(a.mysql.kind === "existing" ? [a.mysql.adminPassword] : [])];
    const admins = [...(a.mongodb.kind === "run" ? [a.mongodb.adminPassword] : []), a.mysql.adminPassword];
    return { names: [...admins, p.mongodbDebezium, p.mysqlSink], forConnect: [p.mongodbDebezium, p.mysqlSink], pinned };
}

const LAYOUTS: readonly DocumentLayout[] = ["document", "flatten"];
/** MongoDB user names, kept to characters that need no escaping anywhere. */
const MONGO_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** The fields of the entry's `mongodb` and `mysql` objects. */
export const MONGO_FIELDS = ["server", "database", "collections", "tables", "layout", "topicPrefix", "user"] as const;
export const MYSQL_FIELDS = ["server", "database", "user"] as const;

function loadMapping(c: Checker, o: Record<string, unknown>, at: (field: string) => string): MongoToMySqlMapping | undefined {
    const database = c.string(at("database"), o.database, "the name of the MongoDB database to capture", (s) => s.length > 0);
    let collections: string[] | undefined;
    if (Array.isArray(o.collections) && o.collections.length > 0 && o.collections.every((x) => typeof x === "string")) collections = o.collections;
    else c.fail(at("collections"), "a non-empty list of collection names (one table each)", o.collections);
    let tables: Record<string, string> | undefined;
    if (o.tables !== undefined) {
        const t = c.object(at("tables"), o.tables);
        if (t && Object.values(t).every((x) => typeof x === "string")) tables = t as Record<string, string>;
        else if (t) c.fail(at("tables"), "a map of collection -> table name", o.tables);
    }
    const layout = c.oneOf(at("layout"), o.layout, LAYOUTS, "document");
    const topicPrefix = c.string(at("topicPrefix"), o.topicPrefix, "a Kafka topic prefix", () => true, "mongodb");
    if (database === undefined || collections === undefined || topicPrefix === undefined) return undefined;
    const mapping: MongoToMySqlMapping = { topicPrefix, database, collections, layout, ...(tables ? { tables } : {}) };
    try {
        routes(mapping);
    } catch (e) {
        if (!(e instanceof MappingError)) throw e;
        // The mapping's fields are the key's fields: `collections: ...` -> `cdc-sync:<key>.collections: ...`.
        for (const p of e.problems) c.problems.push(`${NAMESPACE}:${at(p)}`);
        return undefined;
    }
    return mapping;
}

/** The `cdc-sync:databases` entry `v` names, when it is of one of `engines` (`what` names them in the message). */
function serverOf<E extends DatabaseServerSpec["engine"]>(c: Checker, key: string, v: unknown, ctx: LoadContext, engines: readonly E[], what: string) {
    return databaseServerRef(c, key, v, ctx, engines, (ds) => `the name of a ${what} in cdc-sync:databases (${ds.map((d) => d.name).join(", ") || "none declared"})`);
}

/** The entry's `mongodb` object: the replica set (by name) and what to capture. */
function loadMongo(c: Checker, o: Record<string, unknown>, ctx: LoadContext): [TopologyA["mongodb"], MongoToMySqlMapping] | undefined {
    const at = (f: string) => ctx.at(`mongodb.${f}`);
    c.unknownFields(ctx.at("mongodb"), o, MONGO_FIELDS);
    const db = serverOf(c, at("server"), o.server, ctx, ["mongodb"] as const, "MongoDB replica set");
    const mapping = loadMapping(c, o, at);
    const user = c.string(at("user"), o.user, "a MongoDB user name (letters, digits, '.', '_', '-')", (s) => MONGO_NAME.test(s), "debezium");
    if (!db || !mapping || !user) return undefined;
    const side: MongoRunSpec | MongoExistingSpec =
        db.kind === "run"
            ? { kind: "run", server: db.server, port: db.port, image: db.image, replicaSet: db.replicaSet }
            : { kind: "existing", connectionString: db.connectionString, authSource: db.authSource };
    return [{ ...side, serverName: db.name, user, adminPassword: db.adminPassword }, mapping];
}

/** The entry's `mysql` object: the server (by name), the sink's database and account. */
function loadMySql(c: Checker, o: Record<string, unknown>, ctx: LoadContext): TopologyA["mysql"] | undefined {
    const at = (f: string) => ctx.at(`mysql.${f}`);
    c.unknownFields(ctx.at("mysql"), o, MYSQL_FIELDS);
    const db = serverOf(c, at("server"), o.server, ctx, ["mariadb", "mysql"] as const, "MySQL/MariaDB server");
    const database = c.string(at("database"), o.database, "the name of the database the sink writes into", () => true);
    const user = c.string(at("user"), o.user, "the name of the JDBC sink's account", () => true, "cdc_sink");
    if (database !== undefined && user !== undefined) {
        // Same rules MySqlServer applies, reported under this key's field names.
        for (const p of checkNames({ database, user, userHost: "%" })) c.problems.push(`${NAMESPACE}:${ctx.at(`mysql.${p.replace(/^sinkUser\.name:/, "user:")}`)}`);
    }
    if (!db || database === undefined || user === undefined) return undefined;
    const side: MySqlRunSpec | MySqlExistingSpec =
        db.kind === "run"
            ? { kind: "run", server: db.server, port: db.port, ...(db.image ? { image: db.image } : {}) }
            : { kind: "existing", host: db.host, port: db.port, adminUser: db.adminUser };
    return { ...side, serverName: db.name, adminPassword: db.adminPassword, flavor: db.engine, database, user };
}

/** One `mongoToMySql` entry: `{ mongodb: { server, database, collections, ... }, mysql: { server, database, user? } }`. */
export function loadTopologyA(c: Checker, entry: Record<string, unknown>, ctx: LoadContext): TopologyA | undefined {
    c.unknownFields(ctx.key, entry, ["mongodb", "mysql"]);
    const mo = c.object(ctx.at("mongodb"), entry.mongodb);
    const my = c.object(ctx.at("mysql"), entry.mysql);
    const mongo = mo && loadMongo(c, mo, ctx);
    const mysql = my && loadMySql(c, my, ctx);
    if (!mongo || !mysql) return undefined;
    const a: TopologyA = { mongodb: mongo[0], mysql, mapping: mongo[1] };
    for (const name of topologyAPasswords(a).pinned) {
        if (!ctx.pinnedPasswords.includes(name)) {
            c.say(
                `passwords.${name}`,
                "expected the password of an account that exists outside the stack (it cannot be generated); " +
                    `set it with \`pulumi config set --secret --path 'cdc-sync:passwords.${name}' <password>\``,
            );
        }
    }
    return a;
}
