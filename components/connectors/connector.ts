// Kafka Connect connectors as Pulumi resources: the typed Debezium PostgreSQL source, MongoDB source and
// JDBC sink, and the raw Connector for any other class. Each turns its arguments into a Connect config (pure
// builders in this folder), claims its unique names, and is managed by ./provider.ts.
import * as pulumi from "@pulumi/pulumi";
import { ConnectorArgsError, ConnectorConfig, ConfigValue, SourceRef } from "./connectorConfig";
import { ConnectorState } from "./health";
import { jdbcSinkConfig, JdbcSinkSpec } from "./jdbcSink";
import { MONGODB_CONNECTOR_CLASS, mongoSourceConfig, MongoSourceSpec } from "./mongoSource";
import { RESERVED_KEYS } from "./normalize";
import { guardFor } from "../dynamic/guard";
import { POSTGRES_CONNECTOR_CLASS, postgresSourceConfig, PostgresSourceSpec } from "./postgresSource";
import { connectorProvider, TaskOutput } from "./provider";
import type { RestAuth } from "./rest";
import { ConnectorRegistry } from "./registry";
import { secretNamesIn } from "./secrets";

/** What every connector resource takes besides its config. */
export interface ConnectorCommonArgs {
    /** REST URLs of the Connect workers (ConnectCluster.workerUrls); any worker serves any request. */
    readonly connectUrls: pulumi.Input<pulumi.Input<string>[]>;
    /** The cluster's REST credentials (ConnectCluster.auth, a Pulumi secret); needed unless its REST API is open. */
    readonly connectAuth?: pulumi.Input<RestAuth>;
    /** The connector's name in Connect; default: the resource name. Changing it replaces the connector. */
    readonly connectorName?: string;
    /** Declared state; default `running`. `up` converges the live connector to it and waits until it holds. */
    readonly state?: pulumi.Input<ConnectorState>;
    /** Any value; changing it restarts the connector and all its tasks. */
    readonly restartTrigger?: pulumi.Input<string>;
    /** How long `up` waits for the connector and its tasks to reach the declared state; default 120. */
    readonly timeoutSeconds?: pulumi.Input<number>;
    /**
     * The names in the platform stack's `cdc-sync:connectorSecrets` (StackConfig.connectorSecretNames). When
     * given, a reference to any other name fails at construction: the workers would leave it unresolved and
     * the connector would fail to log in at run time.
     */
    readonly knownSecrets?: readonly string[];
    /**
     * The workers' secrets by name (the file's content, a Pulumi secret). The connector keeps a digest of those its
     * config references (`secretsDigest`, itself secret) and is restarted when it changes: a rotated password
     * reaches the running tasks, which otherwise hold the old one until they reconnect and fail.
     */
    readonly secretValues?: pulumi.Input<Record<string, string>>;
}

