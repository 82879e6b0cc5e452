// Prometheus metrics of a PostgreSQL server the stack runs: the Prometheus community's postgres_exporter (Debian's
// package, images/postgres-exporter) in a container of its own beside the server, on the server's address at the
// server's port + METRICS_PORT_OFFSET. It logs in over TCP as `cdc_sync_monitor`, a LOGIN role with pg_monitor and
// nothing else, whose password the stack generates and writes into the exporter's container as a 0600 file. Among
// what it serves: each replication slot's confirmed and current LSN and the WAL it retains
// (pg_replication_slot_slot_confirmed_flush_lsn, pg_replication_slots_pg_wal_lsn_diff). A separate image and
// container, so that adding or upgrading it never restarts the database server.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { METRICS_PORT_OFFSET } from "../../config/ports";
import { Engine, ServerSpec } from "../../config/schema";
import { Container } from "../../docker/container";
import { ImageBuilds } from "../../docker/builds";
import { IMAGES_DIR } from "../../docker/image";
import { changedFields, UNKNOWN } from "../../dynamic/diff";
import { withEffect } from "../../dynamic/effect";
import { PasswordSet } from "../../secrets/passwords";
import { scramVerifier } from "./scram";
import { literal } from "./sqlText";
import { psqlInServer } from "./superuserPassword";
import versions from "../../../versions.json";

export const POSTGRES_EXPORTER_IMAGE_TAG = `cdc-sync/postgres-exporter:${versions.debianSuite}`;

/** The role the exporter logs in as. */
export const MONITOR_ROLE = "cdc_sync_monitor";

/** Comment on the role: what the stack created. */
export const MONITOR_ROLE_COMMENT = "managed by cdc-sync (metrics exporter)";

const PASSWORD_FILE = "/etc/cdc-sync/secrets/monitor-password";
const EXPORTER_USER = { uid: 65534, gid: 65534 }; // images/postgres-exporter/Dockerfile

/**
 * The role, idempotently: may log in (a few sessions at most), reads the statistics views (pg_monitor), nothing
 * else. `verifier` is its password's SCRAM verifier.
 */
export function monitorRoleSql(verifier: string): string {
    return [
        `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ${literal(MONITOR_ROLE)}) THEN CREATE ROLE ${MONITOR_ROLE}; END IF; END $$;`,
        `ALTER ROLE ${MONITOR_ROLE} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 3 PASSWORD ${literal(verifier)};`,
        `COMMENT ON ROLE ${MONITOR_ROLE} IS ${literal(MONITOR_ROLE_COMMENT)};`,
        `GRANT pg_monitor TO ${MONITOR_ROLE};`,
        "",
    ].join("\n");
}

interface Inputs {
    engine: Engine;
    /** The server's container: the role is set again in a recreated one (idempotent). */
    containerId: string;
    port: number;
    password: string;
}

const converge = (i: Inputs) => psqlInServer(i, "cdc-sync-monitor-role", monitorRoleSql(scramVerifier(i.password)), `setting up the role ${MONITOR_ROLE}`);

const provider: pulumi.dynamic.ResourceProvider<Inputs, Inputs> = {
    async check(olds, news) {
        return {
            inputs: withEffect(olds, news, (o, n) =>
                o.password !== n.password
                    ? `sets ${MONITOR_ROLE}'s new password in the running server (psql through its socket): no restart`
                    : n.containerId === UNKNOWN
                      ? `if the server's container is recreated in this up (known only then): sets up ${MONITOR_ROLE} in it again, idempotent`
                      : o.containerId !== n.containerId
                        ? `sets up ${MONITOR_ROLE} again in the recreated server, idempotent`
                        : undefined,
            ),
        };
    },
    async create(inputs) {
        await converge(inputs);
        return { id: `${inputs.containerId.slice(0, 12)}/${MONITOR_ROLE}`, outs: inputs };
    },
    async diff(_id, olds, news) {
        return { changes: changedFields<Inputs>(olds, news, ["engine", "containerId", "port", "password"]).length > 0 };
    },
    async update(_id, _olds, news) {
        await converge(news);
        return { outs: news };
    },
    async delete(_id, olds) {
        // With the server gone (a destroy removes it too) there is no role left to drop.
        await psqlInServer(olds, "cdc-sync-monitor-role", `DROP ROLE IF EXISTS ${MONITOR_ROLE};\n`, `dropping ${MONITOR_ROLE}`).catch((e: Error) => {
            if (!/no such container|404/i.test(e.message)) throw e;
        });
    },
};

/** The exporter's login role on the server, kept as the stack says (see monitorRoleSql). */
class MonitorRole extends pulumi.dynamic.Resource {
    constructor(name: string, args: { [K in keyof Inputs]: pulumi.Input<Inputs[K]> }, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { ...args, password: pulumi.secret(args.password) }, { ...opts, additionalSecretOutputs: ["password"] }, "databases", "PostgresMonitorRole");
    }
}

export interface PostgresExporterArgs {
    readonly server: ServerSpec;
    /** The database server's container name; the exporter's is this plus `-exporter`. */
    readonly serverContainer: string;
    /** Where its image is built (the server's). */
    readonly images: ImageBuilds;
    /** The server's container id (the role is set up in it). */
    readonly serverContainerId: pulumi.Input<string>;
    /** The server's port; the exporter listens METRICS_PORT_OFFSET above it. */
    readonly port: number;
    readonly labels: Record<string, string>;
}

/** The exporter's image, password, role and container, as children of `opts.parent`. */
export function postgresExporter(name: string, args: PostgresExporterArgs, opts: { parent: pulumi.Resource }): Container {
    const engine = args.server.engine;
    const address = args.server.address;
    const image = args.images.imageOn(
        `${name}-image`,
        engine,
        { tag: POSTGRES_EXPORTER_IMAGE_TAG, context: path.join(IMAGES_DIR, "postgres-exporter"), buildArgs: { DEBIAN_SUITE: versions.debianSuite } },
        opts,
    );
    // A set of its own: adding a name to the stack's set would leave every password unknown in that preview.
    const password = new PasswordSet(`${name}-password`, { names: ["monitor"], overrides: {} }, opts).get("monitor");
    const role = new MonitorRole(`${name}-role`, { engine, containerId: args.serverContainerId, port: args.port, password }, opts);
    return new Container(
        name,
        {
            engine,
            name: `${args.serverContainer}-exporter`,
            image,
            args: [`--web.listen-address=${address}:${args.port + METRICS_PORT_OFFSET}`, "--config.file=/dev/null"],
            env: {
                DATA_SOURCE_URI: `${address}:${args.port}/postgres?sslmode=disable`,
                DATA_SOURCE_USER: MONITOR_ROLE,
                DATA_SOURCE_PASS_FILE: PASSWORD_FILE,
            },
            volumes: {},
            files: pulumi.secret(password.apply((p) => ({ [PASSWORD_FILE]: p }))),
            fileOwner: EXPORTER_USER,
            labels: args.labels,
            memoryMiB: 64,
            ready: { address, port: args.port + METRICS_PORT_OFFSET, timeoutSeconds: 60 },
        },
        { ...opts, dependsOn: [role] },
    );
}
