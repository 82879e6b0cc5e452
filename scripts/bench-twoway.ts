// The measurement half of scripts/bench-twoway.sh (issue #4): topology B's commit-to-visible latency at a
// steady write rate and its bulk-insert throughput, each beside PostgreSQL's native logical replication
// (publication/subscription) between two other databases of the same server, in alternating rounds so
// the machine's noise hits both. Prints a Markdown report on stdout, progress on stderr.
//
// Method (the same code measures both paths):
//   latency  A writer commits single-row statements (4 in 5 inserts, 1 in 5 updates of a row the other side
//            already has) on the origin at a fixed rate, paced by schedule (write i is due at t0 + i/rate,
//            so a slow commit never slows the rate). Each write carries a unique marker in `balance`; a
//            watcher on the other database polls `balance >= <oldest marker not seen yet>` (an index on
//            balance, created here) every POLL_MS and records when each marker shows up. Latency = seen -
//            commit acknowledged, both on this process's monotonic clock.
//   bulk     N rows inserted with INSERT ... SELECT generate_series in batches, a few batches per
//            transaction; rows/s = N / (start of the first insert -> all N visible on the other side).
//
// Environment: BENCH_PG_CONTAINER (its superuser password is read from the container, as the stack wrote it),
// BENCH_PG_HOST, BENCH_PG_PORT; knobs below (BENCH_RATE, ...).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { join as joinPath } from "path";
import { performance } from "perf_hooks";
import { Client, Pool } from "pg";

