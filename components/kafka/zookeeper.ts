// The ZooKeeper node that the brokers coordinate through (Kafka 3.9 in ZooKeeper mode).
import * as pulumi from "@pulumi/pulumi";
import { Container } from "../docker/container";
import { ownerLabels } from "../docker/engine";
import { Volume } from "../docker/volume";
import { ZooKeeperPlacement } from "../placement";
import { renderProperties, zookeeperProperties } from "./properties";

export interface ZooKeeperNodeArgs {
    /** Where it runs and under which names (from placement). */
    readonly placement: ZooKeeperPlacement;
    /** Image id of the platform image on that server's engine. */
    readonly image: pulumi.Input<string>;
    /** Java heap flags. */
    readonly heap: string;
    /** Stack name, for ownership labels. */
    readonly stack: string;
}

/** A single ZooKeeper node with its data on a named volume. */
export class ZooKeeperNode extends pulumi.ComponentResource {
    /** `address:port` that brokers connect to. */
    public readonly connectString: string;
    public readonly container: Container;

    constructor(name: string, args: ZooKeeperNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:kafka:ZooKeeperNode", name, {}, opts);
        const p = args.placement;
        const labels = ownerLabels(args.stack, "zookeeper");
        const data = new Volume(`${name}-data`, { engine: p.server.engine, name: p.volumeName, labels }, { parent: this });
        this.container = new Container(
            name,
            {
                engine: p.server.engine,
                name: p.containerName,
                image: args.image,
                args: ["zookeeper"],
                env: {
                    CDC_PROPERTIES: renderProperties(zookeeperProperties({ address: p.server.address, port: p.port })),
                    CDC_HEAP: args.heap,
                },
                volumes: { [p.volumeName]: "/var/lib/zookeeper" },
                labels,
                memoryMiB: 512,
                ready: { address: p.server.address, port: p.port, timeoutSeconds: 120 },
            },
            { parent: this, dependsOn: [data] },
        );
        this.connectString = p.connectString;
        this.registerOutputs({ connectString: this.connectString });
    }
}
