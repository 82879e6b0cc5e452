// Rolling changes to the platform's services. A change to a broker or a Connect worker recreates its container in
// an update (components/docker/container.ts); chaining each service's container after the previous service's gate
// (`dependsOn`) makes those updates run one at a time, each only after the service before it is back in sync:
//   broker 1 -> BrokerInSync 1 -> broker 2 -> BrokerInSync 2 -> ... -> worker 1 -> WorkerInSync 1 -> worker 2 -> ...
// A gate re-runs whenever its service's container is recreated (its `generation` is the container id).
import * as pulumi from "@pulumi/pulumi";
import { changedFields, UNKNOWN } from "../dynamic/diff";
import { withEffect } from "../dynamic/effect";
import { withAdmin } from "./topic";
import type { RestAuth } from "../connectors/rest";

/** One partition as the Kafka metadata API describes it. */
export interface PartitionState {
    readonly topic: string;
    readonly partition: number;
    readonly replicas: readonly number[];
    readonly isr: readonly number[];
}

/**
 * What keeps broker `brokerId` from counting as back in sync: not registered, or a partition one of whose live
 * replicas (this broker, or another registered broker) is missing from its ISR. Replicas on brokers not registered
 * (not created yet, or down) do not hold the gate: the roll never waits for a broker it cannot bring back.
 */
export function brokerSyncProblems(brokerId: number, registered: readonly number[], partitions: readonly PartitionState[]): string[] {
    if (!registered.includes(brokerId)) return [`broker ${brokerId} is not registered with the cluster`];
    const problems: string[] = [];
    for (const p of partitions) {
        const lagging = p.replicas.filter((r) => registered.includes(r) && !p.isr.includes(r));
        if (lagging.length > 0) problems.push(`${p.topic}-${p.partition}: replica ${lagging.join(", ")} not in the ISR [${p.isr.join(", ")}]`);
    }
    return problems;
}

/** A connector's state with its tasks', as `GET /connectors?expand=status` lists them. */
export interface ConnectorTasksState {
    readonly name: string;
    readonly state: string;
    /** The worker running the connector itself (`host:port`), when the status names one. */
    readonly worker_id?: string;
    readonly tasks: readonly { readonly id: number; readonly state: string; readonly worker_id: string; readonly trace?: string }[];
}

/**
 * A FAILED task's cause in one line, for an operator to act on: its trace's root cause (the last `Caused by:`), or
 * its first line when there is none. (Connect's own first line is often only "Exiting WorkerSinkTask due to
 * unrecoverable exception.")
 */
function causeOf(trace: string | undefined): string {
    const lines = (trace ?? "").split("\n").map((l) => l.trim());
    const line = [...lines].reverse().find((l) => l.startsWith("Caused by: "))?.slice("Caused by: ".length) ?? lines[0];
    return line ? ` (${line.length > 300 ? `${line.slice(0, 300)}…` : line})` : "";
}

/** States a connector or task may settle in: RUNNING, or held there by its declaration (PAUSED, STOPPED). */
const SETTLED = ["RUNNING", "PAUSED", "STOPPED"];

/**
 * What keeps a Connect group from counting as stable after a worker came back: any connector or task not settled
 * (UNASSIGNED or RESTARTING mid-rebalance, FAILED), or a running connector without tasks yet.
 */
export function workerSyncProblems(connectors: readonly ConnectorTasksState[]): string[] {
    const problems: string[] = [];
    for (const c of connectors) {
        if (!SETTLED.includes(c.state)) problems.push(`${c.name}: ${c.state}`);
        else if (c.state === "RUNNING" && c.tasks.length === 0) problems.push(`${c.name}: no task assigned yet`);
        for (const t of c.tasks) if (!SETTLED.includes(t.state)) problems.push(`${c.name} task ${t.id}: ${t.state}${t.state === "FAILED" ? causeOf(t.trace) : ""}`);
    }
    return problems;
}

/** Polls `check` until it reports no problem `stableChecks` times in a row, or fails at the deadline naming what was left. */
async function waitUntilClear(what: string, timeoutSeconds: number, stableChecks: number, check: () => Promise<string[]>): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let clear = 0;
    let last: string[] = ["no answer yet"];
    for (;;) {
        try {
            last = await check();
        } catch (e) {
            last = [(e as Error).message];
        }
        clear = last.length === 0 ? clear + 1 : 0;
        if (clear >= stableChecks) return;
        if (Date.now() > deadline) {
            const shown = last.slice(0, 10).join("; ") + (last.length > 10 ? `; and ${last.length - 10} more` : "");
            throw new Error(`${what} not in sync within ${timeoutSeconds}s: ${shown}`);
        }
        await new Promise((r) => setTimeout(r, 2000));
    }
}

interface BrokerGateInputs {
    bootstrapServers: string;
    brokerId: number;
    /** The broker container's id: a recreated broker re-runs the gate. */
    generation: string;
    timeoutSeconds: number;
}