const env = (name: string, dflt?: string): string => {
    const v = process.env[name] ?? dflt;
    if (v === undefined || v === "") throw new Error(`${name} is required`);
    return v;
};
const int = (name: string, dflt: number): number => {
    const v = Number(env(name, String(dflt)));
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${name}: expected a positive integer, got ${process.env[name]}`);
    return v;
};

const HOST = env("BENCH_PG_HOST");
const PORT = int("BENCH_PG_PORT", 5432);
const CONTAINER = env("BENCH_PG_CONTAINER");
const RATE = int("BENCH_RATE", 500);
const SECONDS = int("BENCH_SECONDS", 20);
const REVERSE_SECONDS = int("BENCH_REVERSE_SECONDS", 10);
// A freshly deployed pipeline is several times slower until its JVMs have compiled their hot code, which
// on two saturated cores takes minutes of load, not seconds (docs/benchmarks.md, runs 5–7: the warm-up's
// latencies against the counted rounds'). Every path is warmed up first with this much load; its own
// latencies are reported separately, as what a user sees right after a deploy.
const WARMUP_SECONDS = int("BENCH_WARMUP_SECONDS", 60);
const WARMUP_BULK_ROWS = int("BENCH_WARMUP_BULK_ROWS", 50_000);
const ROUNDS = int("BENCH_ROUNDS", 2);
const BULK_ROWS = int("BENCH_BULK_ROWS", 50_000);
const BULK_BATCH = int("BENCH_BULK_BATCH", 1_000);
const BULK_TX_ROWS = int("BENCH_BULK_TX_ROWS", 10_000);
const POLL_MS = int("BENCH_POLL_MS", 2);
/** After the last write, how long without any new row arriving before the missing ones count as lost. */
const DRAIN_TIMEOUT_MS = int("BENCH_DRAIN_TIMEOUT_MS", 60_000);
/** If set, each latency run also writes every write's commit time (ms from the start) and latency as CSV here. */
const TRACE_DIR = process.env.BENCH_TRACE_DIR;
/** The stack whose containers' CPU time is accounted per round (containers labelled io.cdc-sync.stack=<it>). */
const STACK = process.env.BENCH_STACK;
/** Connections the writer spreads its commits over, so one slow commit does not hold back the schedule. */
const WRITERS = int("BENCH_WRITERS", 16);

const TABLE = "public.customers";
const NATIVE = { source: "bench_native_a", target: "bench_native_b", publication: "bench_native_pub", slot: "bench_native_slot", subscription: "bench_native_sub" };

const log = (msg: string) => process.stderr.write(`[bench-twoway ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const password = execFileSync("docker", ["exec", CONTAINER, "cat", "/etc/cdc-sync/secrets/postgres-password"], { encoding: "utf8" }).trim();
const config = (database: string) => ({ host: HOST, port: PORT, user: "postgres", password, database, application_name: "cdc-sync bench" });

async function connect(database: string): Promise<Client> {
    const c = new Client(config(database));
    await c.connect();
    return c;
}

async function withClient<T>(database: string, f: (c: Client) => Promise<T>): Promise<T> {
    const c = await connect(database);
    try {
        return await f(c);
    } finally {
        await c.end();
    }
}

// ---- CPU accounting: each container's cgroup CPU counter, read before and after a round ----

/** CPU seconds a process's cgroup has used so far (cgroup v1 cpuacct or v2 cpu.stat); undefined if unreadable. */
function cgroupCpuSeconds(pid: number): number | undefined {
    try {
        const lines = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n");
        const v1 = lines.map((l) => l.split(":")).find(([, controllers]) => controllers.split(",").includes("cpuacct"));
        if (v1) return Number(fs.readFileSync(`/sys/fs/cgroup/${v1[1]}${v1[2]}/cpuacct.usage`, "utf8")) / 1e9;
        const v2 = lines.find((l) => l.startsWith("0::"));
        const usec = v2 && /usage_usec (\d+)/.exec(fs.readFileSync(`/sys/fs/cgroup${v2.slice(3)}/cpu.stat`, "utf8"));
        return usec ? Number(usec[1]) / 1e6 : undefined;
    } catch {
        return undefined;
    }
}

/** The bench's own load generator (this process) under this name, beside the stack's containers. */
const SELF = "bench (writer + watcher)";

/** CPU seconds so far of each of the stack's containers (short names) and of this process. */
function cpuSnapshot(): Map<string, number> {
    const out = new Map<string, number>();
    if (STACK) {
        const listed = execFileSync("docker", ["ps", "--filter", `label=io.cdc-sync.stack=${STACK}`, "--format", "{{.Names}}"], { encoding: "utf8" });
        for (const name of listed.split("\n").filter(Boolean)) {
            const pid = Number(execFileSync("docker", ["inspect", "-f", "{{.State.Pid}}", name], { encoding: "utf8" }).trim());
            const seconds = cgroupCpuSeconds(pid);
            if (seconds !== undefined) out.set(name.replace(`cdc-sync-${STACK}-`, ""), seconds);
        }
    }
    const self = process.cpuUsage();
    out.set(SELF, (self.user + self.system) / 1e6);
    return out;
}

/** CPU seconds used by each between two snapshots. */
function cpuUsed(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
    return new Map([...after].filter(([k]) => before.has(k)).map(([k, v]) => [k, v - before.get(k)!]));
}

interface CpuRound {
    readonly what: string;
    readonly seconds: number;
    readonly rows: number;
    readonly used: Map<string, number>;
}

/** Runs `f` and records the CPU each container (and this process) used meanwhile. */
async function accounted<T extends { path: string; round: number }>(into: CpuRound[], kind: string, rows: (r: T) => number, f: () => Promise<T>): Promise<T> {
    const [before, t0] = [cpuSnapshot(), performance.now()];
    const r = await f();
    into.push({ what: `${kind} ${r.path}, round ${r.round}`, seconds: (performance.now() - t0) / 1000, rows: rows(r), used: cpuUsed(before, cpuSnapshot()) });
    return r;
}

/** CPU per round: each container's CPU-seconds, the stack's total (without the bench) per row, and the share of the cores. */
function cpuTable(rounds: CpuRound[]): string {
    const names = [...new Set(rounds.flatMap((r) => [...r.used.keys()]))].filter((n) => n !== SELF).sort();
    const cores = os.cpus().length;
    const rows = rounds.map((r) => {
        const stack = names.reduce((sum, n) => sum + (r.used.get(n) ?? 0), 0);
        const all = stack + (r.used.get(SELF) ?? 0);
        const cells = [...names, SELF].map((n) => (r.used.get(n) ?? 0).toFixed(1));
        return `| ${r.what} | ${r.seconds.toFixed(1)} | ${cells.join(" | ")} | ${stack.toFixed(1)} | ${((stack * 1000) / r.rows).toFixed(2)} | ${Math.round((100 * all) / (r.seconds * cores))} % |`;
    });
    return [
        `| round | wall (s) | ${[...names, SELF].join(" | ")} | stack total | stack CPU ms per row | all, share of ${cores} cores |`,
        `|---|---|${[...names, SELF].map(() => "---|").join("")}---|---|---|`,
        ...rows,
    ].join("\n");
}

/** One way a row gets from one database to another. */
interface Path {
    readonly name: string;
    readonly from: string;
    readonly into: string;
}
const PIPELINE_FWD: Path = { name: "pipeline db1→db2", from: "db1", into: "db2" };
const PIPELINE_REV: Path = { name: "pipeline db2→db1", from: "db2", into: "db1" };
const NATIVE_PATH: Path = { name: "native logical replication", from: NATIVE.source, into: NATIVE.target };

// ---- native logical replication: set up and torn down by this program ----

/** Removes the native subscription, its slot and both databases; safe to run when some or none exist. */
async function dropNative(): Promise<void> {
    await withClient("postgres", async (admin) => {
        const hasTarget = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [NATIVE.target]);
        if (hasTarget.rowCount) {
            await withClient(NATIVE.target, async (b) => {
                const sub = await b.query("SELECT 1 FROM pg_subscription WHERE subname = $1", [NATIVE.subscription]);
                if (sub.rowCount) {
                    // Detach the slot first: DROP SUBSCRIPTION would otherwise drop it through a connection
                    // to this same cluster; the slot is dropped below, directly.
                    await b.query(`ALTER SUBSCRIPTION ${NATIVE.subscription} DISABLE`);
                    await b.query(`ALTER SUBSCRIPTION ${NATIVE.subscription} SET (slot_name = NONE)`);
                    await b.query(`DROP SUBSCRIPTION ${NATIVE.subscription}`);
                }
            });
        }
        // The walsender of a just-disabled subscription may hold the slot for a moment.
        for (let i = 0; ; i++) {
            const slot = await admin.query("SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1", [NATIVE.slot]);
            if (slot.rowCount === 0) break;
            if (slot.rows[0].active_pid === null) {
                await admin.query("SELECT pg_drop_replication_slot($1)", [NATIVE.slot]);
                break;
            }
            if (i > 5) await admin.query("SELECT pg_terminate_backend($1)", [slot.rows[0].active_pid]);
            if (i > 100) throw new Error(`replication slot ${NATIVE.slot} stays active (pid ${slot.rows[0].active_pid}); drop it by hand`);
            await sleep(100);
        }
        for (const db of [NATIVE.target, NATIVE.source]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    });
}

const TABLE_DDL =
    `CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, name text, email text, balance numeric(12,2), tags jsonb, updated_at timestamptz)`;

/** Two databases with topology B's table shape, a publication + slot on one and a subscription on the other. */
async function createNative(): Promise<void> {
    await dropNative();
    await withClient("postgres", async (admin) => {
        for (const db of [NATIVE.source, NATIVE.target]) await admin.query(`CREATE DATABASE ${db}`);
    });
    for (const db of [NATIVE.source, NATIVE.target]) await withClient(db, (c) => c.query(TABLE_DDL));
    await withClient(NATIVE.source, async (a) => {
        await a.query(`CREATE PUBLICATION ${NATIVE.publication} FOR TABLE ${TABLE}`);
        // CREATE SUBSCRIPTION cannot create a slot on its own cluster (it would wait for its own transaction):
        // the slot is created here and the subscription told to use it.
        await a.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [NATIVE.slot]);
    });
    await withClient(NATIVE.target, (b) =>
        // Through the server's Unix socket with peer authentication: the apply worker runs as the OS user
        // postgres, so no password is stored in the catalog.
        b.query(
            `CREATE SUBSCRIPTION ${NATIVE.subscription} CONNECTION 'host=/tmp port=${PORT} dbname=${NATIVE.source} user=postgres' ` +
                `PUBLICATION ${NATIVE.publication} WITH (create_slot = false, slot_name = '${NATIVE.slot}', copy_data = false)`,
        ),
    );
}

/** The watcher finds markers through this index (on every database a path reads). */
async function ensureMarkerIndex(database: string): Promise<void> {
    await withClient(database, (c) => c.query(`CREATE INDEX IF NOT EXISTS bench_marker ON ${TABLE} (balance)`));
}

// ---- measurements ----

interface Percentiles {
    readonly count: number;
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
}

/** Nearest-rank percentiles of `values` (milliseconds). */
function percentiles(values: readonly number[]): Percentiles {
    const s = [...values].sort((a, b) => a - b);
    const at = (p: number) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]);
    return { count: s.length, p50: at(50), p95: at(95), p99: at(99), max: s.length ? s[s.length - 1] : NaN };
}

