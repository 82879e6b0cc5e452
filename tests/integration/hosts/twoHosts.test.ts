// Topology B on two real hosts reached over SSH (docs/two-hosts.md): the test hosts of scripts/test-hosts.sh (two
// network namespaces, each with its own Podman engine and image store and an SSH server, joined by a bridge), and the
// `local-hosts` stack (stacks/local-hosts.yaml) converged on them by a real `pulumi up` over SSH, host keys checked.
// Then, in order: every image on both engines by the same id, both directions under a write load with the no-loss
// checker, a MariaDB table on host 1 copied into PostgreSQL on host 2, a second `up` that changes nothing, a 60 s partition between the hosts under load, a restart of one host's
// engine, and a destroy that leaves nothing on either host.
//
// Not part of `npm test`: it adds about 10 minutes, and the suite must stay under CI's budget. scripts/two-hosts.sh
// runs it and writes docs/results/two-hosts.json from what it measured (CDC_SYNC_TWO_HOSTS_RESULTS).
import * as assert from "assert";
import * as fs from "fs";
import axios from "axios";
import { OutputMap } from "@pulumi/pulumi/automation";
import { Client } from "pg";
import { ROOT_PASSWORD_FILE } from "../../../components/databases/mysql/server";
import { withMySql } from "../../../components/databases/mysql/connection";
import { execIn } from "../../../components/docker/exec";
import { eventually, openStack, ownedByStack, TestStack } from "../harness";
import { TwoWayWriteLoad } from "../writeLoad";
import { TestHosts } from "./testHosts";

const STACK = "local-hosts";
const PG = { host: "10.231.77.12", port: 5432 };
const PARTITION_SECONDS = Number(process.env.CDC_SYNC_PARTITION_SECONDS ?? 60);

/** What scripts/two-hosts.sh writes to docs/results/two-hosts.json. */
const results: Record<string, unknown> = {};

