// `cdc-sync:databases`: the database servers pipelines read from and write into, by name. Each runs in a
// container on one of the stack's servers or is adopted where it already runs. Pure, like the other loaders:
// every problem names its key (`cdc-sync:databases.pg.port`) and what was expected.
import { Bind, Checker, HOSTNAME, IPV4, NAME, runOrAdopt, serverRef } from "../config/checker";
import { METRICS_PORT_OFFSET, offsetBind } from "../config/ports";
import { ServerSpec } from "../config/schema";
import { checkReplicaSetConnectionString } from "./mongodb/connectionString";

export type DatabaseEngine = "postgres" | "mariadb" | "mysql" | "mongodb";
export const DATABASE_ENGINES: readonly DatabaseEngine[] = ["postgres", "mariadb", "mysql", "mongodb"];

interface Common {
    /** The key under `cdc-sync:databases`: names the container and volume of a server the stack runs. */
    readonly name: string;
    /** The config key it was read from, for messages (`databases.pg`, or a deprecated key such as `postgres`). */
    readonly key: string;
    /**
     * Name in `cdc-sync:passwords` of the administrator's password (default `<name>-admin`): generated for a
     * server the stack runs (its superuser, set at first start), pinned for an adopted one.
     */
    readonly adminPassword: string;
}

export type PostgresServerSpec = Common & { readonly engine: "postgres"; readonly port: number } & (
        | { readonly kind: "run"; readonly server: string; readonly memoryMiB: number }
        /** Adopted: `adminUser` must be a superuser (origins and login event triggers need one). */
        | { readonly kind: "adopt"; readonly host: string; readonly adminUser: string }
    );

export type MySqlServerSpec = Common & { readonly engine: "mariadb" | "mysql"; readonly port: number } & (
        /** `image` absent: MariaDB built from images/mariadb (the only one these machines can build). */
        | { readonly kind: "run"; readonly server: string; readonly image?: string }
        /** Adopted: `adminUser` may create databases and users and grant. */
        | { readonly kind: "adopt"; readonly host: string; readonly adminUser: string }
    );

export type MongoServerSpec = Common & { readonly engine: "mongodb" } & (
        /** A single-node replica set; `image` is always configured (none can be built here). */
        | { readonly kind: "run"; readonly server: string; readonly port: number; readonly image: string; readonly replicaSet: string }
        /** Adopted by connection string (without credentials); the Debezium account must exist there. */
        | { readonly kind: "adopt"; readonly connectionString: string; readonly authSource: string }
    );

export type DatabaseServerSpec = PostgresServerSpec | MySqlServerSpec | MongoServerSpec;

/** Lower-case SQL names that never need quoting. */
const SQL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** An image reference: `name[:tag][@digest]`, optionally with a registry host. */
const IMAGE = /^[a-z0-9][a-z0-9._\/:@-]*$/i;
const MONGO_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const PASSWORD_NAME = /^[A-Za-z0-9_.-]+$/;

const FIELDS: Record<DatabaseEngine, { run: readonly string[]; adopt: readonly string[]; adoptField: string }> = {
    postgres: { run: ["server", "port", "memoryMiB"], adopt: ["host", "port", "adminUser"], adoptField: "host" },
    mariadb: { run: ["server", "port", "image"], adopt: ["host", "port", "adminUser"], adoptField: "host" },
    mysql: { run: ["server", "port", "image"], adopt: ["host", "port", "adminUser"], adoptField: "host" },
    mongodb: { run: ["server", "port", "image", "replicaSet"], adopt: ["connectionString", "authSource"], adoptField: "connectionString" },
};

/** The fields a server entry of `engine` may have (besides `engine` and `adminPassword`). */
export function serverFields(engine: DatabaseEngine): readonly string[] {
    return [...new Set([...FIELDS[engine].run, ...FIELDS[engine].adopt])];
}

