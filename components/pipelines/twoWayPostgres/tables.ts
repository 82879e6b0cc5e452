// Tables joining and leaving a running two-way pair: the step that runs after the connectors took the new table
// list (TwoWayDatabase, before them, sets a joining table up and keeps a leaving one set up until then).
//  - A table that joins brings its existing rows across, both ways: for each direction, the rows of one side whose
//    version the other side lacks are found, the source is signalled to take an incremental snapshot of the table
//    (./signals.ts), and `up` waits until every one of those rows is on the other side (or was deleted meanwhile).
//  - A table that leaves stops syncing: out of the publication, its triggers, stamp columns and tombstones removed.
//    Its rows stay on both sides.
// At creation (a new pair, or a stack upgraded from before this step), the second direction is checked for every
// table: its initial snapshot is the only one the pair takes (the first direction's source takes it when created).
import * as pulumi from "@pulumi/pulumi";
import type { Client } from "pg";
import { randomUUID } from "crypto";
import { adminClient, inTransaction, LIVE_LOCK_TIMEOUT, PgAdminTarget, retryingLockWaits, tableExists } from "../../databases/postgres/admin";
import { doBlock, ident, literal, qualified } from "../../databases/postgres/sqlText";
import { changedFields } from "../../dynamic/diff";
import { listed, withEffect } from "../../dynamic/effect";
import { applyTombstoneFunctionSql, dropTableSql } from "./lww";
import type { ReplicaIdentity } from "./setup";
import { signalSetupSql, signalTable, snapshotSignalSql, windowsOpenedSql } from "./signals";
import { ReplicatedTable, STAMP_COLUMNS, TOMBSTONE_TABLE, TwoWayDatabaseSpec, tableKey } from "./spec";

/** One database of the pair, as the administrator reaches it. */
export interface TablesEnd {
    readonly connection: PgAdminTarget;
    readonly spec: TwoWayDatabaseSpec;
}

export interface TwoWayTablesInputs {
    ends: [TablesEnd, TablesEnd];
    adminPassword: string;
    /** Per end, each table's replica identity from before the pair's setup (TwoWayDatabase): what leaving restores. */
    replicaIdentities: [Record<string, ReplicaIdentity>, Record<string, ReplicaIdentity>];
    /** How long bringing a joining table's rows across may take before `up` fails, in seconds. */
    timeoutSeconds: number;
}

/** Tables in `news` and not in `olds` (joined), and the other way round (left), by qualified name. */
export function tableChanges(olds: readonly ReplicatedTable[], news: readonly ReplicatedTable[]): { joined: ReplicatedTable[]; left: ReplicatedTable[] } {
    const keys = (ts: readonly ReplicatedTable[]) => new Set(ts.map(tableKey));
    const [o, n] = [keys(olds), keys(news)];
    return { joined: news.filter((t) => !o.has(tableKey(t))), left: olds.filter((t) => !n.has(tableKey(t))) };
}

/**
 * Each row's key (jsonb text: equal on both sides) and version: the stamp as fixed-width UTC digits, a space and the
 * side, so that comparing two versions as strings orders them as the conflict rule does. `$1`, when given, is a jsonb
 * array of keys to look up (through the primary key) instead of the whole table.
 */
export function versionsSql(t: ReplicatedTable, onlyKeys: boolean): string {
    const key = `jsonb_build_object(${t.primaryKey.map((c) => `${literal(c)}, r.${ident(c)}`).join(", ")})::text`;
    const version = `to_char(r.${ident(STAMP_COLUMNS.ts)} AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') || ' ' || r.${ident(STAMP_COLUMNS.side)}`;
    const select = `SELECT ${key} AS k, ${version} AS v FROM ${tableKey(t)} AS r`;
    if (!onlyKeys) return select;
    const on = t.primaryKey.map((c) => `r.${ident(c)} = q.${ident(c)}`).join(" AND ");
    return `${select} JOIN jsonb_populate_recordset(NULL::${tableKey(t)}, $1::jsonb) AS q ON ${on}`;
}

/** Rows of `from` that `into` lacks or holds at an older version: key to `from`'s version. */
export function behind(from: ReadonlyMap<string, string>, into: ReadonlyMap<string, string>): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of from) {
        const there = into.get(k);
        if (there === undefined || there < v) out.set(k, v);
    }
    return out;
}

/**
 * What is still missing of `wanted` (key to the version `from` had): rows `into` holds at an older version or not at
 * all, unless `from` no longer has them (deleted meanwhile: the tombstone travels like any delete).
 */
export function stillMissing(wanted: ReadonlyMap<string, string>, fromNow: ReadonlyMap<string, string>, intoNow: ReadonlyMap<string, string>): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of wanted) {
        if (!fromNow.has(k)) continue;
        const there = intoNow.get(k);
        if (there === undefined || there < v) out.set(k, v);
    }
    return out;
}

