// What the connector provider compares, so that a converged stack shows no change and a real change shows
// exactly the properties it touches. A connector resource's properties are its Connect config, flat (one
// Pulumi property per Connect property, so previews name them: `[diff: ~snapshot.mode]`), next to a few
// control inputs and status outputs. Values are compared the way Connect stores them: as strings.
import { CONNECTOR_CLASSES } from "./classes";

/** The resource's own inputs, next to the config properties. */
export const CONTROL_KEYS = ["connectUrls", "connectAuth", "state", "restartTrigger", "timeoutSeconds", "secretsDigest"] as const;
/** What the provider adds to the outputs: the live status. */
export const STATUS_KEYS = ["connectorState", "workerId", "tasks"] as const;
/**
 * Never connector config: the keys above; `guard` (components/dynamic/guard.ts); `effect` (the preview's words,
 * components/dynamic/effect.ts); `name`, which is the connector's name and which Connect injects
 * into every config it returns; and the dynamic provider's own `__provider`. (An array, not a Set: this
 * module is serialized into the provider, and the closure serializer does not carry Sets.)
 */
export const RESERVED_KEYS: readonly string[] = [...CONTROL_KEYS, ...STATUS_KEYS, "name", "guard", "effect", "__provider"];

/** What Connect answers instead of a PASSWORD-typed value (e.g. in validation results). */
export const MASKED = "[hidden]";

/** A value as Connect stores it: numbers and booleans as text, lists comma-separated. */
export function render(value: unknown): string {
    if (typeof value === "string") return value;
    if (Array.isArray(value)) return value.map(render).join(",");
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    return JSON.stringify(value);
}

/** The connector config within a resource's properties, rendered; absent (undefined/null) values left out. */
export function configOf(props: Readonly<Record<string, unknown>>): Record<string, string> {
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(props)) if (!RESERVED_KEYS.includes(k) && v !== undefined && v !== null) config[k] = render(v);
    return config;
}

/**
 * Config properties that differ between the stored outputs (possibly refreshed from Connect) and the new
 * inputs. A masked live value equals any declared one: Connect hides it, so it cannot be compared.
 */
export function changedConfigKeys(olds: Readonly<Record<string, unknown>>, news: Readonly<Record<string, unknown>>): string[] {
    const before = configOf(olds);
    const after = configOf(news);
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.filter((k) => before[k] !== after[k] && !(before[k] === MASKED && k in after));
}

/**
 * The changed properties that force a replacement (see ClassRules.replaceOn), for the class before and
 * after: a replaced connector starts over, so the preview must say which property causes it.
 */
export function replacingKeys(changed: readonly string[], classNames: readonly string[]): string[] {
    const replaceOn = new Set(["connector.class", ...CONNECTOR_CLASSES.filter((c) => classNames.includes(c.className)).flatMap((c) => c.replaceOn)]);
    return changed.filter((k) => replaceOn.has(k));
}