interface LatencyResult {
    readonly path: string;
    readonly round: number;
    readonly latencies: number[];
    readonly writes: number;
    readonly missing: number;
    /** Commits acknowledged per second, first due time to last acknowledgement. */
    readonly achievedRate: number;
    /** p99 of (acknowledged - due): whether the writer kept its schedule. */
    readonly commitLagP99: number;
    readonly load1: number;
}

let markerBase = 1_000_000;
/** A disjoint range of markers (and row ids) per run, so runs never see each other's rows. */
function nextRange(size: number): number {
    const base = markerBase;
    markerBase += Math.ceil((size + 1) / 1_000_000) * 1_000_000;
    return base;
}

/** Writes at RATE for `seconds` on `path.from` and times each write's arrival on `path.into`. */
async function latencyRun(path: Path, seconds: number, round: number): Promise<LatencyResult> {
    const n = RATE * seconds;
    const base = nextRange(n);
    const writers = new Pool({ ...config(path.from), max: WRITERS });
    const watcher = await connect(path.into);
    // Open the writer connections before the clock starts.
    await Promise.all(Array.from({ length: WRITERS }, () => writers.query("SELECT 1")));
    const ack = new Float64Array(n).fill(NaN);
    const due = new Float64Array(n);
    const seen = new Float64Array(n).fill(NaN);
    /** Rows (ids) whose current marker the other side has shown: the ones an update may touch. */
    const settled: number[] = [];
    const markerRow = new Map<number, number>();
    let failed: Error | undefined;
    let writesDone = false;

    const write = (i: number) => {
        const marker = base + i;
        const update = i % 5 === 4 && settled.length > 0;
        const id = update ? settled.splice(Math.floor(Math.random() * settled.length), 1)[0] : marker;
        markerRow.set(marker, id);
        const q = update
            ? writers.query(`UPDATE ${TABLE} SET balance = $2, name = $3, updated_at = now() WHERE id = $1`, [id, marker, `updated ${marker}`])
            : writers.query(
                  `INSERT INTO ${TABLE} (id, name, email, balance, tags, updated_at) VALUES ($1, $3, $4, $2, $5, now())`,
                  [id, marker, `customer ${marker}`, `c${marker}@example.com`, JSON.stringify({ bench: true, round })],
              );
        q.then(
            () => (ack[i] = performance.now()),
            (e: Error) => (failed ??= e),
        );
    };

    const watch = async () => {
        let oldest = 0;
        let progressAt = performance.now();
        for (;;) {
            const r = await watcher.query({ text: `SELECT balance FROM ${TABLE} WHERE balance >= $1 AND balance < $2`, values: [base + oldest, base + n], rowMode: "array" });
            const now = performance.now();
            for (const [b] of r.rows as [string][]) {
                const i = Number(b) - base;
                if (Number.isNaN(seen[i])) {
                    seen[i] = now;
                    progressAt = now;
                    settled.push(markerRow.get(base + i)!);
                }
            }
            while (oldest < n && !Number.isNaN(seen[oldest])) oldest++;
            if (oldest >= n || failed) return;
            if (writesDone && now - Math.max(progressAt, due[n - 1]) > DRAIN_TIMEOUT_MS) return;
            await sleep(POLL_MS);
        }
    };

    const t0 = performance.now() + 50;
    for (let i = 0; i < n; i++) due[i] = t0 + (i * 1000) / RATE;
    const watching = watch();
    let next = 0;
    while (next < n && !failed) {
        const now = performance.now();
        while (next < n && due[next] <= now) write(next++);
        if (next < n) await sleep(Math.max(0, due[next] - performance.now()));
    }
    // Let the last commits come back before deciding what is missing.
    while (!failed && ack.some(Number.isNaN) && performance.now() - due[n - 1] < DRAIN_TIMEOUT_MS) await sleep(10);
    writesDone = true;
    await watching;
    await writers.end();
    await watcher.end();
    if (failed) throw new Error(`${path.name}: a write failed: ${failed.message}`);

    const latencies: number[] = [];
    let missing = 0;
    for (let i = 0; i < n; i++) {
        if (Number.isNaN(seen[i])) missing++;
        // A row can be seen before this process handles its commit's acknowledgement: that is 0 ms here.
        else latencies.push(Math.max(0, seen[i] - ack[i]));
    }
    if (TRACE_DIR) {
        const file = joinPath(TRACE_DIR, `${path.from}-${path.into}-round${round}.csv`);
        const rows = Array.from(ack, (a, i) => `${(a - t0).toFixed(1)},${(seen[i] - a).toFixed(1)}`);
        fs.writeFileSync(file, ["commit_ms,latency_ms", ...rows].join("\n") + "\n");
    }
    const lastAck = Math.max(...ack);
    const commitLag = Array.from(ack, (a, i) => a - due[i]);
    return {
        path: path.name,
        round,
        latencies,
        writes: n,
        missing,
        achievedRate: n / ((lastAck - t0) / 1000),
        commitLagP99: percentiles(commitLag).p99,
        load1: os.loadavg()[0],
    };
}