/** SHA-256 of `parts` in order: changes exactly when one of them does. Keep it a Pulumi secret all the same. */
export function digestOf(parts: readonly string[]): string {
    const crypto: typeof import("crypto") = require("crypto");
    return crypto.createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** A digest of the referenced secrets' values, in name order. */
export function secretsDigest(names: readonly string[], values: Readonly<Record<string, string>>): string {
    return digestOf([...new Set(names)].sort().flatMap((n) => [n, values[n] ?? ""]));
}

const registries = new WeakMap<object, ConnectorRegistry>();
const programRegistry = new ConnectorRegistry();

/** The registry of the current deployment: one per stack resource, so inline programs start afresh on each run. */
function currentRegistry(): ConnectorRegistry {
    const stack = pulumi.runtime.getStackResource();
    if (!stack) return programRegistry; // unit tests with mocks
    let r = registries.get(stack);
    if (!r) registries.set(stack, (r = new ConnectorRegistry()));
    return r;
}

/** Runs `fn` on the values now if they are plain, else once they resolve (never during a preview that lacks them). */
function whenKnown(values: pulumi.Input<ConfigValue>[], fn: (resolved: ConfigValue[]) => void): void {
    if (values.every((v) => !pulumi.Output.isInstance(v) && !(v instanceof Promise))) fn(values as ConfigValue[]);
    else pulumi.all(values).apply((resolved) => fn(resolved));
}

/** A connector of any class; the typed classes below add arguments, rules and defaults. */
export class ConnectorResource extends pulumi.dynamic.Resource {
    /** The connector's name in Connect. */
    public readonly connectorName: string;
    /** Observed state after the last `up` or `refresh`: running, paused, stopped or failed. */
    public readonly state!: pulumi.Output<string>;
    /** Connect's own state of the connector (RUNNING, PAUSED, ...). */
    public readonly connectorState!: pulumi.Output<string>;
    /** The worker that runs the connector. */
    public readonly workerId!: pulumi.Output<string>;
    /** Every task: id, state and the worker that runs it. */
    public readonly tasks!: pulumi.Output<TaskOutput[]>;

    protected constructor(
        type: string,
        name: string,
        args: ConnectorCommonArgs,
        build: (connectorName: string) => ConnectorConfig,
        opts?: pulumi.CustomResourceOptions,
    ) {
        const connectorName = args.connectorName ?? name;
        const config = build(connectorName);
        const reserved = Object.keys(config).filter((k) => RESERVED_KEYS.includes(k));
        if (reserved.length > 0) {
            throw new ConnectorArgsError(connectorName, reserved.map((k) => `${k}: the resource's own property, not a config property (the name: set connectorName)`));
        }
        checkSecretNames(connectorName, config, args.knownSecrets);
        claimNames(name, connectorName, config);
        super(
            connectorProvider,
            name,
            {
                ...config,
                name: connectorName,
                connectUrls: args.connectUrls,
                connectAuth: args.connectAuth ? pulumi.secret(args.connectAuth) : undefined,
                state: args.state ?? "running",
                restartTrigger: args.restartTrigger ?? "",
                timeoutSeconds: args.timeoutSeconds ?? 120,
                guard: guardFor(name),
                secretsDigest: args.secretValues
                    ? pulumi.secret(pulumi.output(args.secretValues).apply((v) => secretsDigest(referencedSecrets(config).map(([, n]) => n), v)))
                    : undefined,
                connectorState: undefined,
                workerId: undefined,
                tasks: undefined,
            },
            opts,
            "connect",
            type,
        );
        this.connectorName = connectorName;
    }
}

/** Throws ConnectorArgsError if `config` references a secret that is not among `known`. */
/** The secrets `config` references, by the property holding each reference. */
function referencedSecrets(config: ConnectorConfig): [string, string][] {
    return Object.entries(config).flatMap(([k, v]) => (typeof v === "string" ? secretNamesIn(v).map((n): [string, string] => [k, n]) : []));
}

function checkSecretNames(connectorName: string, config: ConnectorConfig, known: readonly string[] | undefined): void {
    if (known === undefined) return;
    const problems = referencedSecrets(config)
        .filter(([, n]) => !known.includes(n))
        .map(([k, n]) => `${k}: secret ${n} is not in cdc-sync:connectorSecrets (it has: ${known.join(", ") || "none"})`);
    if (problems.length > 0) throw new ConnectorArgsError(connectorName, problems);
}

/** Claims, for resource `owner`, the names that must be unique in the stack (./registry.ts); throws on a clash. */
function claimNames(owner: string, connectorName: string, config: ConnectorConfig): void {
    const registry = currentRegistry();
    registry.claim(owner, { what: "connector name", scope: "", value: connectorName });
    const prefix = config["topic.prefix"];
    if (prefix !== undefined) whenKnown([prefix], ([p]) => registry.claim(owner, { what: "topic.prefix", scope: "", value: String(p) }));
    const slot = config["slot.name"];
    if (slot !== undefined && config["connector.class"] === POSTGRES_CONNECTOR_CLASS) {
        whenKnown([config["database.hostname"], config["database.port"] ?? 5432, slot], ([host, port, s]) =>
            registry.claim(owner, { what: "slot.name", scope: `PostgreSQL ${host}:${port}`, value: String(s) }),
        );
    }
}

export interface ConnectorArgs extends ConnectorCommonArgs {
    /** `connector.class`: a class installed on the workers (or its alias). */
    readonly connectorClass: string;
    /** Every other property, by its Connect name (not `name`: see connectorName). */
    readonly config: ConnectorConfig;
}

/** The escape hatch: a connector of any class from a plain config, checked by the common rules only. */
export class Connector extends ConnectorResource {
    constructor(name: string, args: ConnectorArgs, opts?: pulumi.CustomResourceOptions) {
        super("Connector", name, args, () => ({ ...args.config, "connector.class": args.connectorClass }), opts);
    }
}

/** A source connector: it writes under a topic prefix, which sinks consume through `source`. */
export class SourceConnectorResource extends ConnectorResource {
    /** Class and topic prefix, for sinks that consume this source (`JdbcSinkSpec.from`). */
    public readonly source: SourceRef;

    protected constructor(
        type: string,
        connectorClass: string,
        name: string,
        args: ConnectorCommonArgs & { readonly topicPrefix: string },
        build: (connectorName: string) => ConnectorConfig,
        opts?: pulumi.CustomResourceOptions,
    ) {
        super(type, name, args, build, opts);
        this.source = { connectorClass, topicPrefix: args.topicPrefix };
    }
}

export type PostgresSourceArgs = PostgresSourceSpec & ConnectorCommonArgs;

/** A Debezium PostgreSQL source. */
export class PostgresSourceConnector extends SourceConnectorResource {
    constructor(name: string, args: PostgresSourceArgs, opts?: pulumi.CustomResourceOptions) {
        super("PostgresSource", POSTGRES_CONNECTOR_CLASS, name, args, (n) => postgresSourceConfig(n, args), opts);
    }
}

export type MongoSourceArgs = MongoSourceSpec & ConnectorCommonArgs;

/** A Debezium MongoDB source. */
export class MongoSourceConnector extends SourceConnectorResource {
    constructor(name: string, args: MongoSourceArgs, opts?: pulumi.CustomResourceOptions) {
        super("MongoSource", MONGODB_CONNECTOR_CLASS, name, args, (n) => mongoSourceConfig(n, args), opts);
    }
}

export type JdbcSinkArgs = JdbcSinkSpec & ConnectorCommonArgs;

/** A Debezium JDBC sink. */
export class JdbcSinkConnector extends ConnectorResource {
    constructor(name: string, args: JdbcSinkArgs, opts?: pulumi.CustomResourceOptions) {
        super("JdbcSink", name, args, (n) => jdbcSinkConfig(n, args), opts);
    }
}
