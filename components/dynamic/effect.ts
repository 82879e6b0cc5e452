// Previews a reviewer can read. A provider's check() sees the recorded inputs and the new ones; it states in words what
// applying the change will do (what restarts, after what, what is copied) under the input `effect`, which
// `pulumi preview --diff` prints beside the inputs that changed (`~ effect: "restarts: ..."`). No diff reads it: it
// describes a change and never is one. A create has none (the preview already says what a create does).

/** The input the words are kept under. */
export const EFFECT_KEY = "effect";

/** `news` with `effect` set to `describe(olds, news)` when the resource is recorded and there is something to say. */
export function withEffect<T extends object>(olds: Partial<T> | undefined, news: T, describe: (olds: T, news: T) => string | undefined): T {
    const out = { ...news } as Record<string, unknown>;
    delete out[EFFECT_KEY];
    const recorded = olds !== undefined && Object.keys(olds).length > 0;
    const text = recorded ? describe(olds as T, news) : undefined;
    if (text) out[EFFECT_KEY] = text;
    return out as T;
}

/** `a, b and c`. */
export function listed(items: readonly string[]): string {
    return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
