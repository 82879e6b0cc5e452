// One Kafka broker (ZooKeeper mode), listening on its server's address only.
import * as pulumi from "@pulumi/pulumi";
import { KafkaSettings } from "../config/schema";
import { Container } from "../docker/container";
import { ownerLabels } from "../docker/engine";
import { BrokerPlacement } from "./placement";
import { brokerProperties } from "./properties";
import { BrokerInSync } from "./rolling";
import { platformService } from "./service";
import { zooKeeperLogin } from "./zookeeper";
import { brokerZooKeeperJaas } from "./zookeeperAuth";

export interface KafkaBrokerArgs {
    /** Id, server, port and names (from placement). */
    readonly placement: BrokerPlacement;
    /** Image id of the platform image on that server's engine. */
    readonly image: pulumi.Input<string>;
    /** `address:port` of ZooKeeper. */
    readonly zookeeperConnect: string;
    /** Replication settings and pass-through properties shared by every broker. */
    readonly kafka: KafkaSettings;
    /** This broker's own pass-through properties (`brokers[i].config`), over `kafka.config`. */
    readonly config?: Readonly<Record<string, string | number | boolean>>;
    readonly heap: string;
    readonly stack: string;
    /** `host:port,...` of every broker: where the in-sync gate asks. */
    readonly bootstrapServers: string;
    /** The previous broker's gate: this broker's container changes only once it passed (a rolling change). */
    readonly after?: pulumi.Resource;
    /** `after` in words, for the preview (`after broker 1 is back in every ISR`). */
    readonly afterWhat?: string;
    /** The password the brokers log in to ZooKeeper with (a Pulumi secret; ./zookeeperAuth.ts). */
    readonly zookeeperPassword: pulumi.Input<string>;
}

/** A Kafka broker with its log directory on a named volume, and the gate that says it is back in sync. */
export class KafkaBroker extends pulumi.ComponentResource {
    /** `address:port` clients use. */
    public readonly bootstrap: string;
    public readonly container: Container;
    /** Passes once this broker is registered and in the ISR of every partition it holds. */
    public readonly inSync: BrokerInSync;

    constructor(name: string, args: KafkaBrokerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:kafka:KafkaBroker", name, {}, opts);
        const p = args.placement;
        this.container = platformService(
            name,
            {
                server: p.server,
                containerName: p.containerName,
                role: "broker",
                properties: brokerProperties(
                    {
                        id: p.id,
                        address: p.server.address,
                        port: p.port,
                        zookeeperConnect: args.zookeeperConnect,
                        replicationFactor: args.kafka.replicationFactor,
                        minInsyncReplicas: args.kafka.minInsyncReplicas,
                    },
                    { ...args.kafka.config, ...args.config },
                ),
                image: args.image,
                heap: args.heap,
                labels: ownerLabels(args.stack, `broker-${p.id}`),
                memoryMiB: 1024,
                port: p.port,
                readyTimeoutSeconds: 180,
                data: { volumeName: p.volumeName, path: "/var/lib/kafka", holds: `broker ${p.id}'s log: its replicas of every topic` },
                rollsAfter: args.afterWhat,
                ...zooKeeperLogin(args.zookeeperPassword, brokerZooKeeperJaas),
            },
            { parent: this, dependsOn: args.after ? [args.after] : [] },
        );
        this.inSync = new BrokerInSync(
            `${name}-in-sync`,
            { bootstrapServers: args.bootstrapServers, brokerId: p.id, generation: this.container.containerId, timeoutSeconds: 600 },
            { parent: this },
        );
        this.bootstrap = p.bootstrap;
        this.registerOutputs({ bootstrap: this.bootstrap });
    }
}
