// cdc-sync: converges the configured servers into a CDC platform — ZooKeeper, Kafka brokers and a
// distributed Kafka Connect cluster with the Debezium and JDBC plugins — and the pipelines the stack
// declares on top of it. Placement comes from the stack's config (Pulumi.<stack>.yaml); see README.md.
import * as pulumi from "@pulumi/pulumi";
import { readStackConfig } from "./components/stack/read";
import { topologyAPasswords } from "./components/pipelines/mongoToMySql/config";
import { twoWayPasswordNames } from "./components/pipelines/twoWayPostgres/config";
import { MongoToMySqlPipeline } from "./components/pipelines/mongoToMySql/pipeline";
import { TwoWayPostgres } from "./components/pipelines/twoWayPostgres/pipeline";
import { KafkaPlatform } from "./components/platform/platform";
import { PasswordSet } from "./components/secrets/passwords";

const stack = pulumi.getStack();
const { config, connectorSecrets, passwords: pinned } = readStackConfig();

/** Passwords of the accounts the pipelines create; those their connectors use go to the Connect workers. */
const passwordNeeds: { names: string[]; forConnect: string[] } = { names: [], forConnect: [] };
// Each topology declared adds its passwords here, before the set is built.
const need = (n: { readonly names: readonly string[]; readonly forConnect: readonly string[] }) => {
    passwordNeeds.names.push(...n.names);
    passwordNeeds.forConnect.push(...n.forConnect);
};
if (config.topologyA) need(topologyAPasswords(config.topologyA));
if (config.twoWay) need(twoWayPasswordNames(config.twoWay));
const passwords = new PasswordSet("passwords", { names: passwordNeeds.names, overrides: pinned });
const workerSecrets = pulumi
    .all([connectorSecrets, passwords.pick(passwordNeeds.forConnect)])
    .apply(([declared, generated]) => ({ ...generated, ...declared }));

const platform = new KafkaPlatform("kafka", { config, stack, connectorSecrets: pulumi.secret(workerSecrets) });
const plan = platform.placement;
/** Names in the Connect workers' secrets file: what connectors may reference. */
const workerSecretNames = [...config.connectorSecretNames, ...passwordNeeds.forConnect];

const mongoToMySql =
    config.topologyA &&
    new MongoToMySqlPipeline("topology-a", {
        stack,
        servers: config.servers,
        topology: config.topologyA,
        passwords,
        connect: { urls: platform.connect.workerUrls, knownSecrets: workerSecretNames, dependsOn: [platform] },
    });

const twoWay =
    config.postgres && config.twoWay
        ? new TwoWayPostgres(
              "twoway",
              {
                  postgres: config.postgres,
                  twoWay: config.twoWay,
                  servers: config.servers,
                  stack,
                  passwords,
                  connectUrls: platform.connect.workerUrls,
                  bootstrapServers: platform.bootstrapServers,
                  replicationFactor: config.kafka.replicationFactor,
                  knownSecrets: workerSecretNames,
              },
              { dependsOn: [platform] },
          )
        : undefined;

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
/** Topology A (MongoDB -> MySQL), when the stack declares it: where each side runs and the connectors' state. */
export const topologyA = mongoToMySql && {
    mongodb: { server: mongoToMySql.placement.mongodb?.name ?? "(adopted)", connectionString: mongoToMySql.mongodb.connectionString },
    mysql: { server: mongoToMySql.placement.mysql?.name ?? "(adopted)", jdbcUrl: mongoToMySql.mysql.jdbcUrl, serverVersion: mongoToMySql.mysql.serverVersion },
    source: { name: mongoToMySql.source.connectorName, state: mongoToMySql.source.state },
    sink: { name: mongoToMySql.sink.connectorName, state: mongoToMySql.sink.state },
    tables: Object.fromEntries(mongoToMySql.routes.map((r) => [r.collection, r.table])),
};

/** Topology B (two-way PostgreSQL), when declared: names, and the health measured at the last up/refresh. */
export const twoWaySync = twoWay && {
    postgres: twoWay.address,
    directions: twoWay.directions.map((d) => ({
        direction: `${d.from}->${d.into}`,
        source: d.sourceName,
        sink: d.sinkName,
        topics: d.topics,
        initialSnapshot: d.snapshot,
    })),
    health: twoWay.health.directions,
    healthMeasuredAt: twoWay.health.measuredAt,
};
