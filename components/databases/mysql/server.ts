// A MySQL/MariaDB server the stack runs in a container on one of its servers (or an existing one it adopts), a
// database on it, and the accounts of the pipeline using it, each with exactly the privileges it needs: the
// Debezium JDBC sink's on that database, and a Debezium source's server-wide (with the binlog on). Databases,
// accounts and grants are dynamic resources (./*.ts): the bridged @pulumi/mysql provider cannot be built on our
// machines. The stack administers a server it runs as root through the server's socket, by the engine's exec API,
// and root has no network login there (./localRoot.ts); an adopted server, as the account its stack file names.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ServerSpec } from "../../config/schema";
import { Container } from "../../docker/container";
import { ownerLabels } from "../../docker/engine";
import { ImageBuilds } from "../../docker/builds";
import { IMAGES_DIR } from "../../docker/image";
import { RegistryImage } from "../../docker/registryImage";
import { Volume } from "../../docker/volume";
import { MySqlAdmin, MySqlSocketAdmin } from "./connection";
import { MySqlDatabase } from "./database";
import { MySqlGrant } from "./grant";
import { MySqlLocalRoot, MySqlRemoteRootReport, remoteRootWarning } from "./localRoot";
import { binlogArgs, checkNames, checkPassword, jdbcUrl, MySqlFlavor, SINK_PRIVILEGES, sourcePrivileges } from "./sql";
import { MySqlUser } from "./user";
import versions from "../../../versions.json";

/** The image built from images/mariadb when no registry image is configured. */
export const MARIADB_IMAGE_TAG = `cdc-sync/mariadb:${versions.debianSuite}`;

/** Where the root password file goes in the container; the images read it through MYSQL_ROOT_PASSWORD_FILE. */
export const ROOT_PASSWORD_FILE = "/etc/cdc-sync/mysql/root-password";

/** uid/gid of `mysql` in images/mariadb and in the official mysql and mariadb images. */
const MYSQL_UID = 999;

export interface MySqlRunArgs {
    /** The server that runs the database container (its engine and the address the database binds). */
    readonly server: ServerSpec;
    /** Where its image is built (shared by the stack). Default: on the server's own engine. */
    readonly images?: ImageBuilds;
    /** Stack name: names the container and volume (`cdc-sync-<stack>-<name>`) and labels them. */
    readonly stack: string;
    /** The `cdc-sync:databases` entry it runs; default `mysql` (the name topology A's server has always had). */
    readonly name?: string;
    /**
     * A registry image instead of the one built from images/mariadb, e.g. `mysql:8.4` (set `flavor: "mysql"`)
     * or `mariadb:11.8`. It must follow the official images' contract: MYSQL_ROOT_PASSWORD_FILE, server options
     * as arguments, data in /var/lib/mysql, uid 999, and a `mariadb` or `mysql` client in the image.
     */
    readonly image?: string;
    /** Default 3306. */
    readonly port?: number;
    /** Hard memory limit of the container; default 512. */
    readonly memoryMiB?: number;
    /**
     * Password of the server's `root@localhost` (a secret); applied when the data volume is first initialised. Root
     * has no network login: the stack reaches it through the server's socket.
     */
    readonly rootPassword: pulumi.Input<string>;
    /** Turns the binlog on for a Debezium source (row events, full images), with this replica server id. */
    readonly binlog?: { readonly serverId: number };
}

export interface MySqlExistingArgs {
    /** Address of the server, reachable from the machine running Pulumi and from the Connect workers. */
    readonly address: string;
    /** Default 3306. */
    readonly port?: number;
    /** An account allowed to create databases and users and to grant (e.g. root). */
    readonly adminUser: string;
    readonly adminPassword: pulumi.Input<string>;
}

export interface MySqlServerArgs {
    /** Run the server in a container. Exactly one of `run` and `existing`. */
    readonly run?: MySqlRunArgs;
    /** Adopt a server that runs elsewhere: only the database, the account and the grants are the stack's. */
    readonly existing?: MySqlExistingArgs;
    /** Server family; default `mariadb`. Checked against the live server on `up`. */
    readonly flavor?: MySqlFlavor;
    /** The database the JDBC sink writes into (or the source reads); created if missing. */
    readonly database: string;
    /** The account the JDBC sink connects as, with exactly SINK_PRIVILEGES on `database`. */
    readonly sinkUser?: {
        readonly name: string;
        /** Host pattern it may connect from; default `%` (the server listens on its private address only). */
        readonly host?: string;
        readonly password: pulumi.Input<string>;
    };
    /** The account a Debezium source connects as, with exactly `sourcePrivileges` server-wide. */
    readonly sourceUser?: { readonly name: string; readonly password: pulumi.Input<string> };
}

/** A MySQL/MariaDB server with the JDBC sink's database, account and least-privilege grants. */
export class MySqlServer extends pulumi.ComponentResource {
    public readonly flavor: MySqlFlavor;
    public readonly address: string;
    public readonly port: number;
    public readonly database: string;
    /** The sink's account, when it has one. */
    public readonly sinkUser?: string;
    /** What the JDBC sink's `connection.url` must be (the scheme selects its SQL dialect). */
    public readonly jdbcUrl: string;
    /** The container, when the stack runs the server. */
    public readonly container?: Container;
    /** `VERSION()` of the server. */
    public readonly serverVersion: pulumi.Output<string>;
    /** An adopted server's root accounts that log in over the network (hosts), as last asked; warned about. */
    public readonly remoteRootHosts?: pulumi.Output<string[]>;

