// The Kafka Connect REST API as the connector provider uses it. Any worker serves any request (followers
// forward writes to the leader), so an unreachable worker falls over to the next one; a 409 (the group is
// rebalancing, or a config write is in flight), and a 500 saying a rebalance is expected (a worker that has read a
// config its assignment does not reflect yet), are retried with backoff until the deadline.
// axios is required inside the function: this module is serialized into the dynamic provider.

/**
 * The credentials every Connect REST call carries (HTTP Basic): the workers run Kafka's
 * BasicAuthSecurityRestExtension (components/platform/restAuth.ts), so a call without them gets 401.
 */
export interface RestAuth {
    readonly username: string;
    readonly password: string;
}

/** A Connect cluster as a client reaches it: any of its workers, with the cluster's credentials. */
export interface ConnectApi {
    readonly urls: readonly string[];
    /** Absent for a Connect cluster that asks for none (one of a team's own, reached through the library). */
    readonly auth?: RestAuth;
}

/** A connector's status as `GET /connectors/{name}/status` returns it. */
export interface ConnectorStatus {
    readonly name: string;
    readonly connector: { readonly state: string; readonly worker_id: string; readonly trace?: string };
    readonly tasks: readonly { readonly id: number; readonly state: string; readonly worker_id: string; readonly trace?: string }[];
    readonly type?: string;
}

/**
 * An answer of Connect that is neither success nor retryable. A plain Error with a property, not a subclass:
 * the closure serializer loses the message of Error subclasses.
 */
export type ConnectApiError = Error & { readonly connectStatus: number };

export interface CallOptions {
    /** Statuses returned to the caller instead of thrown (2xx always are). */
    readonly accept?: readonly number[];
    /** Give up retrying after this long; default 120 s. */
    readonly deadlineSeconds?: number;
    /** Per-request timeout; default 30 s (validation may connect to the database). */
    readonly timeoutSeconds?: number;
    /** Statuses retried besides 409 and 503 (e.g. 404 right after a write another worker has not read yet). */
    readonly alsoRetry?: readonly number[];
}

const RETRY_STATUSES = [409, 503];

/**
 * Whether Connect's answer is one to retry: a status in `RETRY_STATUSES` or `also`, or one of the 500s Connect
 * itself calls transient (TRANSIENT_500).
 */
export function retryable(status: number, message: string, also: readonly number[] = []): boolean {
    return RETRY_STATUSES.includes(status) || also.includes(status) || (status === 500 && TRANSIENT_500.some((m) => m.test(message)));
}

/**
 * 500s that pass by themselves: the RebalanceNeededException a worker gives between reading new configs (a connector
 * written, deleted or paused; with exactly-once sources, the leader's fencing too) and the rebalance they cause; and,
 * with exactly-once sources, the leader's config-topic writes while it has not yet claimed (or has just lost, after a
 * broker or its own host restarted) its transactional producer: seen on two hosts right after one host's engine
 * restarted, every connector deletion refused for a few seconds (tests/integration/hosts); and whatever else Connect
 * says "can be safely retried" of, e.g. a stopped sink's offsets reset while its tasks have not quite stopped (a
 * pair's destroy in the suite).
 */
const TRANSIENT_500 = [/a rebalance is expected/i, /without claiming write privileges first/i, /can be safely retried/i];

/** One REST call with failover across the workers and retries; returns status and parsed body. */
export async function connectCall<T>(
    api: ConnectApi,
    method: "GET" | "PUT" | "POST" | "DELETE",
    path: string,
    body?: unknown,
    opts: CallOptions = {},
): Promise<{ status: number; data: T }> {
    const axios: typeof import("axios").default = require("axios");
    const urls = api.urls;
    const deadline = Date.now() + (opts.deadlineSeconds ?? 120) * 1000;
    let delay = 500;
    let last = "no attempt made";
    for (let attempt = 0; ; attempt++) {
        const url = urls[attempt % urls.length];
        try {
            const res = await axios.request<T>({
                method,
                url: `${url}${path}`,
                data: body,
                // Connect (Jersey) answers 415 to a body-less PUT without a JSON content type.
                headers: { "Content-Type": "application/json", Accept: "application/json" },
                // HTTP Basic when the cluster has credentials (a RestAuth is axios's own `auth` shape).
                auth: api.auth,
                timeout: (opts.timeoutSeconds ?? 30) * 1000,
                validateStatus: () => true,
            });
            if ((res.status >= 200 && res.status < 300) || opts.accept?.includes(res.status)) return { status: res.status, data: res.data };
            const message = (res.data as { message?: string } | undefined)?.message ?? JSON.stringify(res.data);
            if (!retryable(res.status, message, opts.alsoRetry)) {
                const error: ConnectApiError = Object.assign(new Error(`${method} ${path}: ${res.status} ${message}`), { connectStatus: res.status });
                throw error;
            }
            last = `${res.status} ${message}`;
        } catch (e) {
            if ((e as Partial<ConnectApiError>).connectStatus !== undefined) throw e;
            last = `${url}: ${(e as Error).message}`;
            // Another worker may answer right away; back off only once every worker has been tried.
            if ((attempt + 1) % urls.length !== 0) continue;
        }
        if (Date.now() + delay > deadline) throw new Error(`${method} ${path} failed until the deadline; last answer: ${last}`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
    }
}

/** The connector's status, or undefined when Connect has no connector of that name. */
export async function connectorStatus(api: ConnectApi, name: string): Promise<ConnectorStatus | undefined> {
    const res = await connectCall<ConnectorStatus>(api, "GET", `/connectors/${encodeURIComponent(name)}/status`, undefined, { accept: [404] });
    return res.status === 404 ? undefined : res.data;
}
