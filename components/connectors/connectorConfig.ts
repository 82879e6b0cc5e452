// Shared pieces of the typed connector builders (./postgresSource.ts, ./mongoSource.ts, ./jdbcSink.ts): the
// shape of a connector config, single message transforms, and the errors a builder reports at construction.
import type * as pulumi from "@pulumi/pulumi";

/** A config value as declared. Connect stores strings; the provider renders numbers and booleans. */
export type ConfigValue = string | number | boolean;

/** A Kafka Connect connector config: property name -> value (values may come from other resources). */
export type ConnectorConfig = Readonly<Record<string, pulumi.Input<ConfigValue>>>;

/** A single message transform, applied in declaration order. */
export interface Transform {
    /** Its alias in `transforms`: letters, digits, '_' and '-'. */
    readonly alias: string;
    /** The transform class, e.g. `io.debezium.connector.mongodb.transforms.ExtractNewDocumentState`. */
    readonly type: string;
    /** Its settings, without the `transforms.<alias>.` prefix. */
    readonly config?: Readonly<Record<string, ConfigValue>>;
}

/** The properties every typed connector accepts besides its own. */
export interface CommonSpec {
    /** Single message transforms, in order. */
    readonly transforms?: readonly Transform[];
    /**
     * Further properties of the connector class that have no typed field here, by their Connect name. They go
     * through the same checks as the typed ones; naming a property a typed field already sets is an error.
     */
    readonly extra?: ConnectorConfig;
}

/** What every typed source accepts: its topic namespace, and how Connect creates its topics. */
export interface SourceSpec extends CommonSpec {
    /**
     * Prefix of every topic the connector writes (`<prefix>.<schema or database>.<table or collection>`),
     * unique in the stack. Changing it replaces the connector: new topics, new snapshot.
     */
    readonly topicPrefix: string;
    /** `heartbeat.interval.ms`: records offsets while the captured tables are idle. */
    readonly heartbeatIntervalMs?: number;
    /**
     * Partitions of each topic Connect creates for the source; default: the brokers' `num.partitions`. The
     * brokers never create topics on their own, so Connect creates them (replication factor: the brokers'
     * default, i.e. the stack's).
     */
    readonly topicPartitions?: number;
}

/** The properties every typed source sets from its SourceSpec. */
export function sourceProperties(spec: SourceSpec): Record<string, ConfigValue | undefined> {
    return {
        "topic.prefix": spec.topicPrefix,
        "heartbeat.interval.ms": spec.heartbeatIntervalMs,
        // -1: the broker's default.replication.factor / num.partitions (KIP-158).
        "topic.creation.default.replication.factor": -1,
        "topic.creation.default.partitions": spec.topicPartitions ?? -1,
    };
}

/** Where a sink's records come from: a source connector's class and topic prefix. */
export interface SourceRef {
    readonly connectorClass: string;
    readonly topicPrefix: string;
}

/** Problems in typed connector args found while building the config, before any resource exists. */
export class ConnectorArgsError extends Error {
    constructor(
        readonly connector: string,
        readonly problems: readonly string[],
    ) {
        super(`connector ${connector}: invalid arguments:\n  - ${problems.join("\n  - ")}`);
        this.name = "ConnectorArgsError";
    }
}

const ALIAS = /^[A-Za-z0-9_-]+$/;

/** The `transforms` property and each transform's `transforms.<alias>.*` settings. */
function transformsConfig(transforms: readonly Transform[]): { config: ConnectorConfig; problems: string[] } {
    const problems: string[] = [];
    const config: Record<string, ConfigValue> = {};
    if (transforms.length === 0) return { config, problems };
    const aliases = transforms.map((t) => t.alias);
    for (const [i, a] of aliases.entries()) {
        if (!ALIAS.test(a)) problems.push(`transforms[${i}].alias: expected letters, digits, '_' or '-', got ${JSON.stringify(a)}`);
        else if (aliases.indexOf(a) !== i) problems.push(`transforms[${i}].alias: ${a} is used by an earlier transform`);
    }
    config.transforms = aliases.join(",");
    for (const t of transforms) {
        config[`transforms.${t.alias}.type`] = t.type;
        for (const [k, v] of Object.entries(t.config ?? {})) config[`transforms.${t.alias}.${k}`] = v;
    }
    return { config, problems };
}

/**
 * The final config of a typed connector: its typed properties (undefined ones left out), its transforms and
 * its `extra` properties. Throws ConnectorArgsError listing every problem, `extraProblems` included.
 */
export function assemble(
    connector: string,
    typed: Readonly<Record<string, pulumi.Input<ConfigValue> | undefined>>,
    common: CommonSpec,
    extraProblems: readonly string[] = [],
): ConnectorConfig {
    const problems = [...extraProblems];
    const config: Record<string, pulumi.Input<ConfigValue>> = {};
    for (const [k, v] of Object.entries(typed)) if (v !== undefined) config[k] = v;
    const transforms = transformsConfig(common.transforms ?? []);
    problems.push(...transforms.problems);
    for (const [k, v] of [...Object.entries(transforms.config), ...Object.entries(common.extra ?? {})]) {
        if (k in config) problems.push(`extra.${k}: already set by a typed field or transform; set it there`);
        else config[k] = v;
    }
    if (problems.length > 0) throw new ConnectorArgsError(connector, problems);
    return config;
}

/** A comma-separated Connect LIST value, or undefined for an absent or empty list. */
export function list(items: readonly string[] | undefined): string | undefined {
    return items && items.length > 0 ? items.join(",") : undefined;
}

/** `s` as a regular expression that matches exactly it (for include lists, topic regexes, RegexRouter). */
export function escapeRegex(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
