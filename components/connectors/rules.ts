// Local validation of a connector config, before anything is sent to Connect: the rules every connector
// shares (credentials only as secret placeholders, transforms declared completely, property names other
// vendors use rejected) and the rules of its class (required properties, enums, Debezium's cross-field rules).
// Runs in the provider's `check`, so `pulumi preview` reports them even when no Connect cluster exists yet.
// Pure: takes rendered string values plus the keys a preview does not know yet, returns problems.
import { LEGACY_DEBEZIUM_SOURCE_PROPERTIES } from "./foreignProperties";
import { foreignVariables, isCredentialKey, isSecretRef, SECRET_REF_FORM } from "./secrets";

/** One problem, attached to the Connect property it is about. */
export interface Problem {
    readonly field: string;
    readonly message: string;
}

/** A config as the provider sees it: string values, some of them unknown while previewing. */
export class ConfigView {
    constructor(
        readonly config: Readonly<Record<string, string>>,
        /** Keys whose value a preview does not know yet: rules skip what they cannot decide. */
        readonly unknown: ReadonlySet<string> = new Set(),
    ) {}

    has(key: string): boolean {
        return key in this.config;
    }

    /** The value, or undefined when absent or not known yet. */
    known(key: string): string | undefined {
        return this.unknown.has(key) ? undefined : this.config[key];
    }
}

/** What one connector class requires, from its Debezium documentation. */
export interface ClassRules {
    /** The connector class (Connect's `connector.class`). */
    readonly className: string;
    /** A sink consumes `topics` or `topics.regex`; a source produces under `topic.prefix`. */
    readonly role: "source" | "sink";
    readonly required: readonly string[];
    /** Properties with a closed set of values. */
    readonly enums: Readonly<Record<string, readonly string[]>>;
    /** Values of those properties that are deprecated or another vendor's, -> what to write instead. */
    readonly valuesInstead?: Readonly<Record<string, Readonly<Record<string, string>>>>;
    readonly booleans?: readonly string[];
    /** Pairs Debezium documents as "do not set both". */
    readonly exclusive?: readonly (readonly [string, string])[];
    /** Property names of other connectors that this class silently ignores -> what to write instead. */
    readonly foreign?: Readonly<Record<string, string>>;
    /** Cross-field rules. */
    readonly check?: (v: ConfigView) => Problem[];
    /**
     * Properties whose change cannot be applied to a running connector without a new snapshot, a new
     * replication slot or lost offsets: the provider replaces the connector and names the property.
     */
    readonly replaceOn: readonly string[];
}

const POSITIVE_INTEGER = /^[1-9][0-9]*$/;
/** Debezium: "only alphanumeric characters, hyphens, dots and underscores" (it names Kafka topics). */
const TOPIC_PREFIX = /^[A-Za-z0-9._-]+$/;

/** Rules every connector follows, whatever its class. */
function commonProblems(v: ConfigView): Problem[] {
    const problems: Problem[] = [];
    if (!v.has("connector.class")) problems.push({ field: "connector.class", message: "required" });
    const tasks = v.known("tasks.max");
    if (tasks !== undefined && !POSITIVE_INTEGER.test(tasks)) {
        problems.push({ field: "tasks.max", message: `expected a positive integer, got ${JSON.stringify(tasks)}` });
    }
    const aliases = v.known("transforms");
    if (aliases !== undefined) {
        for (const alias of aliases.split(",").map((a) => a.trim()).filter((a) => a !== "")) {
            if (!v.has(`transforms.${alias}.type`)) {
                problems.push({ field: `transforms.${alias}.type`, message: `required: transform ${alias} is listed in transforms` });
            }
        }
    }
    // Every Debezium source ignores its 1.x property names, typed class or not (e.g. MySQL through Connector).
    const className = v.known("connector.class") ?? "";
    if (className.startsWith("io.debezium.connector.") && !className.endsWith("SinkConnector")) {
        for (const [key, instead] of Object.entries(LEGACY_DEBEZIUM_SOURCE_PROPERTIES)) {
            if (v.has(key)) problems.push({ field: key, message: `removed in Debezium 2.0 and ignored silently; use ${instead}` });
        }
    }
    for (const [key, value] of Object.entries(v.config)) {
        if (v.unknown.has(key)) continue;
        if (isCredentialKey(key) && !isSecretRef(value)) {
            problems.push({
                field: key,
                message:
                    `a credential must be a secret reference, never a plain value: write ${SECRET_REF_FORM} ` +
                    "(secretRef(name)) and put the value in the stack config cdc-sync:connectorSecrets",
            });
        }
        for (const bad of foreignVariables(value)) {
            problems.push({
                field: key,
                message: `${bad} cannot be resolved by the workers: only ${SECRET_REF_FORM} placeholders of the stack's secrets file are deployed`,
            });
        }
    }
    return problems;
}

