// The dynamic provider behind every connector resource (./connector.ts): one connector, managed through the
// Kafka Connect REST API.
//   check   local rules (./rules.ts) always; when Connect answers, also the plugin list and Connect's own
//           validation, each error reported against the property it names
//   diff    normalized (./normalize.ts); properties that cannot change in place replace the connector
//   create  PUT config (idempotent), declared state, health gate; update: the same for what changed
//   read    the live config and state, as outputs and inputs, so `refresh` shows drift and the next
//           `up` (its preview naming each field) restores the declaration
//   delete  stop, drop the offsets, delete; a connector already gone is fine
// Everything this module uses is serialized with it: it imports only pure modules, and requires axios
// (through ./rest.ts) at call time.
import * as pulumi from "@pulumi/pulumi";
import { changedFields, UNKNOWN } from "../dynamic/diff";
import { CONNECTOR_CLASSES } from "./classes";
import { ConnectorState, isHealthGateError, observedState, waitForState } from "./health";
import { Guard, observedGuard, refuseDestruction } from "../dynamic/guard";
import { listed, withEffect } from "../dynamic/effect";
import { changedConfigKeys, configOf, CONTROL_KEYS, render, replacingKeys, RESERVED_KEYS, STATUS_KEYS } from "./normalize";
import { ConnectApi, connectCall, connectorStatus, ConnectorStatus, RestAuth } from "./rest";
import { ConfigView, configProblems, Problem } from "./rules";

/** How long the declared state must hold before `up` trusts it (see health.ts). */
const SETTLE_SECONDS = 5;
/** How long after a restart the gate keeps waiting through the FAILED status that asked for it (health.ts). */
const RESTART_GRACE_SECONDS = 15;

/** How Debezium's validation says it could not reach, or log into, the database. */
const CONNECTIVITY_ERRORS = [
    "Error while validating connector config:",
    "Connection validation timed out after",
    "Error during connection validation:",
    "Unable to connect:",
];

export interface ConnectorInputs {
    /** The connector's name in Connect (also its resource id). */
    name: string;
    connectUrls: string[];
    /** The Connect cluster's REST credentials (a Pulumi secret); absent where the cluster has none. */
    connectAuth?: RestAuth;
    /** Declared state; in outputs, the observed one (`failed` after a failed gate or refresh). */
    state: ConnectorState | "failed";
    restartTrigger: string;
    timeoutSeconds: number;
    /** A digest of the secrets the config references (./connector.ts); a change restarts the connector. */
    secretsDigest?: string;
    /** Every other property is a Connect config property. */
    [property: string]: unknown;
}

export interface TaskOutput {
    id: number;
    state: string;
    workerId: string;
}

export interface ConnectorOutputs extends ConnectorInputs {
    /** Connect's state of the connector: RUNNING, PAUSED, STOPPED, FAILED, UNASSIGNED. */
    connectorState: string;
    /** The worker running the connector. */
    workerId: string;
    tasks: TaskOutput[];
}

const connectorPath = (name: string) => `/connectors/${encodeURIComponent(name)}`;

/** The cluster a connector's inputs (or stored outputs) point at. */
const apiOf = (c: Pick<ConnectorInputs, "connectUrls" | "connectAuth">): ConnectApi => ({ urls: c.connectUrls, ...(c.connectAuth ? { auth: c.connectAuth } : {}) });

function statusOutputs(s: ConnectorStatus | undefined): Pick<ConnectorOutputs, "connectorState" | "workerId" | "tasks"> {
    if (!s) return { connectorState: "", workerId: "", tasks: [] };
    return {
        connectorState: s.connector.state,
        workerId: s.connector.worker_id,
        tasks: s.tasks.map((t) => ({ id: t.id, state: t.state, workerId: t.worker_id })),
    };
}

/** Connect's verdict, when it answers: plugin installed, and its validation without connectivity errors. */
async function remoteProblems(api: ConnectApi, name: string, config: Record<string, string>): Promise<Problem[]> {
    const className = config["connector.class"];
    let plugins: { class: string }[];
    try {
        plugins = (await connectCall<{ class: string }[]>(api, "GET", "/connector-plugins", undefined, { deadlineSeconds: 5, timeoutSeconds: 5 })).data;
    } catch {
        // No Connect yet (first deploy) or not reachable from here: the local rules have run.
        return [];
    }
    if (!plugins.some((p) => p.class === className || p.class.endsWith(`.${className}`))) {
        return [{ field: "connector.class", message: `not installed on the Connect cluster (${api.urls.join(", ")})` }];
    }
    // Debezium sources connect to the database while validating: keep a preview from hanging on an
    // address that does not answer yet.
    const timeout = className.startsWith("io.debezium.connector.") && !("connection.validation.timeout.ms" in config) ? { "connection.validation.timeout.ms": "10000" } : {};
    const res = await connectCall<{ configs: { value: { name: string; errors: string[] } }[] }>(
        api,
        "PUT",
        `/connector-plugins/${encodeURIComponent(className)}/config/validate`,
        { ...config, ...timeout, name },
        { deadlineSeconds: 60 },
    );
    // A database that is not there yet (created in the same `up`) or a wrong password is not a config
    // error: the health gate reports the latter with the task's trace.
    return res.data.configs.flatMap((c) =>
        c.value.errors.filter((e) => !CONNECTIVITY_ERRORS.some((p) => e.startsWith(p))).map((e) => ({ field: c.value.name, message: `Connect: ${e}` })),
    );
}

