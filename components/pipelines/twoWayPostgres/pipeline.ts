// Topology B: two PostgreSQL databases kept in sync both ways through Kafka. Wires, for the two databases
// the stack config names: the server (run or adopted), the databases and declared tables, the two-way setup
// of each database (components/sync), the topics, a Debezium source and a JDBC sink per direction, and the
// per-direction health check. See docs/topology-b.md for why each setting is what it is.
import * as pulumi from "@pulumi/pulumi";
import { Connector, digestOf } from "../../connectors/connector";
import { JDBC_SINK_CONNECTOR_CLASS } from "../../connectors/jdbcSink";
import { POSTGRES_CONNECTOR_CLASS } from "../../connectors/postgresSource";
import { secretRef } from "../../connectors/secrets";
import { PostgresDatabase } from "../../databases/postgres/database";
import type { BuiltDatabaseServer } from "../../databases/servers";
import { Topic } from "../../platform/topic";
import { CanaryEnd, TwoWayHealth } from "./canary";
import type { RestAuth } from "../../connectors/rest";
import { TwoWaySpec } from "./config";
import { topicFor, twoWaySinkConfig, twoWaySourceConfig, pairProblems } from "./connectorConfig";
import { TwoWayDatabase } from "./database";
import { TablesEnd, TwoWayTables } from "./tables";
import { defaultSpec, syncTables, TwoWayDatabaseSpec } from "./spec";

/** The per-database specs of the pair: conventional names, the same tables on both sides. */
export function twoWaySpecs(tw: Pick<TwoWaySpec, "databases" | "tables">): [TwoWayDatabaseSpec, TwoWayDatabaseSpec] {
    const tables = tw.tables.map((t) => ({ schema: t.schema, name: t.name, primaryKey: t.primaryKey }));
    const [a, b] = tw.databases.map((db) => defaultSpec(db, tables));
    const problems = pairProblems(a, b);
    if (problems.length > 0) throw new Error(`two-way pair ${tw.databases.join("/")}: ${problems.join("; ")}`);
    return [a, b];
}

/** One direction: `from`'s source feeds the sink writing into `into`. */
export interface DirectionPlan {
    readonly from: string;
    readonly into: string;
    readonly sourceName: string;
    readonly sinkName: string;
    readonly topicPrefix: string;
    /** The change topics of the direction (what its sink reads). */
    readonly topics: string[];
    /** Where the source's heartbeats go (they advance the slot while only the sink writes on its side). */
    readonly heartbeatTopic: string;
    readonly snapshot: boolean;
}

/**
 * Connector names, topic prefixes and topics of both directions (pure), each starting with the pipeline's
 * `name` (`twoway-db1-source`, `twoway.db1.public.items`). Only the first direction snapshots.
 */
export function directionPlans(name: string, [a, b]: readonly [TwoWayDatabaseSpec, TwoWayDatabaseSpec]): [DirectionPlan, DirectionPlan] {
    const plan = (from: TwoWayDatabaseSpec, into: TwoWayDatabaseSpec, snapshot: boolean): DirectionPlan => ({
        from: from.side,
        into: into.side,
        sourceName: `${name}-${from.side}-source`,
        sinkName: `${name}-${from.side}-to-${into.side}-sink`,
        topicPrefix: `${name}.${from.side}`,
        topics: [...from.tables, ...syncTables(from)].map((t) => topicFor(`${name}.${from.side}`, t.schema, t.name)),
        heartbeatTopic: `__debezium-heartbeat.${name}.${from.side}`,
        snapshot,
    });
    return [plan(a, b, true), plan(b, a, false)];
}

export interface TwoWayPostgresArgs {
    /** The validated pipeline entry (./config.ts). */
    readonly twoWay: Pick<TwoWaySpec, "databases" | "tables">;
    /** The PostgreSQL server holding both databases (`twoWay.postgres`), as the stack built or adopted it. */
    readonly server: BuiltDatabaseServer;
    /** Passwords, holding every name of `twoWayPasswordNames` (./config.ts). */
    readonly passwords: { get(name: string): pulumi.Input<string> };
    /** The Connect workers' REST URLs. */
    readonly connectUrls: string[];
    /** The Connect cluster's REST credentials (ConnectCluster.auth). */
    readonly connectAuth?: pulumi.Input<RestAuth>;
    /** Kafka bootstrap servers, for the topics. */
    readonly bootstrapServers: string;
    readonly replicationFactor: number;
    /** Names in the workers' secrets file (connectors are checked against it); unchecked when absent. */
    readonly knownSecrets?: readonly string[];
    /** The workers' secrets' values: a connector restarts when a password it uses is rotated. */
    readonly secretValues?: pulumi.Input<Record<string, string>>;
}

/** The whole of topology B; depend on the Kafka platform (`dependsOn`) so Connect is up first. */
export class TwoWayPostgres extends pulumi.ComponentResource {
    /** `host:port` of the PostgreSQL server. */
    public readonly address: string;
    public readonly directions: [DirectionPlan, DirectionPlan];
    public readonly health: TwoWayHealth;
    public readonly connectors: Connector[];
    public readonly databases: TwoWayDatabase[];
    /** Tables joining or leaving the running pair: their rows brought across, or their setup taken out. */
    public readonly tables: TwoWayTables;