interface BulkResult {
    readonly path: string;
    readonly round: number;
    readonly rows: number;
    /** Seconds to insert and commit every row on the origin. */
    readonly insertSeconds: number;
    /** Seconds from the start of the first insert until all rows are visible on the other side. */
    readonly visibleSeconds: number;
    readonly rowsPerSecond: number;
    readonly load1: number;
}

async function bulkRun(path: Path, round: number, rows = BULK_ROWS): Promise<BulkResult> {
    const base = nextRange(rows);
    const [writer, watcher] = [await connect(path.from), await connect(path.into)];
    try {
        const t0 = performance.now();
        let insertedAt = NaN;
        const inserting = (async () => {
            for (let tx = 0; tx < rows; tx += BULK_TX_ROWS) {
                await writer.query("BEGIN");
                for (let lo = tx; lo < Math.min(tx + BULK_TX_ROWS, rows); lo += BULK_BATCH) {
                    const hi = Math.min(lo + BULK_BATCH, tx + BULK_TX_ROWS, rows) - 1;
                    await writer.query(
                        `INSERT INTO ${TABLE} (id, name, email, balance, tags, updated_at) ` +
                            `SELECT g, 'bulk ' || g, 'b' || g || '@example.com', g % 100000, jsonb_build_object('bulk', true, 'n', g), now() ` +
                            `FROM generate_series($1::bigint, $2::bigint) g`,
                        [base + lo, base + hi],
                    );
                }
                await writer.query("COMMIT");
            }
            insertedAt = performance.now();
        })();
        let failed: Error | undefined;
        inserting.catch((e: Error) => (failed = e));
        let [count, progressAt] = [0, t0];
        for (;;) {
            const r = await watcher.query(`SELECT count(*)::int AS n FROM ${TABLE} WHERE id >= $1 AND id < $2`, [base, base + rows]);
            const now = performance.now();
            if (r.rows[0].n === rows) break;
            if (failed) throw new Error(`${path.name}: bulk insert failed: ${failed.message}`);
            if (r.rows[0].n > count) [count, progressAt] = [r.rows[0].n, now];
            if (!Number.isNaN(insertedAt) && now - Math.max(progressAt, insertedAt) > DRAIN_TIMEOUT_MS) {
                throw new Error(`${path.name}: ${count} of ${rows} rows visible, none more for ${DRAIN_TIMEOUT_MS / 1000} s`);
            }
            await sleep(20);
        }
        const visibleAt = performance.now();
        await inserting;
        const visibleSeconds = (visibleAt - t0) / 1000;
        return {
            path: path.name,
            round,
            rows,
            insertSeconds: (insertedAt - t0) / 1000,
            visibleSeconds,
            rowsPerSecond: rows / visibleSeconds,
            load1: os.loadavg()[0],
        };
    } finally {
        await Promise.all([writer.end(), watcher.end()]);
    }
}

