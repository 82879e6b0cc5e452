// Builds the PostgreSQL servers of `cdc-sync:databases` once for the whole stack, so several pipelines can
// use one server, and describes adopted ones the same way. MySQL/MariaDB and MongoDB servers are still built
// by the pipeline that uses them (pipelines/mongoToMySql), which is why a kind's claims keep them to one.
import type { ImageBuilds } from "../docker/builds";
import * as pulumi from "@pulumi/pulumi";
import { ServerSpec } from "../config/schema";
import { DatabaseServerSpec, PostgresServerSpec } from "./config";
import { PostgresServer } from "./postgres/server";

/** A database server as pipelines connect to it. */
export interface BuiltDatabaseServer {
    readonly spec: DatabaseServerSpec;
    /** Address and port pipelines and connectors connect to. */
    readonly host: string;
    readonly port: number;
    readonly adminUser: string;
    readonly adminPassword: pulumi.Output<string>;
    /** Changes whenever the stack replaces the server's container ("" for an adopted server). */
    readonly generation: pulumi.Input<string>;
    /** Resources that must exist before the server is used (its container). */
    readonly dependsOn: pulumi.Resource[];
    /** Its Prometheus metrics endpoint, for a server the stack runs (components/databases/postgres/exporter.ts). */
    readonly metricsUrl?: string;
}

export interface DatabaseServersArgs {
    readonly stack: string;
    readonly servers: readonly ServerSpec[];
    /** Where the servers' images are built (the stack's). */
    readonly images: ImageBuilds;
    readonly databases: readonly DatabaseServerSpec[];
    readonly passwords: { get(name: string): pulumi.Output<string> };
    /**
     * Where each server's resources lived before (as URNs of their former parents): a PostgreSQL server used
     * to be a child of its two-way pair, and moves out without being replaced.
     */
    readonly formerParents?: (server: string) => pulumi.Input<string>[];
    /**
     * What a server's container comes after: the stack's platform. A change that restarts a server then rolls after
     * the platform's brokers and workers are back in sync, never while a worker restarts: a sink task started during
     * its database's restart fails, and only the supervisor of the worker it runs on restarts it.
     */
    readonly dependsOn?: pulumi.Resource[];
}

/** The PostgreSQL servers of the stack, by name (run ones created here, adopted ones described). */
export function buildPostgresServers(args: DatabaseServersArgs): Map<string, BuiltDatabaseServer> {
    const built = new Map<string, BuiltDatabaseServer>();
    for (const db of args.databases.filter((d): d is PostgresServerSpec => d.engine === "postgres")) {
        const adminPassword = args.passwords.get(db.adminPassword);
        if (db.kind === "adopt") {
            built.set(db.name, { spec: db, host: db.host, port: db.port, adminUser: db.adminUser, adminPassword, generation: "", dependsOn: [] });
            continue;
        }
        const server = args.servers.find((s) => s.name === db.server);
        if (!server) throw new Error(`databases.${db.name}: no server named ${db.server}`); // unreachable after loading
        const pg = new PostgresServer(
            db.name,
            { server, images: args.images, stack: args.stack, superuserPassword: adminPassword, port: db.port, memoryMiB: db.memoryMiB },
            { aliases: (args.formerParents?.(db.name) ?? []).map((parent) => ({ parent })), dependsOn: args.dependsOn },
        );
        built.set(db.name, {
            spec: db,
            host: server.address,
            port: db.port,
            adminUser: pg.superuser,
            adminPassword,
            generation: pg.container.containerId,
            dependsOn: [pg],
            metricsUrl: pg.metricsUrl,
        });
    }
    return built;
}
