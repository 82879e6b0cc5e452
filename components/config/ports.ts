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
