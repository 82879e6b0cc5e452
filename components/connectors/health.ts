// The connector's health gate: `up` returns only once the connector and every task are in the declared
// state, and fails with the task's error trace when one fails. The predicates are pure (unit-tested); the
// wait polls the status endpoint.
import { ConnectApi, connectCall, connectorStatus, ConnectorStatus } from "./rest";

/** The states a connector can be declared in. */
export const CONNECTOR_STATES = ["running", "paused", "stopped"] as const;
export type ConnectorState = (typeof CONNECTOR_STATES)[number];

/** What the live status says, in the declared states' terms; `failed` when the connector or a task failed. */
export function observedState(status: ConnectorStatus): ConnectorState | "failed" {
    if (failureOf(status) !== undefined) return "failed";
    switch (status.connector.state) {
        case "PAUSED":
            return "paused";
        case "STOPPED":
            return "stopped";
        default:
            // RUNNING, or UNASSIGNED/RESTARTING during a rebalance: nothing to correct.
            return "running";
    }
}

/** Whether the connector and all its tasks are in `target` (a running connector has at least one task). */
export function reached(status: ConnectorStatus, target: ConnectorState): boolean {
    const tasks = status.tasks.map((t) => t.state);
    switch (target) {
        case "running":
            return status.connector.state === "RUNNING" && tasks.length > 0 && tasks.every((s) => s === "RUNNING");
        case "paused":
            return status.connector.state === "PAUSED" && tasks.every((s) => s === "PAUSED");
        case "stopped":
            // A stopped connector has no tasks at all.
            return status.connector.state === "STOPPED";
    }
}

/** The failure of the connector or of its first failed task, with the error trace; undefined when none failed. */
export function failureOf(status: ConnectorStatus): string | undefined {
    if (status.connector.state === "FAILED") return `connector ${status.name} FAILED on ${status.connector.worker_id}:\n${shortTrace(status.connector.trace)}`;
    const task = status.tasks.find((t) => t.state === "FAILED");
    if (task) return `task ${task.id} of connector ${status.name} FAILED on ${task.worker_id}:\n${shortTrace(task.trace)}`;
    return undefined;
}

/**
 * A trace with credentials masked. Connect resolves `${file:...}` references before a task starts, and some
 * exceptions print the task's whole config (Debezium 3.2's DebeziumOpenLineageEmitter error does): without
 * this, a password would reach the update's output and logs.
 */
export function redactTrace(trace: string): string {
    return trace
        .replace(/\b([\w.-]*(?:password|passwd|secret|token|credential|jaas\.config)[\w.-]*)=([^,}\s\]]*)/gi, "$1=[redacted]")
        .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s]+@/gi, "$1[redacted]@");
}

/** The head of a Java trace and every `Caused by:` line: where it failed and the root cause, without frames. */
function shortTrace(trace: string | undefined): string {
    if (!trace) return "(no trace)";
    const lines = redactTrace(trace).split("\n");
    const causes = lines.slice(8).filter((l) => l.startsWith("Caused by:"));
    return [...lines.slice(0, 8), ...(causes.length > 0 ? ["\t...", ...causes] : [])].join("\n");
}

export interface GateOptions {
    readonly timeoutSeconds: number;
    /**
     * How long the target state must hold before the gate passes. After a config change Connect reports
     * the old tasks as RUNNING until it restarts them, and a task with a bad password fails only once
     * started: a single RUNNING answer proves nothing.
     */
    readonly settleSeconds: number;
    /** Keep waiting through FAILED states (a failed connector is being stopped for deletion). */
    readonly ignoreFailures?: boolean;
    /**
     * Right after a restart was asked for, keep waiting through FAILED for this long: Connect restarts
     * asynchronously, and until the restarted tasks report, its status still shows the failure that asked for the
     * restart (a sink failed by its database's restart, seen failing the upgrade's up at 7209c51).
     */
    readonly failureGraceSeconds?: number;
    /** How long a stale UNASSIGNED may last before the connector is restarted (see STALE_UNASSIGNED_SECONDS). */
    readonly staleUnassignedSeconds?: number;
}

/**
 * How long a connector may read UNASSIGNED, while every task of it is RUNNING, before the gate asks Connect to restart
 * the connector instance alone (its tasks go on). Connect can leave a running connector's status at UNASSIGNED: the
 * likely cause is the UNASSIGNED a worker writes when it stops the connector landing in the status topic after the
 * RUNNING of its new start. Seen once in the day-2 tests (a sink's topics changed): 120 s of UNASSIGNED with its task
 * RUNNING, until the gate gave up and the `up` failed. A restart writes a fresh status; a rebalance that really is
 * still under way ends long before this.
 */
export const STALE_UNASSIGNED_SECONDS = 30;

/** Whether the status is a running connector's stale UNASSIGNED: every task RUNNING, the connector UNASSIGNED. */
export function staleUnassigned(status: ConnectorStatus): boolean {
    return status.connector.state === "UNASSIGNED" && status.tasks.length > 0 && status.tasks.every((t) => t.state === "RUNNING");
}

/**
 * Thrown when the connector or a task failed, or the state was not reached in time; carries the last status.
 * A plain Error with a property, not a subclass: the closure serializer loses the message of Error subclasses.
 */
export type HealthGateError = Error & { readonly lastStatus: ConnectorStatus | undefined };

function gateError(message: string, lastStatus: ConnectorStatus | undefined): HealthGateError {
    return Object.assign(new Error(message), { lastStatus });
}

export function isHealthGateError(e: unknown): e is HealthGateError {
    return e instanceof Error && "lastStatus" in e;
}

/** Waits until `name` holds `target` for `settleSeconds`; throws HealthGateError on failure or timeout. */
export async function waitForState(api: ConnectApi, name: string, target: ConnectorState, opts: GateOptions): Promise<ConnectorStatus> {
    const deadline = Date.now() + opts.timeoutSeconds * 1000;
    const graceUntil = Date.now() + (opts.failureGraceSeconds ?? 0) * 1000;
    let since: number | undefined;
    let staleSince: number | undefined;
    let last: ConnectorStatus | undefined;
    for (;;) {
        last = await connectorStatus(api, name);
        const failure = last && !opts.ignoreFailures && failureOf(last);
        if (failure && Date.now() >= graceUntil) throw gateError(failure, last);
        if (target === "running" && last && staleUnassigned(last)) {
            staleSince ??= Date.now();
            if (Date.now() - staleSince >= (opts.staleUnassignedSeconds ?? STALE_UNASSIGNED_SECONDS) * 1000) {
                await connectCall(api, "POST", `/connectors/${encodeURIComponent(name)}/restart`, undefined, { alsoRetry: [404] });
                staleSince = undefined;
            }
        } else staleSince = undefined;
        if (last && reached(last, target)) {
            since ??= Date.now();
            if (Date.now() - since >= opts.settleSeconds * 1000) return last;
        } else since = undefined;
        if (Date.now() > deadline) {
            const seen = last ? `connector ${last.connector.state}, tasks [${last.tasks.map((t) => `${t.id}:${t.state}`).join(", ")}]` : "no such connector";
            throw gateError(`connector ${name} did not reach ${target} within ${opts.timeoutSeconds}s (last seen: ${seen})`, last);
        }
        await new Promise((r) => setTimeout(r, 1000));
    }
}
