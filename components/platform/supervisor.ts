// The supervisor beside each Connect worker (images/supervisor/supervisor.js): on the worker's server, it restarts
// the connectors and tasks that FAILED on that worker, after growing delays and up to a cap, between deploys. Its
// state (what it restarted, what it gave up on) is served at SUPERVISOR_PORT_OFFSET above the worker's port. Its
// restart policy is the script's DEFAULT_POLICY (delays 10, 20, 40, 80, 160, 300 s; then left FAILED).
import * as pulumi from "@pulumi/pulumi";
import { ServerSpec } from "../config/schema";
import { Container } from "../docker/container";
import { ownerLabels } from "../docker/engine";
import { SUPERVISOR_PORT_OFFSET } from "../config/ports";
import { SUPERVISOR_CREDENTIALS_FILE, supervisorCredentialsFile } from "./restAuth";

export interface WorkerSupervisorArgs {
    readonly server: ServerSpec;
    /** The worker's container name; the supervisor's is this plus `-supervisor`. */
    readonly workerContainer: string;
    readonly workerPort: number;
    /** The supervisor image's id on the server's engine. */
    readonly image: pulumi.Input<string>;
    readonly stack: string;
    /** The owner label's role (`connect-server1-supervisor`). */
    readonly role: string;
    /** The worker's REST password (a Pulumi secret), written into the supervisor's credentials file. */
    readonly password: pulumi.Input<string>;
}

/** Where a worker's supervisor serves its state: `http://address:port/`. */
export function supervisorUrl(address: string, workerPort: number): string {
    return `http://${address}:${workerPort + SUPERVISOR_PORT_OFFSET}/`;
}

/** The supervisor container of one worker, a child of `opts.parent`. */
export function workerSupervisor(name: string, args: WorkerSupervisorArgs, opts: pulumi.CustomResourceOptions): Container {
    const address = args.server.address;
    const port = args.workerPort + SUPERVISOR_PORT_OFFSET;
    return new Container(
        name,
        {
            engine: args.server.engine,
            name: `${args.workerContainer}-supervisor`,
            image: args.image,
            args: [],
            env: {
                CDC_CONNECT_URL: `http://${address}:${args.workerPort}`,
                CDC_WORKER_ID: `${address}:${args.workerPort}`,
                CDC_LISTEN: `${address}:${port}`,
                CDC_CONNECT_CREDENTIALS: SUPERVISOR_CREDENTIALS_FILE,
            },
            files: pulumi.secret(pulumi.output(args.password).apply(supervisorCredentialsFile)),
            // The image's user (images/supervisor/Dockerfile: nobody).
            fileOwner: { uid: 65534, gid: 65534 },
            volumes: {},
            labels: ownerLabels(args.stack, args.role),
            memoryMiB: 64,
            ready: { address, port, timeoutSeconds: 60 },
        },
        opts,
    );
}
