// Topology A as one component: a MongoDB replica set (run on its server, or adopted), a MySQL/MariaDB server
// (run on its server, or adopted), and on the platform's Connect cluster the Debezium MongoDB source and the
// JDBC sink that carry every change of the captured collections into one table each (./mapping.ts).
// Connect decides which worker runs each connector; the databases run where the stack config puts them.
import type { ImageBuilds } from "../../docker/builds";
import * as pulumi from "@pulumi/pulumi";
import { ServerSpec } from "../../config/schema";
import { TOPOLOGY_A_PASSWORDS, TopologyA } from "./config";
import { JdbcSinkConnector, MongoSourceConnector } from "../../connectors/connector";
import { CollectionRoute, mongoSourceSpec, mongoToMySqlSinkSpec, routes } from "./mapping";
import { MongoReplicaSet, MongoReplicaSetArgs } from "../../databases/mongodb/server";
import { MySqlServer, MySqlServerArgs } from "../../databases/mysql/server";
import type { RestAuth } from "../../connectors/rest";

/** Where topology A's databases run: the stack's server for each one it runs, none for an adopted one. */
export interface TopologyAPlacement {
    readonly mongodb?: ServerSpec;
    readonly mysql?: ServerSpec;
}

/** Pure: the servers that run topology A's databases (names validated by the config loader). */
export function placeTopologyA(a: TopologyA, servers: readonly ServerSpec[]): TopologyAPlacement {
    const server = (name: string): ServerSpec => {
        const s = servers.find((x) => x.name === name);
        if (!s) throw new Error(`topology A: no server named ${name}`); // unreachable after loadStackConfig
        return s;
    };
    return {
        ...(a.mongodb.kind === "run" ? { mongodb: server(a.mongodb.server) } : {}),
        ...(a.mysql.kind === "run" ? { mysql: server(a.mysql.server) } : {}),
    };
}

export interface MongoToMySqlPipelineArgs {
    /** Stack name: names the database containers and volumes (`cdc-sync-<stack>-mongodb`, `-mysql`). */
    readonly stack: string;
    /** The stack's servers; `topology` names the ones that run the databases. */
    readonly servers: readonly ServerSpec[];
    /** Where the MariaDB image is built (the stack's). Default: on its server's own engine. */
    readonly images?: ImageBuilds;
    /** Topology A as validated from its `mongoToMySql` entry (./config.ts). */
    readonly topology: TopologyA;
    /**
     * The passwords `topologyAPasswords(topology).names` lists, by name (a PasswordSet). Those of the connector
     * accounts (`mongodb-debezium`, `mysql-sink`) must also be in the Connect workers' secrets file under the
     * same names: the connectors hold only `${file:...:<name>}` references to them.
     */
    readonly passwords: { get(name: string): pulumi.Input<string> };
    /** The Connect cluster the two connectors run on. */
    readonly connect: {
        /** REST URLs of the workers (ConnectCluster.workerUrls). */
        readonly urls: pulumi.Input<pulumi.Input<string>[]>;
        /** The cluster's REST credentials (ConnectCluster.auth). */
        readonly auth?: pulumi.Input<RestAuth>;
        /** Every name in the workers' secrets file; a connector referencing another fails before anything is sent. */
        readonly knownSecrets?: readonly string[];
        /** The workers' secrets' values: a connector restarts when a password it uses is rotated. */
        readonly secretValues?: pulumi.Input<Record<string, string>>;
        /**
         * What the connectors wait for besides the databases: the platform, whose workers must hold the
         * secrets file with the connectors' passwords before a connector is created.
         */
        readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
    };
}

/** MongoDB -> Debezium MongoDB source -> Kafka -> JDBC sink -> MySQL/MariaDB. */
export class MongoToMySqlPipeline extends pulumi.ComponentResource {
    public readonly mongodb: MongoReplicaSet;
    public readonly mysql: MySqlServer;
    public readonly source: MongoSourceConnector;
    public readonly sink: JdbcSinkConnector;
    /** Each captured collection, its topic and its table. */
    public readonly routes: readonly CollectionRoute[];
    public readonly placement: TopologyAPlacement;

    constructor(name: string, args: MongoToMySqlPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:pipelines:MongoToMySqlPipeline", name, {}, opts);
        const { topology: a, stack } = args;
        const pw = TOPOLOGY_A_PASSWORDS;
        const secret = (n: string) => pulumi.secret(args.passwords.get(n));
        this.placement = placeTopologyA(a, args.servers);
        this.routes = routes(a.mapping);

        const m = a.mongodb;
        const mongoSide: Pick<MongoReplicaSetArgs, "run" | "existing"> =
            m.kind === "run"
                ? { run: { server: this.placement.mongodb!, stack, image: m.image, port: m.port, replicaSet: m.replicaSet, adminPassword: secret(m.adminPassword) } }
                : { existing: { connectionString: m.connectionString } };
        this.mongodb = new MongoReplicaSet(
            `${name}-mongodb`,
            { ...mongoSide, connector: { user: m.user, password: secret(pw.mongodbDebezium), databases: [a.mapping.database] } },
            { parent: this },
        );

        const my = a.mysql;
        const mysqlSide: Pick<MySqlServerArgs, "run" | "existing"> =
            my.kind === "run"
                ? { run: { server: this.placement.mysql!, images: args.images, stack, name: my.serverName, image: my.image, port: my.port, rootPassword: secret(my.adminPassword) } }
                : { existing: { address: my.host, port: my.port, adminUser: my.adminUser, adminPassword: secret(my.adminPassword) } };
        this.mysql = new MySqlServer(
            `${name}-mysql`,
            { ...mysqlSide, flavor: my.flavor, database: my.database, sinkUser: { name: my.user, password: secret(pw.mysqlSink) } },
            { parent: this },
        );

        const connect = { connectUrls: args.connect.urls, connectAuth: args.connect.auth, knownSecrets: args.connect.knownSecrets, secretValues: args.connect.secretValues };
        const after = args.connect.dependsOn ?? [];
        this.source = new MongoSourceConnector(
            `${name}-source`,
            {
                ...mongoSourceSpec(a.mapping, {
                    connectionString: this.mongodb.connectionString,
                    user: m.user,
                    passwordSecret: pw.mongodbDebezium,
                    authSource: m.kind === "existing" ? m.authSource : "admin",
                }),
                ...connect,
            },
            { parent: this, dependsOn: [this.mongodb, ...after] },
        );
        this.sink = new JdbcSinkConnector(
            `${name}-sink`,
            {
                ...mongoToMySqlSinkSpec(a.mapping, my.flavor, { jdbcUrl: this.mysql.jdbcUrl, user: my.user, passwordSecret: pw.mysqlSink }),
                ...connect,
            },
            { parent: this, dependsOn: [this.mysql, ...after] },
        );
        this.registerOutputs({ source: this.source.state, sink: this.sink.state });
    }
}
