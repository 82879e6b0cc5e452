// One Kafka broker (ZooKeeper mode), listening on its server's address only.
import * as pulumi from "@pulumi/pulumi";
import { KafkaSettings } from "../config/schema";
import { Container } from "../docker/container";
import { ownerLabels } from "../docker/engine";
import { Volume } from "../docker/volume";
import { BrokerPlacement } from "../placement";
import { brokerProperties, renderProperties } from "./properties";

export interface KafkaBrokerArgs {
    /** Id, server, port and names (from placement). */
    readonly placement: BrokerPlacement;
    /** Image id of the platform image on that server's engine. */
    readonly image: pulumi.Input<string>;
    /** `address:port` of ZooKeeper. */
    readonly zookeeperConnect: string;
    /** Replication settings shared by every broker. */
    readonly kafka: KafkaSettings;
    readonly heap: string;
    readonly stack: string;
}

/** A Kafka broker with its log directory on a named volume. */
export class KafkaBroker extends pulumi.ComponentResource {
    /** `address:port` clients use. */
    public readonly bootstrap: string;
    public readonly container: Container;

    constructor(name: string, args: KafkaBrokerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:kafka:KafkaBroker", name, {}, opts);
        const p = args.placement;
        const labels = ownerLabels(args.stack, `broker-${p.id}`);
        const data = new Volume(`${name}-data`, { engine: p.server.engine, name: p.volumeName, labels }, { parent: this });
        const props = brokerProperties({
            id: p.id,
            address: p.server.address,
            port: p.port,
            zookeeperConnect: args.zookeeperConnect,
            replicationFactor: args.kafka.replicationFactor,
            minInsyncReplicas: args.kafka.minInsyncReplicas,
        });
        this.container = new Container(
            name,
            {
                engine: p.server.engine,
                name: p.containerName,
                image: args.image,
                args: ["broker"],
                env: { CDC_PROPERTIES: renderProperties(props), CDC_HEAP: args.heap },
                volumes: { [p.volumeName]: "/var/lib/kafka" },
                labels,
                memoryMiB: 1024,
                ready: { address: p.server.address, port: p.port, timeoutSeconds: 180 },
            },
            { parent: this, dependsOn: [data] },
        );
        this.bootstrap = p.bootstrap;
        this.registerOutputs({ bootstrap: this.bootstrap });
    }
}
