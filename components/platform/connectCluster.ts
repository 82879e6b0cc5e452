// Kafka Connect in distributed mode: one worker per server, internal topics owned by the stack,
// the Debezium and JDBC plugins on the plugin path, the file config provider for secrets, and a REST API that
// answers the stack's credentials only (./restAuth.ts).
import * as pulumi from "@pulumi/pulumi";
import { ownerLabels } from "../docker/engine";
import { CONNECT_SECRETS_FILE, connectWorkerProperties, EXACTLY_ONCE_STEPS, renderSecretsFile } from "./properties";
import { platformService } from "./service";
import type { Container } from "../docker/container";
import { Topic } from "./topic";
import { ConnectPlacement } from "./placement";
import { ConnectReady } from "./connectReady";
import { WorkerHandOff, WorkerInSync } from "./rolling";
import { workerSupervisor } from "./supervisor";
import { EXTRA_PLUGINS } from "./images";
import type { ConnectPlugin } from "../config/schema";
import type { RestAuth } from "../connectors/rest";
import { CONNECT_JAAS_FILE, REST_USER, restAuthFiles, restAuthGeneration } from "./restAuth";

/** Connector classes the image must provide; the health gate waits for all of them. */
export const REQUIRED_PLUGINS = [
    "io.debezium.connector.postgresql.PostgresConnector",
    "io.debezium.connector.mongodb.MongoDbConnector",
    "io.debezium.connector.mysql.MySqlConnector",
    "io.debezium.connector.jdbc.JdbcSinkConnector",
];

export interface ConnectClusterArgs {
    /** Workers, group id and internal topic names (from placement). */
    readonly connect: ConnectPlacement;
    readonly bootstrapServers: string;
    /** Replication factor of the internal topics. */
    readonly replicationFactor: number;
    /** Image id per server name (with `plugins` in it). */
    readonly imageFor: (server: string) => pulumi.Input<string>;
    /** The supervisor image's id per server name (./supervisor.ts): one supervisor beside each worker. */
    readonly supervisorImageFor: (server: string) => pulumi.Input<string>;
    /** Plugins the workers carry besides the platform image's; the health gate waits for their connectors too. */
    readonly plugins?: readonly ConnectPlugin[];
    readonly heap: string;
    /** Exactly-once source support on its workers (`connect.exactlyOnce`). */
    readonly exactlyOnce: boolean;
    readonly stack: string;
    /** Pass-through worker properties (`connect.config`; never an owned key). */
    readonly properties?: Readonly<Record<string, string | number | boolean>>;
    /**
     * Secrets for connectors, by name: written to every worker's CONNECT_SECRETS_FILE, which connector
     * configs reference as `${file:<CONNECT_SECRETS_FILE>:<name>}`. A Pulumi secret.
     */
    readonly secrets: pulumi.Input<Record<string, string>>;
    /**
     * The password of the REST API's one user (REST_USER, ./restAuth.ts), a Pulumi secret: every request without it
     * gets 401. The provider, the gates, the supervisors and the scripts send it.
     */
    readonly restPassword: pulumi.Input<string>;
    /** What the internal topics and the first worker wait for (the last broker's in-sync gate). */
    readonly after?: pulumi.Resource;
}

/** A distributed Kafka Connect cluster, ready (REST answering, plugins listed) when `up` returns. */
export class ConnectCluster extends pulumi.ComponentResource {
    /** REST URL of the first worker; any worker forwards to the leader. */
    public readonly restUrl: string;
    public readonly workerUrls: string[];
    public readonly version: pulumi.Output<string>;
    public readonly plugins: pulumi.Output<string[]>;
    /** The REST API's credentials, a Pulumi secret: give them to every connector (`connectAuth`). */
    public readonly auth: pulumi.Output<RestAuth>;

