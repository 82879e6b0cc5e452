// cdc-sync: converges the configured servers into a CDC platform — ZooKeeper, Kafka brokers and a
// distributed Kafka Connect cluster with the Debezium and JDBC plugins. Placement comes from the stack's
// config (Pulumi.<stack>.yaml); see README.md.
import * as pulumi from "@pulumi/pulumi";
import { ConnectCluster } from "./components/connect/cluster";
import { readStackConfig } from "./components/config/stack";
import { PlatformImages } from "./components/images";
import { KafkaBroker } from "./components/kafka/broker";
import { ZooKeeperNode } from "./components/kafka/zookeeper";
import { place } from "./components/placement";

const stack = pulumi.getStack();
const { config } = readStackConfig();
const plan = place(config, `cdc-sync-${stack}`);

const images = new PlatformImages("images", { engines: plan.engines });

const zookeeper = new ZooKeeperNode("zookeeper", {
    placement: plan.zookeeper,
    image: images.imageFor(plan.zookeeper.server.name),
    heap: config.heap.zookeeper,
    stack,
});

const brokers = plan.brokers.map(
    (b) =>
        new KafkaBroker(
            `broker-${b.id}`,
            {
                placement: b,
                image: images.imageFor(b.server.name),
                zookeeperConnect: zookeeper.connectString,
                kafka: config.kafka,
                heap: config.heap.broker,
                stack,
            },
            { dependsOn: [zookeeper] },
        ),
);

const connect = new ConnectCluster(
    "connect",
    {
        connect: plan.connect,
        bootstrapServers: plan.bootstrapServers,
        replicationFactor: config.kafka.replicationFactor,
        imageFor: (s) => images.imageFor(s),
        heap: config.heap.connect,
        stack,
    },
    { dependsOn: brokers },
);

/** `host:port,...` for Kafka clients. */
export const bootstrapServers = plan.bootstrapServers;
/** Kafka Connect REST API (any worker). */
export const connectRestUrl = connect.restUrl;
export const connectVersion = connect.version;
export const connectPlugins = connect.plugins;
/** Which server runs what, at which address. */
export const placement = {
    zookeeper: { server: plan.zookeeper.server.name, address: plan.zookeeper.connectString },
    brokers: plan.brokers.map((b) => ({ id: b.id, server: b.server.name, address: b.bootstrap })),
    connectWorkers: plan.connect.workers.map((w) => ({ server: w.server.name, url: w.url })),
};
