// A Kafka topic owned by the stack, managed through the Kafka admin API (kafkajs).
// Partitions grow in place, and the replication factor changes in place by partition reassignment (the update
// waits until every new replica is in sync). A new name or fewer partitions means a new topic, which drops the
// topic's data: the preview shows a replacement.
import * as pulumi from "@pulumi/pulumi";
import { changedFields } from "../dynamic/diff";
import { withEffect } from "../dynamic/effect";
import { Guard, guardFor, observedGuard, refuseDestruction } from "../dynamic/guard";

export interface TopicArgs {
    /** `host:port,...` reachable from the machine running Pulumi. */
    readonly bootstrapServers: pulumi.Input<string>;
    readonly name: pulumi.Input<string>;
    readonly partitions: pulumi.Input<number>;
    readonly replicationFactor: pulumi.Input<number>;
    /** Topic-level configs (e.g. `cleanup.policy: compact`); exactly these are kept set. */
    readonly configs: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** What the topic holds for the user, named when a change that would delete it is refused (e.g. "every connector's offsets"). */
    readonly holds?: string;
}

export interface TopicInputs {
    bootstrapServers: string;
    name: string;
    partitions: number;
    replicationFactor: number;
    configs: Record<string, string>;
    holds?: string;
    guard?: Guard;
}

/** Runs `fn` with a connected admin client of the cluster at `bootstrapServers`, disconnected afterwards. */
export async function withAdmin<T>(bootstrapServers: string, fn: (admin: import("kafkajs").Admin) => Promise<T>): Promise<T> {
    const { Kafka, logLevel }: typeof import("kafkajs") = require("kafkajs");
    const kafka = new Kafka({
        clientId: "cdc-sync-pulumi",
        brokers: bootstrapServers.split(","),
        // Errors reach the operator as the resource's own error (createTopicsPatiently names the broker's
        // reason); kafkajs's log of each retried attempt would only be noise in the update's output.
        logLevel: logLevel.NOTHING,
        retry: { retries: 8 },
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
        return await fn(admin);
    } finally {
        await admin.disconnect();
    }
}

/**
 * The replica lists that give each partition `rf` replicas, for those whose count differs: a partition keeps its
 * replicas in order (its leader first) and gains the brokers holding the fewest replicas of the topic so far
 * (lowest id on a tie), or loses its last ones. Deterministic, so a retried update asks for the same thing.
 */
export function replicaPlan(
    partitions: readonly { partition: number; replicas: readonly number[] }[],
    brokers: readonly number[],
    rf: number,
): { partition: number; replicas: number[] }[] {
    if (rf > brokers.length) throw new Error(`replication factor ${rf} needs ${rf} brokers; the cluster has ${brokers.length}`);
    const load = new Map<number, number>(brokers.map((b) => [b, 0]));
    for (const p of partitions) for (const r of p.replicas) load.set(r, (load.get(r) ?? 0) + 1);
    const plan: { partition: number; replicas: number[] }[] = [];
    for (const p of [...partitions].sort((a, b) => a.partition - b.partition)) {
        if (p.replicas.length === rf) continue;
        const replicas = p.replicas.slice(0, rf);
        for (const dropped of p.replicas.slice(rf)) load.set(dropped, load.get(dropped)! - 1);
        while (replicas.length < rf) {
            const next = brokers.filter((b) => !replicas.includes(b)).sort((a, b) => load.get(a)! - load.get(b)! || a - b)[0];
            replicas.push(next);
            load.set(next, load.get(next)! + 1);
        }
        plan.push({ partition: p.partition, replicas });
    }
    return plan;
}

/** Reassigns the topic's partitions to `rf` replicas each and waits until the reassignment is done and in sync. */
async function changeReplicationFactor(admin: import("kafkajs").Admin, topic: string, rf: number, timeoutSeconds = 600): Promise<void> {
    const current = async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions;
    const brokers = (await admin.describeCluster()).brokers.map((b) => b.nodeId);
    const plan = replicaPlan(
        (await current()).map((p) => ({ partition: p.partitionId, replicas: p.replicas })),
        brokers,
        rf,
    );
    if (plan.length > 0) await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: plan }] });
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
        const ongoing = (await admin.listPartitionReassignments({ topics: [{ topic, partitions: plan.map((p) => p.partition) }] })).topics;
        const parts = await current();
        const lagging = parts.filter((p) => p.replicas.length !== rf || p.replicas.some((r) => !p.isr.includes(r)));
        if (ongoing.every((t) => t.partitions.length === 0) && lagging.length === 0) return;
        if (Date.now() > deadline) {
            throw new Error(
                `topic ${topic}: replication factor ${rf} not reached within ${timeoutSeconds}s; partitions not in sync: ` +
                    lagging.map((p) => `${p.partitionId} (replicas ${p.replicas.join(",")}, ISR ${p.isr.join(",")})`).join("; "),
            );
        }
        await new Promise((r) => setTimeout(r, 2000));
    }
}

async function describeTopic(admin: import("kafkajs").Admin, name: string, keys: string[]) {
    const meta = await admin.fetchTopicMetadata({ topics: [name] });
    const t = meta.topics[0];
    const { ConfigResourceTypes }: typeof import("kafkajs") = require("kafkajs");
    const cfg = await admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: keys }],
        includeSynonyms: false,
    });
    const configs: Record<string, string> = {};
    for (const e of cfg.resources[0].configEntries) if (keys.includes(e.configName)) configs[e.configName] = e.configValue;
    return { partitions: t.partitions.length, replicationFactor: t.partitions[0]?.replicas.length ?? 0, configs };
}

