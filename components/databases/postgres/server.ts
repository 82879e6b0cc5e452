// A PostgreSQL server on one of the stack's servers, ready for Debezium: logical decoding on, room for the
// replication slots and WAL senders the connectors take, listening on the server's address only.
// Minimal on purpose: the two-way sync component builds users, databases and conflict handling on top.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ServerSpec } from "../../config/schema";
import { Container } from "../../docker/container";
import { ownerLabels } from "../../docker/engine";
import { ImageBuilds } from "../../docker/builds";
import { IMAGES_DIR } from "../../docker/image";
import { Volume } from "../../docker/volume";
import { metricsUrl } from "../../config/ports";
import { postgresExporter } from "./exporter";
import { SuperuserPassword } from "./superuserPassword";
import versions from "../../../versions.json";

/** The tag of the PostgreSQL image (images/postgres). */
export const POSTGRES_IMAGE_TAG = `cdc-sync/postgres:${versions.postgresMajor}-${versions.debianSuite}`;

/** The user the image runs as: owner of the password file written into the container. */
export const POSTGRES_IMAGE_USER = { uid: 999, gid: 999 };

/** Where the image's entrypoint reads the superuser password (only when it initialises the data directory). */
export const POSTGRES_PASSWORD_FILE = "/etc/cdc-sync/secrets/postgres-password";

export interface PostgresServerArgs {
    /** The server it runs on: its engine runs the container, and PostgreSQL binds its address only. */
    readonly server: ServerSpec;
    /** Where its images are built (shared by the stack). Default: on the server's own engine. */
    readonly images?: ImageBuilds;
    /** Stack name: prefixes the container and volume names and labels them as the stack's. */
    readonly stack: string;
    /**
     * Password of the `postgres` superuser, as a Pulumi secret. Delivered as a 0600 file, never as env or
     * argument, and used when the data directory is first initialised: changing it later does not change
     * the password of an existing cluster.
     */
    readonly superuserPassword: pulumi.Input<string>;
    /** TCP port on the server's address; default 5432. */
    readonly port?: number;
    /**
     * `max_replication_slots`: each Debezium PostgreSQL source holds one slot, and (PostgreSQL 17) every
     * replication origin in use takes an entry too: a two-way pair uses 2 slots + 8 origins. Default 32.
     */
    readonly maxReplicationSlots?: number;
    /** `max_wal_senders`: each streaming source holds one sender; default 16. */
    readonly maxWalSenders?: number;
    /**
     * `max_slot_wal_keep_size`: WAL a replication slot may hold back; default "4GB". A slot left behind (a
     * replaced or stopped source keeps its slot) then gets invalidated instead of filling the disk.
     */
    readonly maxSlotWalKeepSize?: string;
    /** Hard memory limit of the container in MiB; default 512. */
    readonly memoryMiB?: number;
}

/** PostgreSQL with `wal_level=logical`, its data on a named volume, reachable at `address:port`. */
export class PostgresServer extends pulumi.ComponentResource {
    /** The server address it listens on (and the only one). */
    public readonly address: string;
    public readonly port: number;
    /** Its Prometheus metrics (the exporter beside it, ./exporter.ts), slot lag among them. */
    public readonly metricsUrl: string;
    /** The superuser's name. */
    public readonly superuser = "postgres";
    public readonly container: Container;

    constructor(name: string, args: PostgresServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:databases:PostgresServer", name, {}, opts);
        const port = args.port ?? 5432;
        const containerName = `cdc-sync-${args.stack}-${name}`;
        const volumeName = `${containerName}-data`;
        const labels = ownerLabels(args.stack, name);
        const engine = args.server.engine;
        const images = args.images ?? new ImageBuilds();
        const image = images.imageOn(
            `${name}-image`,
            engine,
            {
                tag: POSTGRES_IMAGE_TAG,
                context: path.join(IMAGES_DIR, "postgres"),
                buildArgs: { DEBIAN_SUITE: versions.debianSuite, POSTGRES_MAJOR: versions.postgresMajor },
            },
            { parent: this },
        );
        const data = new Volume(`${name}-data`, { engine, name: volumeName, labels, holds: "the PostgreSQL server's databases" }, { parent: this });
        this.container = new Container(
            name,
            {
                engine,
                name: containerName,
                image,
                args: postgresSettings({
                    address: args.server.address,
                    port,
                    maxReplicationSlots: args.maxReplicationSlots ?? 32,
                    maxWalSenders: args.maxWalSenders ?? 16,
                    maxSlotWalKeepSize: args.maxSlotWalKeepSize ?? "4GB",
                }),
                env: {},
                volumes: { [volumeName]: "/var/lib/postgresql/data" },
                files: pulumi.secret(pulumi.output(args.superuserPassword).apply((p) => ({ [POSTGRES_PASSWORD_FILE]: `${p}\n` }))),
                fileOwner: POSTGRES_IMAGE_USER,
                labels,
                memoryMiB: args.memoryMiB ?? 512,
                ready: { address: args.server.address, port, timeoutSeconds: 120 },
            },
            { parent: this, dependsOn: [data] },
        );
        // The password file counts only at initdb: a rotated password is set in the running server.
        new SuperuserPassword(`${name}-superuser-password`, { engine, containerId: this.container.containerId, port, password: args.superuserPassword }, { parent: this });
        postgresExporter(`${name}-exporter`, { images, server: args.server, serverContainer: containerName, serverContainerId: this.container.containerId, port, labels: ownerLabels(args.stack, `${name}-exporter`) }, { parent: this });
        this.address = args.server.address;
        this.port = port;
        this.metricsUrl = metricsUrl(args.server.address, port);
        this.registerOutputs({ address: this.address, port: this.port, metricsUrl: this.metricsUrl });
    }
}

export interface PostgresSettings {
    readonly address: string;
    readonly port: number;
    readonly maxReplicationSlots: number;
    readonly maxWalSenders: number;
    readonly maxSlotWalKeepSize: string;
}

/** The server settings, as `postgres -c key=value` arguments (pure; none of them is secret). */
export function postgresSettings(s: PostgresSettings): string[] {
    const settings: Record<string, string | number> = {
        listen_addresses: s.address,
        port: s.port,
        // Debezium's pgoutput decoding needs logical WAL; one slot and one sender per source connector.
        wal_level: "logical",
        max_replication_slots: s.maxReplicationSlots,
        max_wal_senders: s.maxWalSenders,
        max_slot_wal_keep_size: s.maxSlotWalKeepSize,
        // Two-way sync's insert trigger holds one advisory lock per inserted row until commit; at the default
        // of 64 one transaction could insert only some 6,000 rows before "out of shared memory".
        max_locks_per_transaction: 1024,
        // A source whose Connect worker hangs (paused, swapping) keeps its slot busy until its walsender gives up on
        // it: 60 s by default, longer than the group takes to start the task on another worker (docs/faults.md).
        // Still well above a source's reply interval, so a busy one is not cut off.
        wal_sender_timeout: "15s",
    };
    return Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]);
}
