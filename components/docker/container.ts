// A long-running service container on one server's engine, on the host network, bound to that
// server's address. `up` returns only once the service accepts connections on its port.
import * as pulumi from "@pulumi/pulumi";
import { Engine } from "../config/schema";
import { changedFields } from "../dynamic/diff";
import { listed, withEffect } from "../dynamic/effect";
import { dockerClient } from "./engine";
import { SettingSteps, stepSettings } from "./steps";

export interface ContainerArgs {
    readonly engine: pulumi.Input<Engine>;
    /** Container name on the engine; unique per engine. */
    readonly name: pulumi.Input<string>;
    /** Image id to run (from an Image resource, so a rebuilt image replaces the container). */
    readonly image: pulumi.Input<string>;
    /** Arguments to the image's entrypoint. */
    readonly args: pulumi.Input<pulumi.Input<string>[]>;
    readonly env: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Named volumes to mount: volume name -> path in the container. */
    readonly volumes: pulumi.Input<Record<string, pulumi.Input<string>>>;
    readonly labels: pulumi.Input<Record<string, string>>;
    /** Hard memory limit in MiB; also what the README's memory figures are measured against. */
    readonly memoryMiB: pulumi.Input<number>;
    /** `up` waits until this address:port accepts TCP connections, or fails with the container's log. */
    readonly ready: pulumi.Input<{ address: string; port: number; timeoutSeconds: number }>;
    /**
     * Files written into the container before it starts (path -> content), mode 0600 in a 0700 directory,
     * owned by `fileOwner`. Through the engine's archive API, so secrets never show in `docker inspect`
     * (as env would) or in process arguments. Pass them as a Pulumi secret.
     */
    readonly files?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** uid:gid that owns `files`: the user the image runs as. */
    readonly fileOwner?: pulumi.Input<{ uid: number; gid: number }>;
    /** What a restart of this container waits for, in words, for the preview (`after broker 1 is back in every ISR`). */
    readonly rollsAfter?: pulumi.Input<string>;
    /** Settings in `env` a running container may only move one step per `up` along (./steps.ts). */
    readonly steps?: readonly SettingSteps[];
    /**
     * Set when a value already in one of `files` (a `key=value` line) must not change in an `up` that also restarts
     * the container: why, in words. Such a change is refused at preview, naming the keys (never their values).
     */
    readonly rotationRefusal?: string;
}

export interface ContainerInputs {
    engine: Engine;
    name: string;
    image: string;
    args: string[];
    env: Record<string, string>;
    volumes: Record<string, string>;
    labels: Record<string, string>;
    memoryMiB: number;
    ready: { address: string; port: number; timeoutSeconds: number };
    files?: Record<string, string>;
    fileOwner?: { uid: number; gid: number };
    rollsAfter?: string;
    steps?: SettingSteps[];
    rotationRefusal?: string;
}

interface ContainerOutputs extends ContainerInputs {
    containerId: string;
    /** Engine state at the last create or refresh (`running`, `exited`, ...). */
    state: string;
}

/** A different engine or name is a different container: a replacement (the old one removed first). */
const IDENTITY_FIELDS = ["engine", "name"] as const;
/**
 * Changing any of these recreates the container under its name in an update: stopped, removed, created, started and
 * waited for, in place. As an update, not a replacement, it runs in dependency order, so services chained with
 * `dependsOn` roll one at a time (see components/platform/rolling.ts), and their dependents are not torn down first.
 */
const RUN_FIELDS = ["image", "args", "env", "volumes", "labels", "memoryMiB", "fileOwner"] as const;
/** Files alone are rewritten into the running container: no restart (the service rereads them when it needs them). */
const FILE_FIELDS = ["files"] as const;

function tcpOpen(address: string, port: number): Promise<boolean> {
    const net: typeof import("net") = require("net");
    return new Promise((resolve) => {
        const s = net.connect({ host: address, port, timeout: 2000 });
        const done = (ok: boolean) => {
            s.destroy();
            resolve(ok);
        };
        s.once("connect", () => done(true));
        s.once("error", () => done(false));
        s.once("timeout", () => done(false));
    });
}

/** Starts the container and waits until it listens; on failure removes it and reports its log. */
async function startAndWait(inputs: ContainerInputs, id: string): Promise<void> {
    const docker = dockerClient(inputs.engine);
    const c = docker.getContainer(id);
    await c.start().catch((e: { statusCode?: number }) => {
        if (e.statusCode !== 304) throw e; // 304: already running
    });
    const deadline = Date.now() + inputs.ready.timeoutSeconds * 1000;
    for (;;) {
        const info = await c.inspect();
        if (!info.State.Running) {
            throw new Error(`${inputs.name} exited (code ${info.State.ExitCode}):\n${await logTail(c)}`);
        }
        if (await tcpOpen(inputs.ready.address, inputs.ready.port)) return;
        if (Date.now() > deadline) {
            throw new Error(
                `${inputs.name} did not accept connections on ${inputs.ready.address}:${inputs.ready.port} ` +
                    `within ${inputs.ready.timeoutSeconds}s:\n${await logTail(c)}`,
            );
        }
        await new Promise((r) => setTimeout(r, 1000));
    }
}

