// The connector resources and the PostgreSQL component with Pulumi mocks: exactly which properties they
// register, and the uniqueness claims that fail at construction. Read back through the resources' outputs,
// which the mocks echo from the inputs, so this works with whichever recording mock another file installed.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";

/** Resolves an Output in a mocked deployment. */
function value<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply(resolve));
}

/** Every registered property of a resource, as the engine received it. */
function registered(r: pulumi.Resource, keys: string[]): Promise<Record<string, unknown>> {
    const outputs = r as unknown as Record<string, pulumi.Output<unknown>>;
    return value(pulumi.all(Object.fromEntries(keys.map((k) => [k, outputs[k]]))));
}

describe("connector resources (mocks)", () => {
    let mod: typeof import("../../components/connectors/connector");
    let pg: typeof import("../../components/databases/postgres/server");
    const urls = ["http://10.0.0.11:8083", "http://10.0.0.12:8083"];
    const db = (dbname: string, hostname = "10.0.0.21") => ({ hostname, user: "replicator", passwordSecret: "pg-password", dbname });

    before(async () => {
        // Another unit test file may have installed its recording mocks already; they echo inputs too.
        if (!pulumi.runtime.hasMonitor()) {
            pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}-id`, state: { ...a.inputs } }), call: (a) => a.inputs }, "cdc-sync", "local", false);
        }
        mod = await import("../../components/connectors/connector");
        pg = await import("../../components/databases/postgres/server");
    });

    it("a PostgreSQL source registers its flat Connect config next to its controls", async () => {
        const src = new mod.PostgresSourceConnector("res-orders", { connectUrls: urls, database: db("app"), topicPrefix: "res-app", heartbeatIntervalMs: 10000 });
        assert.strictEqual(src.connectorName, "res-orders");
        assert.deepStrictEqual(src.source, { connectorClass: "io.debezium.connector.postgresql.PostgresConnector", topicPrefix: "res-app" });
        assert.deepStrictEqual(
            await registered(src, ["name", "connectUrls", "state", "restartTrigger", "timeoutSeconds", "topic.prefix", "slot.name", "database.password", "heartbeat.interval.ms"]),
            {
                name: "res-orders",
                connectUrls: urls,
                state: "running",
                restartTrigger: "",
                timeoutSeconds: 120,
                "topic.prefix": "res-app",
                "slot.name": "res_orders",
                "database.password": "${file:/etc/cdc-sync/secrets/connectors.properties:pg-password}",
                "heartbeat.interval.ms": 10000,
            },
        );
        assert.match(await value(src.urn), /::pulumi-nodejs:dynamic\/connect:PostgresSource::res-orders$/);
    });

    it("a JDBC sink fed by a source, declared paused under another connector name", async () => {
        const src = new mod.PostgresSourceConnector("res-src-2", { connectUrls: urls, database: db("app2"), topicPrefix: "res-app2" });
        const sink = new mod.JdbcSinkConnector("res-sink", {
            connectUrls: urls,
            connectorName: "copy-of-app2",
            state: "paused",
            connection: { url: "jdbc:postgresql://10.0.0.22:5432/copy", user: "writer", passwordSecret: "sink-password" },
            from: [src.source],
            insertMode: "upsert",
            primaryKeyMode: "record_key",
        });
        assert.deepStrictEqual(await registered(sink, ["name", "state", "topics.regex", "connection.password"]), {
            name: "copy-of-app2",
            state: "paused",
            "topics.regex": "res-app2\\.[^.]+\\.[^.]+",
            "connection.password": "${file:/etc/cdc-sync/secrets/connectors.properties:sink-password}",
        });
    });

    it("the raw Connector passes any class and config through", async () => {
        const raw = new mod.Connector("res-raw", { connectUrls: urls, connectorClass: "org.example.Other", config: { "some.setting": 3 } });
        assert.deepStrictEqual(await registered(raw, ["connector.class", "some.setting"]), { "connector.class": "org.example.Other", "some.setting": 3 });
    });

    const clashes: { name: string; first: () => unknown; second: () => unknown; error: RegExp }[] = [
        {
            name: "a topic prefix used by another source",
            first: () => new mod.PostgresSourceConnector("clash-a", { connectUrls: urls, database: db("a"), topicPrefix: "clash-p" }),
            second: () => new mod.PostgresSourceConnector("clash-b", { connectUrls: urls, database: db("b"), topicPrefix: "clash-p" }),
            error: /^Error: connector resource clash-b: topic\.prefix "clash-p" is already used in this stack by clash-a$/,
        },
        {
            name: "a slot name used on the same PostgreSQL server (slots are per server, not per database)",
            first: () => new mod.PostgresSourceConnector("clash-c", { connectUrls: urls, database: db("c"), topicPrefix: "clash-c", slotName: "shared" }),
            second: () => new mod.PostgresSourceConnector("clash-d", { connectUrls: urls, database: db("d"), topicPrefix: "clash-d", slotName: "shared" }),
            error: /^Error: connector resource clash-d: slot\.name "shared" is already used on PostgreSQL 10\.0\.0\.21:5432 by clash-c$/,
        },
        {
            name: "a connector name used twice",
            first: () => new mod.Connector("clash-e", { connectUrls: urls, connectorClass: "x.Y", config: {} }),
            second: () => new mod.Connector("clash-e2", { connectUrls: urls, connectorName: "clash-e", connectorClass: "x.Y", config: {} }),
            error: /^Error: connector resource clash-e2: connector name "clash-e" is already used in this stack by clash-e$/,
        },
    ];
    for (const c of clashes) {
        it(`refuses ${c.name}, at construction`, () => {
            c.first();
            assert.throws(c.second, c.error);
        });
    }

    it("allows one slot name on two PostgreSQL servers", () => {
        new mod.PostgresSourceConnector("slot-a", { connectUrls: urls, database: db("a", "10.0.0.31"), topicPrefix: "slot-a", slotName: "same" });
        new mod.PostgresSourceConnector("slot-b", { connectUrls: urls, database: db("a", "10.0.0.32"), topicPrefix: "slot-b", slotName: "same" });
    });

    it("refuses a reference to a secret the platform does not have, when told which it has", () => {
        const args = { connectUrls: urls, database: db("k"), topicPrefix: "known-a" };
        new mod.PostgresSourceConnector("known-a", { ...args, knownSecrets: ["pg-password"] });
        assert.throws(
            () => new mod.PostgresSourceConnector("known-b", { ...args, topicPrefix: "known-b", knownSecrets: ["pg-pasword"] }),
            /database\.password: secret pg-password is not in cdc-sync:connectorSecrets \(it has: pg-pasword\)/,
        );
    });

    it("refuses config properties that would shadow the resource's own", () => {
        assert.throws(
            () => new mod.Connector("shadow", { connectUrls: urls, connectorClass: "x.Y", config: { state: "x", name: "y" } }),
            /^ConnectorArgsError: connector shadow: invalid arguments:\n  - state: the resource's own property, not a config property\s.*\n  - name: the resource's own property/,
        );
    });

    it("PostgresServer: logical replication on the server address, password as a 0600 file, data on a named volume", async () => {
        const server = new pg.PostgresServer("res-pg", {
            server: { name: "server1", engine: { kind: "local" }, address: "10.0.0.21" },
            stack: "test",
            superuserPassword: pulumi.secret("s3cret"),
        });
        assert.strictEqual(server.address, "10.0.0.21");
        assert.strictEqual(server.port, 5432);
        const c = await registered(server.container, ["name", "args", "env", "volumes", "files", "fileOwner", "labels", "ready"]);
        assert.deepStrictEqual(c.args, [
            "-c", "listen_addresses=10.0.0.21",
            "-c", "port=5432",
            "-c", "wal_level=logical",
            "-c", "max_replication_slots=32",
            "-c", "max_wal_senders=16",
            "-c", "max_slot_wal_keep_size=4GB",
            "-c", "max_locks_per_transaction=1024",
            "-c", "wal_sender_timeout=15s",
        ]);
        assert.strictEqual(c.name, "cdc-sync-test-res-pg");
        assert.deepStrictEqual(c.env, {});
        assert.deepStrictEqual(c.volumes, { "cdc-sync-test-res-pg-data": "/var/lib/postgresql/data" });
        assert.deepStrictEqual(c.files, { "/etc/cdc-sync/secrets/postgres-password": "s3cret\n" });
        assert.deepStrictEqual(c.fileOwner, { uid: 999, gid: 999 });
        assert.deepStrictEqual(c.labels, { "io.cdc-sync.stack": "test", "io.cdc-sync.component": "res-pg" });
        assert.deepStrictEqual(c.ready, { address: "10.0.0.21", port: 5432, timeoutSeconds: 120 });
        assert.ok(await pulumi.isSecret((server.container as unknown as { files: pulumi.Output<unknown> }).files), "files must stay a secret");
        assert.ok(!JSON.stringify([c.args, c.env]).includes("s3cret"));
    });
});
