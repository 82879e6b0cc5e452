// Shows two-way sync working after `pulumi up` (run through scripts/twoway-demo.sh): writes a row on each
// side, updates it on the other, deletes it, and prints when each change became visible across, in ms.
// Connects as the PostgreSQL administrator: the demo's writes are ordinary application writes.
import { Client } from "pg";

interface Target {
    readonly host: string;
    readonly port: number;
    readonly password: string;
    readonly databases: [string, string];
}

async function visible(c: Client, id: number, check: (row: Record<string, unknown> | undefined) => boolean, since: number): Promise<number> {
    for (;;) {
        const r = await c.query("SELECT id, name, cdc_side, cdc_ts FROM customers WHERE id = $1", [id]);
        if (check(r.rows[0])) return Date.now() - since;
        if (Date.now() - since > 60_000) throw new Error(`row ${id}: change not visible after 60 s`);
        await new Promise((res) => setTimeout(res, 2));
    }
}

async function main(t: Target): Promise<void> {
    const open = async (database: string) => {
        const c = new Client({ host: t.host, port: t.port, user: "postgres", password: t.password, database, application_name: "cdc-sync demo" });
        await c.connect();
        return c;
    };
    const [a, b] = [await open(t.databases[0]), await open(t.databases[1])];
    const [na, nb] = t.databases;
    const id = 900_000_000 + Math.floor(Math.random() * 1_000_000);
    const step = async (label: string, on: Client, sql: string, params: unknown[], other: Client, check: (r?: Record<string, unknown>) => boolean) => {
        await on.query(sql, params);
        const ms = await visible(other, id, check, Date.now());
        console.log(`${label.padEnd(44)} visible on the other side after ${String(ms).padStart(4)} ms`);
    };
    try {
        console.log(`two-way sync demo on ${t.host}:${t.port}, row id ${id}\n`);
        await step(`INSERT on ${na}`, a, "INSERT INTO customers (id, name) VALUES ($1, 'written on ' || current_database())", [id], b, (r) => r?.name === `written on ${na}`);
        await step(`UPDATE on ${nb}`, b, "UPDATE customers SET name = 'changed on ' || current_database() WHERE id = $1", [id], a, (r) => r?.name === `changed on ${nb}`);
        await step(`UPDATE on ${na}`, a, "UPDATE customers SET name = 'changed again on ' || current_database() WHERE id = $1", [id], b, (r) => r?.name === `changed again on ${na}`);
        await step(`DELETE on ${nb}`, b, "DELETE FROM customers WHERE id = $1", [id], a, (r) => r === undefined);
        const counts = await Promise.all([a, b].map(async (c) => (await c.query("SELECT count(*)::int AS n FROM customers")).rows[0].n));
        console.log(`\nrows in customers: ${na} ${counts[0]}, ${nb} ${counts[1]}`);
        const stamps = await a.query("SELECT cdc_side, count(*)::int AS n FROM customers GROUP BY 1 ORDER BY 1");
        console.log(`row versions by side of last write (${na}): ${stamps.rows.map((r) => `${r.cdc_side || "(before sync)"} ${r.n}`).join(", ") || "none"}`);
    } finally {
        await Promise.all([a.end(), b.end()]);
    }
}

const [host, port, db1, db2] = process.argv.slice(2);
main({ host, port: Number(port), password: process.env.PGPASSWORD ?? "", databases: [db1, db2] }).catch((e) => {
    console.error(`demo failed: ${(e as Error).message}`);
    process.exit(1);
});
