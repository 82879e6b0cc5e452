// Topology A's stack config: `cdc-sync:mongodb` (the source replica set and what it captures) and
// `cdc-sync:mysql` (the sink database). Both present = the topology is deployed; one without the other is an
// error. Pure, like ./load.ts, which calls it: every problem names its key and what was expected, and the
// services the stack runs are handed back for the port clash check.
import { DocumentLayout, MappingError, MongoToMySqlMapping, routes } from "./mapping";
import { checkReplicaSetConnectionString } from "../../databases/mongodb/connectionString";
import { checkNames, MySqlFlavor } from "../../databases/mysql/sql";
import type { Bind, Checker } from "../../config/load";
import { HOSTNAME, IPV4, NAMESPACE, serverRef } from "../../config/load";
import { ServerSpec } from "../../config/schema";

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
        /** The account Debezium's MongoDB source connects as. */
        readonly user: string;
    };
    readonly mysql: (MySqlRunSpec | MySqlExistingSpec) & {
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

export interface PasswordNeeds {
    /** Every password the topology uses. */
    readonly names: readonly string[];
    /** Those its connectors reference: the Connect workers' secrets file must hold them. */
    readonly forConnect: readonly string[];
    /** Those the stack cannot generate (accounts that exist outside it): the operator must pin them. */
    readonly pinned: readonly string[];
}

/** Which passwords topology A needs, given where its databases run. */
export function topologyAPasswords(a: Pick<TopologyA, "mongodb" | "mysql">): PasswordNeeds {
    const p = TOPOLOGY_A_PASSWORDS;
    const pinned = [...(a.mongodb.kind === "existing" ? [p.mongodbDebezium] : []), ...(a.mysql.kind === "existing" ? [p.mysqlAdmin] : [])];
    const admins = [a.mongodb.kind === "run" ? p.mongodbAdmin : undefined, a.mysql.kind === "run" ? p.mysqlRoot : p.mysqlAdmin].filter((n) => n !== undefined);
    return { names: [...admins, p.mongodbDebezium, p.mysqlSink], forConnect: [p.mongodbDebezium, p.mysqlSink], pinned };
}

const MONGO_SHARED = ["database", "collections", "tables", "layout", "topicPrefix", "user"];
const MONGO_RUN = ["server", "port", "image", "replicaSet", ...MONGO_SHARED];
const MONGO_EXISTING = ["connectionString", "authSource", ...MONGO_SHARED];
const MYSQL_SHARED = ["port", "flavor", "database", "user"];
const MYSQL_RUN = ["server", "image", ...MYSQL_SHARED];
const MYSQL_EXISTING = ["host", "adminUser", ...MYSQL_SHARED];

const LAYOUTS: readonly DocumentLayout[] = ["document", "flatten"];
const FLAVORS: readonly MySqlFlavor[] = ["mariadb", "mysql"];
/** An image reference: `name[:tag][@digest]`, optionally with a registry host. */
const IMAGE = /^[a-z0-9][a-z0-9._\/:@-]*$/i;
/** MongoDB user and replica set names, kept to characters that need no escaping anywhere. */
const MONGO_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function string(c: Checker, key: string, v: unknown, expected: string, test: (s: string) => boolean, dflt?: string): string | undefined {
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v === "string" && test(v)) return v;
    return c.fail(key, expected, v);
}

function oneOf<T extends string>(c: Checker, key: string, v: unknown, values: readonly T[], dflt: T): T {
    if (v === undefined) return dflt;
    if (typeof v === "string" && (values as readonly string[]).includes(v)) return v as T;
    c.fail(key, `one of ${values.map((x) => JSON.stringify(x)).join(", ")}`, v);
    return dflt;
}

/** "run it on `server`" or "adopt it at `adoptField`": exactly one of the two. */
function mode(c: Checker, key: string, o: Record<string, unknown>, adoptField: string): "run" | "existing" | undefined {
    if ((o.server === undefined) !== (o[adoptField] === undefined)) return o.server !== undefined ? "run" : "existing";
    c.fail(key, `exactly one of server (the stack runs it there) and ${adoptField} (adopt a running one)`, o);
    return undefined;
}

