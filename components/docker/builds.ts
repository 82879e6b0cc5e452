// Where the stack's images are built, and how each server's engine comes to hold them: every image is built once,
// on the build engine (`cdc-sync:images.build`, by default the engine beside Pulumi), and shipped to each other
// engine that runs it (./shippedImage.ts). A server on the build engine itself uses the built image as it is, under
// the resource name it has always had (one per requester, as before), so a stack whose servers all share that
// engine has no new resource.
import * as pulumi from "@pulumi/pulumi";
import { Engine } from "../config/schema";
import { engineKey } from "./engine";
import { Image, ImageArgs } from "./image";
import { ShippedImage } from "./shippedImage";

/** An image the stack builds from a Dockerfile directory: everything but the engine. */
export type ImageSpec = Omit<ImageArgs, "engine"> & { readonly tag: string };

export class ImageBuilds {
    /** The image built on the build engine, by tag: one build for every engine that runs it. */
    private readonly built = new Map<string, Image>();
    /** The image shipped to an engine, by `tag@engine`: one shipment however many of its servers run it. */
    private readonly shipped = new Map<string, pulumi.Output<string>>();

    /**
     * @param buildEngine where images are built and shipped from (the stack passes `cdc-sync:images.build`, by default
     * the engine at DOCKER_HOST). Without one each engine builds its own images (a component used on its own).
     */
    constructor(readonly buildEngine?: Engine) {}

    /**
     * The id of the image `spec` on `engine`: the build itself when `engine` is the build engine, else the image
     * shipped there from the build (a resource named `name`). `opts` places the resources (parent, dependencies).
     */
    imageOn(name: string, engine: Engine, spec: ImageSpec, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
        if (!this.buildEngine || engineKey(engine) === engineKey(this.buildEngine)) {
            const image = new Image(name, { ...spec, engine }, opts);
            if (!this.built.has(spec.tag)) this.built.set(spec.tag, image);
            return image.imageId;
        }
        let image = this.built.get(spec.tag);
        if (!image) {
            image = new Image(`${name}-build`, { ...spec, engine: this.buildEngine }, opts);
            this.built.set(spec.tag, image);
        }
        const key = `${spec.tag}@${engineKey(engine)}`;
        if (!this.shipped.has(key)) {
            this.shipped.set(key, new ShippedImage(name, { source: this.buildEngine, engine, imageId: image.imageId, tag: spec.tag }, opts).imageId);
        }
        return this.shipped.get(key)!;
    }
}
