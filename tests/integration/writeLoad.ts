// A write load on both databases of a two-way pair while a change is applied, and the no-loss checker after it:
// each side's writer owns its keys, upserts and deletes them, and records every key's final state; afterwards
// both databases must hold every recorded final state (deleted keys absent) and be identical row for row.
import * as assert from "assert";
import { Client } from "pg";
import { eventually } from "./harness";

export interface PgServer {
    readonly host: string;
    readonly port: number;
    readonly password: string;
}

export interface LoadResult {
    /** Writes made during the change (upserts and deletes, both sides). */
    readonly writes: number;
    /** Recorded final states missing from either database once it settled (empty: nothing lost). */
    readonly lost: string[];
    /** Whether the two databases still differed when the checker gave up. */
    readonly diverged: boolean;
}

/** Keys per side: prime to the delete period (5), so every key is both written and deleted over time. */
const KEYS_PER_SIDE = 37;

/** Writers on `databases[0]` and `databases[1]`, on keys from `base` up (side 1 from `base + 100000`). */
export class TwoWayWriteLoad {
    private stopping = false;
    private writes = 0;
    private readonly finals = new Map<number, string | undefined>();
    private readonly clients: Client[] = [];
    private running: Promise<void>[] = [];

    private constructor(
        private readonly server: PgServer,
        private readonly databases: readonly [string, string],
        private readonly table: string,
        private readonly base: number,
    ) {}

    static async start(server: PgServer, databases: readonly [string, string], table = "customers", base = 9_000_000): Promise<TwoWayWriteLoad> {
        const load = new TwoWayWriteLoad(server, databases, table, base);
        for (const db of databases) load.clients.push(await load.connect(db));
        load.running = load.clients.map((c, side) => load.write(c, side));
        return load;
    }

    private async connect(database: string): Promise<Client> {
        const c = new Client({ host: this.server.host, port: this.server.port, user: "postgres", password: this.server.password, database });
        await c.connect();
        return c;
    }

    /** Until stopped: every fifth write deletes, the others upsert; the last write of each key is its final state. */
    private async write(c: Client, side: number): Promise<void> {
        for (let i = 0; !this.stopping; i++) {
            const id = this.base + side * 100_000 + (i % KEYS_PER_SIDE);
            if (i % 5 === 4) {
                await c.query(`DELETE FROM ${this.table} WHERE id = $1`, [id]);
                this.finals.set(id, undefined);
            } else {
                const name = `load-${side}-${i}`;
                await c.query(`INSERT INTO ${this.table} (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name`, [id, name]);
                this.finals.set(id, name);
            }
            this.writes++;
            await new Promise((r) => setTimeout(r, 20));
        }
    }

    /** Stops the writers, waits up to `seconds` for both databases to settle, and reports what the checker found. */
    async stopAndCheck(seconds = 120): Promise<LoadResult> {
        this.stopping = true;
        await Promise.all(this.running);
        const rows = async (c: Client) =>
            new Map(
                (await c.query(`SELECT id, name FROM ${this.table} WHERE id >= $1 AND id < $2`, [this.base, this.base + 200_000])).rows.map(
                    (r) => [Number(r.id), String(r.name)] as const,
                ),
            );
        const missing = async (): Promise<string[]> => {
            const out: string[] = [];
            for (const [i, c] of this.clients.entries()) {
                const have = await rows(c);
                for (const [id, name] of this.finals) {
                    if (have.get(id) !== name) out.push(`${this.databases[i]}: ${id} is ${have.get(id) ?? "absent"}, last written ${name ?? "deleted"}`);
                }
            }
            return out;
        };
        const dump = async (c: Client) => JSON.stringify((await c.query(`SELECT to_jsonb(t) AS r FROM ${this.table} t ORDER BY id`)).rows);
        let lost: string[] = [];
        let diverged = false;
        await eventually(seconds, async () => {
            lost = await missing();
            diverged = (await dump(this.clients[0])) !== (await dump(this.clients[1]));
            assert.deepStrictEqual([lost, diverged], [[], false]);
        }).catch(() => undefined);
        await Promise.all(this.clients.map((c) => c.end().catch(() => undefined)));
        return { writes: this.writes, lost, diverged };
    }
}
