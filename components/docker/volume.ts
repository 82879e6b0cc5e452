// A named volume on one server's engine: where a service keeps its data across container replacements.
import * as pulumi from "@pulumi/pulumi";
import { Engine } from "../config/schema";
import { changedFields } from "../dynamic/diff";
import { Guard, guardFor, refuseDestruction } from "../dynamic/guard";
import { dockerClient } from "./engine";

export interface VolumeArgs {
    readonly engine: pulumi.Input<Engine>;
    /** Volume name on the engine; unique per engine. */
    readonly name: pulumi.Input<string>;
    readonly labels: pulumi.Input<Record<string, string>>;
    /** What the volume holds for the user, named when a change that would delete it is refused. */
    readonly holds?: string;
}

interface VolumeInputs {
    engine: Engine;
    name: string;
    labels: Record<string, string>;
    holds?: string;
    guard?: Guard;
}

/** Whether `engine` already holds this stack's volume `name`: the same engine, however its address is spelled. */
async function holdsOurVolume(engine: Engine, name: string, stack: string | undefined): Promise<boolean> {
    const found = await dockerClient(engine)
        .getVolume(name)
        .inspect()
        .catch(() => undefined);
    return found !== undefined && found.Labels?.["io.cdc-sync.stack"] === stack;
}

export const volumeProvider: pulumi.dynamic.ResourceProvider<VolumeInputs, VolumeInputs> = {
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
        const replaces = changedFields<VolumeInputs>(olds, news, ["name"]);
        // Another spelling of the engine (`local` for the socket DOCKER_HOST names, an SSH port made explicit) reaches
        // the same storage: only a volume missing there is new, empty storage.
        if (changedFields<VolumeInputs>(olds, news, ["engine"]).length > 0 && !(await holdsOurVolume(news.engine, olds.name, olds.labels["io.cdc-sync.stack"]))) {
            replaces.push("engine");
        }
        refuseDestruction(news.guard, replaces, "delete-volume", `volume ${olds.name}`, news.holds);
        // Labels are read at creation (ownership); a new spelling of them is stored, not applied.
        const changes = replaces.length > 0 || changedFields<VolumeInputs>(olds, news, ["engine", "labels"]).length > 0;
        return { changes, replaces, deleteBeforeReplace: true };
    },
    async update(_id, _olds, news) {
        return { outs: news };
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
        super(volumeProvider, name, { ...args, guard: guardFor(name) }, opts, "docker", "Volume");
    }
}
