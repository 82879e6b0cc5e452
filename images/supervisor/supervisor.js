// The supervisor of one Kafka Connect worker, on the worker's own server (deployed by the stack beside each worker:
// components/platform/supervisor.ts). Every few seconds it asks its worker for the status of every connector and
// restarts the connectors and tasks that are FAILED *on this worker*, after growing delays and up to a cap, like
// Strimzi's auto-restart; one that keeps failing is left FAILED. What it did is served as JSON at CDC_LISTEN
// (scripts/status.sh shows it), as Prometheus text at /metrics, and logged. No dependencies: Node's own fetch and http.
//
// Environment: CDC_CONNECT_URL (the worker's REST URL), CDC_WORKER_ID (its `address:port`, as Connect names it),
// CDC_LISTEN (`address:port` for the state), CDC_POLICY (JSON, see DEFAULT_POLICY; optional), CDC_CONNECT_CREDENTIALS
// (optional: a file holding `user:password`, the worker's REST credentials, sent as HTTP Basic with every request).
"use strict";

/** Restart n (0-based) waits min(maxDelaySeconds, firstDelaySeconds * 2^n) after the failure was seen or the last restart. */
const DEFAULT_POLICY = {
    pollSeconds: 5,
    firstDelaySeconds: 10,
    maxDelaySeconds: 300,
    /** Restarts of one connector or task before it is left FAILED. */
    maxRestarts: 6,
    /** RUNNING this long after its last restart: its count starts again from zero. */
    resetAfterSeconds: 600,
};

function delaySeconds(policy, n) {
    return Math.min(policy.maxDelaySeconds, policy.firstDelaySeconds * 2 ** n);
}

/**
 * One round, pure: from the connectors' status (GET /connectors?expand=status), what this worker's supervisor
 * remembers (`memory`, by `connector` or `connector/task`), and the time: the restarts to make now, what it gives up on
 * in this round, and the new memory.
 * Only what runs on `workerId` is this supervisor's: the others have their own.
 */
function decide(now, statuses, memory, workerId, policy) {
    const next = {};
    const restarts = [];
    const gaveUp = [];
    for (const [name, entry] of Object.entries(statuses)) {
        const s = entry.status;
        const units = [
            { key: name, state: s.connector.state, worker: s.connector.worker_id, restart: { connector: name } },
            ...s.tasks.map((t) => ({ key: `${name}/${t.id}`, state: t.state, worker: t.worker_id, restart: { connector: name, task: t.id } })),
        ];
        for (const u of units) {
            const m = memory[u.key];
            if (u.worker !== workerId) continue; // moved to another worker: its supervisor takes over
            if (u.state === "FAILED") {
                const seen = m ?? { restarts: 0, failedSince: now };
                const from = seen.lastRestartAt ?? seen.failedSince;
                if (seen.restarts >= policy.maxRestarts) {
                    if (!seen.gaveUp) gaveUp.push(u.key);
                    next[u.key] = { ...seen, gaveUp: true, state: "FAILED" };
                } else if (now >= from + delaySeconds(policy, seen.restarts) * 1000) {
                    restarts.push({ ...u.restart, attempt: seen.restarts + 1 });
                    next[u.key] = { ...seen, restarts: seen.restarts + 1, lastRestartAt: now, state: "FAILED", nextRestartAt: undefined };
                } else {
                    next[u.key] = { ...seen, state: "FAILED", nextRestartAt: from + delaySeconds(policy, seen.restarts) * 1000 };
                }
            } else if (m) {
                // Healthy again: remembered until it has stayed so long enough, so a flapping task keeps its count.
                const since = m.lastRestartAt ?? m.failedSince;
                if (now - since < policy.resetAfterSeconds * 1000) next[u.key] = { ...m, state: u.state, gaveUp: false, nextRestartAt: undefined };
            }
        }
    }
    return { restarts, gaveUp, memory: next };
}

/** A Prometheus label value, escaped. */
const label = (v) => String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** `connector` or `connector/task` (a memory key) as Prometheus labels. */
function unitLabels(key) {
    const i = key.lastIndexOf("/");
    const task = i < 0 ? undefined : key.slice(i + 1);
    return task !== undefined && /^\d+$/.test(task) ? `connector="${label(key.slice(0, i))}",task="${task}"` : `connector="${label(key)}"`;
}

/**
 * What the supervisor did, as Prometheus text (served at /metrics), pure: `totals` counts every restart it made since
 * it started, by memory key (the memory's own count starts again once a unit stayed healthy); `memory` says what it
 * gave up on; `lastRound` whether its worker answered.
 */
