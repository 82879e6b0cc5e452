// The Kafka/Connect image, built once on every engine that runs one of the stack's servers.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Image, IMAGES_DIR } from "../docker/image";
import { EngineGroup } from "./placement";
import versions from "../../versions.json";

/** The tag of the one image that runs ZooKeeper, the brokers and the Connect workers. */
export const KAFKA_IMAGE_TAG = `cdc-sync/kafka:${versions.kafka}-debezium-${versions.debezium}-jdbc-${versions.debeziumJdbcSink}`;

/** The user the platform image runs as (images/kafka/Dockerfile): owner of files written into it. */
export const KAFKA_IMAGE_USER = { uid: 1000, gid: 1000 };

export interface PlatformImagesArgs {
    /** Distinct engines of the stack's servers (from placement). */
    readonly engines: readonly EngineGroup[];
}

/** Builds the platform image on each engine and tells which image id a server runs. */
export class PlatformImages extends pulumi.ComponentResource {
    private readonly byServer = new Map<string, pulumi.Output<string>>();

    constructor(name: string, args: PlatformImagesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc-sync:images:PlatformImages", name, {}, opts);
        args.engines.forEach((g, i) => {
            const image = new Image(
                `${name}-kafka-${i + 1}`,
                {
                    engine: g.engine,
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
                    },
                },
                { parent: this },
            );
            for (const s of g.servers) this.byServer.set(s, image.imageId);
        });
        this.registerOutputs({});
    }

    /** Image id of the platform image on the engine of `server`. */
    imageFor(server: string): pulumi.Output<string> {
        const id = this.byServer.get(server);
        if (!id) throw new Error(`no image is built for server ${server}`);
        return id;
    }
}