function loadMapping(c: Checker, o: Record<string, unknown>): MongoToMySqlMapping | undefined {
    const database = string(c, "mongodb.database", o.database, "the name of the MongoDB database to capture", (s) => s.length > 0);
    let collections: string[] | undefined;
    if (Array.isArray(o.collections) && o.collections.length > 0 && o.collections.every((x) => typeof x === "string")) collections = o.collections;
    else c.fail("mongodb.collections", "a non-empty list of collection names (one table each)", o.collections);
    let tables: Record<string, string> | undefined;
    if (o.tables !== undefined) {
        const t = c.object("mongodb.tables", o.tables);
        if (t && Object.values(t).every((x) => typeof x === "string")) tables = t as Record<string, string>;
        else if (t) c.fail("mongodb.tables", "a map of collection -> table name", o.tables);
    }
    const layout = oneOf(c, "mongodb.layout", o.layout, LAYOUTS, "document");
    const topicPrefix = string(c, "mongodb.topicPrefix", o.topicPrefix, "a Kafka topic prefix", () => true, "mongodb");
    if (database === undefined || collections === undefined || topicPrefix === undefined) return undefined;
    const mapping: MongoToMySqlMapping = { topicPrefix, database, collections, layout, ...(tables ? { tables } : {}) };
    try {
        routes(mapping);
    } catch (e) {
        if (!(e instanceof MappingError)) throw e;
        // The mapping's fields are the key's fields: `collections: ...` -> `cdc-sync:mongodb.collections: ...`.
        for (const p of e.problems) c.problems.push(`${NAMESPACE}:mongodb.${p}`);
        return undefined;
    }
    return mapping;
}

function loadMongo(c: Checker, v: unknown, servers: readonly ServerSpec[], binds: Bind[]): [TopologyA["mongodb"], MongoToMySqlMapping] | undefined {
    const o = c.object("mongodb", v);
    if (!o) return undefined;
    const m = mode(c, "mongodb", o, "connectionString");
    c.unknownFields("mongodb", o, m === "existing" ? MONGO_EXISTING : MONGO_RUN);
    const mapping = loadMapping(c, o);
    const user = string(c, "mongodb.user", o.user, "a MongoDB user name (letters, digits, '.', '_', '-')", (s) => MONGO_NAME.test(s), "debezium");
    const port = c.port("mongodb.port", o.port, 27017);
    let side: MongoRunSpec | MongoExistingSpec | undefined;
    if (m === "run") {
        const server = serverRef(c, "mongodb.server", o.server, servers);
        const image = string(
            c,
            "mongodb.image",
            o.image,
            "a MongoDB server image the server's engine has or can pull, e.g. mongo:8.0 (cdc-sync cannot build one: no " +
                "reachable registry or package repository ships MongoDB); set it with `pulumi config set --path 'cdc-sync:mongodb.image' mongo:8.0`",
            (s) => IMAGE.test(s),
        );
        const replicaSet = string(c, "mongodb.replicaSet", o.replicaSet, "a replica set name (letters, digits, '.', '_', '-')", (s) => MONGO_NAME.test(s), "rs0");
        if (server) binds.push({ key: "mongodb.port", server, port });
        if (server && image && replicaSet) side = { kind: "run", server, port, image, replicaSet };
    } else if (m === "existing") {
        const cs = o.connectionString;
        const problem = typeof cs === "string" ? checkReplicaSetConnectionString(`${NAMESPACE}:mongodb.connectionString`, cs) : undefined;
        if (typeof cs !== "string") c.fail("mongodb.connectionString", "a replica set's connection string, mongodb://host:port/?replicaSet=<name>", cs);
        else if (problem) c.problems.push(problem);
        if (o.port !== undefined) c.fail("mongodb.port", "no port with connectionString (the string holds the ports)", o.port);
        const authSource = string(c, "mongodb.authSource", o.authSource, "the database holding the Debezium account", (s) => s.length > 0, "admin");
        if (typeof cs === "string" && !problem && authSource) side = { kind: "existing", connectionString: cs, authSource };
    }
    return side && mapping && user ? [{ ...side, user }, mapping] : undefined;
}