    constructor(name: string, args: MySqlServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:databases:MySqlServer", name, {}, opts);
        this.flavor = args.flavor ?? "mariadb";
        // The sink's privileges are on its database; a source's are server-wide, spelled as this flavor lists them.
        const accounts = [
            ...(args.sinkUser ? [{ role: "sink", name: args.sinkUser.name, host: args.sinkUser.host ?? "%", password: args.sinkUser.password, database: args.database, privileges: [...SINK_PRIVILEGES] }] : []),
            ...(args.sourceUser ? [{ role: "source", name: args.sourceUser.name, host: "%", password: args.sourceUser.password, database: "*", privileges: sourcePrivileges(this.flavor) }] : []),
        ];
        const problems = accounts.flatMap((a) => checkNames({ database: args.database, user: a.name, userHost: a.host }));
        if ((args.run === undefined) === (args.existing === undefined)) problems.push("run/existing: expected exactly one of them");
        if (problems.length > 0) throw new Error(`MySqlServer ${name}:\n  - ${problems.join("\n  - ")}`);

        let admin: pulumi.Output<MySqlAdmin>;
        if (args.run) {
            this.container = this.runServer(name, args.run);
            this.address = args.run.server.address;
            this.port = args.run.port ?? 3306;
            const root: pulumi.Output<MySqlSocketAdmin> = pulumi.output({
                engine: args.run.server.engine,
                container: containerName(args.run),
                password: checked("rootPassword", args.run.rootPassword),
            });
            new MySqlLocalRoot(`${name}-local-root`, { admin: root }, { parent: this, dependsOn: [this.container] });
            admin = root;
        } else {
            const e = args.existing!;
            this.address = e.address;
            this.port = e.port ?? 3306;
            const network = pulumi.output({ host: this.address, port: this.port, user: e.adminUser, password: checked("adminPassword", e.adminPassword) });
            admin = network;
            // Not the stack's to change, so asked and said: a root that logs in over the network (docs/security.md).
            const report = new MySqlRemoteRootReport(`${name}-root-report`, { admin: network }, { parent: this });
            this.remoteRootHosts = report.remoteRootHosts;
            pulumi.all([report.remoteRootHosts, report.unchecked]).apply(([hosts, unchecked]) => {
                const warning = remoteRootWarning(name, hosts ?? [], unchecked);
                if (warning) pulumi.log.warn(warning, this);
            });
        }
        const after = this.container ? [this.container] : [];
        const database = new MySqlDatabase(
            `${name}-database`,
            { admin, name: args.database, characterSet: "utf8mb4", flavor: this.flavor },
            { parent: this, dependsOn: after },
        );
        for (const a of accounts) {
            const user = new MySqlUser(
                `${name}-${a.role}-user`,
                { admin, name: a.name, host: a.host, password: checked(`${a.role}User.password`, a.password) },
                { parent: this, dependsOn: after },
            );
            new MySqlGrant(
                `${name}-${a.role}-grant`,
                { admin, user: a.name, host: a.host, database: a.database, privileges: a.privileges },
                { parent: this, dependsOn: a.database === "*" ? [user] : [database, user] },
            );
        }
        this.database = args.database;
        this.sinkUser = args.sinkUser?.name;
        this.jdbcUrl = jdbcUrl(this.flavor, this.address, this.port, args.database);
        this.serverVersion = database.serverVersion;
        this.registerOutputs({ jdbcUrl: this.jdbcUrl, sinkUser: this.sinkUser, serverVersion: this.serverVersion });
    }

    private runServer(name: string, run: MySqlRunArgs): Container {
        const engine = run.server.engine;
        const image = run.image
            ? new RegistryImage(`${name}-image`, { engine, name: run.image }, { parent: this }).imageId
            : (run.images ?? new ImageBuilds()).imageOn(
                  `${name}-image`,
                  engine,
                  { tag: MARIADB_IMAGE_TAG, context: path.join(IMAGES_DIR, "mariadb"), buildArgs: { DEBIAN_SUITE: versions.debianSuite } },
                  { parent: this },
              );
        const server = run.name ?? "mysql";
        const labels = ownerLabels(run.stack, server);
        const volumeName = `cdc-sync-${run.stack}-${server}-data`;
        const data = new Volume(`${name}-data`, { engine, name: volumeName, labels, holds: "the MySQL server's databases" }, { parent: this });
        const port = run.port ?? 3306;
        return new Container(
            name,
            {
                engine,
                name: containerName(run),
                image,
                // Bound to the server's private address only; no reverse DNS on every connection.
                args: [
                    `--bind-address=${run.server.address}`,
                    `--port=${port}`,
                    "--skip-name-resolve",
                    ...(run.binlog ? binlogArgs(run.binlog.serverId, this.flavor) : []),
                ],
                // A path, not the password: the password itself goes in as a file and never shows in `docker inspect`.
                // No MYSQL_ROOT_HOST: root is root@localhost only.
                env: { MYSQL_ROOT_PASSWORD_FILE: ROOT_PASSWORD_FILE },
                files: { [ROOT_PASSWORD_FILE]: checked("rootPassword", run.rootPassword) },
                fileOwner: { uid: MYSQL_UID, gid: MYSQL_UID },
                volumes: { [volumeName]: "/var/lib/mysql" },
                labels,
                memoryMiB: run.memoryMiB ?? 512,
                ready: { address: run.server.address, port, timeoutSeconds: 180 },
            },
            { parent: this, dependsOn: [data] },
        );
    }
}

/** The container of a server the stack runs: `cdc-sync-<stack>-<name>`. */
function containerName(run: MySqlRunArgs): string {
    return `cdc-sync-${run.stack}-${run.name ?? "mysql"}`;
}

/** The password, failing the deployment with a field-named error when it is unusable. */
function checked(field: string, password: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.secret(password).apply((p) => {
        const problem = checkPassword(field, p);
        if (problem) throw new Error(problem);
        return p;
    });
}
