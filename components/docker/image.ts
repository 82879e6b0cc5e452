// An image built from a Dockerfile directory in this repo, on one server's engine.
// Built through the engine API, so it works the same on the local engine and on a remote one over SSH,
// and needs no registry: the build context travels with the request.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Engine } from "../config/schema";
import { changedFields } from "../dynamic/diff";
import { dockerClient } from "./engine";

/** The repository's `images/` folder: the build contexts of the images the stack builds. */
export const IMAGES_DIR = path.resolve(__dirname, "..", "..", "images");

export interface ImageArgs {
    /** The engine that builds and keeps the image. */
    readonly engine: pulumi.Input<Engine>;
    /** Tag to build under, e.g. `cdc-sync/kafka:3.9.2-debezium-3.2.0.Final`. */
    readonly tag: pulumi.Input<string>;
    /** Absolute path of the build context (a directory holding the Dockerfile). */
    readonly context: pulumi.Input<string>;
    /** Build arguments (versions from versions.json). */
    readonly buildArgs: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

interface ImageInputs {
    engine: Engine;
    tag: string;
    context: string;
    contextHash: string;
    buildArgs: Record<string, string>;
}

interface ImageOutputs extends ImageInputs {
    imageId: string;
}

/** What decides whether the image must be rebuilt. `context` is a local path and deliberately not compared. */
const BUILD_FIELDS = ["engine", "tag", "contextHash", "buildArgs"] as const;

/** Hash of every file in the build context, so the image is rebuilt exactly when its sources change. */
export function hashContext(dir: string): string {
    const h = crypto.createHash("sha256");
    const walk = (d: string): void => {
        for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else {
                h.update(path.relative(dir, p)).update("\0");
                h.update(fs.readFileSync(p)).update("\0");
            }
        }
    };
    walk(dir);
    return h.digest("hex");
}

async function build(inputs: ImageInputs): Promise<string> {
    const tar: typeof import("tar-fs") = require("tar-fs");
    const docker = dockerClient(inputs.engine);
    const context = tar.pack(inputs.context) as unknown as NodeJS.ReadableStream;
    // Extra CAs of the machine running Pulumi (a TLS-inspecting egress proxy, say) are a property of where
    // the build runs, not of the image: read at build time, never stored in state or diffed.
    const caFile = process.env.CDC_SYNC_BUILD_CA_FILE;
    const extraCa = caFile ? { EXTRA_CA_CERTS: require("fs").readFileSync(caFile, "utf8") } : {};
    const stream = await docker.buildImage(context, {
        t: inputs.tag,
        buildargs: { ...inputs.buildArgs, ...extraCa },
        // Builds fetch from Debian and Maven Central; host networking works on engines without a bridge.
        networkmode: "host",
        rm: true,
    } as import("dockerode").ImageBuildOptions);
    const events: { error?: string; stream?: string }[] = await new Promise((resolve, reject) =>
        docker.modem.followProgress(stream, (err: Error | null, res: { error?: string; stream?: string }[]) =>
            err ? reject(err) : resolve(res),
        ),
    );
    const failed = events.find((e) => e.error);
    if (failed) {
        const tail = events.map((e) => e.stream ?? "").join("").split("\n").slice(-30).join("\n");
        throw new Error(`building ${inputs.tag} failed: ${failed.error}\n${tail}`);
    }
    const info = await docker.getImage(inputs.tag).inspect();
    return info.Id;
}

const imageProvider: pulumi.dynamic.ResourceProvider<ImageInputs, ImageOutputs> = {
    async create(inputs) {
        const imageId = await build(inputs);
        return { id: `${inputs.tag}@${imageId}`, outs: { ...inputs, imageId } };
    },
    async diff(_id, olds, news) {
        const changed = changedFields<ImageInputs>(olds, news, BUILD_FIELDS);
        return { changes: changed.length > 0, replaces: changed.includes("engine") ? ["engine"] : [] };
    },
    async update(_id, _olds, news) {
        return { outs: { ...news, imageId: await build(news) } };
    },
    async read(id, props) {
        try {
            const info = await dockerClient(props!.engine).getImage(props!.tag).inspect();
            return { id, props: { ...props!, imageId: info.Id } };
        } catch {
            return {};
        }
    },
    // Deliberately keeps the image: it is a cache, shared by stacks on the same engine, and removing it
    // would make the next `up` rebuild from scratch. `docker image rm` reclaims it.
    async delete() {},
};

/** A container image built on one engine from a Dockerfile directory. */
export class Image extends pulumi.dynamic.Resource {
    /** The image id (`sha256:...`) the tag pointed at after the build. */
    public readonly imageId!: pulumi.Output<string>;
    public readonly tag!: pulumi.Output<string>;

    constructor(name: string, args: ImageArgs, opts?: pulumi.CustomResourceOptions) {
        const contextHash = pulumi.output(args.context).apply(hashContext);
        super(imageProvider, name, { ...args, contextHash, imageId: undefined }, opts, "docker", "Image");
    }
}