/** Row count and a digest of (id, balance) on both ends of a path, once they agree (or after the timeout). */
async function converged(path: Path): Promise<{ rows: number; same: boolean }> {
    const digest = (db: string) =>
        withClient(db, async (c) => {
            const r = await c.query(`SELECT count(*)::int AS n, md5(coalesce(string_agg(id || ':' || balance, ',' ORDER BY id), '')) AS d FROM ${TABLE}`);
            return `${r.rows[0].n}/${r.rows[0].d}`;
        });
    const deadline = performance.now() + DRAIN_TIMEOUT_MS;
    for (;;) {
        const [a, b] = await Promise.all([digest(path.from), digest(path.into)]);
        if (a === b || performance.now() > deadline) return { rows: Number(a.split("/")[0]), same: a === b };
        await sleep(500);
    }
}

// ---- report ----

const ms = (v: number) => (Number.isNaN(v) ? "—" : v < 10 ? v.toFixed(1) : v.toFixed(0));
const met = (ok: boolean) => (ok ? "**met**" : "**missed**");

function latencyTable(results: LatencyResult[]): string {
    const rows = results.map((r) => {
        const p = percentiles(r.latencies);
        return `| ${r.path} | ${r.round} | ${r.writes} | ${r.achievedRate.toFixed(0)} | ${ms(r.commitLagP99)} | ${ms(p.p50)} | ${ms(p.p95)} | ${ms(p.p99)} | ${ms(p.max)} | ${r.missing} | ${r.load1.toFixed(1)} |`;
    });
    return [
        "| path | round | writes | commits/s | commit lag p99 (ms) | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | missing | load (1 min) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        ...rows,
    ].join("\n");
}

