// Day-2 safety: a change that would destroy state as a side effect (a topic's messages, a volume's data, a
// replication slot, a source's offsets) is refused when the provider diffs it, so `pulumi preview` fails with the
// resource and the consequence named, and nothing is touched. The stack allows one consequence for one resource
// with `cdc-sync:allowDestructive.<resource name>: <consequence>` (read by components/stack/allow.ts, which hands
// it to `allowDestruction` before any resource is built; each guarded resource's constructor then takes its own
// with `guardFor`). `pulumi destroy` never asks: removing everything is what it is for.

/** The consequences a guarded replacement can have, by the word that allows each. */
export const DESTRUCTIONS = {
    "delete-topic": "deletes the topic and every message in it",
    "delete-volume": "deletes the volume and every file on it",
    "drop-slot": "drops the replication slot and what the stack made with it; changes made until its successor exists are not captured",
    resnapshot: "starts the capture over without its offsets: a new snapshot of every table, into the new topics",
    "no-backfill": "captures the table from now on only: the rows it already holds are not copied",
} as const;
export type Destruction = keyof typeof DESTRUCTIONS;

export const ALLOW_KEY = "cdc-sync:allowDestructive";

/** Every guarded resource's `guard` input: its own name (for the message) and what the stack allows it. */
export interface Guard {
    readonly resource: string;
    readonly allowed?: string;
    /**
     * Set on the inputs a refresh reads back from the world (a provider's `read`): what they differ in is drift being
     * recorded, not a change anyone asked for, so `pulumi refresh` never refuses. The next `up` diffs the program's own.
     */
    readonly observed?: boolean;
}

/** The guard to store with inputs read back by a refresh. */
export function observedGuard(guard: Guard | undefined): Guard | undefined {
    return guard === undefined ? undefined : { ...guard, observed: true };
}

/** What this program run allows, by resource name: one run is one stack, so one table for the process. */
let allowances: Readonly<Record<string, Destruction>> = {};
/** The guarded resources built since, by name. */
const guarded = new Set<string>();

/** Sets what the stack allows; every guarded resource built afterwards takes its own entry. */
export function allowDestruction(byResource: Readonly<Record<string, Destruction>>): void {
    allowances = { ...byResource };
    guarded.clear();
}

/** The `guard` input of the guarded resource named `resource`. */
export function guardFor(resource: string): Guard {
    guarded.add(resource);
    const allowed = allowances[resource];
    return allowed === undefined ? { resource } : { resource, allowed };
}

/** Allowed names no guarded resource built so far has: a typo, or a resource the stack no longer has. */
export function unusedAllowances(): string[] {
    return Object.keys(allowances).filter((n) => !guarded.has(n));
}

/**
 * Throws (failing the preview, or the `up` before anything is done) when `replaces` is not empty and the stack does
 * not allow `destruction` for this resource. `what` names the thing destroyed, `holds` what it carries for the user;
 * `change` words a refusal that is not a replacement (`{ verb: "change", doing: "adding" }`).
 */
export function refuseDestruction(
    guard: Guard | undefined,
    replaces: readonly string[],
    destruction: Destruction,
    what: string,
    holds?: string,
    change: { verb: string; doing: string } = { verb: "replace", doing: "changing" },
): void {
    if (replaces.length === 0 || guard?.allowed === destruction || guard?.observed) return;
    const name = guard?.resource ?? "this resource";
    throw new Error(
        `refusing to ${change.verb} ${name} (${what}): ${change.doing} ${replaces.join(", ")} ${DESTRUCTIONS[destruction]}` +
            `${holds ? ` (${holds})` : ""}. Nothing was changed. To accept that, set ${ALLOW_KEY}.${name}: ${destruction} ` +
            `in the stack file for this up, and remove it afterwards.`,
    );
}
