// An image built on one engine (the build engine, ./builds.ts) put onto another that lacks it, through the two
// engines' APIs: `GET /images/{id}/get` streamed into `POST /images/load`, so the server needs neither a registry
// nor internet access. Done only when the target does not hold that image id, and checked by id after the load.
import * as pulumi from "@pulumi/pulumi";
import { Engine } from "../config/schema";
import { changedFields } from "../dynamic/diff";
import { dockerClient, engineKey } from "./engine";

export interface ShippedImageArgs {
    /** The engine that holds the image (where it was built). */
    readonly source: pulumi.Input<Engine>;
    /** The engine that must hold it (a server's). */
    readonly engine: pulumi.Input<Engine>;
    /** The image's id on the source (`sha256:...`): the same id on the target once shipped. */
    readonly imageId: pulumi.Input<string>;
    /** Its tag, given to it on the target too (for people listing images there). */
    readonly tag: pulumi.Input<string>;
}

interface ShippedImageInputs {
    source: Engine;
    engine: Engine;
    imageId: string;
    tag: string;
}

/** What the target must hold. The source is not compared: where an image came from does not change it. */
const SHIPPED_FIELDS = ["engine", "imageId", "tag"] as const;

/** `repo:tag` split at the last colon that is not part of a registry's port. */
export function splitTag(tag: string): { repo: string; tag: string } {
    const at = tag.lastIndexOf(":");
    return at > tag.lastIndexOf("/") ? { repo: tag.slice(0, at), tag: tag.slice(at + 1) } : { repo: tag, tag: "latest" };
}

async function holds(docker: import("dockerode"), imageId: string): Promise<boolean> {
    return docker
        .getImage(imageId)
        .inspect()
        .then((info) => info.Id === imageId)
        .catch(() => false);
}

async function ship(inputs: ShippedImageInputs): Promise<void> {
    const target = dockerClient(inputs.engine);
    if (!(await holds(target, inputs.imageId))) {
        const source = dockerClient(inputs.source);
        if (!(await holds(source, inputs.imageId))) {
            throw new Error(
                `cannot ship ${inputs.tag} to ${engineKey(inputs.engine)}: the build engine (${engineKey(inputs.source)}) no longer holds ${inputs.imageId} ` +
                    `(removed or pruned since it was built). \`pulumi up --refresh\` finds the build gone and builds it again`,
            );
        }
        const archive = await source.getImage(inputs.imageId).get();
        const loading = await target.loadImage(archive);
        const events: { error?: string }[] = await new Promise((resolve, reject) =>
            target.modem.followProgress(loading, (err: Error | null, res: { error?: string }[]) => (err ? reject(err) : resolve(res))),
        );
        const failed = events.find((e) => e.error);
        if (failed) throw new Error(`loading ${inputs.tag} into ${engineKey(inputs.engine)} failed: ${failed.error}`);
        if (!(await holds(target, inputs.imageId))) {
            throw new Error(`${inputs.tag} was loaded into ${engineKey(inputs.engine)}, but that engine holds no image ${inputs.imageId} after it (a different image id: the engine rewrote it?)`);
        }
    }
    await target.getImage(inputs.imageId).tag(splitTag(inputs.tag));
}

const shippedImageProvider: pulumi.dynamic.ResourceProvider<ShippedImageInputs, ShippedImageInputs> = {
    async create(inputs) {
        await ship(inputs);
        return { id: `${inputs.tag}@${inputs.imageId}`, outs: inputs };
    },
    async diff(_id, olds, news) {
        const changed = changedFields<ShippedImageInputs>(olds, news, SHIPPED_FIELDS);
        return { changes: changed.length > 0, replaces: changed.includes("engine") ? ["engine"] : [] };
    },
    async update(_id, _olds, news) {
        await ship(news);
        return { outs: news };
    },
    async read(id, props) {
        // Gone from the target (removed by hand): refresh drops it from state and the next `up` ships it again.
        return (await holds(dockerClient(props!.engine), props!.imageId)) ? { id, props: props! } : {};
    },
    // Kept on the server, like a built image: removing it would make the next `up` ship it again.
    async delete() {},
};

/** An image present on a server's engine by the same id it has on the build engine. */
export class ShippedImage extends pulumi.dynamic.Resource {
    /** The image id on the target engine (the source's id, checked after the load). */
    public readonly imageId!: pulumi.Output<string>;

    constructor(name: string, args: ShippedImageArgs, opts?: pulumi.CustomResourceOptions) {
        super(shippedImageProvider, name, args, opts, "docker", "ShippedImage");
    }
}
