// Pure placement: which service runs on which server, under which container and volume names, and
// the addresses every other service uses to reach it. Resources are created from this, and the unit
// tests assert it table-driven, so "where does broker 2 live" has one answer in one place.
import { Engine, PlatformConfig, ServerSpec } from "../config/schema";

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
    readonly containerName: string;
    readonly volumeName: string;
}

export interface BrokerPlacement {
    readonly id: number;
    readonly server: ServerSpec;
    readonly port: number;
    readonly bootstrap: string;
    readonly containerName: string;
    readonly volumeName: string;
}

export interface WorkerPlacement {
    readonly server: ServerSpec;
    readonly port: number;
    readonly url: string;
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

export function engineKey(e: Engine): string {
    switch (e.kind) {
        case "local":
            return "local";
        case "unix":
            return `unix:${e.socketPath}`;
        case "ssh":
            return `ssh:${e.user}@${e.host}:${e.port}`;
    }
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
            containerName: `${prefix}-zookeeper`,
            volumeName: `${prefix}-zookeeper-data`,
        },
        brokers,
        bootstrapServers: brokers.map((b) => b.bootstrap).join(","),
        connect: clusters[0],
        connectClusters: clusters,
    };
}