function pooled(results: LatencyResult[], path: string): Percentiles {
    return percentiles(results.filter((r) => r.path === path).flatMap((r) => r.latencies));
}

function bulkTable(results: BulkResult[]): string {
    return [
        "| path | round | rows | insert (s) | all visible (s) | rows/s | load (1 min) |",
        "|---|---|---|---|---|---|---|",
        ...results.map((r) => `| ${r.path} | ${r.round} | ${r.rows} | ${r.insertSeconds.toFixed(1)} | ${r.visibleSeconds.toFixed(1)} | ${r.rowsPerSecond.toFixed(0)} | ${r.load1.toFixed(1)} |`),
    ].join("\n");
}

const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
    let stopping = false;
    const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log(`${signal}: removing the native replication setup`);
        dropNative().finally(() => process.exit(130));
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));

    log(`native logical replication ${NATIVE.source} -> ${NATIVE.target} on the same server`);
    await createNative();
    try {
        for (const db of ["db1", "db2", NATIVE.source, NATIVE.target]) await ensureMarkerIndex(db);
        // Above every id and marker already there (a stack kept from an earlier run).
        for (const db of ["db1", "db2"]) {
            const top = await withClient(db, (c) => c.query(`SELECT greatest(max(id), max(balance)::bigint, 0)::bigint AS m FROM ${TABLE}`));
            markerBase = Math.max(markerBase, (Math.floor(Number(top.rows[0].m) / 1_000_000) + 1) * 1_000_000);
        }
        const latency: LatencyResult[] = [];
        const bulk: BulkResult[] = [];
        const cpu: CpuRound[] = [];
        const warmLatency: LatencyResult[] = [];
        const warmBulk: BulkResult[] = [];
        for (const p of [PIPELINE_FWD, PIPELINE_REV, NATIVE_PATH]) {
            log(`warm-up: ${p.name}, ${WARMUP_SECONDS} s at ${RATE}/s and ${WARMUP_BULK_ROWS} rows in bulk (not counted)`);
            warmLatency.push(await latencyRun(p, WARMUP_SECONDS, 0));
            warmBulk.push(await bulkRun(p, 0, WARMUP_BULK_ROWS));
        }
        // Alternate which path goes first (ABBA), so a trend in the machine's load hits both alike.
        for (let round = 1; round <= ROUNDS; round++) {
            const order = round % 2 ? [PIPELINE_FWD, NATIVE_PATH] : [NATIVE_PATH, PIPELINE_FWD];
            for (const [p, s] of [...order.map((p) => [p, SECONDS] as const), [PIPELINE_REV, REVERSE_SECONDS] as const]) {
                log(`latency round ${round}: ${p.name}, ${s} s at ${RATE}/s`);
                const r = await accounted(cpu, "latency", (x) => x.writes, () => latencyRun(p, s, round));
                const q = percentiles(r.latencies);
                log(`  p50 ${ms(q.p50)} ms, p99 ${ms(q.p99)} ms, missing ${r.missing}, load ${r.load1.toFixed(1)}`);
                latency.push(r);
            }
        }
        for (let round = 1; round <= ROUNDS; round++) {
            const order = round % 2 ? [PIPELINE_FWD, NATIVE_PATH] : [NATIVE_PATH, PIPELINE_FWD];
            for (const p of order) {
                log(`bulk round ${round}: ${p.name}, ${BULK_ROWS} rows`);
                const r = await accounted(cpu, "bulk", (x) => x.rows, () => bulkRun(p, round));
                log(`  ${r.rowsPerSecond.toFixed(0)} rows/s (${r.visibleSeconds.toFixed(1)} s), load ${r.load1.toFixed(1)}`);
                bulk.push(r);
            }
        }
        log("checking both ends converged");
        const ends = [await converged(PIPELINE_FWD), await converged(NATIVE_PATH)];

        const fwd = pooled(latency, PIPELINE_FWD.name);
        const rev = pooled(latency, PIPELINE_REV.name);
        const nat = pooled(latency, NATIVE_PATH.name);
        const bulkPipe = median(bulk.filter((r) => r.path === PIPELINE_FWD.name).map((r) => r.rowsPerSecond));
        const bulkNative = median(bulk.filter((r) => r.path === NATIVE_PATH.name).map((r) => r.rowsPerSecond));
        const ratio = bulkPipe / bulkNative;
        const missing = [...latency, ...warmLatency].reduce((s, r) => s + r.missing, 0);
        const summary = (name: string, p: Percentiles) => `| ${name} | ${p.count} | ${ms(p.p50)} | ${ms(p.p95)} | ${ms(p.p99)} | ${ms(p.max)} |`;
        const out = [
            `Settings: ${RATE} writes/s (4 in 5 single-row inserts, 1 in 5 single-row updates), ${SECONDS} s per latency run ` +
                `(reverse direction ${REVERSE_SECONDS} s), ${ROUNDS} rounds after a warm-up per path (${WARMUP_SECONDS} s of writes, ${WARMUP_BULK_ROWS} bulk rows, not counted); ${WRITERS} writer connections; watcher polls every ${POLL_MS} ms; ` +
                `bulk ${BULK_ROWS} rows in INSERT … SELECT batches of ${BULK_BATCH}, ${BULK_TX_ROWS} rows per transaction.`,
            "",
            "Targets (issue #4) against the pooled latencies of all rounds and the median bulk rate:",
            "",
            "| target | result | |",
            "|---|---|---|",
            `| pipeline p50 < 100 ms at ${RATE} rows/s | db1→db2 ${ms(fwd.p50)} ms, db2→db1 ${ms(rev.p50)} ms | ${met(fwd.p50 < 100 && rev.p50 < 100)} |`,
            `| pipeline p99 < 400 ms at ${RATE} rows/s | db1→db2 ${ms(fwd.p99)} ms, db2→db1 ${ms(rev.p99)} ms | ${met(fwd.p99 < 400 && rev.p99 < 400)} |`,
            `| bulk ≥ 0.5 × native | ${bulkPipe.toFixed(0)} vs ${bulkNative.toFixed(0)} rows/s = ${ratio.toFixed(2)} × | ${met(ratio >= 0.5)} |`,
            "",
            "Commit to visible, all rounds pooled (ms):",
            "",
            "| path | rows | p50 | p95 | p99 | max |",
            "|---|---|---|---|---|---|",
            summary(PIPELINE_FWD.name, fwd),
            summary(PIPELINE_REV.name, rev),
            summary(NATIVE_PATH.name, nat),
            "",
            "Per run (commit lag = acknowledged − due: the writer kept its schedule when it is small):",
            "",
            latencyTable(latency),
            "",
            "Bulk inserts:",
            "",
            bulkTable(bulk),
            "",
            `CPU used during each counted round, in CPU-seconds (cgroup counters of the stack's containers${STACK ? "" : ": BENCH_STACK not set, so only this process"}; ` +
                "the bench is this process, the load generator, counted in the share of the cores but not per row):",
            "",
            cpuTable(cpu),
            "",
            "Warm-up, first on a freshly deployed stack (round 0, not counted above: what a user sees in the first minutes after a deploy or a Connect restart):",
            "",
            latencyTable(warmLatency),
            "",
            bulkTable(warmBulk),
            "",
            `Rows lost (still not visible after ${DRAIN_TIMEOUT_MS / 1000} s without progress): ${missing}. ` +
                `Both ends identical at the end (count and digest of id, balance): pipeline db1/db2 ${ends[0].same ? "yes" : "**no**"} (${ends[0].rows} rows), ` +
                `native ${ends[1].same ? "yes" : "**no**"} (${ends[1].rows} rows).`,
        ];
        process.stdout.write(out.join("\n") + "\n");
    } finally {
        log("removing the native replication setup");
        await dropNative();
    }
}

main().catch((e) => {
    log(`failed: ${(e as Error).stack ?? e}`);
    process.exit(1);
});