/** Applies `news` (after `olds`, when updating) and waits for the declared state. */
async function converge(news: ConnectorInputs, olds: ConnectorOutputs | undefined): Promise<ConnectorOutputs> {
    const api = apiOf(news);
    const path = connectorPath(news.name);
    const config = { ...configOf(news), name: news.name };
    const target = news.state as ConnectorState;
    // Absent also when updating: deleted out of band since the last refresh.
    const exists = (await connectorStatus(api, news.name)) !== undefined;
    if (!exists && target !== "running") {
        // Created directly paused or stopped: a source must not start its snapshot first.
        await connectCall(api, "POST", "/connectors", { name: news.name, config, initial_state: target.toUpperCase() });
    } else if (!exists || olds === undefined || changedConfigKeys(olds, news).length > 0) {
        // Idempotent: creates, adopts a connector of this name left by an interrupted run, or updates.
        await connectCall(api, "PUT", `${path}/config`, config);
    }
    // Also idempotent, and it repairs a state changed out of band. The worker answering may not have read
    // the config just written (each worker follows the config topic): a 404 then means "not yet".
    const justWritten = { alsoRetry: [404], deadlineSeconds: 60 };
    await connectCall(api, "PUT", `${path}/${{ running: "resume", paused: "pause", stopped: "stop" }[target]}`, undefined, justWritten);
    // A changed secret restarts too (a rotated password); a digest recorded for the first time (a stack upgraded
    // from before digests) does not.
    const rotated = olds?.secretsDigest !== undefined && olds.secretsDigest !== news.secretsDigest;
    const restart = olds !== undefined && (olds.restartTrigger !== news.restartTrigger || olds.state === "failed" || rotated);
    if (restart) await connectCall(api, "POST", `${path}/restart?includeTasks=true&onlyFailed=false`, undefined, justWritten);
    try {
        const status = await waitForState(api, news.name, target, {
            timeoutSeconds: news.timeoutSeconds,
            settleSeconds: SETTLE_SECONDS,
            ...(restart ? { failureGraceSeconds: RESTART_GRACE_SECONDS } : {}),
        });
        return { ...news, ...statusOutputs(status) };
    } catch (e) {
        if (!isHealthGateError(e)) throw e;
        // The connector exists: the engine records it (state `failed`, so the next `up` restarts it) and
        // fails the update with the gate's message, the task's trace included.
        throw Object.assign(new Error(e.message), {
            id: news.name,
            properties: { ...news, state: "failed", ...statusOutputs(e.lastStatus) },
            reasons: [e.message],
        });
    }
}

/** What an update of the connector does, in words (components/dynamic/effect.ts); a replacement says itself. */
export function connectorEffect(olds: ConnectorInputs, news: ConnectorInputs): string | undefined {
    const changed = changedConfigKeys(olds, news);
    if (replacingKeys(changed, [render(olds["connector.class"]), render(news["connector.class"])]).length > 0 || olds.name !== news.name) return undefined;
    const what: string[] = [];
    if (changed.length > 0) what.push(`takes the new config (${listed(changed)}): Connect restarts the connector and its tasks with it`);
    // In a preview, a trigger that is an output of a resource being updated is unknown: whether it changes is known at up.
    if (news.restartTrigger === UNKNOWN) what.push("restarts if its database server restarts in this up (known only then)");
    else if (olds.restartTrigger !== undefined && olds.restartTrigger !== news.restartTrigger) what.push("restarts: its database server was restarted");
    if (olds.secretsDigest !== undefined && olds.secretsDigest !== news.secretsDigest) what.push("restarts: a secret it uses was rotated");
    if (changedFields<ConnectorInputs>(olds, news, ["connectAuth"]).length > 0) what.push("records the Connect cluster's new REST credentials (no restart)");
    if (olds.state === "failed") what.push("restarts: it was FAILED");
    else if (olds.state !== news.state && news.state !== undefined) what.push(`goes ${render(news.state)}`);
    return what.length > 0 ? `${what.join("; ")}; up waits until it and its tasks are ${render(news.state ?? "running").toUpperCase()}` : undefined;
}