async function applyConfigs(admin: import("kafkajs").Admin, t: TopicInputs): Promise<void> {
    const { ConfigResourceTypes }: typeof import("kafkajs") = require("kafkajs");
    await admin.alterConfigs({
        validateOnly: false,
        resources: [
            {
                type: ConfigResourceTypes.TOPIC,
                name: t.name,
                configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
            },
        ],
    });
}

/**
 * createTopics, retried while the cluster is still forming: right after the brokers start, fewer brokers
 * may be registered than the replication factor needs (INVALID_REPLICATION_FACTOR) or the controller may
 * be moving. Other errors fail at once, with the broker's reason for each topic rather than kafkajs's
 * bare "Topic creation errors".
 */
async function createTopicsPatiently(admin: import("kafkajs").Admin, request: Parameters<import("kafkajs").Admin["createTopics"]>[0]): Promise<boolean> {
    const transient = ["INVALID_REPLICATION_FACTOR", "NOT_CONTROLLER", "LEADER_NOT_AVAILABLE", "REQUEST_TIMED_OUT"];
    const deadline = Date.now() + 120_000;
    for (;;) {
        try {
            return await admin.createTopics(request);
        } catch (e) {
            const inner = ((e as { errors?: { type?: string; message?: string }[] }).errors ?? []).map((x) => `${x.type ?? "?"}: ${x.message ?? ""}`);
            const retriable = (e as { retriable?: boolean }).retriable || inner.some((m) => transient.some((t) => m.startsWith(t)));
            if (!retriable || Date.now() > deadline) {
                throw new Error(`creating topics ${request.topics.map((x) => x.topic).join(", ")}: ${inner.join("; ") || (e as Error).message}`);
            }
            await new Promise((r) => setTimeout(r, 2000));
        }
    }
}

/** What an update of the topic does, in words (components/dynamic/effect.ts); a replacement is refused or says itself. */
export function topicEffect(olds: TopicInputs, news: TopicInputs): string | undefined {
    if (olds.name !== news.name || news.partitions < olds.partitions) return undefined;
    const what: string[] = [];
    if (olds.replicationFactor !== news.replicationFactor) {
        what.push(`reassigns its partitions to ${news.replicationFactor} replicas in place and waits until every replica is in sync (no message is lost or moved)`);
    }
    if (news.partitions > olds.partitions) what.push(`adds partitions ${olds.partitions} -> ${news.partitions}`);
    if (changedFields<TopicInputs>(olds, news, ["configs"]).length > 0) what.push("sets its changed configs in place");
    return what.length > 0 ? what.join("; ") : undefined;
}

export const topicProvider: pulumi.dynamic.ResourceProvider<TopicInputs, TopicInputs> = {
    async check(olds, news) {
        return { inputs: withEffect(olds, news, topicEffect) };
    },
    async create(t) {
        await withAdmin(t.bootstrapServers, async (admin) => {
            const created = await createTopicsPatiently(admin, {
                waitForLeaders: true,
                topics: [
                    {
                        topic: t.name,
                        numPartitions: t.partitions,
                        replicationFactor: t.replicationFactor,
                        configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
                    },
                ],
            });
            if (!created) {
                // Already there (e.g. left by an interrupted destroy): adopt it only if its shape matches.
                const live = await describeTopic(admin, t.name, Object.keys(t.configs));
                if (live.replicationFactor !== t.replicationFactor || live.partitions > t.partitions) {
                    throw new Error(
                        `topic ${t.name} already exists with ${live.partitions} partitions and replication factor ` +
                            `${live.replicationFactor}; declared ${t.partitions} and ${t.replicationFactor}`,
                    );
                }
                if (live.partitions < t.partitions) await admin.createPartitions({ topicPartitions: [{ topic: t.name, count: t.partitions }] });
                await applyConfigs(admin, t);
            }
        });
        return { id: t.name, outs: t };
    },
    async diff(_id, olds, news) {
        const changed = changedFields<TopicInputs>(olds, news, ["bootstrapServers", "name", "partitions", "replicationFactor", "configs"]);
        const replaces: string[] = changed.filter((f) => f === "name");
        if (changed.includes("partitions") && news.partitions < olds.partitions) replaces.push("partitions");
        refuseDestruction(news.guard, replaces, "delete-topic", `topic ${olds.name}`, news.holds);
        return { changes: changed.length > 0, replaces, deleteBeforeReplace: true };
    },
    async update(_id, olds, news) {
        await withAdmin(news.bootstrapServers, async (admin) => {
            if (news.replicationFactor !== olds.replicationFactor) await changeReplicationFactor(admin, news.name, news.replicationFactor);
            if (news.partitions > olds.partitions) {
                await admin.createPartitions({ topicPartitions: [{ topic: news.name, count: news.partitions }] });
            }
            await applyConfigs(admin, news);
        });
        return { outs: news };
    },
    async read(id, props) {
        return withAdmin(props!.bootstrapServers, async (admin) => {
            const names = await admin.listTopics();
            if (!names.includes(id)) return {};
            const live = { ...props!, ...(await describeTopic(admin, id, Object.keys(props!.configs))) };
            // What was read back is recorded as the inputs too, marked observed: a refresh records drift, never refuses it.
            return { id, props: live, inputs: { ...live, guard: observedGuard(props!.guard) } };
        });
    },
    async delete(id, props) {
        await withAdmin(props.bootstrapServers, async (admin) => {
            if ((await admin.listTopics()).includes(id)) await admin.deleteTopics({ topics: [id] });
        });
    },
};

/** A Kafka topic with a declared partition count, replication factor and configs. */
export class Topic extends pulumi.dynamic.Resource {
    public readonly name!: pulumi.Output<string>;

    constructor(name: string, args: TopicArgs, opts?: pulumi.CustomResourceOptions) {
        super(topicProvider, name, { ...args, guard: guardFor(name) }, opts, "kafka", "Topic");
    }
}
