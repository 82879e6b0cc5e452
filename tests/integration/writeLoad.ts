// A write load on both databases of a two-way pair while a change is applied, and the no-loss checker after it:
// each side's writer owns its keys, upserts and deletes them, and records every key's final state; both writers
// also write a few contended keys (the conflict rule decides those). Afterwards both databases must hold every
// recorded final state (deleted keys absent) and be identical row for row. Meanwhile a probe per direction (a
// counter one side bumps, the other side watched for it) measures the longest gap in delivery.
import * as assert from "assert";
import { Client, QueryResult } from "pg";
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
    /** The longest time either direction delivered nothing new of its probe while the load ran, in ms. */
    readonly maxGapMs: number;
}

/** Keys per side: prime to the delete period (5), so every key is both written and deleted over time. */
const KEYS_PER_SIDE = 37;
/** Keys both sides write (every seventh write), offset from `base`. */
const CONTENDED = { offset: 60_000, count: 5 };
/** Each side's probe key, offset from `base` (side 1: plus 100000), and how often it is bumped. */
const PROBE = { offset: 50_000, everyMs: 250 };

/** Writers on `databases[0]` and `databases[1]`, on keys from `base` up (side 1 from `base + 100000`). */
export class TwoWayWriteLoad {
    private stopping = false;
    private writes = 0;
    private readonly finals = new Map<number, string | undefined>();
    private readonly clients: Client[] = [];
    private running: Promise<void>[] = [];
    private readonly watchers: Client[] = [];
    /** Per direction (by writing side): when the far side last showed a new probe value. */
    private readonly lastSeen: number[] = [];
    private readonly gaps: number[] = [0, 0];

    private constructor(
        private readonly server: PgServer,
        private readonly databases: readonly [string, string],
        private readonly table: string,
        private readonly base: number,
    ) {}

    /** `sides`: which databases write (both by default; `[0]`: the first only, the second only receives). */
    static async start(server: PgServer, databases: readonly [string, string], table = "customers", base = 9_000_000, sides: readonly number[] = [0, 1]): Promise<TwoWayWriteLoad> {
        const load = new TwoWayWriteLoad(server, databases, table, base);
        for (const db of databases) load.clients.push(await load.connect(db));
        for (const db of databases) load.watchers.push(await load.connect(db));
        load.lastSeen.push(Date.now(), Date.now());
        load.running = [
            ...sides.map((side) => load.write(side)),
            ...sides.map((side) => load.probe(side)),
            ...sides.map((side) => load.watch(side)),
        ];
        return load;
    }

    private async connect(database: string): Promise<Client> {
        const c = new Client({ host: this.server.host, port: this.server.port, user: "postgres", password: this.server.password, database });
        // A server restart ends idle connections with an 'error' event: handled by the next statement's retry.
        c.on("error", () => undefined);
        await c.connect();
        return c;
    }

    /** Statements PostgreSQL rolled back as a deadlock's victim, and this load repeated. */
    deadlockVictims = 0;

    /** Reconnections in flight, by the connection that was lost: the writer and the probe share one per side. */
    private readonly reconnecting = new Map<Client, Promise<Client>>();

    /**
     * Runs one statement on `side`'s connection of `pool`. When the connection is lost (the server restarting, as an
     * application would see it), connects again and repeats the statement, for up to 3 minutes: every statement here
     * is idempotent (an upsert of a value, a delete, a read), so repeating one that did commit changes nothing.
     */
    private async run(pool: Client[], side: number, sql: string, params: unknown[]): Promise<QueryResult> {
        const deadline = Date.now() + 180_000;
        for (;;) {
            const c = pool[side];
            try {
                return await c.query(sql, params);
            } catch (e) {
                // Chosen as a deadlock's victim (the stack's setup changing a table's triggers under this load):
                // rolled back, so repeated, as an application retries one.
                if ((e as { code?: string }).code === "40P01" && Date.now() <= deadline) {
                    this.deadlockVictims++;
                    continue;
                }
                if (!lostConnection(e) || Date.now() > deadline) throw e;
                if (!this.reconnecting.has(c)) {
                    const again = (async () => {
                        await c.end().catch(() => undefined);
                        for (;;) {
                            await new Promise((r) => setTimeout(r, 500));
                            const fresh = await this.connect(this.databases[side]).catch(() => undefined);
                            if (fresh) return fresh;
                            if (Date.now() > deadline) throw e;
                        }
                    })();
                    this.reconnecting.set(c, again);
                }
                const fresh = await this.reconnecting.get(c)!;
                if (pool[side] === c) pool[side] = fresh;
            }
        }
    }

    /** Until stopped: every fifth write deletes, the others upsert; the last write of each key is its final state. */
    private async write(side: number): Promise<void> {
        const q = (sql: string, params: unknown[]) => this.run(this.clients, side, sql, params);
        for (let i = 0; !this.stopping; i++) {
            const id = this.base + side * 100_000 + (i % KEYS_PER_SIDE);
            if (i % 7 === 6) {
                // Contended: both sides write these; the conflict rule, not this writer, decides the final state.
                const key = this.base + CONTENDED.offset + (i % CONTENDED.count);
                await q(`INSERT INTO ${this.table} (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name`, [key, `both-${side}-${i}`]);
            } else if (i % 5 === 4) {
                await q(`DELETE FROM ${this.table} WHERE id = $1`, [id]);
                this.finals.set(id, undefined);
            } else {
                const name = `load-${side}-${i}`;
                await q(`INSERT INTO ${this.table} (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name`, [id, name]);
                this.finals.set(id, name);
            }
            this.writes++;
            await new Promise((r) => setTimeout(r, 20));
        }
    }

