// Settings a running service may only move through one step at a time: Kafka Connect's
// `exactly.once.source.support` must be `preparing` on every worker of a running cluster before any runs `enabled`.
// The container provider's check() holds such a setting at the next step when the change asks for more than one,
// and says so in the preview; the `up` after applies the next step. A new container takes the value as asked. Pure.

/** A `key=value` line of the properties file in env `env` whose value may only advance along `order`, one per `up`. */
export interface SettingSteps {
    /** The env var holding the properties file (`CDC_PROPERTIES`). */
    readonly env: string;
    readonly key: string;
    /** The values in the order they must be taken; a file without the key is at the first. */
    readonly order: readonly string[];
    /** Why, in words, for the preview. */
    readonly why: string;
}

/** The value of `key` in a properties text (the last `key=value` line), or undefined. */
function valueIn(text: string, key: string): string | undefined {
    const lines = text.split("\n").filter((l) => l.startsWith(`${key}=`));
    return lines.length === 0 ? undefined : lines[lines.length - 1].slice(key.length + 1);
}

/**
 * The env to run, given the recorded one (`olds`, undefined for a new container) and the one asked for: each stepped
 * setting moved at most one step past its recorded value (a value outside `order`, or a step back, is taken as asked).
 * `held` words each setting held back.
 */
export function stepSettings(
    olds: Readonly<Record<string, string>> | undefined,
    news: Readonly<Record<string, string>>,
    steps: readonly SettingSteps[],
): { env: Record<string, string>; held: string[] } {
    const env = { ...news };
    const held: string[] = [];
    if (!olds) return { env, held };
    for (const s of steps) {
        const [was, asked] = [olds[s.env], env[s.env]];
        if (typeof was !== "string" || typeof asked !== "string") continue;
        const from = s.order.indexOf(valueIn(was, s.key) ?? s.order[0]);
        const wanted = valueIn(asked, s.key);
        const to = wanted === undefined ? -1 : s.order.indexOf(wanted);
        if (from < 0 || to <= from + 1) continue;
        const next = s.order[from + 1];
        env[s.env] = asked
            .split("\n")
            .map((l) => (l.startsWith(`${s.key}=`) ? `${s.key}=${next}` : l))
            .join("\n");
        held.push(`${s.key}=${next} in this up, not ${wanted} (${s.why}); the next up sets ${s.order[from + 2] ?? wanted}`);
    }
    return { env, held };
}
