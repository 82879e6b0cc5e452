// The connector provider's judgement without a Connect cluster: diff normalization (a converged connector
// shows no change), replacement reasons, what `check` reports and keeps, and the health gate's predicates.
import * as assert from "assert";
import { failureOf, observedState, reached } from "../../components/connectors/health";
import { changedConfigKeys, configOf, render, replacingKeys } from "../../components/connectors/normalize";
import { connectorProvider, ConnectorInputs, ConnectorOutputs } from "../../components/connectors/provider";
import { ConnectorStatus } from "../../components/connectors/rest";

const PG = "io.debezium.connector.postgresql.PostgresConnector";
const SINK = "io.debezium.connector.jdbc.JdbcSinkConnector";
const MONGO = "io.debezium.connector.mongodb.MongoDbConnector";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Declared inputs as the program passes them: numbers and booleans as such. */
const declared: ConnectorInputs = {
    name: "orders",
    connectUrls: ["http://10.0.0.11:8083"],
    state: "running",
    restartTrigger: "",
    timeoutSeconds: 120,
    "connector.class": PG,
    "database.port": 5432,
    "topic.prefix": "app",
    "slot.name": "orders",
    "heartbeat.interval.ms": 10000,
    "tombstones.on.delete": true,
};

/** The same connector as `read` reports it from Connect: strings, `name` injected, status outputs. */
const live: ConnectorOutputs = {
    ...declared,
    "database.port": "5432",
    "heartbeat.interval.ms": "10000",
    "tombstones.on.delete": "true",
    connectorState: "RUNNING",
    workerId: "10.0.0.11:8083",
    tasks: [{ id: 0, state: "RUNNING", workerId: "10.0.0.12:8083" }],
};

async function diff(olds: Record<string, unknown>, news: Record<string, unknown>) {
    return connectorProvider.diff!("orders", olds as ConnectorOutputs, news as ConnectorInputs);
}

