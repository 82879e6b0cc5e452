// The state of a deployed stack's pipelines, asked of the running parts (run through scripts/status.sh): per
// pipeline and direction, each connector's and task's state and the worker running it, the sink's consumer lag,
// and for two-way pairs the source slot's lag and the last canary the stack measured. `--html FILE` also writes it
// as a page. Exported for the fault tests, which read the same status.
import axios from "axios";
import { Kafka, logLevel } from "kafkajs";
import { Client } from "pg";
import { defaultSpec } from "../components/pipelines/twoWayPostgres/spec";
import { supervisorUrl } from "../components/platform/supervisor";

/** One connector as Connect reports it. */
export interface ConnectorStatus {
    readonly name: string;
    /** The Connect cluster it runs on, or undefined when no cluster knows it. */
    readonly cluster?: string;
    readonly state: string;
    readonly workerId?: string;
    readonly tasks: { id: number; state: string; workerId: string; trace?: string; restarts?: number; gaveUp?: boolean }[];
    /** Restarts of the connector itself by the supervisors (images/supervisor/supervisor.js). */
    readonly restarts?: number;
}

export interface DirectionStatus {
    readonly label: string;
    readonly source: ConnectorStatus;
    readonly sink: ConnectorStatus;
    /** Records the sink has yet to read from its topics; undefined when Kafka did not answer. */
    readonly consumerLag?: number;
    /**
     * The sink is RUNNING, has records to read, and committed none over the status's stall window: it retries a write
     * its database refuses (a trigger raising an error, a full disk), which Connect never reports as FAILED.
     */
    readonly stalled?: boolean;
    /** WAL the source has not confirmed, in bytes (two-way pairs, when the server answered). */
    readonly slotLagBytes?: number;
    readonly slotActive?: boolean;
    /** The canary latency the stack measured last (`up` or `refresh`), and when. */
    readonly canary?: { latencyMs: number; at: string };
}

export interface PipelineStatus {
    readonly name: string;
    readonly kind: string;
    readonly directions: DirectionStatus[];
}

export interface StackStatus {
    readonly at: string;
    readonly pipelines: PipelineStatus[];
    /** Connectors and tasks not RUNNING, and stalled sinks, as `pipeline direction connector[/task]: STATE`: empty when healthy. */
    readonly problems: string[];
}

type Outputs = Record<string, any>;

/** Every connector of every Connect cluster of the stack, by name. */
async function connectors(outputs: Outputs): Promise<Map<string, ConnectorStatus>> {
    const out = new Map<string, ConnectorStatus>();
    const clusters = (outputs.placement?.connectClusters ?? {}) as Record<string, { url: string }[]>;
    // The REST API's credentials: a secret output, which `pulumi stack output --show-secrets` gives (status.sh).
    const auth = outputs.connectRestAuth as { username: string; password: string } | undefined;
    for (const [cluster, workers] of Object.entries(clusters)) {
        for (const w of workers) {
            const res = await axios
                .get<Record<string, { status: { connector: { state: string; worker_id: string }; tasks: { id: number; state: string; worker_id: string; trace?: string }[] } }>>(
                    `${w.url}/connectors?expand=status`,
                    { timeout: 5000, ...(typeof auth === "object" ? { auth } : {}) },
                )
                .catch(() => undefined);
            if (!res) continue; // that worker is down: ask the next
            for (const [name, c] of Object.entries(res.data)) {
                out.set(name, {
                    name,
                    cluster,
                    state: c.status.connector.state,
                    workerId: c.status.connector.worker_id,
                    tasks: c.status.tasks.map((t) => ({ id: t.id, state: t.state, workerId: t.worker_id, ...(t.trace ? { trace: t.trace.split("\n")[0] } : {}) })),
                });
            }
            break;
        }
    }
    return out;
}

