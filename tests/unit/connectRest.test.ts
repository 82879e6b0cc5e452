// The REST client's failure handling against a scripted stand-in for Connect on 127.0.0.1: 409 retried with
// backoff, an unreachable worker skipped for the next, 404 where the caller accepts it, Connect's message in
// the error otherwise; and the provider's delete of a connector that is already gone.
import * as assert from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { connectorProvider, ConnectorOutputs } from "../../components/connectors/provider";
import { connectCall } from "../../components/connectors/rest";

/** A server answering each request with the next scripted [status, body]; records what it was asked. */
async function scripted(answers: [number, unknown][]): Promise<{ url: string; requests: string[]; authorizations: (string | undefined)[]; close: () => void }> {
    const requests: string[] = [];
    const authorizations: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`);
        authorizations.push(req.headers.authorization);
        const [status, body] = answers.shift() ?? [500, { message: "script exhausted" }];
        res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, requests, authorizations, close: () => server.close() };
}

/** A URL nothing listens on. */
async function deadUrl(): Promise<string> {
    const s = await scripted([]);
    s.close();
    return s.url;
}

describe("Connect REST client", () => {
    it("retries a 409 (rebalance in progress) until Connect accepts", async () => {
        const c = await scripted([
            [409, { error_code: 409, message: "Cannot complete request momentarily due to stale configuration" }],
            [409, { error_code: 409, message: "rebalance" }],
            [201, { name: "x" }],
        ]);
        try {
            const res = await connectCall({ urls: [c.url] }, "PUT", "/connectors/x/config", { a: "1" });
            assert.deepStrictEqual([res.status, c.requests.length], [201, 3]);
        } finally {
            c.close();
        }
    });

    it("sends the cluster's credentials with every request, over failover and retries, and does not retry a 401", async () => {
        const dead = await deadUrl();
        const c = await scripted([
            [409, { error_code: 409, message: "rebalance" }],
            [200, []],
            [401, { error_code: 401, message: "Unauthorized" }],
        ]);
        try {
            const api = { urls: [dead, c.url], auth: { username: "cdc-sync", password: "s3cret" } };
            assert.strictEqual((await connectCall(api, "GET", "/connectors")).status, 200);
            await assert.rejects(connectCall(api, "GET", "/connectors"), { message: "GET /connectors: 401 Unauthorized", connectStatus: 401 });
            const basic = `Basic ${Buffer.from("cdc-sync:s3cret").toString("base64")}`;
            assert.deepStrictEqual(c.authorizations, [basic, basic, basic]);
        } finally {
            c.close();
        }
    });

    it("retries the 500s Connect calls transient (a rebalance expected, the leader's config-topic writes not yet claimed), and no other 500", async () => {
        const c = await scripted([
            [500, { error_code: 500, message: "Request cannot be completed because a rebalance is expected" }],
            [500, { error_code: 500, message: "Cannot produce to config topic without claiming write privileges first" }],
            [500, { error_code: 500, message: "Failed to write to config topic; this may be due to a transient error and the request can be safely retried" }],
            [
                500,
                {
                    error_code: 500,
                    message:
                        "Failed to reset consumer group offsets for connector x either because its tasks haven't stopped completely yet or the connector was resumed before the request to reset its offsets could be successfully completed. If the connector is in a stopped state, this operation can be safely retried.",
                },
            ],
            [200, { name: "x" }],
            [500, { error_code: 500, message: "Something else broke" }],
        ]);
        try {
            const res = await connectCall({ urls: [c.url] }, "GET", "/connectors/x/config");
            assert.deepStrictEqual([res.status, c.requests.length], [200, 5]);
            await assert.rejects(connectCall({ urls: [c.url] }, "GET", "/connectors/x/config"), /GET \/connectors\/x\/config: 500 Something else broke/);
            assert.strictEqual(c.requests.length, 6);
        } finally {
            c.close();
        }
    });

    it("skips a worker that does not answer for one that does", async () => {
        const c = await scripted([[200, []]]);
        try {
            const res = await connectCall({ urls: [await deadUrl(), c.url] }, "GET", "/connectors");
            assert.deepStrictEqual([res.status, c.requests], [200, ["GET /connectors"]]);
        } finally {
            c.close();
        }
    });

    it("returns a 404 the caller accepts, and fails on one it does not, with Connect's message", async () => {
        const c = await scripted([
            [404, { error_code: 404, message: "Connector x not found" }],
            [404, { error_code: 404, message: "Connector x not found" }],
        ]);
        try {
            assert.strictEqual((await connectCall({ urls: [c.url] }, "GET", "/connectors/x", undefined, { accept: [404] })).status, 404);
            await assert.rejects(connectCall({ urls: [c.url] }, "GET", "/connectors/x"), { message: "GET /connectors/x: 404 Connector x not found", connectStatus: 404 });
        } finally {
            c.close();
        }
    });

    it("retries a 404 the caller expects to clear (a worker that has not read a config just written)", async () => {
        const c = await scripted([
            [404, { error_code: 404, message: "Unknown connector x" }],
            [202, {}],
        ]);
        try {
            assert.strictEqual((await connectCall({ urls: [c.url] }, "PUT", "/connectors/x/resume", undefined, { alsoRetry: [404], deadlineSeconds: 10 })).status, 202);
        } finally {
            c.close();
        }
    });

    it("gives up at the deadline, saying what it last heard", async () => {
        const url = await deadUrl();
        await assert.rejects(connectCall({ urls: [url] }, "GET", "/connectors", undefined, { deadlineSeconds: 1 }), /GET \/connectors failed until the deadline; last answer: .*ECONNREFUSED/);
    });

    it("deleting a connector that is already gone succeeds", async () => {
        const c = await scripted([[404, { error_code: 404, message: "Connector x not found" }]]);
        try {
            await connectorProvider.delete!("x", { connectUrls: [c.url] } as ConnectorOutputs);
            assert.deepStrictEqual(c.requests, ["PUT /connectors/x/stop"]);
        } finally {
            c.close();
        }
    });
});

describe("connector refresh (read) against a scripted Connect", () => {
    it("sends back only the controls a connector has, the guard marked observed: no undefined value (which the engine cannot take)", async () => {
        const c = await scripted([
            [200, { "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector", topics: "t", name: "x" }],
            [200, { name: "x", connector: { state: "RUNNING", worker_id: "w" }, tasks: [{ id: 0, state: "RUNNING", worker_id: "w" }] }],
        ]);
        try {
            const props = { name: "x", connectUrls: [c.url], state: "running", restartTrigger: "", timeoutSeconds: 60, guard: { resource: "x" } } as unknown as ConnectorOutputs;
            const r = await connectorProvider.read!("x", props);
            const undefinedKeys = Object.entries(r.props!).filter(([, v]) => v === undefined).map(([k]) => k);
            assert.deepStrictEqual(undefinedKeys, []);
            assert.ok(!("secretsDigest" in r.props!), "a digest the connector never had was sent back");
            assert.deepStrictEqual(r.props!.guard, { resource: "x", observed: true });
        } finally {
            c.close();
        }
    });
});

describe("Connect health gate and a stale UNASSIGNED", () => {
    const status = (connector: string, task: string) =>
        [200, { name: "x", connector: { state: connector, worker_id: "w1" }, tasks: [{ id: 0, state: task, worker_id: "w1" }], type: "sink" }] as [number, unknown];

    it("restarts the connector alone when it reads UNASSIGNED while its task runs, and passes once it reads RUNNING", async () => {
        const { waitForState } = await import("../../components/connectors/health");
        const stale = status("UNASSIGNED", "RUNNING");
        const c = await scripted([stale, stale, stale, [204, null], status("RUNNING", "RUNNING"), status("RUNNING", "RUNNING"), status("RUNNING", "RUNNING")]);
        try {
            const got = await waitForState({ urls: [c.url] }, "x", "running", { timeoutSeconds: 30, settleSeconds: 1, staleUnassignedSeconds: 1.5 });
            assert.strictEqual(got.connector.state, "RUNNING");
            assert.deepStrictEqual(c.requests.filter((r) => r.startsWith("POST")), ["POST /connectors/x/restart"]);
        } finally {
            c.close();
        }
    });

    it("does not restart a connector UNASSIGNED with its tasks (a rebalance), nor one UNASSIGNED for less than the limit", async () => {
        const { staleUnassigned, waitForState } = await import("../../components/connectors/health");
        assert.strictEqual(staleUnassigned(status("UNASSIGNED", "UNASSIGNED")[1] as never), false);
        assert.strictEqual(staleUnassigned({ name: "x", connector: { state: "UNASSIGNED", worker_id: "w1" }, tasks: [], type: "sink" } as never), false);
        const c = await scripted([status("UNASSIGNED", "RUNNING"), status("RUNNING", "RUNNING"), status("RUNNING", "RUNNING"), status("RUNNING", "RUNNING")]);
        try {
            await waitForState({ urls: [c.url] }, "x", "running", { timeoutSeconds: 30, settleSeconds: 1, staleUnassignedSeconds: 30 });
            assert.deepStrictEqual(c.requests.filter((r) => r.startsWith("POST")), []);
        } finally {
            c.close();
        }
    });
});

describe("Connect health gate right after a restart", () => {
    const status = (task: string) => [200, { name: "x", connector: { state: "RUNNING", worker_id: "w1" }, tasks: [{ id: 0, state: task, worker_id: "w1", trace: task === "FAILED" ? "java.net.SocketException: Connection reset" : undefined }], type: "sink" }] as [number, unknown];

    it("waits through the FAILED status that asked for the restart, within its grace, and passes once the task runs", async () => {
        const { waitForState } = await import("../../components/connectors/health");
        const c = await scripted([status("FAILED"), status("FAILED"), status("RUNNING"), status("RUNNING"), status("RUNNING")]);
        try {
            const got = await waitForState({ urls: [c.url] }, "x", "running", { timeoutSeconds: 30, settleSeconds: 1, failureGraceSeconds: 10 });
            assert.strictEqual(got.tasks[0].state, "RUNNING");
        } finally {
            c.close();
        }
    });

    it("fails on FAILED at once without a grace, and on a failure that outlasts it", async () => {
        const { waitForState } = await import("../../components/connectors/health");
        const now = await scripted([status("FAILED")]);
        try {
            await assert.rejects(waitForState({ urls: [now.url] }, "x", "running", { timeoutSeconds: 30, settleSeconds: 1 }), /task 0 of connector x FAILED on w1/);
        } finally {
            now.close();
        }
        const lasting = await scripted([status("FAILED"), status("FAILED"), status("FAILED"), status("FAILED")]);
        try {
            await assert.rejects(waitForState({ urls: [lasting.url] }, "x", "running", { timeoutSeconds: 30, settleSeconds: 1, failureGraceSeconds: 2 }), /task 0 of connector x FAILED on w1/);
        } finally {
            lasting.close();
        }
    });
});
