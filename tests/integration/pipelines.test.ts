// A list of pipelines through `pulumi up`: two two-way pairs declared in `cdc-sync:pipelines`, on one PostgreSQL
// server of `cdc-sync:databases`, built on the suite's platform by the same code index.ts runs
// (buildPipelines in components/stack/program.ts). Each pair converges and stays loop-free; neither sees the other's rows.
import * as assert from "assert";
import { randomBytes } from "crypto";
import { Client } from "pg";
import { twoWayPasswordNames } from "../../components/pipelines/twoWayPostgres/config";
import { loadStackConfig, StackConfig } from "../../components/stack/load";
import { raw } from "../stackFiles";
import { openPipelinesStack, platform, platformKeys, requestConnectorSecrets } from "./fixture";
import { eventually, ownedByStack, TestStack, topicMessages } from "./harness";

const STACK = "itest-pairs";
const SERVER = "pairs-pg";
const PORT = 5434;
const TABLES = [{ name: "public.items", primaryKey: ["id"], columns: { id: "bigint", label: "text" } }];
const PAIRS = [
    { name: "pair-a", databases: ["pa1", "pa2"] },
    { name: "pair-b", databases: ["pb1", "pb2"] },
] as const;

/** Every password of the two pairs, pinned; the connectors' ones are also handed to the suite's Connect workers. */
const rolePasswords = Object.fromEntries(PAIRS.flatMap((p) => twoWayPasswordNames(p)).map((n) => [n, randomBytes(16).toString("hex")]));
const adminPassword = randomBytes(16).toString("hex");
requestConnectorSecrets(rolePasswords);

describe("cdc-sync:pipelines: two two-way pairs on one PostgreSQL server, deployed by pulumi up", function () {
    this.timeout(10 * 60 * 1000);
    let t: TestStack;
    let cfg: StackConfig;
    let outputs: Record<string, { health: { direction: string; slotActive: boolean }[] }>;
    const clients: Record<string, Client> = {};

    before(async function () {
        cfg = loadStackConfig(
            raw({
                ...platformKeys(),
                databases: { [SERVER]: { engine: "postgres", server: "server2", port: PORT } },
                pipelines: PAIRS.map((x) => ({ ...x, kind: "twoWayPostgres", postgres: SERVER, tables: TABLES })),
            }),
        );
        t = await openPipelinesStack(STACK, cfg, { ...rolePasswords, [`${SERVER}-admin`]: adminPassword });
        const up = await t.stack.up({ onOutput: t.log });
        assert.strictEqual(up.summary.result, "succeeded", `up failed; see ${t.logFile}`);
        outputs = up.outputs.pipelines.value;
        const host = cfg.servers.find((s) => s.name === "server2")!.address;
        for (const db of PAIRS.flatMap((x) => x.databases)) {
            clients[db] = new Client({ host, port: PORT, user: "postgres", password: adminPassword, database: db });
            await clients[db].connect();
        }
    });

    after(async function () {
        await Promise.all(Object.values(clients).map((c) => c.end().catch(() => undefined)));
        if (!t) return;
        const down = await t.stack.destroy({ onOutput: t.log });
        assert.strictEqual(down.summary.result, "succeeded", `destroy failed; see ${t.logFile}`);
        assert.deepStrictEqual(await ownedByStack(STACK), { containers: [], volumes: [], networks: [] }, "destroy left things behind");
    });

    const dump = async (db: string) => (await clients[db].query("SELECT id, label FROM items ORDER BY id")).rows.map((r) => `${r.id}:${r.label}`);

    it("reports each pair under its own name, both directions healthy", () => {
        assert.deepStrictEqual(Object.keys(outputs).sort(), ["pair-a", "pair-b"]);
        for (const [name, o] of Object.entries(outputs)) {
            const [a, b] = PAIRS.find((x) => x.name === name)!.databases;
            assert.deepStrictEqual(o.health.map((h) => h.direction), [`${a}->${b}`, `${b}->${a}`]);
            assert.ok(o.health.every((h) => h.slotActive), JSON.stringify(o.health));
        }
    });

    it("syncs each pair both ways, exactly once per write, and never into the other pair", async () => {
        const events = (pair: string, side: string) => topicMessages(platform().bootstrapServers, [`${pair}.${side}.public.items`, `${pair}.${side}.cdc_sync.cdc_tombstones`]);
        const sides = PAIRS.flatMap((x) => x.databases.map((db) => ({ pair: x.name, db })));
        const before = Object.fromEntries(await Promise.all(sides.map(async (s) => [s.db, await events(s.pair, s.db)] as const)));
        /** 10 inserts, 5 updates and 3 deletes per database, on keys of its own: 18 change events. */
        const write = async (db: string, base: number) => {
            const c = clients[db];
            for (let i = 0; i < 10; i++) await c.query("INSERT INTO items (id, label) VALUES ($1, $2)", [base + i, `${db}-${i}`]);
            for (let i = 0; i < 5; i++) await c.query("UPDATE items SET label = label || '+' WHERE id = $1", [base + i]);
            for (let i = 7; i < 10; i++) await c.query("DELETE FROM items WHERE id = $1", [base + i]);
        };
        await Promise.all(sides.map((s, i) => write(s.db, 1000 * (i + 1))));
        for (const { databases: [a, b] } of PAIRS) await eventually(90, async () => assert.deepStrictEqual(await dump(b), await dump(a)));
        // Give an echo time to show up: with one, the counts would keep growing past the writes.
        await new Promise((r) => setTimeout(r, 5000));
        const after = Object.fromEntries(await Promise.all(sides.map(async (s) => [s.db, (await events(s.pair, s.db)) - before[s.db]] as const)));
        assert.deepStrictEqual(after, { pa1: 18, pa2: 18, pb1: 18, pb2: 18 });
        // Each pair holds exactly its own two databases' rows: 2 x 7 survivors, none of the other pair's keys.
        assert.deepStrictEqual((await dump("pa1")).map((r) => Number(r.split(":")[0])).sort((x, y) => x - y), [
            ...[0, 1, 2, 3, 4, 5, 6].map((i) => 1000 + i),
            ...[0, 1, 2, 3, 4, 5, 6].map((i) => 2000 + i),
        ]);
        assert.deepStrictEqual(await dump("pb1"), await dump("pb2"));
        assert.ok((await dump("pb1")).every((r) => Number(r.split(":")[0]) >= 3000), "pair-b holds a row of pair-a");
    });
});