/** What the workers' supervisors remember, by `connector` or `connector/task`: restarts made, and whether they gave up. */
async function supervised(outputs: Outputs): Promise<Map<string, { restarts: number; gaveUp: boolean }>> {
    const out = new Map<string, { restarts: number; gaveUp: boolean }>();
    const clusters = (outputs.placement?.connectClusters ?? {}) as Record<string, { url: string }[]>;
    for (const w of Object.values(clusters).flat()) {
        const u = new URL(w.url);
        const res = await axios
            .get<{ supervised: Record<string, { restarts: number; gaveUp?: boolean }> }>(supervisorUrl(u.hostname, Number(u.port)), { timeout: 3000 })
            .catch(() => undefined);
        for (const [key, m] of Object.entries(res?.data.supervised ?? {})) {
            const had = out.get(key);
            out.set(key, { restarts: (had?.restarts ?? 0) + m.restarts, gaveUp: (had?.gaveUp ?? false) || m.gaveUp === true });
        }
    }
    return out;
}

/** Per pipeline, its directions as (label, source connector, sink connector), from the stack outputs. */
function directionsOf(p: Outputs): { label: string; source: string; sink: string; health?: Outputs }[] {
    switch (p.kind) {
        case "twoWayPostgres":
            return (p.directions as Outputs[]).map((d) => ({
                label: d.direction,
                source: d.source,
                sink: d.sink,
                health: (p.health as Outputs[] | undefined)?.find((h) => h.direction === d.direction),
            }));
        case "replicate":
            return [{ label: `${p.source.server}/${p.source.database}->${p.target.server}`, source: p.source.connector, sink: p.target.connector }];
        case "mongoToMySql":
            return [{ label: `${p.mongodb.server}->${p.mysql.server}`, source: p.source.name, sink: p.sink.name }];
        default:
            return [];
    }
}

/** Records the sink's consumer group has yet to read over all its topics, and the sum of its committed offsets. */
async function consumerLag(kafka: Kafka, sink: string): Promise<{ lag: number; committed: number } | undefined> {
    const admin = kafka.admin();
    try {
        await admin.connect();
        let lag = 0;
        let committed = 0;
        for (const t of await admin.fetchOffsets({ groupId: `connect-${sink}` })) {
            const ends = new Map((await admin.fetchTopicOffsets(t.topic)).map((o) => [o.partition, Number(o.high)]));
            for (const p of t.partitions) {
                lag += Math.max(0, (ends.get(p.partition) ?? 0) - Math.max(0, Number(p.offset)));
                committed += Math.max(0, Number(p.offset));
            }
        }
        return { lag, committed };
    } catch {
        return undefined;
    } finally {
        await admin.disconnect().catch(() => undefined);
    }
}

async function slotLag(address: string, database: string, slot: string, password: string): Promise<{ bytes: number; active: boolean } | undefined> {
    const [host, port] = address.split(":");
    const c = new Client({ host, port: Number(port), user: "postgres", password, database, application_name: "cdc-sync status", connectionTimeoutMillis: 5000 });
    try {
        await c.connect();
        const r = await c.query(
            "SELECT active, pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
            [slot],
        );
        return r.rowCount ? { bytes: Number(r.rows[0].lag), active: r.rows[0].active } : undefined;
    } catch {
        return undefined;
    } finally {
        await c.end().catch(() => undefined);
    }
}

/**
 * A sink that commits nothing for this long while it has records to read is stalled. Sinks commit their offsets every
 * 5 s (`offset.flush.interval.ms`, components/platform/properties.ts), so three commits are missed.
 */
export const STALL_SECONDS = 15;

/**
 * Whether a sink is stalled, from two readings of its group `seconds` apart: records to read at both, and not one
 * more committed. Undefined when either reading is missing.
 */
export function isStalled(first: { lag: number; committed: number } | undefined, second: { lag: number; committed: number } | undefined): boolean | undefined {
    if (!first || !second) return undefined;
    return first.lag > 0 && second.lag > 0 && second.committed <= first.committed;
}

/**
 * The stack's status now. `pgPassword`: the two-way servers' administrator password (slot lag), if known.
 * `stallSeconds`: how long to watch the sinks' commits for a stall (0: not at all).
 */
