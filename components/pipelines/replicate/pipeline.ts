// One-way replication as one component: the source side (PostgreSQL: the stack's replication role, publication
// and slot; MariaDB: the server with its binlog on and the source's account), the change topics, a Debezium
// source, and a JDBC sink that upserts every row by its key and applies deletes in the target database, creating
// tables and adding columns as the source gains them.
import * as pulumi from "@pulumi/pulumi";
import { MYSQL_CONNECTOR_CLASS } from "../../connectors/classes";
import { Connector, ConnectorResource, JdbcSinkConnector, PostgresSourceConnector } from "../../connectors/connector";
import { escapeRegex, SourceRef } from "../../connectors/connectorConfig";
import { secretRef } from "../../connectors/secrets";
import type { MySqlServerSpec } from "../../databases/config";
import { MySqlServer, MySqlServerArgs } from "../../databases/mysql/server";
import { PostgresCdcSource } from "../../databases/postgres/cdcSource";
import { PostgresDatabase } from "../../databases/postgres/database";
import { PostgresSinkRole } from "../../databases/postgres/sinkRole";
import { EXTRA_PLUGINS } from "../../platform/images";
import { Topic } from "../../platform/topic";
import type { BuildContext } from "../kind";
import { replicateNames, ReplicateSpec, tableTopic } from "./config";

/** The entry, and what every kind builds from (its `databases` hold the source's or target's PostgreSQL server). */
export type ReplicatePipelineArgs = Omit<BuildContext, "dependsOn"> & { readonly spec: ReplicateSpec };

/** What the sink needs of the source: the connector, its topics, and what restarts them both. */
interface BuiltSource {
    readonly connector: ConnectorResource;
    readonly ref: SourceRef;
    readonly topics: Topic[];
    readonly generation: pulumi.Input<string>;
}

/** Source database -> Debezium -> Kafka -> JDBC sink -> target database. */
export class ReplicatePipeline extends pulumi.ComponentResource {
    public readonly source: ConnectorResource;
    public readonly sink: JdbcSinkConnector;
    /** The target's JDBC URL (without credentials). */
    public readonly targetUrl: string;

    constructor(name: string, args: ReplicatePipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:pipelines:Replicate", name, {}, opts);
        const { spec } = args;
        const n = replicateNames(name);
        const source = spec.source.engine === "postgres" ? this.postgresSource(name, args) : this.binlogSource(name, args);
        const target = this.buildTarget(name, args);
        this.targetUrl = target.url;
        this.source = source.connector;

        this.sink = new JdbcSinkConnector(
            n.connectors.sink,
            {
                connectUrls: args.connect.urls,
                connectAuth: args.connect.auth,
                knownSecrets: args.connect.knownSecrets,
                secretValues: args.connect.secretValues,
                restartTrigger: source.generation,
                connection: { url: target.url, user: target.user, passwordSecret: n.passwords.sink },
                from: [source.ref],
                insertMode: "upsert",
                primaryKeyMode: "record_key",
                deleteEnabled: true,
                schemaEvolution: "basic",
                quoteIdentifiers: true,
                // PostgreSQL to PostgreSQL keeps the schema; MariaDB has none to keep, and MySQL/MariaDB none to land in.
                collectionNameFormat: spec.target.engine === "postgres" && spec.source.engine === "postgres" ? "${source.schema}.${source.table}" : "${source.table}",
            },
            { parent: this, dependsOn: [...target.ready, ...source.topics] },
        );
        this.registerOutputs({ source: this.source.state, sink: this.sink.state });
    }

    /** Topics the stack owns for a source: one per table (one partition: a row's changes stay in order), and `extra`. */
    private topics(name: string, args: ReplicatePipelineArgs, extra: { name: string; configs: Record<string, string> }[]): Topic[] {
        const tables = args.spec.source.tables.map((t) => ({ name: tableTopic(name, t), configs: { "cleanup.policy": "delete" } }));
        return [...tables, ...extra].map(
            (t) =>
                new Topic(
                    `${name}-topic-${t.name}`,
                    { bootstrapServers: args.bootstrapServers, name: t.name, partitions: 1, replicationFactor: args.replicationFactor, configs: t.configs },
                    { parent: this },
                ),
        );
    }

