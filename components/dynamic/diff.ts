// Shared by every dynamic provider: which declared fields differ between stored outputs and new inputs
// (compared as canonical JSON, sorted keys, so key order never shows up as a change), and what a value
// the preview does not know yet looks like.

/** What the engine sends a provider's `check`/`diff` for a value a preview does not know yet. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Canonical JSON: objects with sorted keys, so equal values compare equal. */
export function canonical(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        return `{${Object.keys(o)
            .sort()
            .filter((k) => o[k] !== undefined)
            .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(v ?? null);
}

/** The fields among `fields` whose values differ between `olds` and `news`. */
export function changedFields<T extends object>(olds: Partial<T>, news: Partial<T>, fields: readonly (keyof T)[]): string[] {
    return fields.filter((f) => canonical(olds[f]) !== canonical(news[f])).map(String);
}
