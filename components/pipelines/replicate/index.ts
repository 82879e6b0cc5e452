// The `replicate` pipeline kind: one-way, tables of one database into another, any source the platform has a
// Debezium connector for into PostgreSQL or MySQL/MariaDB. See docs/replicate.md.
import type { PipelineKind } from "../kind";
import { loadReplicate, replicateNames, ReplicateSpec, tableTopic, targetDialect } from "./config";
import { ReplicatePipeline } from "./pipeline";

export const replicate: PipelineKind<ReplicateSpec> = {
    kind: "replicate",
    summary: "tables of one database into another, one way, keys kept and deletes applied",
    load: loadReplicate,
    passwords(name) {
        const { replication, sink } = replicateNames(name).passwords;
        return { names: [replication, sink], forConnect: [replication, sink], pinned: [] };
    },
    claims(name, spec) {
        const n = replicateNames(name);
        const onSource = (value: string) => `${spec.source.server}/${value}`;
        const onTarget = (value: string) => `${spec.target.server}/${value}`;
        return [
            ...Object.values(n.connectors).map((value) => ({ namespace: "connector", value })),
            ...[...spec.source.tables.map((t) => tableTopic(name, t)), n.heartbeatTopic].map((value) => ({ namespace: "topic", value })),
            ...Object.values(n.passwords).map((value) => ({ namespace: "password", value })),
            ...(spec.source.engine === "postgres"
                ? [
                      { namespace: "slot", value: onSource(n.slot) },
                      { namespace: "role", value: onSource(n.replicationRole) },
                  ]
                : [{ namespace: "topic", value: n.schemaHistoryTopic }]),
            ...(spec.target.engine === "postgres" ? [{ namespace: "role", value: onTarget(n.sinkRole) }] : []),
            // The target database is this pipeline's to write: nothing else may write into it.
            { namespace: "database", value: onTarget(spec.target.database) },
        ];
    },
    sinkDialects: (spec) => [targetDialect(spec.target)],
    // Debezium's MariaDB source is a plugin the platform image does not carry (images/connect-mariadb).
    connectPlugins: (spec) => (spec.source.engine === "mariadb" ? ["mariadb"] : []),
    databaseServers: (spec) => [spec.source.server, spec.target.server],
    // A MariaDB/MySQL source and a MySQL/MariaDB target are run (or adopted) by the pipeline itself.
    ownedServers: (spec) => [...(spec.source.binlogServer ? [spec.source.server] : []), ...(spec.target.mysql ? [spec.target.server] : [])],
    build(name, spec, ctx) {
        const { dependsOn, ...context } = ctx;
        const p = new ReplicatePipeline(name, { ...context, spec }, { dependsOn });
        return {
            resource: p,
            outputs: {
                kind: "replicate",
                source: { server: spec.source.server, database: spec.source.database, connector: p.source.connectorName, state: p.source.state },
                target: { server: spec.target.server, url: p.targetUrl, connector: p.sink.connectorName, state: p.sink.state },
                topics: spec.source.tables.map((t) => tableTopic(name, t)),
            },
        };
    },
};