function renderMetrics(totals, memory, lastRound) {
    const lines = [
        "# HELP cdc_sync_supervisor_restarts_total Restarts of a connector or task made by this worker's supervisor since it started.",
        "# TYPE cdc_sync_supervisor_restarts_total counter",
        ...Object.entries(totals).map(([k, n]) => `cdc_sync_supervisor_restarts_total{${unitLabels(k)}} ${n}`),
        "# HELP cdc_sync_supervisor_gave_up A connector or task still FAILED after the last restart allowed: left for a human.",
        "# TYPE cdc_sync_supervisor_gave_up gauge",
        ...Object.entries(memory).filter(([, m]) => m.gaveUp).map(([k]) => `cdc_sync_supervisor_gave_up{${unitLabels(k)}} 1`),
        "# HELP cdc_sync_supervisor_worker_up Whether the worker answered the supervisor's last round (1) or not (0).",
        "# TYPE cdc_sync_supervisor_worker_up gauge",
        `cdc_sync_supervisor_worker_up ${lastRound.at !== undefined && lastRound.error === undefined ? 1 : 0}`,
    ];
    return `${lines.join("\n")}\n`;
}

async function main() {
    const http = require("http");
    const url = process.env.CDC_CONNECT_URL;
    const workerId = process.env.CDC_WORKER_ID;
    const [host, port] = (process.env.CDC_LISTEN || "").split(":");
    if (!url || !workerId || !host || !port) throw new Error("CDC_CONNECT_URL, CDC_WORKER_ID and CDC_LISTEN are required");
    const policy = { ...DEFAULT_POLICY, ...JSON.parse(process.env.CDC_POLICY || "{}") };
    // Read again every round: a rotated password is rewritten into the running container (no restart).
    const authHeader = () => {
        const file = process.env.CDC_CONNECT_CREDENTIALS;
        return file ? { Authorization: `Basic ${Buffer.from(require("fs").readFileSync(file, "utf8").trim()).toString("base64")}` } : {};
    };
    let memory = {};
    const made = []; // the last 100 restarts, newest last
    const totals = {}; // every restart since start, by memory key
    let lastRound = { at: undefined, error: undefined };
    http.createServer((req, res) => {
        if (req.url === "/metrics") {
            res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
            res.end(renderMetrics(totals, memory, lastRound));
            return;
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ worker: workerId, policy, lastRound, supervised: memory, restarts: made }, null, 2));
    }).listen(Number(port), host);
    console.log(`supervising ${workerId} (${url}), state at http://${host}:${port}/ (Prometheus: /metrics), policy ${JSON.stringify(policy)}`);
    for (;;) {
        const now = Date.now();
        try {
            const auth = authHeader();
            const res = await fetch(`${url}/connectors?expand=status`, { headers: auth, signal: AbortSignal.timeout(10_000) });
            if (!res.ok) throw new Error(`GET /connectors?expand=status: HTTP ${res.status}`);
            const round = decide(now, await res.json(), memory, workerId, policy);
            memory = round.memory;
            for (const r of round.restarts) {
                const path = r.task === undefined ? `/connectors/${encodeURIComponent(r.connector)}/restart` : `/connectors/${encodeURIComponent(r.connector)}/tasks/${r.task}/restart`;
                // Connect answers 415 to a POST without a JSON content type, even with no body.
                const answer = await fetch(`${url}${path}`, { method: "POST", headers: { "Content-Type": "application/json", ...auth }, signal: AbortSignal.timeout(10_000) });
                const what = r.task === undefined ? r.connector : `${r.connector}/${r.task}`;
                console.log(`${new Date(now).toISOString()} restarted ${what} (attempt ${r.attempt} of ${policy.maxRestarts}): HTTP ${answer.status}`);
                made.push({ at: new Date(now).toISOString(), what, attempt: r.attempt, status: answer.status });
                totals[what] = (totals[what] ?? 0) + 1;
                if (made.length > 100) made.shift();
            }
            for (const key of round.gaveUp) console.log(`${new Date(now).toISOString()} ${key} is still FAILED after ${policy.maxRestarts} restarts: left for a human`);
            lastRound = { at: new Date(now).toISOString(), error: undefined };
        } catch (e) {
            // The worker restarting or unreachable: nothing to decide this round.
            lastRound = { at: new Date(now).toISOString(), error: String(e && e.message ? e.message : e) };
        }
        await new Promise((r) => setTimeout(r, policy.pollSeconds * 1000));
    }
}

module.exports = { DEFAULT_POLICY, decide, delaySeconds, renderMetrics };

if (require.main === module) {
    // PID 1 in its container: without these, a stop would wait for the engine's SIGKILL.
    for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
    main().catch((e) => {
        console.error(`supervisor failed: ${e && e.message ? e.message : e}`);
        process.exit(1);
    });
}
