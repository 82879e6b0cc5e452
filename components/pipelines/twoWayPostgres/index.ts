// The `twoWayPostgres` pipeline kind (topology B): two databases on one PostgreSQL server kept in sync both
// ways, loop-free, with last-writer-wins on conflicts. See docs/topology-b.md.
import * as pulumi from "@pulumi/pulumi";
import type { PipelineKind } from "../kind";
import { loadTwoWay, TWO_WAY_FIELDS, twoWayPasswordNames, TwoWaySpec } from "./config";
import { directionPlans, TwoWayPostgres, twoWaySpecs } from "./pipeline";

/** The type token of the component: part of every child's URN, so never renamed. */
export const TWO_WAY_POSTGRES_TYPE = "cdc-sync:pipelines:TwoWayPostgres";

export const twoWayPostgres: PipelineKind<TwoWaySpec> = {
    kind: "twoWayPostgres",
    summary: "two databases on one PostgreSQL server kept in sync both ways (topology B)",
    load(c, entry, ctx) {
        c.unknownFields(ctx.at("").replace(/\.$/, ""), entry, TWO_WAY_FIELDS);
        return loadTwoWay(c, entry, ctx);
    },
    passwords(_name, spec) {
        const names = twoWayPasswordNames(spec);
        return { names, forConnect: names, pinned: [] };
    },
    claims(name, spec) {
        const plans = directionPlans(name, twoWaySpecs(spec));
        return [
            ...plans.flatMap((d) => [d.sourceName, d.sinkName]).map((value) => ({ namespace: "connector", value })),
            ...plans.flatMap((d) => [...d.topics, d.heartbeatTopic]).map((value) => ({ namespace: "topic", value })),
            ...twoWayPasswordNames(spec).map((value) => ({ namespace: "password", value })),
            // Roles, slots, publications and origins are named after the database, and server-wide.
            ...spec.databases.map((db) => ({ namespace: "database", value: `${spec.postgres}/${db}` })),
            ...twoWaySpecs(spec).flatMap((d) => [
                { namespace: "slot", value: `${spec.postgres}/${d.slotName}` },
                { namespace: "role", value: `${spec.postgres}/${d.replicationRole}` },
                { namespace: "role", value: `${spec.postgres}/${d.sinkRole}` },
            ]),
        ];
    },
    sinkDialects: () => ["postgresql"],
    connectPlugins: () => [],
    databaseServers: (spec) => [spec.postgres],
    ownedServers: () => [],
    // Until cdc-sync:databases, each pair ran its PostgreSQL server as a child of its own component.
    formerServerParents: (name, spec) => [{ server: spec.postgres, parentUrn: pulumi.createUrn(name, TWO_WAY_POSTGRES_TYPE) }],
    build(name, spec, ctx) {
        const server = ctx.databases.get(spec.postgres);
        if (!server) throw new Error(`pipeline ${name}: database server ${spec.postgres} was not built`); // unreachable after loading
        const pair = new TwoWayPostgres(
            name,
            {
                twoWay: spec,
                server,
                passwords: ctx.passwords,
                connectUrls: ctx.connect.urls,
                connectAuth: ctx.connect.auth,
                bootstrapServers: ctx.bootstrapServers,
                replicationFactor: ctx.replicationFactor,
                knownSecrets: ctx.connect.knownSecrets,
                secretValues: ctx.connect.secretValues,
            },
            { dependsOn: ctx.dependsOn },
        );
        return {
            resource: pair,
            outputs: {
                kind: "twoWayPostgres",
                /** The `cdc-sync:databases` entry, and where it answers. */
                server: spec.postgres,
                postgres: pair.address,
                directions: pair.directions.map((d) => ({
                    direction: `${d.from}->${d.into}`,
                    source: d.sourceName,
                    sink: d.sinkName,
                    topics: d.topics,
                    initialSnapshot: d.snapshot,
                })),
                health: pair.health.directions,
                healthMeasuredAt: pair.health.measuredAt,
            },
        };
    },
};
