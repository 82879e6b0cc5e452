// An image taken by name from a registry (e.g. `mysql:8.4`, `mongo:8.0`) onto one server's engine: used
// as it is when the engine already has it (imported by hand on a machine without a registry), pulled
// otherwise. Images built from this repo's Dockerfiles are ./image.ts instead.
import * as pulumi from "@pulumi/pulumi";
import { Engine } from "../config/schema";
import { changedFields } from "../dynamic/diff";
import { dockerClient } from "./engine";

export interface RegistryImageArgs {
    readonly engine: pulumi.Input<Engine>;
    /** Image reference, e.g. `mysql:8.4` or `registry.example.com/mongo:8.0`. */
    readonly name: pulumi.Input<string>;
}

interface RegistryImageInputs {
    engine: Engine;
    name: string;
}

interface RegistryImageOutputs extends RegistryImageInputs {
    imageId: string;
}

async function resolve(inputs: RegistryImageInputs): Promise<string> {
    const docker = dockerClient(inputs.engine);
    const present = await docker
        .getImage(inputs.name)
        .inspect()
        .catch(() => undefined);
    if (present) return present.Id;
    try {
        const stream = await docker.pull(inputs.name);
        await new Promise((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve(undefined))));
    } catch (e) {
        throw new Error(`image ${inputs.name} is not on the engine and pulling it failed (${(e as Error).message}); pull or load it by hand`);
    }
    return (await docker.getImage(inputs.name).inspect()).Id;
}

const registryImageProvider: pulumi.dynamic.ResourceProvider<RegistryImageInputs, RegistryImageOutputs> = {
    async create(inputs) {
        const imageId = await resolve(inputs);
        return { id: `${inputs.name}@${imageId}`, outs: { ...inputs, imageId } };
    },
    async diff(_id, olds, news) {
        const changed = changedFields<RegistryImageInputs>(olds, news, ["engine", "name"]);
        return { changes: changed.length > 0, replaces: changed.includes("engine") ? ["engine"] : [] };
    },
    async update(_id, _olds, news) {
        return { outs: { ...news, imageId: await resolve(news) } };
    },
    async read(id, props) {
        const info = await dockerClient(props!.engine)
            .getImage(props!.name)
            .inspect()
            .catch(() => undefined);
        return info ? { id, props: { ...props!, imageId: info.Id } } : {};
    },
    // Kept, like built images: a cache that other stacks on the engine may use too.
    async delete() {},
};

/** A registry image present on one engine; `imageId` changes when the tag is re-pointed and refreshed. */
export class RegistryImage extends pulumi.dynamic.Resource {
    public readonly imageId!: pulumi.Output<string>;

    constructor(name: string, args: RegistryImageArgs, opts?: pulumi.CustomResourceOptions) {
        super(registryImageProvider, name, { ...args, imageId: undefined }, opts, "docker", "RegistryImage");
    }
}