    constructor(name: string, args: TwoWayPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:pipelines:TwoWayPostgres", name, {}, opts);
        const { twoWay, server } = args;
        const specs = twoWaySpecs(twoWay);
        this.directions = directionPlans(name, specs);
        const adminPassword = server.adminPassword;
        const serverDeps = server.dependsOn;
        /**
         * Changes whenever the stack replaces the PostgreSQL container (a settings change restarts the server).
         * The JDBC sinks' pooled connections break with it and their tasks fail for good ("Broken pipe"), so
         * every connector of the pair is restarted once the new server is up; the preview shows it.
         */
        const serverGeneration = server.generation;
        const { host, port, adminUser } = server;
        this.address = `${host}:${port}`;
        const admin = { host, port, user: adminUser };

        this.databases = specs.map((spec) => {
            const db = new PostgresDatabase(
                `${name}-${spec.side}`,
                {
                    connection: admin,
                    adminPassword,
                    database: spec.side,
                    preflight: "two-way",
                    tables: twoWay.tables.flatMap((t) => (t.columns ? [{ schema: t.schema, name: t.name, columns: t.columns, primaryKey: t.primaryKey }] : [])),
                },
                { parent: this, dependsOn: serverDeps },
            );
            return new TwoWayDatabase(
                `${name}-${spec.side}-sync`,
                {
                    connection: { ...admin, database: spec.side },
                    adminPassword,
                    spec,
                    replicationPassword: args.passwords.get(`${spec.side}-replication`),
                    sinkPassword: args.passwords.get(`${spec.side}-sink`),
                },
                { parent: this, dependsOn: [db] },
            );
        });

        const bySide = new Map(specs.map((s) => [s.side, s]));
        const connectorCommon = { connectUrls: args.connectUrls, connectAuth: args.connectAuth, knownSecrets: args.knownSecrets, secretValues: args.secretValues, restartTrigger: serverGeneration };
        this.connectors = this.directions.flatMap((d) => {
            const from = bySide.get(d.from)!;
            const into = bySide.get(d.into)!;
            // Created by the stack, not by Connect or the brokers: one partition each, removed on destroy.
            const topics = [...d.topics, d.heartbeatTopic].map(
                (t) =>
                    new Topic(
                        `${name}-topic-${t}`,
                        {
                            bootstrapServers: args.bootstrapServers,
                            name: t,
                            // One partition: every change of a row stays in order.
                            partitions: 1,
                            replicationFactor: args.replicationFactor,
                            configs: { "cleanup.policy": "delete", "retention.ms": String(7 * 24 * 3600 * 1000) },
                        },
                        // Nothing reaches Kafka before both databases passed the two-way setup (or its refusal).
                        { parent: this, dependsOn: this.databases },
                    ),
            );
            const direction = { from: { spec: from, topicPrefix: d.topicPrefix }, into: { spec: into }, snapshot: d.snapshot };
            const deps = [...this.databases, ...topics];
            const source = new Connector(
                d.sourceName,
                {
                    ...connectorCommon,
                    connectorClass: POSTGRES_CONNECTOR_CLASS,
                    config: {
                        "database.hostname": host,
                        "database.port": String(port),
                        "database.dbname": from.side,
                        "database.password": secretRef(`${from.side}-replication`),
                        ...twoWaySourceConfig(direction),
                        // Checks for new WAL every 10 ms instead of Debezium's 500: the latency target needs it.
                        "poll.interval.ms": "10",
                        // A change event (JSON with its schema) is several KiB, so the producer's default
                        // 16 KiB batch carries a handful per request and caps bulk throughput; batches still go
                        // out at once (linger.ms 0). 512 KiB stays under the brokers' 1 MiB message limit.
                        "producer.override.batch.size": "524288",
                        "tasks.max": "1",
                        // The stack creates the topics; should Debezium need another, Connect creates it alike.
                        "topic.creation.default.replication.factor": "-1",
                        "topic.creation.default.partitions": "1",
                    },
                },
                { parent: this, dependsOn: deps },
            );
            const sink = new Connector(
                d.sinkName,
                {
                    ...connectorCommon,
                    connectorClass: JDBC_SINK_CONNECTOR_CLASS,
                    config: {
                        "connection.url": `jdbc:postgresql://${host}:${port}/${into.side}`,
                        "connection.password": secretRef(`${into.side}-sink`),
                        ...twoWaySinkConfig(direction),
                    },
                },
                { parent: this, dependsOn: deps },
            );
            return [source, sink];
        });

        this.tables = new TwoWayTables(
            `${name}-tables`,
            {
                ends: [specs[0], specs[1]].map((spec) => ({ connection: { ...admin, database: spec.side }, spec })) as [TablesEnd, TablesEnd],
                adminPassword,
                replicaIdentities: pulumi.all([this.databases[0].replicaIdentities, this.databases[1].replicaIdentities]),
            },
            { parent: this, dependsOn: this.connectors },
        );

        const canaryEnd = (s: TwoWayDatabaseSpec): CanaryEnd => ({
            side: s.side,
            host,
            port,
            database: s.side,
            user: adminUser,
            slotName: s.slotName,
            syncSchema: s.syncSchema,
        });
        this.health = new TwoWayHealth(
            `${name}-health`,
            {
                ends: [canaryEnd(specs[0]), canaryEnd(specs[1])],
                adminPassword,
                generation: serverGeneration,
                credentials: pulumi
                    .all(specs.flatMap((s) => [args.passwords.get(`${s.side}-replication`), args.passwords.get(`${s.side}-sink`)]))
                    .apply(digestOf),
            },
            { parent: this, dependsOn: [...this.connectors, this.tables] },
        );
        this.registerOutputs({});
    }
}