export async function collectStatus(outputs: Outputs, pgPassword?: string, stallSeconds = STALL_SECONDS): Promise<StackStatus> {
    // The automation API's OutputMap wraps each output as { value, secret }: read as outputs, it holds no pipeline and
    // every status would look healthy (how the supervisor's fault test missed a FAILED task for two sessions).
    if (outputs.placement?.connectClusters === undefined) {
        throw new Error("these are not a stack's outputs (no placement.connectClusters): pass `pulumi stack output --json`, or an OutputMap's values");
    }
    const known = await connectors(outputs);
    const restarts = await supervised(outputs);
    for (const [name, c] of known) {
        known.set(name, {
            ...c,
            ...(restarts.get(name) ? { restarts: restarts.get(name)!.restarts } : {}),
            tasks: c.tasks.map((t) => ({ ...t, ...(restarts.get(`${name}/${t.id}`) ?? {}) })),
        });
    }
    const kafka = new Kafka({ clientId: "cdc-sync-status", brokers: String(outputs.bootstrapServers).split(","), logLevel: logLevel.NOTHING, retry: { retries: 1 } });
    const missing = (name: string): ConnectorStatus => ({ name, state: "MISSING", tasks: [] });
    const pipelines: PipelineStatus[] = [];
    const problems: string[] = [];
    const entries = Object.entries((outputs.pipelines ?? {}) as Record<string, Outputs>);
    const first = new Map<string, { lag: number; committed: number } | undefined>();
    if (stallSeconds > 0) {
        for (const [, p] of entries) for (const d of directionsOf(p)) first.set(d.sink, await consumerLag(kafka, d.sink));
        if ([...first.values()].some((x) => x && x.lag > 0)) await new Promise((r) => setTimeout(r, stallSeconds * 1000));
    }
    for (const [name, p] of entries) {
        const directions: DirectionStatus[] = [];
        for (const d of directionsOf(p)) {
            const source = known.get(d.source) ?? missing(d.source);
            const sink = known.get(d.sink) ?? missing(d.sink);
            for (const c of [source, sink]) {
                if (c.state !== "RUNNING") problems.push(`${name} ${d.label} ${c.name}: ${c.state}`);
                for (const t of c.tasks) if (t.state !== "RUNNING") problems.push(`${name} ${d.label} ${c.name}/${t.id}: ${t.state}${t.trace ? ` (${t.trace})` : ""}`);
            }
            let slot: { bytes: number; active: boolean } | undefined;
            if (p.kind === "twoWayPostgres" && pgPassword !== undefined) {
                const from = d.label.split("->")[0];
                slot = await slotLag(p.postgres, from, defaultSpec(from, []).slotName, pgPassword);
            }
            const lag = await consumerLag(kafka, d.sink);
            // A sink not RUNNING is a problem already; stalled says what RUNNING hides.
            const running = sink.state === "RUNNING" && sink.tasks.length > 0 && sink.tasks.every((t) => t.state === "RUNNING");
            const stalled = stallSeconds > 0 && running ? isStalled(first.get(d.sink), lag) : undefined;
            if (stalled) problems.push(`${name} ${d.label} ${sink.name}: STALLED (${lag!.lag} records to read, none committed in ${stallSeconds} s)`);
            directions.push({
                label: d.label,
                source,
                sink,
                consumerLag: lag?.lag,
                ...(stalled !== undefined ? { stalled } : {}),
                ...(slot ? { slotLagBytes: slot.bytes, slotActive: slot.active } : {}),
                ...(d.health ? { canary: { latencyMs: d.health.canaryLatencyMs, at: p.healthMeasuredAt } } : {}),
            });
        }
        pipelines.push({ name, kind: p.kind, directions });
    }
    return { at: new Date().toISOString(), pipelines, problems };
}

const restartsNote = (u: { restarts?: number; gaveUp?: boolean }) =>
    u.restarts ? ` (restarted ${u.restarts} time${u.restarts === 1 ? "" : "s"} by the supervisor${u.gaveUp ? ", which gave up" : ""})` : "";
const connectorLine = (role: string, c: ConnectorStatus) =>
    `    ${role.padEnd(6)} ${c.name} ${c.state}${c.workerId ? ` on ${c.workerId}` : ""}${restartsNote(c)}` +
    c.tasks.map((t) => `\n             task ${t.id} ${t.state} on ${t.workerId}${restartsNote(t)}${t.trace ? `: ${t.trace}` : ""}`).join("");