function loadMySql(c: Checker, v: unknown, servers: readonly ServerSpec[], binds: Bind[]): TopologyA["mysql"] | undefined {
    const o = c.object("mysql", v);
    if (!o) return undefined;
    const m = mode(c, "mysql", o, "host");
    c.unknownFields("mysql", o, m === "existing" ? MYSQL_EXISTING : MYSQL_RUN);
    const flavor = oneOf(c, "mysql.flavor", o.flavor, FLAVORS, "mariadb");
    const port = c.port("mysql.port", o.port, 3306);
    const database = string(c, "mysql.database", o.database, "the name of the database the sink writes into", () => true);
    const user = string(c, "mysql.user", o.user, "the name of the JDBC sink's account", () => true, "cdc_sink");
    if (database !== undefined && user !== undefined) {
        // Same rules MySqlServer applies, reported under this key's field names.
        for (const p of checkNames({ database, user, userHost: "%" })) c.problems.push(`${NAMESPACE}:mysql.${p.replace(/^sinkUser\.name:/, "user:")}`);
    }
    let side: MySqlRunSpec | MySqlExistingSpec | undefined;
    if (m === "run") {
        const server = serverRef(c, "mysql.server", o.server, servers);
        const image = o.image === undefined ? undefined : string(c, "mysql.image", o.image, "an image reference such as mysql:8.4", (s) => IMAGE.test(s));
        if (flavor === "mysql" && o.image === undefined) {
            c.fail("mysql.image", 'a MySQL image (e.g. mysql:8.4) with flavor "mysql": the image built here is MariaDB', o.image);
        }
        if (server) binds.push({ key: "mysql.port", server, port });
        if (server) side = { kind: "run", server, port, ...(image ? { image } : {}) };
    } else if (m === "existing") {
        const host = string(c, "mysql.host", o.host, "the address of the server (reachable from Pulumi and the Connect workers)", (s) => IPV4.test(s) || HOSTNAME.test(s));
        const adminUser = string(c, "mysql.adminUser", o.adminUser, "an account that may create databases and users and grant", (s) => s.length > 0, "root");
        if (host && adminUser) side = { kind: "existing", host, port, adminUser };
    }
    return side && database !== undefined && user !== undefined ? { ...side, flavor, database, user } : undefined;
}

/**
 * Topology A from `cdc-sync:mongodb` and `cdc-sync:mysql` (raw values, JSON-parsed), or undefined when neither
 * is set. Adds the services it runs to `binds`; passwords of accounts outside the stack must be pinned, and
 * `cdc-sync:connectorSecrets` must not shadow the connectors' passwords in the workers' secrets file.
 */
export function loadTopologyA(
    c: Checker,
    values: { readonly mongodb: unknown; readonly mysql: unknown },
    servers: readonly ServerSpec[],
    secrets: { readonly passwordNames: readonly string[]; readonly connectorSecretNames: readonly string[] },
    binds: Bind[],
): TopologyA | undefined {
    if (values.mongodb === undefined && values.mysql === undefined) return undefined;
    for (const [present, missing, what] of [
        ["mongodb", "mysql", "the MySQL/MariaDB server the sink writes into"],
        ["mysql", "mongodb", "the MongoDB replica set and the collections to capture"],
    ] as const) {
        if (values[present] !== undefined && values[missing] === undefined) {
            c.fail(missing, `${what}: topology A (MongoDB -> MySQL) needs both ${NAMESPACE}:mongodb and ${NAMESPACE}:mysql`, undefined);
            return undefined;
        }
    }
    const mongo = loadMongo(c, values.mongodb, servers, binds);
    const mysql = loadMySql(c, values.mysql, servers, binds);
    if (!mongo || !mysql) return undefined;
    const a: TopologyA = { mongodb: mongo[0], mysql, mapping: mongo[1] };
    const needs = topologyAPasswords(a);
    for (const name of needs.forConnect.filter((n) => secrets.connectorSecretNames.includes(n))) {
        // The workers' file would hold that value instead of the account's password.
        c.fail(`connectorSecrets.${name}`, `a name topology A does not use for its connectors (pin that password with cdc-sync:passwords.${name})`, name);
    }
    for (const name of needs.pinned) {
        if (!secrets.passwordNames.includes(name)) {
            c.problems.push(
                `${NAMESPACE}:passwords.${name}: expected the password of an account that exists outside the stack (it cannot be ` +
                    `generated); set it with \`pulumi config set --secret --path 'cdc-sync:passwords.${name}' <password>\``,
            );
        }
    }
    return a;
}
