// The Kafka half of every topology: ZooKeeper, the brokers and the Connect cluster, placed on the
// stack's servers. Topology components (pipelines) build on its outputs.
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config/schema";
import { ConnectCluster } from "./connectCluster";
import { PlatformImages } from "./images";
import { ImageBuilds } from "../docker/builds";
import { KafkaBroker } from "./broker";
import { ZooKeeperNode } from "./zookeeper";
import { place, Placement } from "./placement";
import { PasswordSet } from "../secrets/passwords";
import { REST_PASSWORD_NAME } from "./restAuth";
import { ZOOKEEPER_PASSWORD_NAME } from "./zookeeperAuth";

export interface KafkaPlatformArgs {
    /** Validated stack config (components/config). */
    readonly config: PlatformConfig;
    /** Stack name: prefixes container and volume names and labels everything the stack owns. */
    readonly stack: string;
    /** Connector secrets by name (a Pulumi secret), delivered to every Connect worker's secrets file. */
    readonly connectorSecrets: pulumi.Input<Record<string, string>>;
    /**
     * The Connect REST API's password (a Pulumi secret; docs/security.md), the same for every Connect cluster of the
     * platform. Default: one the platform generates and keeps (`<name>-passwords`).
     */
    readonly connectRestPassword?: pulumi.Input<string>;
    /**
     * The password the brokers log in to ZooKeeper with (a Pulumi secret; docs/security.md). Default: one the platform
     * generates and keeps (`<name>-zookeeper-password`).
     */
    readonly zookeeperPassword?: pulumi.Input<string>;
    /** Where images are built and shipped from, shared with the stack's database servers. Default: `config.images`. */
    readonly images?: ImageBuilds;
}

/** ZooKeeper, the Kafka brokers and a distributed Connect cluster, converged and health-gated. */
export class KafkaPlatform extends pulumi.ComponentResource {
    public readonly placement: Placement;
    /** `host:port,...` for Kafka clients. */
    public readonly bootstrapServers: string;
    /** The default Connect cluster (`cdc-sync:connect`). */
    public readonly connect: ConnectCluster;
    /** Every Connect cluster by name, `default` among them. */
    public readonly connectClusters: ReadonlyMap<string, ConnectCluster>;

    constructor(name: string, args: KafkaPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:platform:KafkaPlatform", name, {}, opts);
        const { config, stack } = args;
        const plan = place(config, `cdc-sync-${stack}`);
        const images = new PlatformImages(`${name}-images`, { engines: plan.engines, builds: args.images ?? new ImageBuilds(config.images?.build) }, { parent: this });
        const zookeeperPassword =
            args.zookeeperPassword ??
            new PasswordSet(`${name}-zookeeper-password`, { names: [ZOOKEEPER_PASSWORD_NAME], overrides: {} }, { parent: this }).get(ZOOKEEPER_PASSWORD_NAME);
        const zookeeper = new ZooKeeperNode(
            `${name}-zookeeper`,
            { placement: plan.zookeeper, image: images.imageFor(plan.zookeeper.server.name), heap: config.heap.zookeeper, stack, password: zookeeperPassword },
            { parent: this },
        );
        // One at a time: each broker's container waits for the previous broker's in-sync gate (./rolling.ts).
        const brokers: KafkaBroker[] = [];
        for (const b of plan.brokers) {
            brokers.push(
                new KafkaBroker(
                    `${name}-broker-${b.id}`,
                    {
                        placement: b,
                        image: images.imageFor(b.server.name),
                        zookeeperConnect: zookeeper.connectString,
                        kafka: config.kafka,
                        config: config.brokers.find((x) => x.id === b.id)?.config,
                        heap: config.heap.broker,
                        stack,
                        bootstrapServers: plan.bootstrapServers,
                        zookeeperPassword,
                        after: brokers.at(-1)?.inSync ?? zookeeper.container,
                        afterWhat: brokers.length > 0 ? `one broker at a time: after broker ${plan.brokers[brokers.length - 1].id} is back in every ISR` : "one broker at a time: the first",
                    },
                    { parent: this, dependsOn: [zookeeper] },
                ),
            );
        }
        const lastBroker = brokers.at(-1)!.inSync;
        const restPassword =
            args.connectRestPassword ?? new PasswordSet(`${name}-passwords`, { names: [REST_PASSWORD_NAME], overrides: {} }, { parent: this }).get(REST_PASSWORD_NAME);
        const specs = new Map([config.connect, ...config.connect.clusters].map((k) => [k.name, k]));
        this.connectClusters = new Map(
            plan.connectClusters.map((k) => {
                const spec = specs.get(k.name)!;
                const cluster = new ConnectCluster(
                    // The default cluster keeps the name it had before there were others.
                    k.name === "default" ? `${name}-connect` : `${name}-connect-${k.name}`,
                    {
                        connect: k,
                        bootstrapServers: plan.bootstrapServers,
                        replicationFactor: config.kafka.replicationFactor,
                        imageFor: (s) => images.connectImageFor(s, spec.plugins),
                        supervisorImageFor: (s) => images.supervisorImageFor(s),
                        plugins: spec.plugins,
                        heap: config.heap.connect,
                        exactlyOnce: spec.exactlyOnce,
                        properties: spec.config,
                        stack,
                        secrets: args.connectorSecrets,
                        restPassword,
                        after: lastBroker,
                    },
                    { parent: this, dependsOn: brokers },
                );
                return [k.name, cluster] as const;
            }),
        );
        this.connect = this.connectClusters.get("default")!;
        this.placement = plan;
        this.bootstrapServers = plan.bootstrapServers;
        this.registerOutputs({ bootstrapServers: this.bootstrapServers, connectRestUrl: this.connect.restUrl });
    }
}