    constructor(name: string, args: ConnectClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:connect:ConnectCluster", name, {}, opts);
        const c = args.connect;
        // Connect refuses to start if these exist with the wrong cleanup policy; declaring them makes
        // their shape reviewable (compaction, RF) instead of whatever the first worker guessed.
        const topic = (kind: string, topicName: string, partitions: number, holds: string) =>
            new Topic(
                `${name}-${kind}`,
                {
                    bootstrapServers: args.bootstrapServers,
                    name: topicName,
                    partitions,
                    replicationFactor: args.replicationFactor,
                    configs: { "cleanup.policy": "compact" },
                    holds,
                },
                { parent: this, dependsOn: args.after ? [args.after] : [] },
            );
        const topics = [
            topic("configs", c.topics.config, 1, "every connector's configuration in this Connect cluster"),
            topic("offsets", c.topics.offset, 25, "every source connector's offsets: each would read its database again from a new snapshot"),
            topic("status", c.topics.status, 5, "the connectors' and tasks' states"),
        ];
        const password = pulumi.secret(pulumi.output(args.restPassword));
        const auth = pulumi.secret(password.apply((p): RestAuth => ({ username: REST_USER, password: p })));
        this.auth = auth;
        const secretsFile = pulumi.secret(
            pulumi.all([args.secrets, password]).apply(([s, p]) => ({ [CONNECT_SECRETS_FILE]: renderSecretsFile(s), ...restAuthFiles(p) })),
        );
        // Not secret: a digest, there only to recreate the workers when the password is rotated (./restAuth.ts).
        const authGeneration = pulumi.unsecret(password.apply(restAuthGeneration));
        // One at a time: each worker's container waits for the previous worker's gate (./rolling.ts), so a change
        // to the workers restarts them in turn, each after the group is stable again with every task RUNNING.
        const workers: Container[] = [];
        let previous: pulumi.Resource | undefined;
        let previousServer: string | undefined;
        for (const w of c.workers) {
            // Deleted after the worker's container (which depends on it): a worker removed from the stack is gone
            // only once the others run what it ran (scheduled.rebalance.max.delay.ms after it left).
            const handOff = new WorkerHandOff(
                `${name}-${w.server.name}-hand-off`,
                { url: w.url, peers: c.workers.map((p) => p.url), auth, timeoutSeconds: 180 },
                { parent: this },
            );
            const worker = platformService(
                `${name}-${w.server.name}`,
                {
                    server: w.server,
                    containerName: w.containerName,
                    role: "connect",
                    properties: connectWorkerProperties(
                        {
                            address: w.server.address,
                            port: w.port,
                            bootstrapServers: args.bootstrapServers,
                            groupId: c.groupId,
                            replicationFactor: args.replicationFactor,
                            configTopic: c.topics.config,
                            offsetTopic: c.topics.offset,
                            statusTopic: c.topics.status,
                            exactlyOnce: args.exactlyOnce,
                        },
                        args.properties,
                    ),
                    env: { CDC_JAAS: CONNECT_JAAS_FILE, CDC_AUTH_GENERATION: authGeneration },
                    image: args.imageFor(w.server.name),
                    heap: args.heap,
                    labels: ownerLabels(args.stack, c.name === "default" ? `connect-${w.server.name}` : `connect-${c.name}-${w.server.name}`),
                    memoryMiB: 1536,
                    port: w.port,
                    readyTimeoutSeconds: 240,
                    files: secretsFile,
                    steps: [EXACTLY_ONCE_STEPS],
                    // The database accounts take a rotated password after the platform (docs/day2.md): a worker
                    // restarted first would start its tasks with a password their database does not know yet.
                    rotationRefusal:
                        "a restarted worker starts its tasks with the new secrets before their databases' accounts have them " +
                        "(the accounts change after the platform), so its in-sync gate would wait for tasks that cannot log in",
                    rollsAfter: previousServer
                        ? `one worker at a time: after the worker on ${previousServer} has rejoined with every connector and task RUNNING`
                        : "one worker at a time: the first, after the last broker is back in every ISR",
                },
                { parent: this, dependsOn: [...topics, handOff, ...(previous ? [previous] : [])] },
            );
            workers.push(worker);
            const role = c.name === "default" ? `connect-${w.server.name}-supervisor` : `connect-${c.name}-${w.server.name}-supervisor`;
            workerSupervisor(
                `${name}-${w.server.name}-supervisor`,
                { server: w.server, workerContainer: w.containerName, workerPort: w.port, image: args.supervisorImageFor(w.server.name), stack: args.stack, role, password },
                // Not after its worker: in an upgrade that adds them, every supervisor is up before the roll starts,
                // and restarts what the roll leaves FAILED on its worker (the gates below wait for it).
                { parent: this },
            );
            previous = new WorkerInSync(`${name}-${w.server.name}-in-sync`, { url: w.url, auth, generation: worker.containerId, timeoutSeconds: 600 }, { parent: this });
            previousServer = w.server.name;
        }
        this.workerUrls = c.workers.map((w) => w.url);
        this.restUrl = this.workerUrls[0];
        const ready = new ConnectReady(
            `${name}-ready`,
            {
                urls: this.workerUrls,
                auth,
                requiredPlugins: [...REQUIRED_PLUGINS, ...(args.plugins ?? []).map((p) => EXTRA_PLUGINS[p].connectorClass)],
                workerIds: workers.map((w) => w.containerId),
                timeoutSeconds: 300,
            },
            { parent: this },
        );
        this.version = ready.version;
        this.plugins = ready.plugins;
        this.registerOutputs({ restUrl: this.restUrl, version: this.version, plugins: this.plugins });
    }
}
