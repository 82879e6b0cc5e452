// Names that must be unique across the connectors of one program, checked as each connector is constructed
// (so a clash fails before anything is sent): the connector name in the Connect cluster, a source's topic
// prefix (its topics, and its offsets, are keyed by it) and a PostgreSQL slot name (replication slots are
// per PostgreSQL server, not per database: two connectors on one slot steal each other's changes).

/** One claim: `what` (e.g. "slot.name") with `value`, unique within `scope` (e.g. a PostgreSQL server). */
export interface Claim {
    readonly what: string;
    readonly scope: string;
    readonly value: string;
}

export class ConnectorRegistry {
    private readonly owners = new Map<string, string>();

    /**
     * Records the claim of `owner` (a connector resource's name); throws if another owner holds it. Claiming
     * again as the same owner is fine.
     */
    claim(owner: string, c: Claim): void {
        const key = JSON.stringify([c.what, c.scope, c.value]);
        const holder = this.owners.get(key);
        if (holder !== undefined && holder !== owner) {
            const where = c.scope === "" ? "in this stack" : `on ${c.scope}`;
            throw new Error(`connector resource ${owner}: ${c.what} ${JSON.stringify(c.value)} is already used ${where} by ${holder}`);
        }
        this.owners.set(key, owner);
    }
}