/**
 * Takes `t` out of the pair on one database, `spec` being that database's spec without it: out of the publication,
 * then its triggers and stamp columns (replica identity restored), its tombstones, and its branch of the tombstone
 * function. The table is locked only for the drops, under a short lock_timeout.
 */
export function leaveSql(spec: TwoWayDatabaseSpec, t: ReplicatedTable, replicaIdentity: ReplicaIdentity): string[] {
    const pub = literal(spec.publicationName);
    return [
        LIVE_LOCK_TIMEOUT,
        doBlock(
            `BEGIN\n  IF EXISTS (SELECT FROM pg_catalog.pg_publication_tables WHERE pubname = ${pub} AND schemaname = ${literal(t.schema)} ` +
                `AND tablename = ${literal(t.name)}) THEN\n    ALTER PUBLICATION ${ident(spec.publicationName)} DROP TABLE ${tableKey(t)};\n  END IF;\nEND;`,
        ),
        ...dropTableSql(spec, t, replicaIdentity),
        `DELETE FROM ${qualified(spec.syncSchema, TOMBSTONE_TABLE)} WHERE table_name = ${literal(tableKey(t))}`,
        applyTombstoneFunctionSql(spec),
    ];
}

async function versions(c: Client, t: ReplicatedTable, keys?: Iterable<string>): Promise<Map<string, string>> {
    const r = keys === undefined ? await c.query(versionsSql(t, false)) : await c.query(versionsSql(t, true), [`[${[...keys].join(",")}]`]);
    return new Map(r.rows.map((row) => [String(row.k), String(row.v)]));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One direction: finds the rows of `tables` that `into` lacks, has the source snapshot those tables, and waits until
 * they are across. Rows that are merely in flight (written a moment ago) are left to the stream: a row counts only if
 * it is still behind, at the same version, a few seconds later.
 */
async function bringAcross(from: TablesEnd, into: TablesEnd, tables: readonly ReplicatedTable[], password: string, timeoutSeconds: number): Promise<void> {
    if (tables.length === 0) return;
    const [a, b] = [
        await adminClient(from.connection, password, "cdc-sync tables"),
        await adminClient(into.connection, password, "cdc-sync tables"),
    ];
    const direction = `${from.spec.side}->${into.spec.side}`;
    try {
        const pending = new Map<ReplicatedTable, Map<string, string>>();
        for (const t of tables) {
            const first = behind(await versions(a, t), await versions(b, t));
            if (first.size === 0) continue;
            await sleep(5000);
            const fromNow = await versions(a, t, first.keys());
            // Still behind, at the same version: not in flight.
            const settled = stillMissing(first, fromNow, await versions(b, t, first.keys()));
            for (const [k, v] of [...settled]) if (fromNow.get(k) !== v) settled.delete(k);
            if (settled.size > 0) pending.set(t, settled);
        }
        if (pending.size === 0) return;
        const deadline = Date.now() + timeoutSeconds * 1000;
        const signal = async () => {
            const s = snapshotSignalSql(from.spec, `cdc-sync-${randomUUID()}`, [...pending.keys()]);
            await a.query(s.text, s.values);
            return { at: Date.now(), windows: Number((await a.query(windowsOpenedSql(from.spec))).rows[0].n) };
        };
        let sent = await signal();
        let signals = 1;
        for (;;) {
            await sleep(2000);
            for (const [t, wanted] of [...pending]) {
                const left = stillMissing(wanted, await versions(a, t, wanted.keys()), await versions(b, t, wanted.keys()));
                if (left.size === 0) pending.delete(t);
                else pending.set(t, left);
            }
            if (pending.size === 0) return;
            const windows = Number((await a.query(windowsOpenedSql(from.spec))).rows[0].n);
            if (windows > sent.windows) sent = { ...sent, windows, at: Date.now() };
            // No window opened for 30 s: the source never took the signal (a task that stopped for the new config
            // can read it first and drop it, not yet capturing the table). Once more, up to three signals.
            else if (Date.now() - sent.at > 30_000 && signals < 3) {
                sent = await signal();
                signals++;
            }
            if (Date.now() > deadline) {
                const counts = [...pending].map(([t, m]) => `${tableKey(t)}: ${m.size} rows`).join(", ");
                throw new Error(
                    `${direction}: rows of tables that joined the pair have not reached ${into.spec.side} after ${timeoutSeconds} s ` +
                        `(${counts}); the incremental snapshot was signalled ${signals} time(s) in ${signalTable(from.spec)}. ` +
                        `See the source connector's status and log; the next up checks again.`,
                );
            }
        }
    } finally {
        await Promise.all([a.end(), b.end()]);
    }
}

async function ensureSignals(inputs: TwoWayTablesInputs): Promise<void> {
    for (const end of inputs.ends) {
        const c = await adminClient(end.connection, inputs.adminPassword, "cdc-sync tables");
        try {
            await retryingLockWaits(() => inTransaction(c, [LIVE_LOCK_TIMEOUT, ...signalSetupSql(end.spec)]));
        } finally {
            await c.end();
        }
    }
}

async function leave(inputs: TwoWayTablesInputs, olds: TwoWayTablesInputs, tables: readonly ReplicatedTable[]): Promise<void> {
    for (const [i, end] of inputs.ends.entries()) {
        const c = await adminClient(end.connection, inputs.adminPassword, "cdc-sync tables");
        try {
            for (const t of tables) {
                if (!(await tableExists(c, tableKey(t)))) continue; // dropped by its owner: nothing of ours is left on it
                const ri = olds.replicaIdentities[i]?.[tableKey(t)] ?? "default";
                await retryingLockWaits(() => inTransaction(c, leaveSql(end.spec, t, ri)));
            }
        } finally {
            await c.end();
        }
    }
}

/** Both directions at once: each side's rows of `tables` that the other lacks. */
async function bringBothWays(inputs: TwoWayTablesInputs, tables: readonly ReplicatedTable[]): Promise<void> {
    const [x, y] = inputs.ends;
    await Promise.all([
        bringAcross(x, y, tables, inputs.adminPassword, inputs.timeoutSeconds),
        bringAcross(y, x, tables, inputs.adminPassword, inputs.timeoutSeconds),
    ]);
}

/** What an update does, in words (components/dynamic/effect.ts). */
export function twoWayTablesEffect(olds: TwoWayTablesInputs, news: TwoWayTablesInputs): string | undefined {
    const names = (ts: readonly ReplicatedTable[]) => listed(ts.map((t) => `${t.schema}.${t.name}`));
    const { joined, left } = tableChanges(olds.ends[0].spec.tables, news.ends[0].spec.tables);
    const [x, y] = news.ends.map((e) => e.spec.side);
    const what: string[] = [];
    if (left.length > 0) what.push(`takes ${names(left)} out of the pair on ${x} and ${y} (publication, triggers, stamp columns, tombstones); its rows stay on both sides`);
    if (joined.length > 0) {
        what.push(
            `copies the rows of ${names(joined)} that either side lacks to the other: an incremental snapshot by each side's source ` +
                `(no lock, the stream goes on); up waits until they are across`,
        );
    }
    if (what.length > 0) return `after the connectors: ${what.join("; ")}`;
    return olds.adminPassword !== news.adminPassword ? "records the rotated superuser password: copies and changes nothing" : undefined;
}

type Provider = pulumi.dynamic.ResourceProvider<TwoWayTablesInputs, TwoWayTablesInputs>;

export const twoWayTablesProvider: Required<Pick<Provider, "check" | "create" | "diff" | "update" | "delete">> = {
    async check(olds, news) {
        return { inputs: withEffect(olds, news, twoWayTablesEffect) };
    },
    async create(inputs) {
        await ensureSignals(inputs);
        const [x, y] = inputs.ends;
        await bringAcross(y, x, y.spec.tables, inputs.adminPassword, inputs.timeoutSeconds);
        return { id: `${x.connection.host}:${x.connection.port}/${x.spec.side}+${y.spec.side}`, outs: inputs };
    },
    async diff(_id, olds, news) {
        const tables = (i: TwoWayTablesInputs) => JSON.stringify(i.ends.map((e) => [e.connection, e.spec.tables]));
        const changed = tables(olds) !== tables(news) || changedFields<TwoWayTablesInputs>(olds, news, ["adminPassword", "timeoutSeconds"]).length > 0;
        return { changes: changed, replaces: [] };
    },
    async update(_id, olds, news) {
        await ensureSignals(news);
        const { joined, left } = tableChanges(olds.ends[0].spec.tables, news.ends[0].spec.tables);
        await leave(news, olds, left);
        await bringBothWays(news, joined);
        return { outs: news };
    },
    // The pair's teardown (TwoWayDatabase) removes the signal table with the sync schema.
    async delete() {},
};

export interface TwoWayTablesArgs {
    readonly ends: pulumi.Input<[TablesEnd, TablesEnd]>;
    readonly adminPassword: pulumi.Input<string>;
    readonly replicaIdentities: pulumi.Input<[Record<string, ReplicaIdentity>, Record<string, ReplicaIdentity>]>;
    /** Default 1800 s. */
    readonly timeoutSeconds?: number;
}

/**
 * The pair's table list as the running pipeline sees it: declare after the connectors (dependsOn), so a joining table
 * is snapshotted by sources that capture it, and a leaving one is taken apart once no connector uses it.
 */
export class TwoWayTables extends pulumi.dynamic.Resource {
    constructor(name: string, args: TwoWayTablesArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            twoWayTablesProvider,
            name,
            {
                ends: args.ends,
                adminPassword: pulumi.secret(args.adminPassword),
                replicaIdentities: args.replicaIdentities,
                timeoutSeconds: args.timeoutSeconds ?? 1800,
            },
            { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "adminPassword"] },
            "sync",
            "TwoWayTables",
        );
    }
}
