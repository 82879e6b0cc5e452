// One-way replication as one component: the source database's CDC objects (replication role, publication,
// slot), the change topics, a Debezium source, and a JDBC sink that upserts every row by its key and applies
// deletes in the target database, creating tables and adding columns as the source gains them.
import * as pulumi from "@pulumi/pulumi";
import { JdbcSinkConnector, PostgresSourceConnector } from "../../connectors/connector";
import { escapeRegex } from "../../connectors/connectorConfig";
import type { ServerSpec } from "../../config/schema";
import { jdbcUrl } from "../../databases/mysql/sql";
import { MySqlServer } from "../../databases/mysql/server";
import { PostgresCdcSource } from "../../databases/postgres/cdcSource";
import { PostgresDatabase } from "../../databases/postgres/database";
import { PostgresSinkRole } from "../../databases/postgres/sinkRole";
import type { BuiltDatabaseServer } from "../../databases/servers";
import { Topic } from "../../platform/topic";
import { replicateNames, ReplicateSpec, tableTopic } from "./config";

export interface ReplicatePipelineArgs {
    readonly spec: ReplicateSpec;
    readonly stack: string;
    readonly servers: readonly ServerSpec[];
    /** The PostgreSQL servers of the stack, as built (the source's, and a PostgreSQL target's). */
    readonly databases: ReadonlyMap<string, BuiltDatabaseServer>;
    readonly passwords: { get(name: string): pulumi.Output<string> };
    readonly connect: { readonly urls: string[]; readonly knownSecrets: readonly string[] };
    readonly bootstrapServers: string;
    readonly replicationFactor: number;
}

/** Source database -> Debezium -> Kafka -> JDBC sink -> target database. */
export class ReplicatePipeline extends pulumi.ComponentResource {
    public readonly source: PostgresSourceConnector;
    public readonly sink: JdbcSinkConnector;
    /** The target's JDBC URL (without credentials). */
    public readonly targetUrl: string;

    constructor(name: string, args: ReplicatePipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:pipelines:Replicate", name, {}, opts);
        const { spec } = args;
        const n = replicateNames(name);
        const built = (server: string) => {
            const b = args.databases.get(server);
            if (!b) throw new Error(`pipeline ${name}: database server ${server} was not built`); // unreachable after loading
            return b;
        };

        const src = built(spec.source.server);
        const cdc = new PostgresCdcSource(
            `${name}-cdc`,
            {
                connection: { host: src.host, port: src.port, user: src.adminUser, database: spec.source.database },
                adminPassword: src.adminPassword,
                rolePassword: args.passwords.get(n.passwords.replication),
                spec: { role: n.replicationRole, publication: n.publication, slot: n.slot, tables: spec.source.tables },
            },
            { parent: this, dependsOn: src.dependsOn },
        );

        const target = this.buildTarget(name, args);
        this.targetUrl = target.url;

        // Created by the stack: one partition each (a row's changes stay in order), removed on destroy.
        const topics = [...spec.source.tables.map((t) => tableTopic(name, t)), n.heartbeatTopic].map(
            (t) =>
                new Topic(
                    `${name}-topic-${t}`,
                    { bootstrapServers: args.bootstrapServers, name: t, partitions: 1, replicationFactor: args.replicationFactor, configs: { "cleanup.policy": "delete" } },
                    { parent: this },
                ),
        );
        const connect = { connectUrls: args.connect.urls, knownSecrets: args.connect.knownSecrets, restartTrigger: src.generation };
        this.source = new PostgresSourceConnector(
            n.connectors.source,
            {
                ...connect,
                database: { hostname: src.host, port: src.port, user: n.replicationRole, passwordSecret: n.passwords.replication, dbname: spec.source.database },
                topicPrefix: name,
                slotName: n.slot,
                publicationName: n.publication,
                // The stack made the publication of exactly these tables; the connector must not change it.
                publicationAutocreateMode: "disabled",
                tableIncludeList: spec.source.tables.map((t) => `${escapeRegex(t.schema)}\\.${escapeRegex(t.name)}`),
                // The rows that exist when the pipeline starts come across first, then every change.
                snapshotMode: "initial",
                // While nothing is written to the captured tables, heartbeats still let the slot advance.
                heartbeatIntervalMs: 10000,
            },
            { parent: this, dependsOn: [cdc, ...topics] },
        );
        this.sink = new JdbcSinkConnector(
            n.connectors.sink,
            {
                ...connect,
                connection: { url: target.url, user: target.user, passwordSecret: n.passwords.sink },
                from: [this.source.source],
                insertMode: "upsert",
                primaryKeyMode: "record_key",
                deleteEnabled: true,
                schemaEvolution: "basic",
                quoteIdentifiers: true,
                // PostgreSQL keeps the source's schema; MySQL/MariaDB has none below the database.
                collectionNameFormat: spec.target.engine === "postgres" ? "${source.schema}.${source.table}" : "${source.table}",
            },
            { parent: this, dependsOn: [...target.ready, ...topics] },
        );
        this.registerOutputs({ source: this.source.state, sink: this.sink.state });
    }

    /** The target database and the sink's account there; a MySQL/MariaDB server is run (or adopted) here. */
    private buildTarget(name: string, args: ReplicatePipelineArgs): { url: string; user: string; ready: pulumi.Resource[] } {
        const t = args.spec.target;
        const n = replicateNames(name);
        const sinkPassword = args.passwords.get(n.passwords.sink);
        if (t.engine === "postgres") {
            const dst = args.databases.get(t.server)!;
            const connection = { host: dst.host, port: dst.port, user: dst.adminUser };
            const db = new PostgresDatabase(
                `${name}-target`,
                { connection, adminPassword: dst.adminPassword, database: t.database },
                { parent: this, dependsOn: dst.dependsOn },
            );
            const role = new PostgresSinkRole(
                `${name}-sink-role`,
                { connection: { ...connection, database: t.database }, adminPassword: dst.adminPassword, role: n.sinkRole, password: sinkPassword },
                { parent: this, dependsOn: [db] },
            );
            return { url: `jdbc:postgresql://${dst.host}:${dst.port}/${t.database}`, user: n.sinkRole, ready: [role] };
        }
        const my = t.mysql!;
        const adminPassword = args.passwords.get(my.adminPassword);
        const server = my.kind === "run" ? args.servers.find((s) => s.name === my.server)! : undefined;
        const mysql = new MySqlServer(
            `${name}-${my.name}`,
            {
                ...(my.kind === "run"
                    ? { run: { server: server!, stack: args.stack, name: my.name, image: my.image, port: my.port, rootPassword: adminPassword } }
                    : { existing: { address: my.host, port: my.port, adminUser: my.adminUser, adminPassword } }),
                flavor: my.engine,
                database: t.database,
                sinkUser: { name: t.user ?? "cdc_sink", password: sinkPassword },
            },
            { parent: this },
        );
        const host = my.kind === "run" ? server!.address : my.host;
        return { url: jdbcUrl(my.engine, host, my.port, t.database), user: t.user ?? "cdc_sink", ready: [mysql] };
    }
}