function host(c: Checker, key: string, v: unknown): string | undefined {
    return c.string(key, v, "the server's address (reachable from Pulumi and the Connect workers)", (s) => IPV4.test(s) || HOSTNAME.test(s));
}

/**
 * One server entry. `key` is where it was read (`databases.<name>`); `engine` is given by the caller when the
 * entry comes from a deprecated key that implies it. Adds a server the stack runs to `binds`.
 */
export function loadDatabaseServer(
    c: Checker,
    key: string,
    name: string,
    o: Record<string, unknown>,
    servers: readonly ServerSpec[],
    binds: Bind[],
    defaults: { readonly engine?: DatabaseEngine; readonly adminPassword?: string } = {},
): DatabaseServerSpec | undefined {
    const engine = defaults.engine ?? (DATABASE_ENGINES.find((e) => e === o.engine) || c.fail(`${key}.engine`, `one of ${DATABASE_ENGINES.join(", ")}`, o.engine));
    if (!engine) return undefined;
    const f = FIELDS[engine];
    const mode = runOrAdopt(c, key, o, f.adoptField);
    c.unknownFields(key, o, [...(defaults.engine ? [] : ["engine"]), "adminPassword", ...(mode === "adopt" ? f.adopt : mode === "run" ? f.run : serverFields(engine))]);
    const adminPassword = c.string(`${key}.adminPassword`, o.adminPassword, "a password name (letters, digits, '.', '_', '-') in cdc-sync:passwords", (s) => PASSWORD_NAME.test(s), defaults.adminPassword ?? `${name}-admin`);
    if (!mode || !adminPassword) return undefined;
    const common = { name, key, adminPassword };
    const runOn = (dfltPort: number): { server: string; port: number } | undefined => {
        const server = serverRef(c, `${key}.server`, o.server, servers);
        const port = c.port(`${key}.port`, o.port, dfltPort);
        if (server) binds.push({ key: `${key}.port`, server, port });
        return server ? { server, port } : undefined;
    };
    switch (engine) {
        case "postgres": {
            if (mode === "adopt") {
                const h = host(c, `${key}.host`, o.host);
                const adminUser = c.string(`${key}.adminUser`, o.adminUser, "a superuser's name", (s) => SQL_NAME.test(s), "postgres");
                const port = c.port(`${key}.port`, o.port, 5432);
                return h && adminUser ? { ...common, engine, kind: "adopt", host: h, port, adminUser } : undefined;
            }
            let memoryMiB = 512;
            if (o.memoryMiB !== undefined) {
                if (typeof o.memoryMiB === "number" && Number.isInteger(o.memoryMiB) && o.memoryMiB >= 128) memoryMiB = o.memoryMiB;
                else c.fail(`${key}.memoryMiB`, "an integer of at least 128", o.memoryMiB);
            }
            const at = runOn(5432);
            // Its metrics exporter (components/databases/postgres/exporter.ts) binds METRICS_PORT_OFFSET above it.
            if (at) binds.push(...offsetBind(c, { key: `${key}.port`, server: at.server, port: at.port }, METRICS_PORT_OFFSET, "metrics"));
            return at ? { ...common, engine, kind: "run", ...at, memoryMiB } : undefined;
        }
        case "mariadb":
        case "mysql": {
            if (mode === "adopt") {
                const h = host(c, `${key}.host`, o.host);
                const adminUser = c.string(`${key}.adminUser`, o.adminUser, "an account that may create databases and users and grant", (s) => s.length > 0, "root");
                const port = c.port(`${key}.port`, o.port, 3306);
                return h && adminUser ? { ...common, engine, kind: "adopt", host: h, port, adminUser } : undefined;
            }
            const image = o.image === undefined ? undefined : c.string(`${key}.image`, o.image, "an image reference such as mysql:8.4", (s) => IMAGE.test(s));
            if (engine === "mysql" && o.image === undefined) {
                c.fail(`${key}.image`, 'a MySQL image (e.g. mysql:8.4) for engine "mysql": the image built here is MariaDB', o.image);
            }
            const at = runOn(3306);
            return at ? { ...common, engine, kind: "run", ...at, ...(image ? { image } : {}) } : undefined;
        }
        case "mongodb": {
            if (mode === "adopt") {
                const cs = o.connectionString;
                const problem = typeof cs === "string" ? checkReplicaSetConnectionString(`cdc-sync:${key}.connectionString`, cs) : undefined;
                if (typeof cs !== "string") c.fail(`${key}.connectionString`, "a replica set's connection string, mongodb://host:port/?replicaSet=<name>", cs);
                else if (problem) c.problems.push(problem);
                if (o.port !== undefined) c.fail(`${key}.port`, "no port with connectionString (the string holds the ports)", o.port);
                const authSource = c.string(`${key}.authSource`, o.authSource, "the database holding the Debezium account", (s) => s.length > 0, "admin");
                return typeof cs === "string" && !problem && authSource ? { ...common, engine, kind: "adopt", connectionString: cs, authSource } : undefined;
            }
            const image = c.string(
                `${key}.image`,
                o.image,
                "a MongoDB server image the server's engine has or can pull, e.g. mongo:8.0 (cdc-sync cannot build one: no " +
                    `reachable registry or package repository ships MongoDB); set it with \`pulumi config set --path 'cdc-sync:${key}.image' mongo:8.0\``,
                (s) => IMAGE.test(s),
            );
            const replicaSet = c.string(`${key}.replicaSet`, o.replicaSet, "a replica set name (letters, digits, '.', '_', '-')", (s) => MONGO_NAME.test(s), "rs0");
            const at = runOn(27017);
            return at && image && replicaSet ? { ...common, engine, kind: "run", ...at, image, replicaSet } : undefined;
        }
    }
}