async function logTail(c: import("dockerode").Container): Promise<string> {
    const buf = (await c.logs({ stdout: true, stderr: true, tail: 40 })) as unknown as Buffer;
    // Non-TTY logs are framed: an 8-byte header (stream, 3 zero bytes, big-endian length) per chunk.
    let text = "";
    for (let i = 0; i + 8 <= buf.length; i += 8 + buf.readUInt32BE(i + 4)) {
        text += buf.subarray(i + 8, i + 8 + buf.readUInt32BE(i + 4)).toString("utf8");
    }
    return text;
}

/**
 * A tar archive of `files` (absolute paths), each 0600 in a 0700 parent directory, owned by `owner`, for the
 * engine's archive API at `/`. Also how a provider hands a secret-bearing script to a running container.
 */
export async function archiveOf(files: Record<string, string>, owner: { uid: number; gid: number }): Promise<Buffer> {
    const tarStream: typeof import("tar-stream") = require("tar-stream");
    const path: typeof import("path") = require("path");
    const pack = tarStream.pack();
    const dirs = new Set(Object.keys(files).map((f) => path.posix.dirname(f)));
    for (const d of dirs) pack.entry({ name: `${d.replace(/^\//, "")}/`, type: "directory", mode: 0o700, ...owner });
    for (const [f, content] of Object.entries(files)) pack.entry({ name: f.replace(/^\//, ""), mode: 0o600, ...owner }, content);
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
}

async function removeIfPresent(engine: Engine, name: string, stack?: string): Promise<void> {
    const c = dockerClient(engine).getContainer(name);
    const info = await c.inspect().catch(() => undefined);
    if (!info) return;
    const owner = info.Config.Labels?.["io.cdc-sync.stack"];
    if (stack !== undefined && owner !== stack) {
        throw new Error(`container ${name} already exists and is not owned by this stack (owner label: ${owner ?? "none"})`);
    }
    await c.remove({ force: true, v: false });
}

async function createAndStart(inputs: ContainerInputs): Promise<ContainerOutputs> {
    // A same-named container of this stack is a leftover of an interrupted run: replace it.
    await removeIfPresent(inputs.engine, inputs.name, inputs.labels["io.cdc-sync.stack"]);
    const docker = dockerClient(inputs.engine);
    const c = await docker.createContainer({
        name: inputs.name,
        Image: inputs.image,
        Cmd: inputs.args,
        Env: Object.entries(inputs.env).map(([k, v]) => `${k}=${v}`),
        Labels: inputs.labels,
        // Brokers need >10 s for a controlled shutdown; some engines default this to 0 (instant SIGKILL).
        StopTimeout: 30,
        HostConfig: {
            // Each service binds its server's address itself; no port mapping, no bridge to traverse.
            NetworkMode: "host",
            Mounts: Object.entries(inputs.volumes).map(([source, target]) => ({ Type: "volume", Source: source, Target: target })),
            // Back after the engine or the server restarts. `always`, not `unless-stopped`: a Podman server's boot
            // (podman-restart.service) starts only `always` containers. Not an input: containers made before keep
            // theirs until they are next recreated (docs/two-hosts.md).
            RestartPolicy: { Name: "always" },
            Memory: inputs.memoryMiB * 1024 * 1024,
        },
    });
    try {
        if (inputs.files && Object.keys(inputs.files).length > 0) {
            await c.putArchive(await archiveOf(inputs.files, inputs.fileOwner ?? { uid: 0, gid: 0 }), { path: "/" });
        }
        await startAndWait(inputs, c.id);
    } catch (e) {
        // Nothing half-applied: a container that never became ready is not left behind.
        await c.remove({ force: true }).catch(() => undefined);
        throw e;
    }
    return { ...inputs, containerId: c.id, state: "running" };
}

/** The engine's view of the container this resource manages, found by name (its id changes when it is recreated). */
async function inspectByName(engine: Engine, name: string) {
    return dockerClient(engine)
        .getContainer(name)
        .inspect()
        .catch(() => undefined);
}

/** Stops and removes the container named `name`, waiting for its service's own shutdown (brokers hand off leadership). */
async function stopAndRemove(engine: Engine, name: string): Promise<void> {
    const c = dockerClient(engine).getContainer(name);
    await c.stop({ t: 30 }).catch(() => undefined);
    await c.remove({ force: true }).catch((e: { statusCode?: number }) => {
        if (e.statusCode !== 404) throw e;
    });
}

/** `key in path` words for every `key=value` line of `files` whose value differs between the two (keys in both only). */
export function rotatedKeys(olds: Readonly<Record<string, string>> | undefined, news: Readonly<Record<string, string>> | undefined): string[] {
    const lines = (text: unknown) =>
        new Map(
            (typeof text === "string" ? text.split("\n") : [])
                .filter((l) => l.includes("="))
                .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as const),
        );
    if (typeof news !== "object" || news === null) return [];
    return Object.keys(news).flatMap((path) => {
        const [was, now] = [lines(olds?.[path]), lines(news[path])];
        const keys = [...now].filter(([k, v]) => was.has(k) && was.get(k) !== v).map(([k]) => k);
        return keys.length > 0 ? [`${listed(keys)} in ${path}`] : [];
    });
}

/** What an update of the container does, in words (see components/dynamic/effect.ts); a replacement says itself. */
export function containerEffect(olds: ContainerInputs, news: ContainerInputs, held: readonly string[] = []): string | undefined {
    if (changedFields<ContainerInputs>(olds, news, IDENTITY_FIELDS).length > 0) return undefined;
    const run = changedFields<ContainerInputs>(olds, news, RUN_FIELDS);
    if (run.length > 0) {
        const steps = held.map((h) => `; it runs ${h}`).join("");
        return `restarts: stopped, removed and created again as ${news.name} (${listed(run)} changed)${news.rollsAfter ? `, ${news.rollsAfter}` : ""}; its volumes are kept${steps}`;
    }
    if (changedFields<ContainerInputs>(olds, news, FILE_FIELDS).length > 0) {
        // The files whose content changes (all of them when the new content is not known yet).
        const files = news.files ?? {};
        const changed = typeof files === "object" ? Object.keys(files).filter((f) => olds.files?.[f] !== files[f]) : [];
        return `rewrites ${listed(changed.length > 0 ? changed : Object.keys(files))} in the running container: no restart`;
    }
    return undefined;
}

export const containerProvider: pulumi.dynamic.ResourceProvider<ContainerInputs, ContainerOutputs> = {
    async check(olds, news) {
        // A setting asked to move more than one step is held at the next one (./steps.ts); a new container takes it as asked.
        const recorded = olds?.env && typeof news.env === "object" ? olds.env : undefined;
        const { env, held } = stepSettings(recorded, news.env, news.steps ?? []);
        const inputs = { ...news, env };
        if (news.rotationRefusal && recorded && changedFields<ContainerInputs>(olds, inputs, RUN_FIELDS).length > 0) {
            const rotated = rotatedKeys(olds.files, news.files);
            if (rotated.length > 0) {
                throw new Error(
                    `refusing to restart ${news.name} in the up that also changes ${listed(rotated)}: ${news.rotationRefusal}. Nothing was changed. ` +
                        `Make the change that restarts it and the secrets' change in two ups.`,
                );
            }
        }
        return { inputs: withEffect(olds, inputs, (o, n) => containerEffect(o, n, held)) };
    },
    async create(inputs) {
        const outs = await createAndStart(inputs);
        return { id: outs.containerId, outs };
    },
    async diff(_id, olds, news) {
        const replaces = changedFields<ContainerInputs>(olds, news, IDENTITY_FIELDS);
        const changed = changedFields<ContainerInputs>(olds, news, [...RUN_FIELDS, ...FILE_FIELDS, "ready"]);
        const restart = olds.state !== undefined && olds.state !== "running" ? ["state"] : [];
        return {
            changes: replaces.length + changed.length + restart.length > 0,
            replaces,
            // Same name and ports: the old container must be gone before the new one can bind.
            deleteBeforeReplace: true,
        };
    },
    async update(_id, olds, news) {
        if (changedFields<ContainerInputs>(olds, news, RUN_FIELDS).length > 0) {
            // Recreated under its name: the data lives on named volumes, which stay.
            await stopAndRemove(olds.engine, olds.name);
            return { outs: await createAndStart(news) };
        }
        const info = await inspectByName(news.engine, news.name);
        if (!info) return { outs: await createAndStart(news) };
        if (news.files && changedFields<ContainerInputs>(olds, news, FILE_FIELDS).length > 0) {
            const c = dockerClient(news.engine).getContainer(info.Id);
            await c.putArchive(await archiveOf(news.files, news.fileOwner ?? { uid: 0, gid: 0 }), { path: "/" });
        }
        // Otherwise only readiness settings changed, or a refresh saw the container stopped: start it again.
        if (!info.State.Running) await startAndWait(news, info.Id);
        return { outs: { ...news, containerId: info.Id, state: "running" } };
    },
    async read(id, props) {
        const info = await inspectByName(props!.engine, props!.name);
        if (!info) return {};
        return { id, props: { ...props!, containerId: info.Id, state: info.State.Status } };
    },
    async delete(_id, props) {
        await stopAndRemove(props.engine, props.name);
    },
};

/** A service container on the host network of one server. */
export class Container extends pulumi.dynamic.Resource {
    public readonly containerId!: pulumi.Output<string>;
    public readonly state!: pulumi.Output<string>;
    public readonly name!: pulumi.Output<string>;

    constructor(name: string, args: ContainerArgs, opts?: pulumi.CustomResourceOptions) {
        super(containerProvider, name, { ...args, containerId: undefined, state: undefined }, opts, "docker", "Container");
    }
}