describe("connector diff normalization", () => {
    const renders: [unknown, string][] = [
        [5432, "5432"],
        [true, "true"],
        ["x", "x"],
        [["a", "b"], "a,b"],
    ];
    for (const [value, text] of renders) {
        it(`renders ${JSON.stringify(value)} as Connect stores it: ${JSON.stringify(text)}`, () => assert.strictEqual(render(value), text));
    }

    it("the config is everything but the controls, the status outputs and the injected name", () => {
        assert.deepStrictEqual(Object.keys(configOf(live)).sort(), ["connector.class", "database.port", "heartbeat.interval.ms", "slot.name", "tombstones.on.delete", "topic.prefix"]);
    });

    const same: [string, Record<string, unknown>][] = [
        ["numbers and booleans against Connect's strings", live],
        ["a masked live value", { ...live, "database.password": "[hidden]" }],
    ];
    for (const [name, olds] of same) {
        it(`no change for ${name}`, async () => {
            const news = name.startsWith("a masked") ? { ...declared, "database.password": "${file:/x:pw}" } : declared;
            assert.deepStrictEqual(changedConfigKeys(olds, news), []);
            assert.deepStrictEqual(await diff(olds, news), { changes: false, replaces: [], deleteBeforeReplace: true });
        });
    }

    it("sees a property changed, added or removed out of band", () => {
        const drifted = { ...live, "heartbeat.interval.ms": "60000", "poll.interval.ms": "10", "slot.name": undefined };
        assert.deepStrictEqual(changedConfigKeys(drifted, declared), ["heartbeat.interval.ms", "poll.interval.ms", "slot.name"]);
    });

    const replacements: { name: string; change: Record<string, unknown>; replaces: string[] }[] = [
        { name: "a new topic prefix", change: { "topic.prefix": "app2" }, replaces: ["topic.prefix"] },
        { name: "a new slot", change: { "slot.name": "orders2" }, replaces: ["slot.name"] },
        { name: "another database", change: { "database.dbname": "other" }, replaces: ["database.dbname"] },
        { name: "another snapshot mode", change: { "snapshot.mode": "no_data" }, replaces: ["snapshot.mode"] },
        { name: "another class", change: { "connector.class": SINK }, replaces: ["connector.class"] },
        { name: "another connector name", change: { name: "orders-2" }, replaces: ["name"] },
        { name: "a heartbeat change (in place)", change: { "heartbeat.interval.ms": 5000 }, replaces: [] },
        { name: "a new publication (in place)", change: { "publication.name": "p2" }, replaces: [] },
    ];
    for (const r of replacements) {
        it(`${r.replaces.length > 0 ? "replaces, when allowed, for" : "updates in place for"} ${r.name}${r.replaces.length > 0 ? `, naming ${r.replaces}` : ""}`, async () => {
            const result = await diff(live, { ...declared, ...r.change, guard: { resource: "orders", allowed: "resnapshot" } });
            assert.strictEqual(result.changes, true);
            assert.deepStrictEqual(result.replaces, r.replaces);
        });
        if (r.replaces.length === 0) continue;
        it(`refuses, unless allowed, to replace a source for ${r.name}: its offsets would be gone`, async () => {
            await assert.rejects(
                diff(live, { ...declared, ...r.change, guard: { resource: "orders" } }),
                new RegExp(
                    `refusing to replace orders \\(source connector orders\\): changing ${r.replaces[0].replace(/\./g, "\\.")} starts the capture over without its offsets.*` +
                        `set cdc-sync:allowDestructive\\.orders: resnapshot`,
                ),
            );
        });
    }

    const replaceOnByClass: [string, string[], string[]][] = [
        [PG, ["topic.prefix", "slot.name", "plugin.name", "database.dbname", "snapshot.mode", "heartbeat.interval.ms"], ["topic.prefix", "slot.name", "plugin.name", "database.dbname", "snapshot.mode"]],
        [MONGO, ["topic.prefix", "snapshot.mode", "capture.scope", "capture.target", "mongodb.connection.string"], ["topic.prefix", "snapshot.mode", "capture.scope", "capture.target"]],
        [SINK, ["topics", "insert.mode", "connection.url", "collection.name.format"], []],
        ["org.example.Other", ["topic.prefix", "connector.class"], ["connector.class"]],
    ];
    for (const [cls, changed, replacing] of replaceOnByClass) {
        it(`${cls.slice(cls.lastIndexOf(".") + 1)} is replaced for ${replacing.join(", ") || "nothing but its class"}`, () => {
            assert.deepStrictEqual(replacingKeys(changed, [cls]), replacing);
        });
    }

    const controls: [string, Record<string, unknown>][] = [
        ["a declared pause", { state: "paused" }],
        ["a new restart trigger", { restartTrigger: "2" }],
        ["a longer health timeout", { timeoutSeconds: 300 }],
    ];
    for (const [name, change] of controls) {
        it(`updates in place for ${name}`, async () => {
            assert.deepStrictEqual(await diff(live, { ...declared, ...change }), { changes: true, replaces: [], deleteBeforeReplace: true });
        });
    }

    it("updates a connector that a refresh found paused, stopped or failed", async () => {
        for (const state of ["paused", "stopped", "failed"]) {
            assert.strictEqual((await diff({ ...live, state }, declared)).changes, true, state);
        }
    });
});

describe("connector check (no Connect cluster)", () => {
    const offline = { ...declared, connectUrls: [UNKNOWN] };
    /** A first deployment: no old inputs. */
    const check = async (news: Record<string, unknown>) => {
        const result = await connectorProvider.check!({} as ConnectorInputs, news as ConnectorInputs);
        return { inputs: result.inputs!, failures: result.failures ?? [] };
    };

    it("renders the config to Connect's strings and keeps the controls as they are", async () => {
        const { inputs, failures } = await check({ ...offline, "database.hostname": "db", "database.user": "u", "database.password": "${file:/etc/cdc-sync/secrets/connectors.properties:pw}", "database.dbname": "app" });
        assert.deepStrictEqual(failures, []);
        assert.strictEqual(inputs["database.port"], "5432");
        assert.strictEqual(inputs["tombstones.on.delete"], "true");
        assert.strictEqual(inputs.timeoutSeconds, 120);
        assert.deepStrictEqual(inputs.connectUrls, [UNKNOWN]);
    });

    it("reports each local problem as a failure on its property", async () => {
        const { failures } = await check({ ...offline, "database.user": "u", "database.password": "hunter2", "database.dbname": "app", "snapshot.mode": "sometimes" });
        assert.deepStrictEqual(failures.map((f) => f.property).sort(), ["database.hostname", "database.password", "snapshot.mode"]);
        assert.ok(!JSON.stringify(failures).includes("hunter2"));
    });

    it("skips rules on values a preview does not know yet", async () => {
        const { failures } = await check({ ...offline, "database.hostname": UNKNOWN, "database.user": "u", "database.password": UNKNOWN, "database.dbname": "app" });
        assert.deepStrictEqual(failures, []);
    });
});

