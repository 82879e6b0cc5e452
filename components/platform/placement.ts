// Pure placement: which service runs on which server, under which container and volume names, and
// the addresses every other service uses to reach it. Resources are created from this, and the unit
// tests assert it table-driven, so "where does broker 2 live" has one answer in one place.
import { metricsUrl, SUPERVISOR_PORT_OFFSET } from "../config/ports";
import { engineKey } from "../docker/engine";
import { Engine, PlatformConfig, ServerSpec } from "../config/schema";

export { engineKey };

export interface EngineGroup {
    /** Stable identity of the engine (`local`, `unix:/run/x.sock`, `ssh:deploy@host:22`). */
    readonly key: string;
    readonly engine: Engine;
    /** Servers whose containers run on this engine (two on the local stack, one per VPS otherwise). */
    readonly servers: readonly string[];
}

export interface ZooKeeperPlacement {
    readonly server: ServerSpec;
    readonly port: number;
    /** `address:port` that brokers on every server use. */
    readonly connectString: string;
    /** Its Prometheus metrics (`metricsUrl`). */
    readonly metricsUrl: string;
    readonly containerName: string;
    readonly volumeName: string;
}

export interface BrokerPlacement {
    readonly id: number;
    readonly server: ServerSpec;
    readonly port: number;
    readonly bootstrap: string;
    /** Its Prometheus metrics (`metricsUrl`). */
    readonly metricsUrl: string;
    readonly containerName: string;
    readonly volumeName: string;
}

export interface WorkerPlacement {
    readonly server: ServerSpec;
    readonly port: number;
    readonly url: string;
    /** Its Prometheus metrics (`metricsUrl`). */
    readonly metricsUrl: string;
    readonly containerName: string;
}

/** One Connect cluster: its group, its workers and its internal topics. */
export interface ConnectPlacement {
    /** `default`, or the key under `connect.clusters`. */
    readonly name: string;
    readonly groupId: string;
    readonly workers: readonly WorkerPlacement[];
    readonly topics: { readonly config: string; readonly offset: string; readonly status: string };
}

export interface Placement {
    readonly engines: readonly EngineGroup[];
    readonly zookeeper: ZooKeeperPlacement;
    readonly brokers: readonly BrokerPlacement[];
    readonly bootstrapServers: string;
    /** The default Connect cluster (`cdc-sync:connect`). */
    readonly connect: ConnectPlacement;
    /** Every Connect cluster, the default one first. */
    readonly connectClusters: readonly ConnectPlacement[];
}


/**
 * Places every service of the stack. `prefix` (e.g. `cdc-sync-local`) names containers and volumes so
 * two stacks can share an engine without clashing.
 */
export function place(cfg: PlatformConfig, prefix: string): Placement {
    const server = (name: string): ServerSpec => {
        const s = cfg.servers.find((x) => x.name === name);
        if (!s) throw new Error(`placement: no server named ${name}`); // unreachable after loadStackConfig
        return s;
    };
    const engines: EngineGroup[] = [];
    for (const s of cfg.servers) {
        const key = engineKey(s.engine);
        const g = engines.find((x) => x.key === key);
        if (g) (g.servers as string[]).push(s.name);
        else engines.push({ key, engine: s.engine, servers: [s.name] });
    }
    const zkServer = server(cfg.zookeeper.server);
    const brokers = cfg.brokers.map((b) => {
        const s = server(b.server);
        return {
            id: b.id,
            server: s,
            port: b.port,
            bootstrap: `${s.address}:${b.port}`,
            metricsUrl: metricsUrl(s.address, b.port),
            containerName: `${prefix}-broker-${b.id}`,
            volumeName: `${prefix}-broker-${b.id}-data`,
        };
    });
    /** The default cluster keeps the names it had before there were others: `<prefix>-connect-<server>`. */
    const clusters = [cfg.connect, ...cfg.connect.clusters].map((k): ConnectPlacement => ({
        name: k.name,
        groupId: k.groupId,
        workers: k.workers.map((w) => {
            const s = server(w);
            return {
                server: s,
                port: k.port,
                url: `http://${s.address}:${k.port}`,
                metricsUrl: metricsUrl(s.address, k.port),
                containerName: k.name === "default" ? `${prefix}-connect-${s.name}` : `${prefix}-connect-${k.name}-${s.name}`,
            };
        }),
        topics: { config: `${k.groupId}-configs`, offset: `${k.groupId}-offsets`, status: `${k.groupId}-status` },
    }));
    return {
        engines,
        zookeeper: {
            server: zkServer,
            port: cfg.zookeeper.port,
            connectString: `${zkServer.address}:${cfg.zookeeper.port}`,
            metricsUrl: metricsUrl(zkServer.address, cfg.zookeeper.port),
            containerName: `${prefix}-zookeeper`,
            volumeName: `${prefix}-zookeeper-data`,
        },
        brokers,
        bootstrapServers: brokers.map((b) => b.bootstrap).join(","),
        connect: clusters[0],
        connectClusters: clusters,
    };
}

/** One Prometheus scrape target of the stack: which service, on which server, at which URL. */
export interface MetricsEndpoint {
    /** `zookeeper`, `broker`, `connect` or `supervisor`: the Prometheus job a scrape config would put it in. */
    readonly job: "zookeeper" | "broker" | "connect" | "supervisor";
    /** `zookeeper`, `broker-1`, `connect-server1` (`connect-<cluster>-server1` for another cluster), its `-supervisor`. */
    readonly name: string;
    readonly server: string;
    readonly url: string;
}

/**
 * Every metrics endpoint of the platform: ZooKeeper, the brokers, each cluster's workers, then the workers'
 * supervisors (their restarts, images/supervisor/supervisor.js, at SUPERVISOR_PORT_OFFSET above the worker).
 */
export function metricsEndpoints(plan: Placement): MetricsEndpoint[] {
    const workers = plan.connectClusters.flatMap((k) => k.workers.map((w) => ({ w, name: k.name === "default" ? `connect-${w.server.name}` : `connect-${k.name}-${w.server.name}` })));
    return [
        { job: "zookeeper", name: "zookeeper", server: plan.zookeeper.server.name, url: plan.zookeeper.metricsUrl },
        ...plan.brokers.map((b) => ({ job: "broker" as const, name: `broker-${b.id}`, server: b.server.name, url: b.metricsUrl })),
        ...workers.map(({ w, name }) => ({ job: "connect" as const, name, server: w.server.name, url: w.metricsUrl })),
        ...workers.map(({ w, name }) => ({
            job: "supervisor" as const,
            name: `${name}-supervisor`,
            server: w.server.name,
            url: `http://${w.server.address}:${w.port + SUPERVISOR_PORT_OFFSET}/metrics`,
        })),
    ];
}
