// cdc-sync: converges the configured servers into a CDC platform — ZooKeeper, Kafka brokers and a
// distributed Kafka Connect cluster with the Debezium and JDBC plugins. Placement comes from the stack's
// config (Pulumi.<stack>.yaml); see README.md.
import * as pulumi from "@pulumi/pulumi";
import { readStackConfig } from "./components/config/stack";
import { KafkaPlatform } from "./components/platform";

const stack = pulumi.getStack();
const { config, connectorSecrets } = readStackConfig();
const platform = new KafkaPlatform("kafka", { config, stack, connectorSecrets });
const plan = platform.placement;

/** `host:port,...` for Kafka clients. */
export const bootstrapServers = platform.bootstrapServers;
/** Kafka Connect REST API (any worker forwards to the leader). */
export const connectRestUrl = platform.connect.restUrl;
export const connectVersion = platform.connect.version;
export const connectPlugins = platform.connect.plugins;
/** Which server runs what, at which address. */
export const placement = {
    zookeeper: { server: plan.zookeeper.server.name, address: plan.zookeeper.connectString },
    brokers: plan.brokers.map((b) => ({ id: b.id, server: b.server.name, address: b.bootstrap })),
    connectWorkers: plan.connect.workers.map((w) => ({ server: w.server.name, url: w.url })),
};