    private probeId(side: number): number {
        return this.base + side * 100_000 + PROBE.offset;
    }

    /** Until stopped: bumps this side's probe counter, recorded like any other write. */
    private async probe(side: number): Promise<void> {
        const id = this.probeId(side);
        for (let seq = 0; !this.stopping; seq++) {
            const name = `probe-${side}-${String(seq).padStart(8, "0")}`;
            await this.run(this.clients, side, `INSERT INTO ${this.table} (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name`, [id, name]);
            this.finals.set(id, name);
            this.writes++;
            await new Promise((r) => setTimeout(r, PROBE.everyMs));
        }
    }

    /** Until stopped: watches the far side for side `side`'s probe, keeping the longest wait for a new value. */
    private async watch(side: number): Promise<void> {
        let seen = "";
        while (!this.stopping) {
            const r = await this.run(this.watchers, 1 - side, `SELECT name FROM ${this.table} WHERE id = $1`, [this.probeId(side)]).catch(() => undefined);
            const now = Date.now();
            const name = r?.rows[0]?.name as string | undefined;
            // Any other value is a newer one (one key, delivered in order). Not "greater": the row may still hold the
            // last value of an earlier load on these keys, whose counter was further along.
            if (name !== undefined && name !== seen) {
                seen = name;
                this.lastSeen[side] = now;
            }
            this.gaps[side] = Math.max(this.gaps[side], now - this.lastSeen[side]);
            await new Promise((res) => setTimeout(res, 100));
        }
    }

    /** Per direction (db1 -> db2, db2 -> db1), the longest time it has delivered nothing new of its probe so far, in ms. */
    get gapsMs(): readonly number[] {
        return [...this.gaps];
    }

    /** The longest time either direction has delivered nothing new of its probe so far, in ms. */
    get maxGapMs(): number {
        return Math.max(...this.gaps);
    }

    /**
     * Waits until each direction has delivered the probe value its side had written when this was called (and so,
     * one key delivered in order, everything its side wrote before it), for up to `seconds`; returns the ms it took.
     * After a fault heals, that is the time the pipeline took to catch up with what was written while it lasted.
     */
    async delivered(seconds: number): Promise<number> {
        const started = Date.now();
        const sides = [0, 1].filter((s) => this.finals.has(this.probeId(s)));
        const targets = sides.map((s) => this.finals.get(this.probeId(s)) as string);
        await eventually(seconds, async () => {
            for (const [i, side] of sides.entries()) {
                const r = await this.run(this.watchers, 1 - side, `SELECT name FROM ${this.table} WHERE id = $1`, [this.probeId(side)]);
                const far = (r.rows[0]?.name as string | undefined) ?? "";
                // The counter is zero-padded: a later value of this load sorts after the target.
                assert.ok(far >= targets[i], `${this.databases[1 - side]} shows ${far || "nothing"} of ${targets[i]}`);
            }
        });
        return Date.now() - started;
    }

    /** Stops the writers and closes every connection, checking nothing: for a test that failed before its checker. */
    async abandon(): Promise<void> {
        this.stopping = true;
        await Promise.allSettled(this.running);
        await Promise.all([...this.clients, ...this.watchers].map((c) => c.end().catch(() => undefined)));
    }

    /** Stops the writers, waits up to `seconds` for both databases to settle, and reports what the checker found. */
    async stopAndCheck(seconds = 120): Promise<LoadResult> {
        this.stopping = true;
        await Promise.all(this.running);
        const rows = async (side: number) =>
            new Map(
                (await this.run(this.clients, side, `SELECT id, name FROM ${this.table} WHERE id >= $1 AND id < $2`, [this.base, this.base + 200_000])).rows.map(
                    (r) => [Number(r.id), String(r.name)] as const,
                ),
            );
        const missing = async (): Promise<string[]> => {
            const out: string[] = [];
            for (const i of [0, 1]) {
                const have = await rows(i);
                for (const [id, name] of this.finals) {
                    if (have.get(id) !== name) out.push(`${this.databases[i]}: ${id} is ${have.get(id) ?? "absent"}, last written ${name ?? "deleted"}`);
                }
            }
            return out;
        };
        const dump = async (side: number) => JSON.stringify((await this.run(this.clients, side, `SELECT to_jsonb(t) AS r FROM ${this.table} t ORDER BY id`, [])).rows);
        let lost: string[] = [];
        let diverged = false;
        await eventually(seconds, async () => {
            lost = await missing();
            diverged = (await dump(0)) !== (await dump(1));
            assert.deepStrictEqual([lost, diverged], [[], false]);
        }).catch(() => undefined);
        await Promise.all([...this.clients, ...this.watchers].map((c) => c.end().catch(() => undefined)));
        return { writes: this.writes, lost, diverged, maxGapMs: this.maxGapMs };
    }
}

/** Whether `e` says the connection is gone (the server shutting down or unreachable), not that the statement failed. */
function lostConnection(e: unknown): boolean {
    const code = (e as { code?: string }).code ?? "";
    return ["57P01", "57P02", "57P03", "08000", "08001", "08003", "08006", "ECONNREFUSED", "ECONNRESET", "EPIPE"].includes(code) ||
        /Connection terminated|connection error|not queryable|ECONNREFUSED|ECONNRESET/.test((e as Error).message ?? "");
}
