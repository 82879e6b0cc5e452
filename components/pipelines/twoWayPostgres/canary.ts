// Per-direction health of a two-way pair: a canary row's latency (written on one side by a local session,
// timed until the other side's sink has applied it) and the replication slot's lag (WAL the source has not
// confirmed). Used by the TwoWayHealth resource (stack outputs, refreshed by `pulumi refresh`) and by
// scripts/twoway-demo.ts.
import * as pulumi from "@pulumi/pulumi";
import type { Client } from "pg";
import { UNKNOWN } from "../../dynamic/diff";
import { withEffect } from "../../dynamic/effect";
import { CANARY_TABLE } from "./spec";
import { literal, qualified } from "../../databases/postgres/sqlText";

/** One database of the pair as the health check reaches it (as the administrator: its writes are local). */
export interface CanaryEnd {
    readonly side: string;
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly user: string;
    readonly slotName: string;
    readonly syncSchema: string;
}

export interface DirectionHealth {
    /** `db1->db2`. */
    readonly direction: string;
    /** Commit on one side to visible on the other, in milliseconds. */
    readonly canaryLatencyMs: number;
    /** WAL of the source side not yet confirmed by its connector, in bytes (after the canary crossed). */
    readonly slotLagBytes: number;
    /** Whether the slot is in use by a connector right now. */
    readonly slotActive: boolean;
}

/**
 * Bumps `side`'s canary row (its `seq` by one). The health check runs it as the administrator and waits for the other
 * side to show the new `seq`; each source runs it as its heartbeat action query, so a side that only receives still
 * has a change of its own to confirm its slot by. A waiting health check only needs `seq` to reach its own.
 */
export function canaryBumpSql(syncSchema: string, side: string): string {
    return (
        `INSERT INTO ${qualified(syncSchema, CANARY_TABLE)} AS c (side, seq, written_at) VALUES (${literal(side)}, 1, clock_timestamp()) ` +
        `ON CONFLICT (side) DO UPDATE SET seq = c.seq + 1, written_at = excluded.written_at`
    );
}

async function open(end: CanaryEnd, password: string): Promise<Client> {
    const pg: typeof import("pg") = require("pg");
    const c = new pg.Client({ host: end.host, port: end.port, database: end.database, user: end.user, password, application_name: "cdc-sync canary" });
    await c.connect();
    return c;
}

/** Writes the canary on `from`, waits until `into` shows it, then reads `from`'s slot. */
export async function measureDirection(from: CanaryEnd, into: CanaryEnd, password: string, timeoutMs = 120_000): Promise<DirectionHealth> {
    const [a, b] = [await open(from, password), await open(into, password)];
    try {
        const written = await a.query(`${canaryBumpSql(from.syncSchema, from.side)} RETURNING seq`);
        const seq = Number(written.rows[0].seq);
        const start = Date.now();
        const target = qualified(into.syncSchema, CANARY_TABLE);
        for (;;) {
            const seen = await b.query(`SELECT seq FROM ${target} WHERE side = $1`, [from.side]);
            if (seen.rowCount && Number(seen.rows[0].seq) >= seq) break;
            if (Date.now() - start > timeoutMs) {
                throw new Error(`canary ${from.side}->${into.side}: not seen on ${into.side} after ${timeoutMs / 1000} s (the pipeline does not deliver)`);
            }
            await new Promise((r) => setTimeout(r, 5));
        }
        const canaryLatencyMs = Date.now() - start;
        const slot = await a.query(
            `SELECT active, pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag ` +
                `FROM pg_catalog.pg_replication_slots WHERE slot_name = $1`,
            [from.slotName],
        );
        if (slot.rowCount === 0) throw new Error(`slot ${from.slotName} is missing on ${from.side}`);
        return { direction: `${from.side}->${into.side}`, canaryLatencyMs, slotLagBytes: Number(slot.rows[0].lag), slotActive: slot.rows[0].active };
    } finally {
        await Promise.all([a.end(), b.end()]);
    }
}

interface Inputs {
    ends: [CanaryEnd, CanaryEnd];
    adminPassword: string;
    /** Changes when the server was restarted by the stack: the next `up` proves delivery again. */
    generation: string;
    /** A digest of the pair's connectors' passwords: after a rotation (the connectors restart) `up` proves delivery again. */
    credentials?: string;
}

