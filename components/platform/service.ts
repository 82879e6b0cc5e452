// One service of the platform image (ZooKeeper, a broker or a Connect worker) on its server: the
// container, bound to the server's address, and its data volume if it keeps data.
import * as pulumi from "@pulumi/pulumi";
import { METRICS_PORT_OFFSET } from "../config/ports";
import { ServerSpec } from "../config/schema";
import { Container } from "../docker/container";
import { Volume } from "../docker/volume";
import { KAFKA_IMAGE_USER } from "./images";
import { renderProperties } from "./properties";
import type { SettingSteps } from "../docker/steps";

/** The env var the image's entrypoint writes the role's properties file from. */
const PROPERTIES_ENV = "CDC_PROPERTIES";

export interface PlatformServiceArgs {
    readonly server: ServerSpec;
    readonly containerName: string;
    /** The image entrypoint's role argument. */
    readonly role: "zookeeper" | "broker" | "connect";
    /** The role's properties file (rendered into CDC_PROPERTIES). */
    readonly properties: Record<string, string | number | boolean>;
    /** Image id of the platform image on the server's engine. */
    readonly image: pulumi.Input<string>;
    readonly heap: string;
    readonly labels: Record<string, string>;
    readonly memoryMiB: number;
    /** The port `up` waits for on the server's address; its metrics are served at this plus METRICS_PORT_OFFSET. */
    readonly port: number;
    readonly readyTimeoutSeconds: number;
    /** A named volume for the role's data directory. */
    readonly data?: { readonly volumeName: string; readonly path: string; readonly holds: string };
    /** Files written before start, owned by the image user (see Container.files). */
    readonly files?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** What a restart waits for, in words, for the preview (see Container.rollsAfter). */
    readonly rollsAfter?: string;
    /** Properties a running service may only move one step per `up` along (components/docker/steps.ts). */
    readonly steps?: readonly Omit<SettingSteps, "env">[];
    /** Extra environment for the entrypoint (CDC_JAAS, CDC_AUTH_GENERATION: images/kafka/entrypoint.sh). */
    readonly env?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Why a value in `files` may not change in an up that restarts the service (Container.rotationRefusal). */
    readonly rotationRefusal?: string;
}

/** Creates the service's volume (if any) and container as children of `opts.parent`. */
export function platformService(name: string, args: PlatformServiceArgs, opts: pulumi.CustomResourceOptions): Container {
    const engine = args.server.engine;
    const volume = args.data
        ? new Volume(`${name}-data`, { engine, name: args.data.volumeName, labels: args.labels, holds: args.data.holds }, { parent: opts.parent })
        : undefined;
    return new Container(
        name,
        {
            engine,
            name: args.containerName,
            image: args.image,
            args: [args.role],
            env: {
                [PROPERTIES_ENV]: renderProperties(args.properties),
                CDC_HEAP: args.heap,
                CDC_METRICS: `${args.server.address}:${args.port + METRICS_PORT_OFFSET}`,
                ...args.env,
            },
            volumes: args.data ? { [args.data.volumeName]: args.data.path } : {},
            labels: args.labels,
            memoryMiB: args.memoryMiB,
            ready: { address: args.server.address, port: args.port, timeoutSeconds: args.readyTimeoutSeconds },
            ...(args.files ? { files: args.files, fileOwner: KAFKA_IMAGE_USER } : {}),
            ...(args.rollsAfter ? { rollsAfter: args.rollsAfter } : {}),
            ...(args.steps ? { steps: args.steps.map((s) => ({ ...s, env: PROPERTIES_ENV })) } : {}),
            ...(args.rotationRefusal ? { rotationRefusal: args.rotationRefusal } : {}),
        },
        { ...opts, dependsOn: [...(volume ? [volume] : []), ...((opts.dependsOn as pulumi.Resource[]) ?? [])] },
    );
}
