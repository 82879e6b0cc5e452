// The MongoDB side of topology A: a single-node replica set the stack runs on one of its servers (keyfile
// authentication, initiated and health-gated by `up`, an account for Debezium with only the roles it needs),
// or an existing replica set it adopts by connection string. No MongoDB image can be built or pulled on
// our own machines (no reachable registry ships a MongoDB server), so the image is always configured.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { ServerSpec } from "../../config/schema";
import { Container } from "../../docker/container";
import { ownerLabels } from "../../docker/engine";
import { RegistryImage } from "../../docker/registryImage";
import { Volume } from "../../docker/volume";
import { checkReplicaSetConnectionString } from "./connectionString";
import { ReplicaSetInit } from "./replicaSet";
import { connectorRoles } from "./users";

/** Where the keyfile goes in the container. */
export const KEYFILE = "/etc/cdc-sync/mongodb/keyfile";
/** The administrator the stack creates (role root) and manages accounts with. */
export const ADMIN_USER = "cdc-sync-admin";
/** uid/gid of `mongodb` in the official mongo images. */
const MONGODB_UID = 999;

export interface MongoRunArgs {
    /** The server that runs mongod (its engine and the address it binds). */
    readonly server: ServerSpec;
    /** Stack name: names the container and volumes (`cdc-sync-<stack>-mongodb`) and labels them. */
    readonly stack: string;
    /**
     * A MongoDB server image (e.g. `mongo:8.0`) that ships `mongosh` and follows the official images'
     * contract (mongod options as arguments, data in /data/db and /data/configdb, uid 999). Required:
     * there is no default because none can be obtained here.
     */
    readonly image: string | undefined;
    /** Default 27017. */
    readonly port?: number;
    /** Default `rs0`. */
    readonly replicaSet?: string;
    /** Hard memory limit of the container; default 1024. */
    readonly memoryMiB?: number;
    /** Password of the administrator (a secret); the keyfile is derived from it. */
    readonly adminPassword: pulumi.Input<string>;
}

export interface MongoExistingArgs {
    /**
     * The replica set's connection string without credentials, e.g.
     * `mongodb://db1:27017,db2:27017/?replicaSet=rs0` or `mongodb+srv://cluster.example.com/`. The connector
     * account must exist there with the roles `connectorRoles` lists.
     */
    readonly connectionString: string;
}

export interface MongoReplicaSetArgs {
    /** Run a single-node replica set in a container. Exactly one of `run` and `existing`. */
    readonly run?: MongoRunArgs;
    readonly existing?: MongoExistingArgs;
    /** The account Debezium's MongoDB source connects as. */
    readonly connector: {
        readonly user: string;
        readonly password: pulumi.Input<string>;
        /** Databases it captures: it gets `read` on each and nothing else. */
        readonly databases: readonly string[];
    };
}

/** A MongoDB replica set with an account for Debezium's MongoDB source. */
export class MongoReplicaSet extends pulumi.ComponentResource {
    /** For the source connector's `mongodb.connection.string`; holds no credentials. */
    public readonly connectionString: string;
    public readonly connectorUser: string;
    /** The container, when the stack runs the replica set. */
    public readonly container?: Container;

    constructor(name: string, args: MongoReplicaSetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:databases:MongoReplicaSet", name, {}, opts);
        if ((args.run === undefined) === (args.existing === undefined)) {
            throw new Error(`MongoReplicaSet ${name}: expected exactly one of run and existing`);
        }
        const roles = connectorRoles(args.connector.databases);
        if (args.existing) {
            const problem = checkReplicaSetConnectionString("existing.connectionString", args.existing.connectionString);
            if (problem) throw new Error(`MongoReplicaSet ${name}: ${problem}`);
            this.connectionString = args.existing.connectionString;
        } else {
            const run = args.run!;
            if (!run.image) {
                throw new Error(
                    `MongoReplicaSet ${name}: run.image: no MongoDB image configured. cdc-sync cannot build one (no reachable ` +
                        `registry or package repository ships a MongoDB server); set it to an image your engine can pull or already has, e.g. mongo:8.0`,
                );
            }
            const port = run.port ?? 27017;
            const replicaSet = run.replicaSet ?? "rs0";
            this.container = this.runServer(name, run, port, replicaSet);
            new ReplicaSetInit(
                `${name}-init`,
                {
                    engine: run.server.engine,
                    containerId: this.container.containerId,
                    port,
                    replicaSet,
                    member: `${run.server.address}:${port}`,
                    adminUser: ADMIN_USER,
                    adminPassword: pulumi.secret(run.adminPassword),
                    connectorUser: args.connector.user,
                    connectorPassword: pulumi.secret(args.connector.password),
                    connectorRoles: roles,
                    timeoutSeconds: 120,
                },
                { parent: this },
            );
            this.connectionString = `mongodb://${run.server.address}:${port}/?replicaSet=${replicaSet}`;
        }
        this.connectorUser = args.connector.user;
        this.registerOutputs({ connectionString: this.connectionString, connectorUser: this.connectorUser });
    }

    private runServer(name: string, run: MongoRunArgs, port: number, replicaSet: string): Container {
        const engine = run.server.engine;
        const image = new RegistryImage(`${name}-image`, { engine, name: run.image! }, { parent: this });
        const labels = ownerLabels(run.stack, "mongodb");
        // Both paths the official images declare as VOLUME get a named volume: an anonymous one would be left
        // behind by every container replacement.
        const mounts: Record<string, string> = { data: "/data/db", config: "/data/configdb" };
        const volumeName = (kind: string) => `cdc-sync-${run.stack}-mongodb-${kind}`;
        const volumes = Object.keys(mounts).map((k) => new Volume(`${name}-${k}`, { engine, name: volumeName(k), labels, holds: `MongoDB's ${k}` }, { parent: this }));
        return new Container(
            name,
            {
                engine,
                name: `cdc-sync-${run.stack}-mongodb`,
                image: image.imageId,
                // Bound to the server's private address only (the unix socket stays, for the initialisation). The
                // keyfile authenticates members to each other and also turns on access control.
                args: [`--replSet=${replicaSet}`, `--bind_ip=${run.server.address}`, `--port=${port}`, `--keyFile=${KEYFILE}`, "--wiredTigerCacheSizeGB=0.25"],
                env: {},
                // 0600, owned by mongod's user: mongod refuses a keyfile others can read.
                files: { [KEYFILE]: keyfile(run.adminPassword, name) },
                fileOwner: { uid: MONGODB_UID, gid: MONGODB_UID },
                volumes: Object.fromEntries(Object.entries(mounts).map(([k, path]) => [volumeName(k), path])),
                labels,
                memoryMiB: run.memoryMiB ?? 1024,
                ready: { address: run.server.address, port, timeoutSeconds: 180 },
            },
            { parent: this, dependsOn: volumes },
        );
    }
}

/** A keyfile (base64, as mongod wants) derived from the admin password: stable, secret, nothing more to configure. */
function keyfile(adminPassword: pulumi.Input<string>, name: string): pulumi.Output<string> {
    return pulumi.secret(adminPassword).apply((p) => crypto.createHmac("sha256", p).update(`cdc-sync mongodb keyfile ${name}`).digest("base64"));
}
