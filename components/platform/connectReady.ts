// The Connect cluster's health gate: `up` returns only once every worker's REST API answers the stack's
// credentials, refuses a request without them, and lists the plugins the stack needs. Re-checked whenever a
// worker container is replaced.
import * as pulumi from "@pulumi/pulumi";
import { changedFields, UNKNOWN } from "../dynamic/diff";
import { withEffect } from "../dynamic/effect";
import type { RestAuth } from "../connectors/rest";

export interface ConnectReadyArgs {
    /** REST URL of every worker. */
    readonly urls: pulumi.Input<pulumi.Input<string>[]>;
    /** The cluster's REST credentials (a Pulumi secret); when given, a worker must also refuse requests without them. */
    readonly auth?: pulumi.Input<RestAuth>;
    /** Connector classes that must be listed by `GET /connector-plugins`. */
    readonly requiredPlugins: pulumi.Input<string[]>;
    /** Container ids of the workers: a new worker re-runs the gate. */
    readonly workerIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly timeoutSeconds: pulumi.Input<number>;
}

interface ReadyInputs {
    urls: string[];
    auth?: RestAuth;
    requiredPlugins: string[];
    workerIds: string[];
    timeoutSeconds: number;
}

interface ReadyOutputs extends ReadyInputs {
    /** Kafka Connect version reported by the workers. */
    version: string;
    /** Every connector plugin listed, as `class@version`. */
    plugins: string[];
}

async function waitReady(r: ReadyInputs): Promise<ReadyOutputs> {
    const axios: typeof import("axios").default = require("axios");
    const deadline = Date.now() + r.timeoutSeconds * 1000;
    let version = "";
    let plugins: string[] = [];
    for (const url of r.urls) {
        let last = "no answer yet";
        for (;;) {
            try {
                const options = { timeout: 5000, auth: r.auth };
                const root = await axios.get(`${url}/`, options);
                // The port opens before the worker has joined its group; /connectors answers only after.
                await axios.get(`${url}/connectors`, options);
                if (r.auth) {
                    const open = await axios.get(`${url}/connectors`, { timeout: 5000, validateStatus: () => true });
                    if (open.status !== 401) throw new Error(`answers a request without credentials (${open.status}, not 401): its REST authentication is off`);
                }
                const list = await axios.get<{ class: string; version: string }[]>(`${url}/connector-plugins`, options);
                const missing = r.requiredPlugins.filter((c) => !list.data.some((p) => p.class === c));
                if (missing.length === 0) {
                    version = root.data.version;
                    plugins = list.data.map((p) => `${p.class}@${p.version}`).sort();
                    break;
                }
                last = `plugins missing: ${missing.join(", ")}`;
            } catch (e) {
                last = (e as Error).message;
            }
            if (Date.now() > deadline) {
                throw new Error(`Kafka Connect at ${url} not ready within ${r.timeoutSeconds}s: ${last}`);
            }
            await new Promise((res) => setTimeout(res, 2000));
        }
    }
    return { ...r, version, plugins };
}

const readyProvider: pulumi.dynamic.ResourceProvider<ReadyInputs, ReadyOutputs> = {
    async check(olds, news) {
        return {
            inputs: withEffect(olds, news, (o, n) =>
                changedFields<ReadyInputs>(o, n, ["urls", "auth", "requiredPlugins", "workerIds", "timeoutSeconds"]).length > 0
                    ? `${n.workerIds.includes(UNKNOWN) ? "if a worker is recreated in this up: " : ""}waits until every worker of the cluster answers and lists the plugins the pipelines need`
                    : undefined,
            ),
        };
    },
    async create(inputs) {
        return { id: "connect-ready", outs: await waitReady(inputs) };
    },
    async diff(_id, olds, news) {
        const changed = changedFields<ReadyInputs>(olds, news, ["urls", "auth", "requiredPlugins", "workerIds", "timeoutSeconds"]);
        return { changes: changed.length > 0 };
    },
    async update(_id, _olds, news) {
        return { outs: await waitReady(news) };
    },
};

/** Waits for a Connect cluster to serve its REST API with the required plugins installed. */
export class ConnectReady extends pulumi.dynamic.Resource {
    public readonly version!: pulumi.Output<string>;
    public readonly plugins!: pulumi.Output<string[]>;

    constructor(name: string, args: ConnectReadyArgs, opts?: pulumi.CustomResourceOptions) {
        super(readyProvider, name, { ...args, version: undefined, plugins: undefined }, { ...opts, additionalSecretOutputs: ["auth"] }, "connect", "ClusterReady");
    }
}