/** The brokers registered with the cluster and every partition's replicas and ISR, as brokerSyncProblems takes them. */
export async function readReplicaState(admin: import("kafkajs").Admin): Promise<{ registered: number[]; partitions: PartitionState[] }> {
    const cluster = await admin.describeCluster();
    const meta = await admin.fetchTopicMetadata();
    const partitions = meta.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionId, replicas: p.replicas, isr: p.isr })));
    return { registered: cluster.brokers.map((b) => b.nodeId), partitions };
}

async function waitBrokerInSync(g: BrokerGateInputs): Promise<void> {
    await withAdmin(g.bootstrapServers, (admin) =>
        // Twice in a row, 2 s apart: one metadata answer can predate the broker's last shrink of an ISR.
        waitUntilClear(`broker ${g.brokerId}`, g.timeoutSeconds, 2, async () => {
            const { registered, partitions } = await readReplicaState(admin);
            return brokerSyncProblems(g.brokerId, registered, partitions);
        }),
    );
}

/**
 * In a preview the generation (the container's id) of a container being updated is unknown: whether it is recreated
 * is known at `up` only (its own line in the preview says what changes). The gate's words say so.
 */
function ifRestarted(g: { generation: string }, who: string): string {
    return g.generation === UNKNOWN ? `if ${who} is recreated in this up: ` : "";
}

/**
 * A gate's provider: `wait` on create, and again on an update, which any change of the `diffed` fields makes; the
 * preview says what it waits for (`waits`, components/dynamic/effect.ts).
 */
function gateProvider<T extends object>(id: string, diffed: (keyof T)[], wait: (inputs: T) => Promise<void>, waits: (inputs: T) => string): pulumi.dynamic.ResourceProvider<T, T> {
    return {
        async check(olds, news) {
            return { inputs: withEffect(olds, news, (o, n) => (changedFields<T>(o, n, diffed).length > 0 ? waits(n) : undefined)) };
        },
        async create(inputs) {
            await wait(inputs);
            return { id, outs: inputs };
        },
        async diff(_id, olds, news) {
            return { changes: changedFields<T>(olds, news, diffed).length > 0 };
        },
        async update(_id, _olds, news) {
            await wait(news);
            return { outs: news };
        },
    };
}

const brokerGateProvider = gateProvider<BrokerGateInputs>(
    "broker-in-sync",
    ["bootstrapServers", "brokerId", "generation"],
    waitBrokerInSync,
    (g) => `${ifRestarted(g, `broker ${g.brokerId}`)}waits until broker ${g.brokerId} is back in every ISR (no partition under-replicated); the next broker restarts only then`,
);

export interface BrokerInSyncArgs {
    readonly bootstrapServers: pulumi.Input<string>;
    readonly brokerId: pulumi.Input<number>;
    /** The broker container's id. */
    readonly generation: pulumi.Input<string>;
    readonly timeoutSeconds: pulumi.Input<number>;
}

/**
 * Passes once the broker is registered and in the ISR of every partition it holds (and every other live replica is
 * too: no partition under-replicated among the brokers that are up). The next broker's container waits for it.
 */
export class BrokerInSync extends pulumi.dynamic.Resource {
    constructor(name: string, args: BrokerInSyncArgs, opts?: pulumi.CustomResourceOptions) {
        super(brokerGateProvider, name, args, opts, "kafka", "BrokerInSync");
    }
}

interface WorkerGateInputs {
    /** This worker's REST URL. */
    url: string;
    /** The cluster's REST credentials (absent for a cluster without REST authentication). */
    auth?: RestAuth;
    /** The worker container's id: a recreated worker re-runs the gate. */
    generation: string;
    timeoutSeconds: number;
}

/** Every connector of the group with its tasks, as the worker at `url` lists them. */
async function groupStatus(url: string, auth: RestAuth | undefined): Promise<ConnectorTasksState[]> {
    const axios: typeof import("axios").default = require("axios");
    const { data } = await axios.get<Record<string, { status: { connector: { state: string; worker_id: string }; tasks: ConnectorTasksState["tasks"] } }>>(
        `${url}/connectors?expand=status`,
        { timeout: 10_000, auth },
    );
    return Object.entries(data).map(([name, c]) => ({ name, state: c.status.connector.state, worker_id: c.status.connector.worker_id, tasks: c.status.tasks }));
}

async function waitWorkerInSync(g: WorkerGateInputs): Promise<void> {
    // Three clear answers 2 s apart: a rebalance that is still settling shows tasks moving between them.
    // Asked of the restarted worker itself: it answers /connectors only once it has joined the group.
    await waitUntilClear(`Connect worker ${g.url}`, g.timeoutSeconds, 3, async () => workerSyncProblems(await groupStatus(g.url, g.auth)));
}

