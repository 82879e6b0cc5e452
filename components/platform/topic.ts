// A Kafka topic owned by the stack, managed through the Kafka admin API (kafkajs).
// Partitions can grow in place; a new replication factor or fewer partitions means a new topic,
// which the preview shows as a replacement because it drops the topic's data.
import * as pulumi from "@pulumi/pulumi";
import { changedFields } from "../dynamic/diff";

export interface TopicArgs {
    /** `host:port,...` reachable from the machine running Pulumi. */
    readonly bootstrapServers: pulumi.Input<string>;
    readonly name: pulumi.Input<string>;
    readonly partitions: pulumi.Input<number>;
    readonly replicationFactor: pulumi.Input<number>;
    /** Topic-level configs (e.g. `cleanup.policy: compact`); exactly these are kept set. */
    readonly configs: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

interface TopicInputs {
    bootstrapServers: string;
    name: string;
    partitions: number;
    replicationFactor: number;
    configs: Record<string, string>;
}

async function withAdmin<T>(bootstrapServers: string, fn: (admin: import("kafkajs").Admin) => Promise<T>): Promise<T> {
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

const topicProvider: pulumi.dynamic.ResourceProvider<TopicInputs, TopicInputs> = {
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
        const replaces: string[] = changed.filter((f) => f === "name" || f === "replicationFactor");
        if (changed.includes("partitions") && news.partitions < olds.partitions) replaces.push("partitions");
        return { changes: changed.length > 0, replaces, deleteBeforeReplace: true };
    },
    async update(_id, olds, news) {
        await withAdmin(news.bootstrapServers, async (admin) => {
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
            return { id, props: { ...props!, ...(await describeTopic(admin, id, Object.keys(props!.configs))) } };
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
        super(topicProvider, name, args, opts, "kafka", "Topic");
    }
}
