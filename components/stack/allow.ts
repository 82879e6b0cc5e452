// `cdc-sync:allowDestructive`: the consequences the stack accepts, one per resource, for the changes the guarded
// providers otherwise refuse at preview (components/dynamic/guard.ts, whose `allowDestruction` takes the result).
import { Checker } from "../config/checker";
import { Destruction, DESTRUCTIONS } from "../dynamic/guard";

/** Resource name (as the preview shows it) -> the one consequence allowed for it. */
export type Allowances = Readonly<Record<string, Destruction>>;

export function loadAllowances(c: Checker, v: unknown): Allowances {
    if (v === undefined) return {};
    const o = c.object("allowDestructive", v);
    if (!o) return {};
    const words = Object.keys(DESTRUCTIONS) as Destruction[];
    const out: Record<string, Destruction> = {};
    for (const [name, word] of Object.entries(o)) {
        if (typeof word === "string" && (words as string[]).includes(word)) out[name] = word as Destruction;
        else c.fail(`allowDestructive.${name}`, `the consequence to accept for resource ${name}, one of ${words.map((w) => JSON.stringify(w)).join(", ")}`, word);
    }
    return out;
}