const workerGateProvider = gateProvider<WorkerGateInputs>(
    "worker-in-sync",
    ["url", "auth", "generation"],
    waitWorkerInSync,
    (g) => `${ifRestarted(g, `the worker at ${g.url}`)}waits until it has rejoined and every connector and task is RUNNING; the next worker restarts only then`,
);

export interface WorkerInSyncArgs {
    readonly url: pulumi.Input<string>;
    /** The cluster's REST credentials (ConnectCluster.auth, a Pulumi secret). */
    readonly auth?: pulumi.Input<RestAuth>;
    /** The worker container's id. */
    readonly generation: pulumi.Input<string>;
    readonly timeoutSeconds: pulumi.Input<number>;
}

/**
 * Passes once the worker has joined its group and every connector and task of the group is settled (RUNNING, or the
 * PAUSED or STOPPED state it was declared in) three answers in a row. The next worker's container waits for it.
 */
export class WorkerInSync extends pulumi.dynamic.Resource {
    constructor(name: string, args: WorkerInSyncArgs, opts?: pulumi.CustomResourceOptions) {
        super(workerGateProvider, name, args, { ...opts, additionalSecretOutputs: ["auth"] }, "connect", "WorkerInSync");
    }
}

interface HandOffInputs {
    /** The worker's REST URL. */
    url: string;
    /** Every worker's REST URL in the cluster, this one's included, as of the last `up` that changed them. */
    peers: string[];
    /** The cluster's REST credentials, kept for the delete (absent for a cluster without REST authentication). */
    auth?: RestAuth;
    timeoutSeconds: number;
}

/** A worker's id in the group's status (`rest.advertised.host.name:rest.advertised.port`), from its REST URL. */
export function workerIdOf(url: string): string {
    return new URL(url).host;
}

/**
 * What keeps a Connect group from counting as having taken over a removed worker's work: anything not settled
 * (workerSyncProblems; a connector or task the removed worker stopped reads UNASSIGNED until the group reassigns it,
 * `scheduled.rebalance.max.delay.ms` after it left), or anything the status still puts on the removed worker.
 */
export function handOffProblems(removedWorkerId: string, connectors: readonly ConnectorTasksState[]): string[] {
    const left = connectors.flatMap((c) => [
        ...(c.worker_id === removedWorkerId && SETTLED.includes(c.state) ? [`${c.name}: still on the removed worker ${removedWorkerId}`] : []),
        ...c.tasks.filter((t) => t.worker_id === removedWorkerId && SETTLED.includes(t.state)).map((t) => `${c.name} task ${t.id}: still on the removed worker ${removedWorkerId}`),
    ]);
    return [...workerSyncProblems(connectors), ...left];
}

/**
 * Waits, once the worker at `g.url` is gone, until one of the other workers reports the group settled without it.
 * No other worker answering (the whole cluster destroyed) counts as settled: nothing is left to hand over to.
 */
async function waitHandedOff(g: HandOffInputs): Promise<void> {
    const others = g.peers.filter((u) => u !== g.url);
    const removed = workerIdOf(g.url);
    await waitUntilClear(`the workers taking over from ${g.url}`, g.timeoutSeconds, 3, async () => {
        for (const url of others) {
            try {
                return handOffProblems(removed, await groupStatus(url, g.auth));
            } catch {
                // That worker is gone too, or restarting: ask the next.
            }
        }
        return [];
    });
}

const handOffProvider: pulumi.dynamic.ResourceProvider<HandOffInputs, HandOffInputs> = {
    async create(inputs) {
        return { id: "worker-hand-off", outs: inputs };
    },
    async diff(_id, olds, news) {
        return { changes: changedFields<HandOffInputs>(olds, news, ["url", "peers", "auth", "timeoutSeconds"]).length > 0 };
    },
    async update(_id, _olds, news) {
        return { outs: news };
    },
    async delete(_id, props) {
        await waitHandedOff(props);
    },
};

export interface WorkerHandOffArgs {
    readonly url: pulumi.Input<string>;
    readonly peers: pulumi.Input<pulumi.Input<string>[]>;
    /** The cluster's REST credentials (ConnectCluster.auth, a Pulumi secret). */
    readonly auth?: pulumi.Input<RestAuth>;
    readonly timeoutSeconds: pulumi.Input<number>;
}

/**
 * The gate of a worker's removal. Its worker's container depends on it, so Pulumi deletes it after the container:
 * its delete waits until the other workers run every connector and task the removed worker ran, and `up` returns
 * only then. Creating or updating it waits for nothing (it records the cluster's workers).
 */
export class WorkerHandOff extends pulumi.dynamic.Resource {
    constructor(name: string, args: WorkerHandOffArgs, opts?: pulumi.CustomResourceOptions) {
        super(handOffProvider, name, args, { ...opts, additionalSecretOutputs: ["auth"] }, "connect", "WorkerHandOff");
    }
}