    /** A PostgreSQL source: the stack's CDC objects in the database, then the Debezium PostgreSQL source. */
    private postgresSource(name: string, args: ReplicatePipelineArgs): BuiltSource {
        const { spec } = args;
        const n = replicateNames(name);
        const src = args.databases.get(spec.source.server);
        if (!src) throw new Error(`pipeline ${name}: database server ${spec.source.server} was not built`); // unreachable after loading
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
        const topics = this.topics(name, args, [{ name: n.heartbeatTopic, configs: { "cleanup.policy": "delete" } }]);
        const connector = new PostgresSourceConnector(
            n.connectors.source,
            {
                connectUrls: args.connect.urls,
                connectAuth: args.connect.auth,
                knownSecrets: args.connect.knownSecrets,
                secretValues: args.connect.secretValues,
                restartTrigger: src.generation,
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
        return { connector, ref: connector.source, topics, generation: src.generation };
    }

    /** A MariaDB/MySQL source: the server (binlog on) and the source's account run here, then Debezium's source for it. */
    private binlogSource(name: string, args: ReplicatePipelineArgs): BuiltSource {
        const { spec } = args;
        const n = replicateNames(name);
        const my = spec.source.binlogServer!;
        const dbServer = this.mysqlServer(
            name,
            args,
            my,
            { database: spec.source.database, sourceUser: { name: n.sourceUser, password: args.passwords.get(n.passwords.replication) } },
            { serverId: 1 },
        );
        // The DDL history the source reads back on every start: kept for good.
        const topics = this.topics(name, args, [
            { name: n.heartbeatTopic, configs: { "cleanup.policy": "delete" } },
            { name: n.schemaHistoryTopic, configs: { "cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1" } },
        ]);
        const generation = dbServer.container?.containerId ?? "";
        const db = spec.source.database;
        // MariaDB has a connector of its own (a plugin, since Debezium 2.7); MySQL's is in the platform image.
        const connectorClass = my.engine === "mariadb" ? EXTRA_PLUGINS.mariadb.connectorClass : MYSQL_CONNECTOR_CLASS;
        const connector = new Connector(
            n.connectors.source,
            {
                connectUrls: args.connect.urls,
                connectAuth: args.connect.auth,
                knownSecrets: args.connect.knownSecrets,
                secretValues: args.connect.secretValues,
                restartTrigger: generation,
                connectorClass,
                config: {
                    "tasks.max": "1",
                    "database.hostname": dbServer.address,
                    "database.port": String(dbServer.port),
                    "database.user": n.sourceUser,
                    "database.password": secretRef(n.passwords.replication),
                    // Its replica id on the server: the server itself is 1, and no other replica reads it.
                    "database.server.id": "5401",
                    "topic.prefix": name,
                    "database.include.list": escapeRegex(db),
                    "table.include.list": spec.source.tables.map((t) => `${escapeRegex(db)}\\.${escapeRegex(t.name)}`).join(","),
                    "schema.history.internal.kafka.bootstrap.servers": args.bootstrapServers,
                    "schema.history.internal.kafka.topic": n.schemaHistoryTopic,
                    // The DDL events topic (named after the prefix) is not needed: the sink evolves from the records.
                    "include.schema.changes": "false",
                    "snapshot.mode": "initial",
                    "heartbeat.interval.ms": "10000",
                    "topic.creation.default.replication.factor": "-1",
                    "topic.creation.default.partitions": "1",
                },
            },
            { parent: this, dependsOn: [dbServer, ...topics] },
        );
        return { connector, ref: { connectorClass, topicPrefix: name }, topics, generation };
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
        const user = t.user ?? "cdc_sink";
        const mysql = this.mysqlServer(name, args, t.mysql!, { database: t.database, sinkUser: { name: user, password: sinkPassword } });
        return { url: mysql.jdbcUrl, user, ready: [mysql] };
    }

    /** The MariaDB/MySQL server `my` as this pipeline runs (or adopts) it, with the database and accounts in `holds`. */
    private mysqlServer(
        name: string,
        args: ReplicatePipelineArgs,
        my: MySqlServerSpec,
        holds: Pick<MySqlServerArgs, "database" | "sinkUser" | "sourceUser">,
        binlog?: { readonly serverId: number },
    ): MySqlServer {
        const adminPassword = args.passwords.get(my.adminPassword);
        const side: Pick<MySqlServerArgs, "run" | "existing"> =
            my.kind === "run"
                ? {
                      run: {
                          server: args.servers.find((s) => s.name === my.server)!,
                          images: args.images,
                          stack: args.stack,
                          name: my.name,
                          image: my.image,
                          port: my.port,
                          rootPassword: adminPassword,
                          ...(binlog ? { binlog } : {}),
                      },
                  }
                : { existing: { address: my.host, port: my.port, adminUser: my.adminUser, adminPassword } };
        return new MySqlServer(`${name}-${my.name}`, { ...side, flavor: my.engine, ...holds }, { parent: this });
    }
}