export const connectorProvider: pulumi.dynamic.ResourceProvider<ConnectorInputs, ConnectorOutputs> = {
    async check(olds, news) {
        const inputs: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(news)) {
            // Connect stores strings: render numbers and booleans now, so state and diffs hold what Connect holds.
            if (v !== undefined && v !== null) inputs[k] = RESERVED_KEYS.includes(k) ? v : render(v);
        }
        const config = configOf(inputs);
        const unknown = new Set(Object.keys(config).filter((k) => config[k].includes(UNKNOWN)));
        let problems = configProblems(new ConfigView(config, unknown), CONNECTOR_CLASSES);
        const urls = news.connectUrls;
        const askConnect =
            problems.length === 0 &&
            unknown.size === 0 &&
            Array.isArray(urls) &&
            !urls.includes(UNKNOWN) &&
            // A password generated in this very up (a stack upgraded to REST authentication) is not known yet.
            (news.connectAuth as unknown) !== UNKNOWN &&
            (Object.keys(olds).length === 0 || changedConfigKeys(olds, inputs).length > 0);
        if (askConnect) problems = await remoteProblems(apiOf(news as ConnectorInputs), String(news.name), config);
        return { inputs: withEffect(olds, inputs as ConnectorInputs, connectorEffect), failures: problems.map((p) => ({ property: p.field, reason: p.message })) };
    },

    async diff(_id, olds, news) {
        const changed = changedConfigKeys(olds, news);
        const replaces = replacingKeys(changed, [render(olds["connector.class"]), render(news["connector.class"])]);
        if (olds.name !== news.name) replaces.push("name");
        // A source's offsets are Connect's, keyed by its name and topic prefix: its successor starts without them.
        if (olds["topic.prefix"] !== undefined) refuseDestruction(news.guard as Guard | undefined, replaces, "resnapshot", `source connector ${olds.name}`);
        const controls = changedFields<ConnectorInputs>(olds, news, CONTROL_KEYS);
        return {
            changes: changed.length + controls.length + replaces.length > 0,
            replaces,
            // Same name, slot and topic prefix: the old connector must be gone before its successor starts.
            deleteBeforeReplace: true,
        };
    },

    async create(inputs) {
        return { id: inputs.name, outs: await converge(inputs, undefined) };
    },

    async update(_id, olds, news) {
        return { outs: await converge(news, olds) };
    },

    async read(id, props) {
        const old = props!;
        const res = await connectCall<Record<string, string>>(apiOf(old), "GET", `${connectorPath(id)}/config`, undefined, { accept: [404] });
        // Deleted out of band: refresh drops it from the state and the next `up` creates it again.
        if (res.status === 404) return {};
        const status = await connectorStatus(apiOf(old), id);
        // Only those it has (a connector without secretValues has no digest): an undefined value cannot be sent back.
        const controls = Object.fromEntries(CONTROL_KEYS.filter((k) => old[k] !== undefined).map((k) => [k, old[k]]));
        const live = Object.fromEntries(Object.entries(res.data).filter(([k]) => k !== "name"));
        const current: ConnectorOutputs = {
            ...(controls as Pick<ConnectorInputs, (typeof CONTROL_KEYS)[number]>),
            ...live,
            name: id,
            ...(old.guard !== undefined ? { guard: observedGuard(old.guard as Guard) } : {}),
            ...statusOutputs(status),
        };
        if (status) current.state = observedState(status);
        // The live config also becomes the recorded inputs: the next preview then shows, field by field,
        // what `up` will set back (`~heartbeat.interval.ms`, `~state`), not a diff of two declarations.
        const inputs = Object.fromEntries(Object.entries(current).filter(([k]) => !(STATUS_KEYS as readonly string[]).includes(k)));
        // The SDK types read's `inputs` like its outputs; they are inputs.
        return { id, props: current, inputs: inputs as ConnectorOutputs };
    },

    async delete(id, props) {
        const api = apiOf(props);
        const path = connectorPath(id);
        // Stopped first: Connect resets offsets of stopped connectors only, and a deleted connector must not
        // leave offsets behind that a later connector of the same name would silently resume from.
        const stopped = await connectCall(api, "PUT", `${path}/stop`, undefined, { accept: [404] });
        if (stopped.status === 404) return;
        await waitForState(api, id, "stopped", { timeoutSeconds: 60, settleSeconds: 0, ignoreFailures: true });
        await connectCall(api, "DELETE", `${path}/offsets`, undefined, { accept: [404] });
        await connectCall(api, "DELETE", path, undefined, { accept: [404] });
    },
};