describe("two hosts over SSH: topology B across two engines", function () {
    this.timeout(20 * 60 * 1000);
    let hosts: TestHosts | undefined;
    let test: TestStack;
    let outputs: OutputMap;
    let destroyed = false;
    let password = "";

    const startLoad = (base: number) => TwoWayWriteLoad.start({ ...PG, password }, ["db1", "db2"], "customers", base);

    /** Every connector of the pair and its tasks that are not RUNNING. */
    const notRunning = async (): Promise<string[]> => {
        const url = (outputs.placement.value.connectWorkers as { url: string }[])[0].url;
        const auth = outputs.connectRestAuth.value as { username: string; password: string };
        const pair = outputs.pipelines.value.twoway as { directions: { source: string; sink: string }[] };
        const out: string[] = [];
        for (const n of pair.directions.flatMap((d) => [d.source, d.sink])) {
            const { data } = await axios.get(`${url}/connectors/${n}/status`, { auth });
            for (const s of [data.connector.state, ...data.tasks.map((t: { state: string }) => t.state)]) if (s !== "RUNNING") out.push(`${n}: ${s}`);
        }
        return out;
    };

    /** Stops `load`, checks nothing was lost and both sides are identical, and every task RUNNING (within a minute). */
    const checked = async (load: TwoWayWriteLoad) => {
        const r = await load.stopAndCheck(300);
        assert.deepStrictEqual({ lost: r.lost.slice(0, 5), diverged: r.diverged }, { lost: [], diverged: false }, `${r.lost.length} lost`);
        await eventually(60, async () => assert.deepStrictEqual(await notRunning(), []));
        return r;
    };

    before(async function () {
        this.timeout(30 * 60 * 1000);
        hosts = TestHosts.up();
        test = await openStack(STACK, hosts.env);
        const started = Date.now();
        const up = await test.stack.up({ onOutput: test.log });
        assert.strictEqual(up.summary.result, "succeeded", `up failed; see ${test.logFile}`);
        results.converged = true;
        results.convergeSeconds = Math.round((Date.now() - started) / 1000);
        outputs = up.outputs;
        const pg = await execIn(hosts.engine(2), `cdc-sync-${STACK}-twoway-postgres`, ["cat", "/etc/cdc-sync/secrets/postgres-password"]);
        password = pg.output.trim();
    });

    after(async function () {
        this.timeout(10 * 60 * 1000);
        try {
            if (test && !destroyed) await test.stack.destroy({ onOutput: test.log });
        } finally {
            hosts?.down();
            if (process.env.CDC_SYNC_TWO_HOSTS_RESULTS) fs.writeFileSync(process.env.CDC_SYNC_TWO_HOSTS_RESULTS, `${JSON.stringify(results, null, 2)}\n`);
        }
    });

    it("runs each service on the host the seeds place it on, bound to that host's address", async () => {
        const names = async (n: 1 | 2) => (await ownedByStack(STACK, hosts!.docker(n))).containers.sort();
        const p = `/cdc-sync-${STACK}`;
        assert.deepStrictEqual(await names(1), [
            `${p}-broker-1`,
            `${p}-connect-mariadb-server1`,
            `${p}-connect-mariadb-server1-supervisor`,
            `${p}-connect-server1`,
            `${p}-connect-server1-supervisor`,
            `${p}-shop-mariadb`,
            `${p}-zookeeper`,
        ]);
        assert.deepStrictEqual(await names(2), [`${p}-broker-2`, `${p}-connect-server2`, `${p}-connect-server2-supervisor`, `${p}-twoway-postgres`, `${p}-twoway-postgres-exporter`]);
        assert.deepStrictEqual(outputs.bootstrapServers.value, "10.231.77.11:9092,10.231.77.12:9092");
    });

    it("has every image a host runs on that host's engine, by the id it was built with here (shipped, not rebuilt)", async () => {
        const local = new (await import("dockerode")).default();
        for (const n of [1, 2] as const) {
            const containers = await hosts!.docker(n).listContainers({ all: true });
            for (const c of containers) {
                const here = await local.getImage(c.ImageID).inspect();
                assert.strictEqual(here.Id, c.ImageID, `${c.Names[0]} on host ${n} runs an image this machine did not build`);
            }
            // No build happened on the host: it holds only what runs there (no base image, no build layers).
            const images = (await hosts!.docker(n).listImages()).map((i) => i.Id).sort();
            assert.deepStrictEqual(images, [...new Set(containers.map((c) => c.ImageID))].sort(), `host ${n} holds images nothing runs`);
        }
    });

    it("replicates both ways across the hosts under a write load: nothing lost, both databases identical, every task RUNNING", async () => {
        const load = await startLoad(7_000_000);
        await new Promise((r) => setTimeout(r, 20_000));
        const r = await checked(load);
        results.writesBeforePartition = r.writes;
    });

    it("copies a MariaDB table on host 1 into PostgreSQL on host 2 (a replicate pipeline whose ends sit on different hosts)", async () => {
        const container = `cdc-sync-${STACK}-shop-mariadb`;
        const root = { engine: hosts!.engine(1), container, password: (await execIn(hosts!.engine(1), container, ["cat", ROOT_PASSWORD_FILE])).output.trim() };
        await withMySql(root, async (c) => {
            await c.query("CREATE TABLE shop.orders (id bigint PRIMARY KEY, item varchar(100) NOT NULL, qty int NOT NULL)");
            for (let i = 1; i <= 40; i++) await c.query("INSERT INTO shop.orders VALUES (?, ?, ?)", [i, `item-${i}`, i]);
            await c.query("UPDATE shop.orders SET qty = qty + 100 WHERE id <= 10");
            await c.query("DELETE FROM shop.orders WHERE id > 35");
        });
        const want = Array.from({ length: 35 }, (_, k) => ({ id: String(k + 1), item: `item-${k + 1}`, qty: k + 1 + (k < 10 ? 100 : 0) }));
        await eventually(180, async () => {
            const pg = new Client({ ...PG, user: "postgres", password, database: "shop_copy" });
            await pg.connect();
            try {
                assert.deepStrictEqual((await pg.query("SELECT id, item, qty FROM orders ORDER BY id")).rows, want);
            } finally {
                await pg.end();
            }
        });
    });

    it("a second `up` changes nothing", async () => {
        const preview = await test.stack.preview({ onOutput: test.log });
        const changed = Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && n > 0);
        results.secondUpChanges = changed.reduce((s, [, n]) => s + n, 0);
        assert.deepStrictEqual(changed, []);
    });

    it(`a partition between the hosts for ${PARTITION_SECONDS} s under load: the pipeline catches up by itself, nothing lost`, async () => {
        const load = await startLoad(7_200_000);
        await new Promise((r) => setTimeout(r, 10_000));
        hosts!.partition();
        let healed = false;
        try {
            await new Promise((r) => setTimeout(r, PARTITION_SECONDS * 1000));
        } finally {
            hosts!.heal();
            healed = true;
        }
        assert.ok(healed);
        const catchUpMs = await load.delivered(600);
        await new Promise((r) => setTimeout(r, 10_000));
        const r = await checked(load);
        Object.assign(results, { partitionSeconds: PARTITION_SECONDS, writes: r.writes, lost: r.lost.length, catchUpSeconds: Math.round(catchUpMs / 100) / 10, longestGapSeconds: Math.round(r.maxGapMs / 100) / 10 });
    });

    it("host 2's engine restarted (its containers stopped and started by the engine): the services come back by themselves", async () => {
        const load = await startLoad(7_400_000);
        await new Promise((r) => setTimeout(r, 5_000));
        const started = Date.now();
        hosts!.restartEngine(2);
        const r = await checked(load);
        results.engineRestart = { writes: r.writes, lost: r.lost.length, backSeconds: Math.round((Date.now() - started) / 1000) };
        const states = (await hosts!.docker(2).listContainers({ all: true })).map((c) => [c.Names[0], c.State]);
        assert.ok(states.every(([, s]) => s === "running"), JSON.stringify(states));
    });

    it("destroy leaves no container, volume or network of the stack on either host", async () => {
        await test.stack.destroy({ onOutput: test.log });
        destroyed = true;
        for (const n of [1, 2] as const) {
            assert.deepStrictEqual(await ownedByStack(STACK, hosts!.docker(n)), { containers: [], volumes: [], networks: [] }, `host ${n}`);
            assert.deepStrictEqual((await hosts!.docker(n).listContainers({ all: true })).map((c) => c.Names[0]), [], `host ${n} runs containers`);
        }
    });
});
