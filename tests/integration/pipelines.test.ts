// A list of pipelines through `pulumi up`: three two-way pairs declared in `cdc-sync:pipelines`, two of them on one
// PostgreSQL server of `cdc-sync:databases` and one on a second server, built on the suite's platform by the same
// code index.ts runs (buildPipelines in components/stack/program.ts). Each pair converges and stays loop-free; no
// pair sees another's rows.
import * as assert from "assert";
import { randomBytes } from "crypto";
import { Client } from "pg";
import { twoWayPasswordNames } from "../../components/pipelines/twoWayPostgres/config";
import { loadStackConfig, StackConfig } from "../../components/stack/load";
import { raw } from "../stackFiles";
import { openPipelinesStack, platform, platformKeys, requestConnectorSecrets } from "./fixture";
import { eventually, ownedByStack, TestStack, topicMessages } from "./harness";

const STACK = "itest-pairs";
/** The two PostgreSQL servers the stack runs: `cdc-sync:databases` name -> where. */
const SERVERS = { "pairs-pg": { server: "server2", port: 5434 }, "pairs-pg2": { server: "server1", port: 5436 } } as const;
const TABLES = [{ name: "public.items", primaryKey: ["id"], columns: { id: "bigint", label: "text" } }];
const PAIRS = [
    { name: "pair-a", postgres: "pairs-pg", databases: ["pa1", "pa2"] },
    { name: "pair-b", postgres: "pairs-pg", databases: ["pb1", "pb2"] },
    { name: "pair-c", postgres: "pairs-pg2", databases: ["pc1", "pc2"] },
] as const;

/** Every password of the pairs, pinned; the connectors' ones are also handed to the suite's Connect workers. */
const rolePasswords = Object.fromEntries(PAIRS.flatMap((p) => twoWayPasswordNames(p)).map((n) => [n, randomBytes(16).toString("hex")]));
const adminPassword = randomBytes(16).toString("hex");
requestConnectorSecrets(rolePasswords);

describe("cdc-sync:pipelines: three two-way pairs, two on one PostgreSQL server and one on another, deployed by pulumi up", function () {
    this.timeout(10 * 60 * 1000);
    let t: TestStack;
    let cfg: StackConfig;
    let outputs: Record<string, { health: { direction: string; slotActive: boolean }[] }>;
    const clients: Record<string, Client> = {};

    before(async function () {
        cfg = loadStackConfig(
            raw({
                ...platformKeys(),
                databases: Object.fromEntries(Object.entries(SERVERS).map(([name, at]) => [name, { engine: "postgres", ...at }])),
                pipelines: PAIRS.map((x) => ({ ...x, kind: "twoWayPostgres", tables: TABLES })),
            }),
        );
        t = await openPipelinesStack(STACK, cfg, { ...rolePasswords, ...Object.fromEntries(Object.keys(SERVERS).map((n) => [`${n}-admin`, adminPassword])) });
        const up = await t.stack.up({ onOutput: t.log });
        assert.strictEqual(up.summary.result, "succeeded", `up failed; see ${t.logFile}`);
        outputs = up.outputs.pipelines.value;
        for (const pair of PAIRS) {
            const at = SERVERS[pair.postgres];
            const host = cfg.servers.find((s) => s.name === at.server)!.address;
            for (const db of pair.databases) {
                clients[db] = new Client({ host, port: at.port, user: "postgres", password: adminPassword, database: db });
                await clients[db].connect();
            }
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
        assert.deepStrictEqual(Object.keys(outputs).sort(), ["pair-a", "pair-b", "pair-c"]);
        for (const [name, o] of Object.entries(outputs)) {
            const [a, b] = PAIRS.find((x) => x.name === name)!.databases;
            assert.deepStrictEqual(o.health.map((h) => h.direction), [`${a}->${b}`, `${b}->${a}`]);
            assert.ok(o.health.every((h) => h.slotActive), JSON.stringify(o.health));
        }
    });

    it("syncs each pair both ways, exactly once per write, and never into another pair", async () => {
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
        assert.deepStrictEqual(after, Object.fromEntries(sides.map((s) => [s.db, 18])));
        // Each pair holds exactly its own two databases' rows (7 survivors each), none of another pair's keys.
        for (const [p, { databases }] of PAIRS.entries()) {
            const bases = databases.map((_, j) => 1000 * (2 * p + j + 1));
            const keys = bases.flatMap((b) => [0, 1, 2, 3, 4, 5, 6].map((i) => b + i));
            assert.deepStrictEqual((await dump(databases[0])).map((r) => Number(r.split(":")[0])).sort((x, y) => x - y), keys, `${PAIRS[p].name} holds another pair's rows`);
        }
    });
});