describe("connector health gate", () => {
    const status = (connector: string, ...tasks: string[]): ConnectorStatus => ({
        name: "orders",
        connector: { state: connector, worker_id: "w1" },
        tasks: tasks.map((state, id) => ({ id, state, worker_id: "w2", ...(state === "FAILED" ? { trace: "org.example.Boom: no\n\tat a.b(C.java:1)\nCaused by: org.postgresql.util.PSQLException: FATAL: password authentication failed" } : {}) })),
    });

    const cases: [string, ConnectorStatus, string, boolean][] = [
        ["running with a running task", status("RUNNING", "RUNNING"), "running", true],
        ["running with no task yet", status("RUNNING"), "running", false],
        ["running with a task still unassigned", status("RUNNING", "RUNNING", "UNASSIGNED"), "running", false],
        ["paused with paused tasks", status("PAUSED", "PAUSED"), "paused", true],
        ["paused while a task still runs", status("PAUSED", "RUNNING"), "paused", false],
        ["stopped (no tasks)", status("STOPPED"), "stopped", true],
        ["running when stopped is declared", status("RUNNING", "RUNNING"), "stopped", false],
    ];
    for (const [name, s, target, ok] of cases) {
        it(`${ok ? "passes" : "waits"}: ${name}, declared ${target}`, () => assert.strictEqual(reached(s, target as "running"), ok));
    }

    it("a failed task fails the gate with its trace's root cause", () => {
        const failure = failureOf(status("RUNNING", "RUNNING", "FAILED"));
        assert.match(failure!, /^task 1 of connector orders FAILED on w2:\norg\.example\.Boom: no/);
        assert.match(failure!, /Caused by: org\.postgresql\.util\.PSQLException: FATAL: password authentication failed/);
    });

    it("masks credentials a trace prints (Connect hands tasks their resolved ${file:} values)", () => {
        const trace =
            "java.lang.IllegalStateException: DebeziumOpenLineageEmitter not initialized for connector ConnectorContext[" +
            "config={database.user=cdc_repl_db2, database.password=4V22t2rXSEtbsL9S, connection.url=jdbc:postgresql://h:5432/db, " +
            "sasl.jaas.config=org.Foo required password=\"x\";, mongodb.connection.string=mongodb://debezium:s3cr3t@h:27017/?replicaSet=rs0}]. Call init() first.";
        const shown = failureOf({ ...status("RUNNING", "FAILED"), tasks: [{ id: 0, state: "FAILED", worker_id: "w1", trace }] })!;
        for (const secret of ["4V22t2rXSEtbsL9S", "s3cr3t", "password=\"x\""]) assert.ok(!shown.includes(secret), `${secret} shown:\n${shown}`);
        assert.match(shown, /database\.password=\[redacted\]/);
        assert.match(shown, /database\.user=cdc_repl_db2/);
        assert.match(shown, /mongodb:\/\/debezium:\[redacted\]@h:27017/);
    });

    const observed: [ConnectorStatus, string][] = [
        [status("RUNNING", "RUNNING"), "running"],
        [status("UNASSIGNED"), "running"],
        [status("PAUSED", "PAUSED"), "paused"],
        [status("STOPPED"), "stopped"],
        [status("RUNNING", "FAILED"), "failed"],
        [status("FAILED"), "failed"],
    ];
    for (const [s, state] of observed) {
        it(`a refresh records connector ${s.connector.state} with tasks [${s.tasks.map((t) => t.state)}] as ${state}`, () => {
            assert.strictEqual(observedState(s), state);
        });
    }
});
