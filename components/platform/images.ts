// The Kafka/Connect image on every engine that runs one of the stack's servers (built on the build engine and
// shipped to the others: components/docker/builds.ts), and the plugin images built on top of it for the Connect
// clusters that declare extra plugins (images/connect-mariadb).
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { ConnectPlugin } from "../config/schema";
import { ImageBuilds } from "../docker/builds";
import { IMAGES_DIR } from "../docker/image";
import { EngineGroup } from "./placement";
import versions from "../../versions.json";

/** The tag of the one image that runs ZooKeeper, the brokers and the Connect workers. */
export const KAFKA_IMAGE_TAG = `cdc-sync/kafka:${versions.kafka}-debezium-${versions.debezium}-jdbc-${versions.debeziumJdbcSink}`;

/** The supervisor beside each Connect worker (images/supervisor; components/platform/supervisor.ts). */
export const SUPERVISOR_IMAGE_TAG = `cdc-sync/supervisor:${versions.debianSuite}`;

/** Connector plugins a Connect cluster may add to the platform image (`connect.plugins`), by name. */
export const EXTRA_PLUGINS: Readonly<Record<ConnectPlugin, { connectorClass: string; tag: string; context: string; buildArgs: Record<string, string> }>> = {
    mariadb: {
        connectorClass: "io.debezium.connector.mariadb.MariaDbConnector",
        tag: `cdc-sync/connect-mariadb:${versions.kafka}-debezium-${versions.debezium}-mariadb-${versions.debeziumMariadb}`,
        context: "connect-mariadb",
        buildArgs: { DEBEZIUM_MARIADB_VERSION: versions.debeziumMariadb },
    },
};

/** The user the platform image runs as (images/kafka/Dockerfile): owner of files written into it. */
export const KAFKA_IMAGE_USER = { uid: 1000, gid: 1000 };

export interface PlatformImagesArgs {
    /** Distinct engines of the stack's servers (from placement). */
    readonly engines: readonly EngineGroup[];
    /** Where the images are built and how each engine gets them. */
    readonly builds: ImageBuilds;
}

/** The platform image (and its plugin and supervisor images) on each engine of the stack: which image id a server runs. */
export class PlatformImages extends pulumi.ComponentResource {
    private readonly byServer = new Map<string, pulumi.Output<string>>();
    private readonly engineOf = new Map<string, number>();
    private readonly engines: readonly EngineGroup[];
    private readonly builds: ImageBuilds;
    private readonly name: string;
    /** Plugin and supervisor images built so far, by `<plugin or supervisor>@<engine index>`: each once per engine. */
    private readonly withPlugin = new Map<string, pulumi.Output<string>>();

    constructor(name: string, args: PlatformImagesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:images:PlatformImages", name, {}, opts);
        args.engines.forEach((g, i) => {
            const imageId = args.builds.imageOn(
                `${name}-kafka-${i + 1}`,
                g.engine,
                {
                    tag: KAFKA_IMAGE_TAG,
                    context: path.join(IMAGES_DIR, "kafka"),
                    buildArgs: {
                        DEBIAN_SUITE: versions.debianSuite,
                        KAFKA_VERSION: versions.kafka,
                        SCALA_VERSION: versions.scala,
                        DEBEZIUM_VERSION: versions.debezium,
                        DEBEZIUM_JDBC_VERSION: versions.debeziumJdbcSink,
                        POSTGRES_JDBC_VERSION: versions.postgresJdbc,
                        MYSQL_JDBC_VERSION: versions.mysqlJdbc,
                        MARIADB_JDBC_VERSION: versions.mariadbJdbc,
                        JMX_EXPORTER_VERSION: versions.jmxExporter,
                        CONNECT_BASIC_AUTH_VERSION: versions.connectBasicAuth,
                    },
                },
                { parent: this },
            );
            for (const s of g.servers) {
                this.byServer.set(s, imageId);
                this.engineOf.set(s, i);
            }
        });
        this.engines = args.engines;
        this.builds = args.builds;
        this.name = name;
        this.registerOutputs({});
    }

    /**
     * The image a Connect worker with `plugins` runs on `server`: the platform image, or for a plugin the platform
     * image with it added, built on first use on that engine (so a stack without plugins builds nothing more).
     */
    connectImageFor(server: string, plugins: readonly ConnectPlugin[]): pulumi.Output<string> {
        if (plugins.length === 0) return this.imageFor(server);
        if (plugins.length > 1) throw new Error(`one extra plugin per Connect cluster for now, got ${plugins.join(", ")}`);
        const plugin = EXTRA_PLUGINS[plugins[0]];
        const i = this.engineOf.get(server)!;
        const key = `${plugins[0]}@${i}`;
        if (!this.withPlugin.has(key)) {
            const imageId = this.builds.imageOn(
                `${this.name}-${plugins[0]}-${i + 1}`,
                this.engines[i].engine,
                {
                    tag: plugin.tag,
                    context: path.join(IMAGES_DIR, plugin.context),
                    // The base image's id: a new platform image rebuilds this one too.
                    buildArgs: { BASE_IMAGE: this.imageFor(server), DEBIAN_SUITE: versions.debianSuite, ...plugin.buildArgs },
                },
                { parent: this },
            );
            this.withPlugin.set(key, imageId);
        }
        return this.withPlugin.get(key)!;
    }

    /** The supervisor image (images/supervisor) on the engine of `server`, built on first use on that engine. */
    supervisorImageFor(server: string): pulumi.Output<string> {
        const i = this.engineOf.get(server)!;
        const key = `supervisor@${i}`;
        if (!this.withPlugin.has(key)) {
            const imageId = this.builds.imageOn(
                `${this.name}-supervisor-${i + 1}`,
                this.engines[i].engine,
                { tag: SUPERVISOR_IMAGE_TAG, context: path.join(IMAGES_DIR, "supervisor"), buildArgs: { DEBIAN_SUITE: versions.debianSuite } },
                { parent: this },
            );
            this.withPlugin.set(key, imageId);
        }
        return this.withPlugin.get(key)!;
    }

    /** Image id of the platform image on the engine of `server`. */
    imageFor(server: string): pulumi.Output<string> {
        const id = this.byServer.get(server);
        if (!id) throw new Error(`no image is built for server ${server}`);
        return id;
    }
}