/** The status as text, one block per direction. */
export function renderText(s: StackStatus): string {
    const lines: string[] = [`status at ${s.at}`];
    for (const p of s.pipelines) {
        lines.push("", `pipeline ${p.name} (${p.kind})`);
        for (const d of p.directions) {
            lines.push(`  ${d.label}`, connectorLine("source", d.source), connectorLine("sink", d.sink));
            const facts = [
                `consumer lag ${d.consumerLag ?? "?"} records${d.stalled ? " (STALLED: nothing committed)" : ""}`,
                ...(d.slotLagBytes !== undefined ? [`slot lag ${d.slotLagBytes} bytes (${d.slotActive ? "active" : "INACTIVE"})`] : []),
                ...(d.canary ? [`last canary ${d.canary.latencyMs} ms (${d.canary.at})`] : []),
            ];
            lines.push(`    ${facts.join("   ")}`);
        }
    }
    lines.push("", s.problems.length === 0 ? "every connector and task RUNNING" : `NOT RUNNING:\n${s.problems.map((x) => `  ${x}`).join("\n")}`);
    return `${lines.join("\n")}\n`;
}

const esc = (x: unknown) => String(x).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** The status as a page: each direction a row, source -> Kafka -> sink, each part coloured by its health. */
export function renderHtml(s: StackStatus): string {
    const state = (c: ConnectorStatus) => {
        const ok = c.state === "RUNNING" && c.tasks.every((t) => t.state === "RUNNING");
        const tasks = c.tasks.map((t) => `task ${t.id}: ${esc(t.state)} on ${esc(t.workerId)}${esc(restartsNote(t))}`).join("<br>");
        return `<td class="${ok ? "ok" : "bad"}"><b>${esc(c.name)}</b><br>${esc(c.state)}${c.workerId ? ` on ${esc(c.workerId)}` : ""}<br><small>${tasks}</small></td>`;
    };
    const lag = (d: DirectionStatus) => {
        const ok = d.consumerLag !== undefined && d.consumerLag < 1000 && !d.stalled;
        return `<td class="${d.stalled ? "bad" : ok ? "ok" : "warn"}">Kafka<br><small>consumer lag ${esc(d.consumerLag ?? "?")}${d.stalled ? "<br>STALLED: nothing committed" : ""}</small></td>`;
    };
    const rows = s.pipelines.flatMap((p) =>
        p.directions.map(
            (d) =>
                `<tr><th>${esc(p.name)}<br><small>${esc(p.kind)}</small></th><th>${esc(d.label)}</th>${state(d.source)}<td class="arrow">&rarr;</td>${lag(d)}` +
                `<td class="arrow">&rarr;</td>${state(d.sink)}<td><small>${d.slotLagBytes !== undefined ? `slot lag ${esc(d.slotLagBytes)} B<br>` : ""}` +
                `${d.canary ? `canary ${esc(d.canary.latencyMs)} ms<br>${esc(d.canary.at)}` : ""}</small></td></tr>`,
        ),
    );
    return `<!doctype html>
<html><head><meta charset="utf-8"><title>cdc-sync status</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222 }
table { border-collapse: separate; border-spacing: 6px }
td, th { padding: 8px 12px; border-radius: 6px; text-align: left; vertical-align: top }
td.ok { background: #d9f2dd } td.bad { background: #f8d0d0 } td.warn { background: #fbeec2 } td.arrow { font-size: 1.5em }
.summary { padding: 10px; border-radius: 6px; display: inline-block } .summary.ok { background: #d9f2dd } .summary.bad { background: #f8d0d0 }
</style></head><body>
<h1>cdc-sync status</h1>
<p>${esc(s.at)}</p>
<p class="summary ${s.problems.length === 0 ? "ok" : "bad"}">${s.problems.length === 0 ? "every connector and task RUNNING" : s.problems.map(esc).join("<br>")}</p>
<table>${rows.join("\n")}</table>
</body></html>
`;
}

if (require.main === module) {
    const [outputsFile, html] = process.argv.slice(2);
    const fs: typeof import("fs") = require("fs");
    collectStatus(JSON.parse(fs.readFileSync(outputsFile, "utf8")), process.env.PGPASSWORD, Number(process.env.CDC_SYNC_STALL_SECONDS ?? STALL_SECONDS))
        .then((s) => {
            process.stdout.write(renderText(s));
            if (html) fs.writeFileSync(html, renderHtml(s));
            process.exit(s.problems.length === 0 ? 0 : 2);
        })
        .catch((e) => {
            console.error(`status failed: ${(e as Error).message}`);
            process.exit(1);
        });
}
