// A team's own Pulumi program built on cdc-sync as a library (scripts/pack.sh makes the package): the platform from
// cdc-sync, and a pipeline of the team's own against it, an existing PostgreSQL database's orders copied into its
// warehouse. The servers come from this program's stack config (`team-program:servers`, as in Pulumi.example.yaml);
// the database passwords from `team-program:connectorSecrets`, a secret the Connect workers get in their secrets file.
import * as pulumi from "@pulumi/pulumi";
import { checkConfig, JdbcSinkConnector, KafkaPlatform, PostgresSourceConnector } from "cdc-sync";

const stack = pulumi.getStack();
const cfg = new pulumi.Config();
const servers = cfg.requireObject<Record<string, { engine: string; address: string }>>("servers");
const [first, second] = Object.keys(servers);

// The platform, declared in code with the keys a cdc-sync stack file has; a mistake fails the preview with the same
// message, by key, as it would there.
const config = checkConfig(
    {
        servers,
        zookeeper: { server: first },
        brokers: [
            { id: 1, server: first },
            { id: 2, server: second },
        ],
        kafka: { replicationFactor: 2, minInsyncReplicas: 1 },
        connect: { workers: [first, second] },
    },
    { connectorSecrets: ["orders-db", "warehouse-db"] },
);
const platform = new KafkaPlatform("kafka", { config, stack, connectorSecrets: cfg.requireSecretObject<Record<string, string>>("connectorSecrets") });

// The workers' REST API answers the platform's credentials only (a secret it generates and keeps).
const workers = { connectUrls: platform.connect.workerUrls, connectAuth: platform.connect.auth, knownSecrets: config.connectorSecretNames };
const orders = cfg.requireObject<{ host: string; warehouseUrl: string }>("orders");

// The team's pipeline: Debezium reads the orders table of its own PostgreSQL ...
const source = new PostgresSourceConnector(
    "orders-source",
    {
        ...workers,
        database: { hostname: orders.host, user: "cdc_orders", passwordSecret: "orders-db", dbname: "shop" },
        topicPrefix: "orders",
        tableIncludeList: ["public.orders"],
        heartbeatIntervalMs: 10000,
    },
    { dependsOn: [platform] },
);
// ... and the JDBC sink keeps the warehouse's copy, row for row.
new JdbcSinkConnector(
    "orders-to-warehouse",
    {
        ...workers,
        connection: { url: orders.warehouseUrl, user: "loader", passwordSecret: "warehouse-db" },
        topics: ["orders.public.orders"],
        insertMode: "upsert",
        primaryKeyMode: "record_key",
        deleteEnabled: true,
        schemaEvolution: "basic",
    },
    { dependsOn: [source] },
);

export const bootstrapServers = platform.bootstrapServers;
export const connectRestUrl = platform.connect.restUrl;
