// Shared by every dynamic provider: which declared fields differ between stored outputs and new inputs.
// Values are compared as canonical JSON (sorted keys), so key order never shows up as a change.

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