/** `cdc-sync:databases`: a map of name -> server entry (`{ engine, server | host | connectionString, ... }`). */
export function loadDatabases(c: Checker, v: unknown, servers: readonly ServerSpec[], binds: Bind[]): DatabaseServerSpec[] {
    if (v === undefined) return [];
    const o = c.object("databases", v);
    if (!o) return [];
    return Object.entries(o).flatMap(([name, entry]) => {
        const key = `databases.${name}`;
        if (!NAME.test(name)) return c.fail(key, "a name of lowercase letters, digits and '-' starting with a letter", name) ?? [];
        const e = c.object(key, entry);
        return (e && loadDatabaseServer(c, key, name, e, servers, binds)) || [];
    });
}

/**
 * The declared server `v` names, when it is of one of `engines`. A server declared but invalid (its problems are
 * reported already) is not reported again; any other name fails, `expected` saying what was wanted of the
 * candidates (the declared servers of those engines).
 */
export function databaseServerRef<E extends DatabaseEngine>(
    c: Checker,
    key: string,
    v: unknown,
    declared: { readonly databases: ReadonlyMap<string, DatabaseServerSpec>; readonly invalidDatabases: ReadonlySet<string> },
    engines: readonly E[],
    expected: (candidates: readonly DatabaseServerSpec[]) => string,
): Extract<DatabaseServerSpec, { engine: E }> | undefined {
    const ofEngine = (d: DatabaseServerSpec) => (engines as readonly string[]).includes(d.engine);
    const db = declared.databases.get(String(v));
    if (db && ofEngine(db)) return db as Extract<DatabaseServerSpec, { engine: E }>;
    if (declared.invalidDatabases.has(String(v))) return undefined;
    return c.fail(key, expected([...declared.databases.values()].filter(ofEngine)), v);
}

/** Adopted servers' administrator passwords cannot be generated: the operator pins them. */
export function unpinnedAdminPasswords(db: DatabaseServerSpec): string[] {
    return db.kind === "adopt" && db.engine !== "mongodb" ? [db.adminPassword] : [];
}
