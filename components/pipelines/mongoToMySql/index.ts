// The `mongoToMySql` pipeline kind (topology A): a MongoDB replica set's collections into one MySQL/MariaDB
// table each. See docs/topology-a.md.
import type { PipelineKind } from "../kind";
import { loadTopologyA, TopologyA, topologyAPasswords } from "./config";
import { routes } from "./mapping";
import { MongoToMySqlPipeline } from "./pipeline";

export const mongoToMySql: PipelineKind<TopologyA> = {
    kind: "mongoToMySql",
    summary: "a MongoDB replica set's collections into MySQL/MariaDB tables (topology A)",
    load: loadTopologyA,
    passwords: (_name, a) => topologyAPasswords(a),
    claims(name, a) {
        return [
            ...[`${name}-source`, `${name}-sink`].map((value) => ({ namespace: "connector", value })),
            ...routes(a.mapping).map((r) => ({ namespace: "topic", value: r.topic })),
            // Its account passwords have fixed names: one such pipeline per stack for now.
            ...topologyAPasswords(a).names.map((value) => ({ namespace: "password", value })),
        ];
    },
    sinkDialects: () => ["mysql"],
    connectPlugins: () => [],
    databaseServers: (a) => [a.mongodb.serverName, a.mysql.serverName],
    // It runs (or adopts) both servers inside its own component.
    ownedServers: (a) => [a.mongodb.serverName, a.mysql.serverName],
    build(name, a, ctx) {
        const p = new MongoToMySqlPipeline(name, {
            stack: ctx.stack,
            servers: ctx.servers,
            images: ctx.images,
            topology: a,
            passwords: ctx.passwords,
            connect: { urls: ctx.connect.urls, knownSecrets: ctx.connect.knownSecrets, secretValues: ctx.connect.secretValues, dependsOn: ctx.dependsOn },
        });
        return {
            resource: p,
            outputs: {
                kind: "mongoToMySql",
                mongodb: { server: p.placement.mongodb?.name ?? "(adopted)", connectionString: p.mongodb.connectionString },
                mysql: { server: p.placement.mysql?.name ?? "(adopted)", jdbcUrl: p.mysql.jdbcUrl, serverVersion: p.mysql.serverVersion },
                source: { name: p.source.connectorName, state: p.source.state },
                sink: { name: p.sink.connectorName, state: p.sink.state },
                tables: Object.fromEntries(p.routes.map((r) => [r.collection, r.table])),
            },
        };
    },
};