interface Outputs extends Inputs {
    directions: DirectionHealth[];
    measuredAt: string;
}

/** A first canary also waits for each sink's first write (Hibernate boots then): slow on a busy machine. */
const FIRST_TIMEOUT_MS = 300_000;
const TIMEOUT_MS = 120_000;

async function measure(inputs: Inputs, timeoutMs = TIMEOUT_MS): Promise<Outputs> {
    const [x, y] = inputs.ends;
    const directions = [await measureDirection(x, y, inputs.adminPassword, timeoutMs), await measureDirection(y, x, inputs.adminPassword, timeoutMs)];
    return { ...inputs, directions, measuredAt: new Date().toISOString() };
}

/** What an update does, in words (components/dynamic/effect.ts): it proves delivery again, and why. */
export function healthEffect(olds: Inputs, news: Inputs): string | undefined {
    const why = [
        // Unknown in a preview when the server's container is being updated: whether it restarts is known at up.
        ...(news.generation === UNKNOWN ? ["the server may restart in this up"] : (olds.generation ?? "") !== news.generation ? ["the server was restarted"] : []),
        ...(olds.credentials !== news.credentials ? ["a connector's password was rotated"] : []),
        ...(JSON.stringify(olds.ends) !== JSON.stringify(news.ends) ? ["the pair's ends changed"] : []),
    ];
    if (why.length === 0 && olds.adminPassword === news.adminPassword) return undefined;
    return `writes a canary on each side and waits (up to ${FIRST_TIMEOUT_MS / 1000} s) until the other side has it: both directions proven again` +
        (why.length > 0 ? ` (${why.join(", ")})` : " (with the rotated superuser password)");
}

const provider: pulumi.dynamic.ResourceProvider<Inputs, Outputs> = {
    async check(olds, news) {
        return { inputs: withEffect(olds, news, healthEffect) };
    },
    async create(inputs) {
        const [x, y] = inputs.ends;
        return { id: `${x.host}:${x.port}/${x.database}+${y.database}`, outs: await measure(inputs, FIRST_TIMEOUT_MS) };
    },
    async diff(_id, olds, news) {
        // Only the ends matter; the measurements are outputs and change on every refresh.
        const changes =
            JSON.stringify(olds.ends) !== JSON.stringify(news.ends) || olds.adminPassword !== news.adminPassword ||
            (olds.generation ?? "") !== news.generation ||
            olds.credentials !== news.credentials;
        return { changes };
    },
    async update(_id, _olds, news) {
        return { outs: await measure(news, FIRST_TIMEOUT_MS) };
    },
    async read(id, props) {
        // `pulumi refresh` measures again, so the stack outputs show current health.
        return { id, props: await measure(props as Outputs) };
    },
};

export interface TwoWayHealthArgs {
    readonly ends: pulumi.Input<[CanaryEnd, CanaryEnd]>;
    /** Password of the administrator both ends log in as; kept a Pulumi secret. */
    readonly adminPassword: pulumi.Input<string>;
    /** Measure again when this changes (e.g. the server's container id). */
    readonly generation?: pulumi.Input<string>;
    /** Measure again when this changes: a digest of the connectors' passwords (kept a Pulumi secret). */
    readonly credentials?: pulumi.Input<string>;
}

/**
 * Proves both directions deliver when created (a canary each way must cross, or `up` fails), and keeps the
 * last measurement as outputs; `pulumi refresh` measures again.
 */
export class TwoWayHealth extends pulumi.dynamic.Resource {
    public readonly directions!: pulumi.Output<DirectionHealth[]>;
    public readonly measuredAt!: pulumi.Output<string>;

    constructor(name: string, args: TwoWayHealthArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                ends: args.ends,
                adminPassword: pulumi.secret(args.adminPassword),
                generation: args.generation ?? "",
                credentials: args.credentials === undefined ? undefined : pulumi.secret(args.credentials),
                directions: undefined,
                measuredAt: undefined,
            },
            { ...opts, additionalSecretOutputs: ["adminPassword"] },
            "sync",
            "TwoWayHealth",
        );
    }
}
