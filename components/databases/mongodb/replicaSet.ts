// The health gate and account setup of a single-node MongoDB replica set the stack runs: `up` returns only
// once the member is primary and the connector's account exists with its roles. Runs ./users.ts's script
// with the image's own mongosh through the engine (docker exec), so it needs no MongoDB driver on the
// machine running Pulumi and works the same on a remote engine.
import * as pulumi from "@pulumi/pulumi";
import { Engine } from "../../config/schema";
import { changedFields } from "../../dynamic/diff";
import { archiveOf } from "../../docker/container";
import { dockerClient } from "../../docker/engine";
import { execIn } from "../../docker/exec";
import { initScript, MongoRole } from "./users";

export interface ReplicaSetInitArgs {
    readonly engine: pulumi.Input<Engine>;
    /** The mongod container; a new container (same volume) re-runs the script. */
    readonly containerId: pulumi.Input<string>;
    readonly port: pulumi.Input<number>;
    readonly replicaSet: pulumi.Input<string>;
    /** `address:port` the member announces. */
    readonly member: pulumi.Input<string>;
    readonly adminUser: pulumi.Input<string>;
    readonly adminPassword: pulumi.Input<string>;
    readonly connectorUser: pulumi.Input<string>;
    readonly connectorPassword: pulumi.Input<string>;
    readonly connectorRoles: pulumi.Input<MongoRole[]>;
    readonly timeoutSeconds: pulumi.Input<number>;
}

interface InitInputs {
    engine: Engine;
    containerId: string;
    port: number;
    replicaSet: string;
    member: string;
    adminUser: string;
    adminPassword: string;
    connectorUser: string;
    connectorPassword: string;
    connectorRoles: MongoRole[];
    timeoutSeconds: number;
}

// In a directory of its own: the archive resets its parent directory's owner and mode (root, 0700).
const SCRIPT = "/run/cdc-sync-mongodb-init/init.js";

async function runInit(i: InitInputs): Promise<void> {
    const script = initScript({
        replicaSet: i.replicaSet,
        member: i.member,
        admin: { user: i.adminUser, password: i.adminPassword },
        connector: { user: i.connectorUser, password: i.connectorPassword, roles: i.connectorRoles },
        timeoutSeconds: i.timeoutSeconds,
    });
    await dockerClient(i.engine)
        .getContainer(i.containerId)
        .putArchive(await archiveOf({ [SCRIPT]: script }, { uid: 0, gid: 0 }), { path: "/" });
    // mongod's unix socket: connections over it count as localhost for the localhost exception.
    const socket = encodeURIComponent(`/tmp/mongodb-${i.port}.sock`);
    try {
        const r = await execIn(i.engine, i.containerId, ["mongosh", "--quiet", "--norc", `mongodb://${socket}/?directConnection=true`, SCRIPT]);
        if (r.exitCode !== 0) {
            throw new Error(`initialising replica set ${i.replicaSet} failed (mongosh exit ${r.exitCode}):\n${r.output.slice(-3000)}`);
        }
    } finally {
        await execIn(i.engine, i.containerId, ["rm", "-f", SCRIPT]);
    }
}

const FIELDS = ["engine", "containerId", "port", "replicaSet", "member", "adminUser", "adminPassword", "connectorUser", "connectorPassword", "connectorRoles", "timeoutSeconds"] as const;

const initProvider: pulumi.dynamic.ResourceProvider<InitInputs, InitInputs> = {
    async create(inputs) {
        await runInit(inputs);
        return { id: `${inputs.replicaSet}@${inputs.member}`, outs: inputs };
    },
    async diff(_id, olds, news) {
        // The script is idempotent: any change (a new container, a new password, other roles) re-runs it.
        return { changes: changedFields<InitInputs>(olds, news, FIELDS).length > 0 };
    },
    async update(_id, _olds, news) {
        await runInit(news);
        return { outs: news };
    },
    // Nothing to undo: the replica set and its accounts live in the data volume, which `destroy` removes.
    async delete() {},
};

/** Initiates the replica set (once), waits for a primary, and keeps the connector's account as declared. */
export class ReplicaSetInit extends pulumi.dynamic.Resource {
    constructor(name: string, args: ReplicaSetInitArgs, opts?: pulumi.CustomResourceOptions) {
        super(initProvider, name, args, { ...opts, additionalSecretOutputs: ["adminPassword", "connectorPassword"] }, "mongodb", "ReplicaSetInit");
    }
}
