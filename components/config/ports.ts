import type { Bind, Checker } from "./checker";

// The ports a service binds besides its own, as fixed offsets from it, so an operator can tell them from the stack
// file alone and the config check can refuse a clash before anything is touched (./platform.ts, checkPortClashes).

/**
 * Every JVM of the platform serves Prometheus metrics (the JMX exporter agent, images/kafka/metrics) on its server's
 * address at its own port plus this: ZooKeeper 2181 -> 12181, a broker 9092 -> 19092, a worker 8083 -> 18083.
 */
export const METRICS_PORT_OFFSET = 10000;

/** A Connect worker's supervisor (components/platform/supervisor.ts) serves its state at the worker's port plus this. */
export const SUPERVISOR_PORT_OFFSET = 1000;

/** Where a service listening on `address:port` serves its metrics: `http://address:(port + offset)/metrics`. */
export function metricsUrl(address: string, port: number): string {
    return `http://${address}:${port + METRICS_PORT_OFFSET}/metrics`;
}

/**
 * What `b` also binds `by` above its port (`what`: "metrics", "supervisor"), keyed like `b` with a note; none, and a
 * problem at `b`'s key, when that would pass 65535.
 */
export function offsetBind(c: Checker, b: Bind, by: number, what: string): Bind[] {
    const note = `${what} at ${b.port + by}`;
    const key = b.key.endsWith(")") ? `${b.key.slice(0, -1)}, ${note})` : `${b.key} (${note})`;
    if (b.port + by <= 65535) return [{ key, server: b.server, port: b.port + by }];
    c.say(b.key, `expected a port up to ${65535 - by}: its ${what} would listen ${by} above it, past 65535`);
    return [];
}