function classProblems(v: ConfigView, rules: ClassRules): Problem[] {
    const problems: Problem[] = [];
    for (const key of rules.required) if (!v.has(key)) problems.push({ field: key, message: `required by ${shortName(rules.className)}` });
    for (const [key, values] of Object.entries(rules.enums)) {
        const value = v.known(key);
        if (value === undefined) continue;
        const instead = rules.valuesInstead?.[key]?.[value];
        if (instead !== undefined) problems.push({ field: key, message: `${JSON.stringify(value)} is not for ${shortName(rules.className)}; use ${instead}` });
        else if (!values.includes(value)) problems.push({ field: key, message: `expected one of ${values.join(", ")}; got ${JSON.stringify(value)}` });
    }
    for (const key of rules.booleans ?? []) {
        const value = v.known(key);
        if (value !== undefined && !/^(true|false)$/i.test(value)) problems.push({ field: key, message: `expected true or false; got ${JSON.stringify(value)}` });
    }
    for (const [a, b] of rules.exclusive ?? []) {
        if (v.has(a) && v.has(b)) problems.push({ field: b, message: `cannot be set together with ${a}; set one of them` });
    }
    for (const [key, instead] of Object.entries(rules.foreign ?? {})) {
        if (v.has(key)) {
            problems.push({ field: key, message: `not a property of ${shortName(rules.className)}, which ignores it silently; use ${instead}` });
        }
    }
    if (rules.role === "sink") {
        const topics = v.has("topics");
        const regex = v.has("topics.regex");
        if (topics === regex) problems.push({ field: "topics", message: "a sink needs exactly one of topics and topics.regex" });
    } else {
        const prefix = v.known("topic.prefix");
        if (prefix !== undefined && !TOPIC_PREFIX.test(prefix)) {
            problems.push({ field: "topic.prefix", message: `expected letters, digits, '.', '_' or '-', got ${JSON.stringify(prefix)}` });
        }
    }
    return [...problems, ...(rules.check?.(v) ?? [])];
}

function shortName(className: string): string {
    return className.slice(className.lastIndexOf(".") + 1);
}

/**
 * Every problem of `config`: the common rules, and the rules of its class when `classes` knows it (other
 * classes, e.g. through the raw Connector, get the common rules only).
 */
export function configProblems(view: ConfigView, classes: readonly ClassRules[]): Problem[] {
    const rules = classes.find((c) => c.className === view.config["connector.class"]);
    return [...commonProblems(view), ...(rules ? classProblems(view, rules) : [])];
}

/** Helpers for the class files' cross-field rules. */
export const when = {
    /** `then` must be set whenever `key` has `value` (e.g. snapshot.mode=custom needs snapshot.mode.custom.name). */
    needs(v: ConfigView, key: string, value: string, then: string): Problem[] {
        return v.known(key) === value && !v.has(then) ? [{ field: then, message: `required when ${key}=${value}` }] : [];
    },
};
