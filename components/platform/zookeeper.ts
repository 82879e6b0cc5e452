// The ZooKeeper node that the brokers coordinate through (Kafka 3.9 in ZooKeeper mode).
import * as pulumi from "@pulumi/pulumi";
import { Container } from "../docker/container";
import { ownerLabels } from "../docker/engine";
import { ZooKeeperPlacement } from "./placement";
import { zookeeperProperties } from "./properties";
import { platformService } from "./service";
import { ZOOKEEPER_AUTH_STEPS, ZOOKEEPER_JAAS_FILE, zookeeperAuthGeneration, zookeeperServerJaas } from "./zookeeperAuth";

export interface ZooKeeperNodeArgs {
    /** Where it runs and under which names (from placement). */
    readonly placement: ZooKeeperPlacement;
    /** Image id of the platform image on that server's engine. */
    readonly image: pulumi.Input<string>;
    /** Java heap flags. */
    readonly heap: string;
    /** Stack name, for ownership labels. */
    readonly stack: string;
    /** The password the brokers log in with (a Pulumi secret; ./zookeeperAuth.ts). */
    readonly password: pulumi.Input<string>;
}

/**
 * The `files` and `env` of a service that logs in to ZooKeeper or takes its logins: the JAAS file `jaas` renders (a
 * Pulumi secret), the entrypoint told where it is, and a digest of the password (not secret) that restarts the
 * service when the password is rotated (./zookeeperAuth.ts).
 */
export function zooKeeperLogin(password: pulumi.Input<string>, jaas: (password: string) => Record<string, string>) {
    const secret = pulumi.secret(pulumi.output(password));
    return {
        files: pulumi.secret(secret.apply(jaas)),
        env: { CDC_JAAS: ZOOKEEPER_JAAS_FILE, CDC_AUTH_GENERATION: pulumi.unsecret(secret.apply(zookeeperAuthGeneration)) },
    };
}

/** A single ZooKeeper node with its data on a named volume. */
export class ZooKeeperNode extends pulumi.ComponentResource {
    /** `address:port` that brokers connect to. */
    public readonly connectString: string;
    public readonly container: Container;

    constructor(name: string, args: ZooKeeperNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:kafka:ZooKeeperNode", name, {}, opts);
        const p = args.placement;
        this.container = platformService(
            name,
            {
                server: p.server,
                containerName: p.containerName,
                role: "zookeeper",
                properties: zookeeperProperties({ address: p.server.address, port: p.port }),
                image: args.image,
                heap: args.heap,
                labels: ownerLabels(args.stack, "zookeeper"),
                memoryMiB: 512,
                port: p.port,
                readyTimeoutSeconds: 120,
                data: { volumeName: p.volumeName, path: "/var/lib/zookeeper", holds: "the Kafka cluster's metadata: brokers, topics, ACLs" },
                ...zooKeeperLogin(args.password, zookeeperServerJaas),
                steps: [ZOOKEEPER_AUTH_STEPS],
            },
            { parent: this },
        );
        this.connectString = p.connectString;
        this.registerOutputs({ connectString: this.connectString });
    }
}
