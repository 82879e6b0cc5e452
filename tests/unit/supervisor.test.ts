// The supervisor's decisions (images/supervisor/supervisor.js), round by round: what it restarts, when, and when it
// gives up. Pure: statuses and clock in, restarts and memory out.
import * as assert from "assert";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DEFAULT_POLICY, decide, delaySeconds, renderMetrics } = require("../../images/supervisor/supervisor.js");

const ME = "127.0.0.11:8083";
const OTHER = "127.0.0.12:8083";
const status = (task: { state: string; worker?: string }, connector = { state: "RUNNING", worker: ME }) => ({
    sink: { status: { connector: { state: connector.state, worker_id: connector.worker }, tasks: [{ id: 0, state: task.state, worker_id: task.worker ?? ME }] } },
});
const s = (n: number) => n * 1000;

describe("supervisor: restarts with growing delays and a cap", () => {
    it("delays 10, 20, 40, 80, 160, then 300 s", () => {
        assert.deepStrictEqual([0, 1, 2, 3, 4, 5, 6].map((n) => delaySeconds(DEFAULT_POLICY, n)), [10, 20, 40, 80, 160, 300, 300]);
    });

    it("restarts a task FAILED on its worker once the delay has passed, then waits longer each time", () => {
        let memory = {};
        const at: number[] = [];
        // A task that never recovers, watched every 5 s for 20 minutes.
        for (let t = 0; t <= s(1200); t += s(5)) {
            const r = decide(t, status({ state: "FAILED" }), memory, ME, DEFAULT_POLICY);
            memory = r.memory;
            if (r.restarts.length > 0) at.push(t / 1000);
            assert.ok(r.restarts.every((x: { connector: string; task: number }) => x.connector === "sink" && x.task === 0));
        }
        // Seen at 0: restarts at 10, 10+20, 30+40, 70+80, 150+160, 310+300; then none (6 restarts).
        assert.deepStrictEqual(at, [10, 30, 70, 150, 310, 610]);
        assert.strictEqual((memory as Record<string, { gaveUp: boolean; restarts: number }>)["sink/0"].gaveUp, true);
    });

    it("says once that it gives up", () => {
        const memory = { "sink/0": { restarts: 6, failedSince: 0, lastRestartAt: s(610), state: "FAILED" } };
        const first = decide(s(700), status({ state: "FAILED" }), memory, ME, DEFAULT_POLICY);
        assert.deepStrictEqual([first.restarts, first.gaveUp], [[], ["sink/0"]]);
        assert.deepStrictEqual(decide(s(705), status({ state: "FAILED" }), first.memory, ME, DEFAULT_POLICY).gaveUp, []);
    });

    it("leaves what runs on another worker to that worker's supervisor", () => {
        const r = decide(s(100), status({ state: "FAILED", worker: OTHER }, { state: "FAILED", worker: OTHER }), {}, ME, DEFAULT_POLICY);
        assert.deepStrictEqual([r.restarts, r.memory], [[], {}]);
    });

    it("restarts a FAILED connector as a connector", () => {
        const r = decide(s(20), status({ state: "RUNNING" }, { state: "FAILED", worker: ME }), { sink: { restarts: 0, failedSince: 0 } }, ME, DEFAULT_POLICY);
        assert.deepStrictEqual(r.restarts, [{ connector: "sink", attempt: 1 }]);
    });

    it("keeps a recovered task's count until it has run for the reset time, so a flapping task still reaches the cap", () => {
        const memory = { "sink/0": { restarts: 3, failedSince: 0, lastRestartAt: s(70), state: "FAILED" } };
        const soon = decide(s(300), status({ state: "RUNNING" }), memory, ME, DEFAULT_POLICY);
        assert.strictEqual((soon.memory as Record<string, { restarts: number }>)["sink/0"].restarts, 3);
        const later = decide(s(70 + 600), status({ state: "RUNNING" }), soon.memory, ME, DEFAULT_POLICY);
        assert.deepStrictEqual(later.memory, {});
    });
});

describe("supervisor: its metrics (/metrics)", () => {
    const lines = (text: string) => text.split("\n").filter((l) => l && !l.startsWith("#"));
    const cases: { name: string; totals: Record<string, number>; memory: Record<string, { gaveUp?: boolean }>; lastRound: { at?: string; error?: string }; want: string[] }[] = [
        { name: "before its first round: nothing restarted, the worker not yet seen", totals: {}, memory: {}, lastRound: {}, want: ["cdc_sync_supervisor_worker_up 0"] },
        {
            name: "restarts counted per task and per connector, a unit it gave up on",
            totals: { "twoway-db1-to-db2-sink/0": 6, "twoway-db1-source": 1 },
            memory: { "twoway-db1-to-db2-sink/0": { gaveUp: true }, "twoway-db1-source": {} },
            lastRound: { at: "2026-12-02T00:00:00Z" },
            want: [
                'cdc_sync_supervisor_restarts_total{connector="twoway-db1-to-db2-sink",task="0"} 6',
                'cdc_sync_supervisor_restarts_total{connector="twoway-db1-source"} 1',
                'cdc_sync_supervisor_gave_up{connector="twoway-db1-to-db2-sink",task="0"} 1',
                "cdc_sync_supervisor_worker_up 1",
            ],
        },
        { name: "the worker did not answer its last round", totals: {}, memory: {}, lastRound: { at: "2026-12-02T00:00:00Z", error: "fetch failed" }, want: ["cdc_sync_supervisor_worker_up 0"] },
        { name: "a connector name that needs escaping", totals: { 'a"b': 1 }, memory: {}, lastRound: {}, want: ['cdc_sync_supervisor_restarts_total{connector="a\\"b"} 1', "cdc_sync_supervisor_worker_up 0"] },
    ];
    for (const c of cases) {
        it(c.name, () => assert.deepStrictEqual(lines(renderMetrics(c.totals, c.memory, c.lastRound)), c.want));
    }
});
