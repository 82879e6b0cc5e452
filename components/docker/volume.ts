// A named volume on one server's engine: where a service keeps its data across container replacements.
import * as pulumi from "@pulumi/pulumi";
import { Engine } from "../config/schema";
import { changedFields } from "../dynamic/diff";
import { dockerClient } from "./engine";

export interface VolumeArgs {
    readonly engine: pulumi.Input<Engine>;
    /** Volume name on the engine; unique per engine. */
    readonly name: pulumi.Input<string>;
    readonly labels: pulumi.Input<Record<string, string>>;
}

interface VolumeInputs {
    engine: Engine;
    name: string;
    labels: Record<string, string>;
}

const volumeProvider: pulumi.dynamic.ResourceProvider<VolumeInputs, VolumeInputs> = {
    async create(inputs) {
        const docker = dockerClient(inputs.engine);
        const existing = await docker
            .getVolume(inputs.name)
            .inspect()
            .catch(() => undefined);
        if (existing) {
            // Adopt a volume this stack left behind (e.g. after an interrupted destroy), never someone else's.
            const owner = existing.Labels?.["io.cdc-sync.stack"];
            if (owner !== inputs.labels["io.cdc-sync.stack"]) {
                throw new Error(`volume ${inputs.name} already exists and is not owned by this stack (owner label: ${owner ?? "none"})`);
            }
        } else {
            await docker.createVolume({ Name: inputs.name, Labels: inputs.labels });
        }
        return { id: inputs.name, outs: inputs };
    },
    async diff(_id, olds, news) {
        const changed = changedFields<VolumeInputs>(olds, news, ["engine", "name", "labels"]);
        // A new volume is new, empty storage: a replacement, stated as such in the preview.
        return { changes: changed.length > 0, replaces: changed, deleteBeforeReplace: true };
    },
    async read(id, props) {
        const found = await dockerClient(props!.engine)
            .getVolume(id)
            .inspect()
            .catch(() => undefined);
        return found ? { id, props: props! } : {};
    },
    async delete(id, props) {
        await dockerClient(props.engine)
            .getVolume(id)
            .remove()
            .catch((e: { statusCode?: number }) => {
                if (e.statusCode !== 404) throw e;
            });
    },
};

/** A named volume; removed by `pulumi destroy` (its data goes with it). */
export class Volume extends pulumi.dynamic.Resource {
    public readonly name!: pulumi.Output<string>;

    constructor(name: string, args: VolumeArgs, opts?: pulumi.CustomResourceOptions) {
        super(volumeProvider, name, args, opts, "docker", "Volume");
    }
}
