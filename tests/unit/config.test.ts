// Table-driven tests of stack config validation: every bad input stops the program with an error that
// names the key and what was expected, before any resource exists.
import * as assert from "assert";
import { loadStackConfig } from "../../components/stack/load";
import { errorsOf, raw, stackFile, VALID } from "../stackFiles";

describe("stack config validation", () => {
    const cases: { name: string; config: Record<string, unknown>; secretKeys?: string[]; error: RegExp }[] = [
        { name: "no servers at all", config: { ...VALID, servers: undefined }, error: /^cdc-sync:servers: expected a map of server name/ },
        { name: "empty server map", config: { ...VALID, servers: {} }, error: /^cdc-sync:servers: expected at least one server/ },
        {
            name: "a broker on an unknown server",
            config: { ...VALID, brokers: [{ id: 1, server: "server1" }, { id: 2, server: "server3" }] },
            error: /^cdc-sync:brokers\[1\]\.server: expected one of the declared servers \(server1, server2\), got "server3"/,
        },
        { name: "zero brokers", config: { ...VALID, brokers: [] }, error: /^cdc-sync:brokers: expected a list of at least one broker/ },
        {
            name: "exactly-once support as a word",
            config: { ...VALID, connect: { ...VALID.connect, clusters: { mysql: { port: 8084, exactlyOnce: "yes" } } } },
            error: /^cdc-sync:connect\.clusters\.mysql\.exactlyOnce: expected true or false \(exactly-once source support, default true\), got "yes"/,
        },
        {
            name: "exactly-once support set as a worker property",
            config: { ...VALID, connect: { ...VALID.connect, config: { "exactly.once.source.support": "enabled" } } },
            error: /^cdc-sync:connect\.config\.exactly\.once\.source\.support: is set by the stack; it is controlled by cdc-sync:connect\.exactlyOnce/,
        },
        {
            name: "duplicate broker id",
            config: { ...VALID, brokers: [{ id: 1, server: "server1" }, { id: 1, server: "server2" }] },
            error: /^cdc-sync:brokers\[1\]\.id: expected an id no other broker has, got 1/,
        },
        {
            name: "port clash on one server",
            config: { ...VALID, zookeeper: { server: "server1", port: 9092 } },
            error: /^cdc-sync:brokers\[0\]\.port: port 9092 on 127\.0\.0\.11:9092 is already taken by cdc-sync:zookeeper\.port/,
        },
        {
            name: "a port on another service's metrics port",
            config: { ...VALID, zookeeper: { server: "server1", port: 19092 } },
            error: /^cdc-sync:brokers\[0\]\.port \(metrics at 19092\): port 19092 on 127\.0\.0\.11:19092 is already taken by cdc-sync:zookeeper\.port$/,
        },
        {
            name: "a port on a worker's supervisor port",
            config: { ...VALID, zookeeper: { server: "server1", port: 9083 } },
            error: /^cdc-sync:connect\.port \(worker on server1, supervisor at 9083\): port 9083 on 127\.0\.0\.11:9083 is already taken by cdc-sync:zookeeper\.port$/,
        },
        {
            name: "a port whose metrics port would pass 65535",
            config: { ...VALID, connect: { port: 60000 } },
            error: /^cdc-sync:connect\.port \(worker on server1\): expected a port up to 55535: its metrics would listen 10000 above it, past 65535$/,
        },
        {
            name: "port out of range",
            config: { ...VALID, connect: { port: 70000 } },
            error: /^cdc-sync:connect\.port: expected a TCP port \(integer 1-65535\), got 70000/,
        },
        {
            name: "malformed address",
            config: { ...VALID, servers: { ...VALID.servers, server2: { engine: "local", address: "10.0.0.300:22" } } },
            error: /^cdc-sync:servers\.server2\.address: expected an IPv4 address or hostname/,
        },
        {
            name: "an IPv4 address out of range (not a hostname either)",
            config: { ...VALID, servers: { ...VALID.servers, server2: { engine: "local", address: "127.0.0.300" } } },
            error: /^cdc-sync:servers\.server2\.address: expected an IPv4 address or hostname/,
        },
        {
            name: "wildcard address",
            config: { ...VALID, servers: { ...VALID.servers, server2: { engine: "local", address: "0.0.0.0" } } },
            error: /^cdc-sync:servers\.server2\.address: expected a specific address/,
        },
        {
            name: "malformed engine",
            config: { ...VALID, servers: { ...VALID.servers, server2: { engine: "tcp://10.0.0.2:2375", address: "10.0.0.2" } } },
            error: /^cdc-sync:servers\.server2\.engine: expected "local", "unix:\/\/\/path\/to\/socket" or "ssh:\/\/user@host\[:port\]"/,
        },
        {
            name: "malformed build engine",
            config: { ...VALID, images: { build: "vps1" } },
            error: /^cdc-sync:images\.build: expected "local", "unix:\/\/\/path\/to\/socket" or "ssh:\/\/user@host\[:port\]"/,
        },
        {
            name: "unknown field under images",
            config: { ...VALID, images: { build: "local", registry: "r.example.com" } },
            error: /^cdc-sync:images\.registry: /,
        },
        {
            name: "password in plain text",
            config: { ...VALID, connectorSecrets: { "pg-password": "hunter2" } },
            error: /^cdc-sync:connectorSecrets: expected a secret \(set it with `pulumi config set --secret/,
        },
        {
            name: "replication factor above broker count",
            config: { ...VALID, kafka: { replicationFactor: 3 } },
            error: /^cdc-sync:kafka\.replicationFactor: expected an integer from 1 to the number of brokers \(2\), got 3/,
        },
        {
            name: "min ISR above replication factor",
            config: { ...VALID, kafka: { minInsyncReplicas: 3 } },
            error: /^cdc-sync:kafka\.minInsyncReplicas: expected an integer from 1 to kafka\.replicationFactor, got 3/,
        },
        {
            name: "a worker on an unknown server",
            config: { ...VALID, connect: { workers: ["server1", "db"] } },
            error: /^cdc-sync:connect\.workers\[1\]: expected one of the declared servers/,
        },
        {
            name: "misspelled field",
            config: { ...VALID, zookeeper: { server: "server1", prot: 2181 } },
            error: /^cdc-sync:zookeeper\.prot: expected no such field \(allowed: server, port\)/,
        },
        { name: "unknown top-level key", config: { ...VALID, broker: [] }, error: /^cdc-sync:broker: unknown key/ },
        {
            name: "bad heap flags",
            config: { ...VALID, heap: { broker: "512m" } },
            error: /^cdc-sync:heap\.broker: expected java heap flags/,
        },
    ];

    for (const c of cases) {
        it(`rejects ${c.name}`, () => {
            const problems = errorsOf(c.config, c.secretKeys);
            assert.ok(
                problems.some((p) => c.error.test(p)),
                `no problem matched ${c.error}; got:\n  ${problems.join("\n  ") || "(accepted)"}`,
            );
        });
    }

    it("never echoes a plain-text secret in the error", () => {
        const problems = errorsOf({ ...VALID, connectorSecrets: { "pg-password": "hunter2" } });
        assert.ok(problems.length > 0);
        assert.ok(!problems.join("\n").includes("hunter2"));
    });

    it("reports every problem at once", () => {
        const problems = errorsOf({ ...VALID, brokers: [{ id: 0, server: "x" }], connect: { port: 0 } });
        assert.strictEqual(problems.length, 2, problems.join("\n"));
    });

    it("accepts a secret connectorSecrets map and keeps only the names", () => {
        const cfg = loadStackConfig(raw({ ...VALID, connectorSecrets: { "pg-password": "x" } }, ["connectorSecrets"]));
        assert.deepStrictEqual(cfg.connectorSecretNames, ["pg-password"]);
    });

    it("the repo's tracked stack files hold no ciphertext and no salt (both belong to one machine's passphrase)", () => {
        const { execFileSync }: typeof import("child_process") = require("child_process");
        const fs: typeof import("fs") = require("fs");
        const path: typeof import("path") = require("path");
        const root = path.join(__dirname, "..", "..");
        const files = execFileSync("git", ["ls-files", "Pulumi.*.yaml", "stacks/"], { cwd: root, encoding: "utf8" }).split("\n").filter((f) => f !== "");
        assert.ok(files.includes("Pulumi.dev.yaml") && files.includes("stacks/local.yaml"), files.join(", "));
        assert.ok(!files.includes("Pulumi.local.yaml"), "Pulumi.local.yaml is this machine's (scripts/local-stacks.sh): it must not be tracked");
        for (const f of files) {
            const text = fs.readFileSync(path.join(root, f), "utf8");
            assert.ok(!/^\s*secure:/m.test(text), `${f} holds a secret: a stack file for a team belongs in the team's repository, not this one`);
            assert.ok(!/^encryptionsalt:/m.test(text), `${f} holds an encryptionsalt: it belongs to one machine's passphrase`);
        }
    });

    for (const stack of ["local", "dev"]) {
        it(`accepts the repo's ${stack === "local" ? "stacks/local.yaml" : `Pulumi.${stack}.yaml`}`, () => {
            const cfg = loadStackConfig(stackFile(stack));
            assert.deepStrictEqual(
                cfg.brokers.map((b) => [b.id, b.server]),
                [
                    [1, "server1"],
                    [2, "server2"],
                ],
            );
        });
    }

    it("defaults: RF 2 and min ISR 1 for two brokers, a worker on every server, standard ports", () => {
        const cfg = loadStackConfig(raw({ servers: VALID.servers, brokers: VALID.brokers }));
        assert.deepStrictEqual(cfg.kafka, { replicationFactor: 2, minInsyncReplicas: 1, config: {} });
        assert.deepStrictEqual(cfg.connect, { name: "default", workers: ["server1", "server2"], port: 8083, groupId: "cdc-sync-connect", config: {}, plugins: [], exactlyOnce: true, clusters: [] });
        assert.deepStrictEqual(cfg.zookeeper, { server: "server1", port: 2181 });
    });

    it("parses an SSH engine", () => {
        const cfg = loadStackConfig(
            raw({ ...VALID, servers: { ...VALID.servers, server2: { engine: "ssh://deploy@vps2.example.com:2222", address: "10.1.0.2" } } }),
        );
        assert.deepStrictEqual(cfg.servers[1].engine, { kind: "ssh", user: "deploy", host: "vps2.example.com", port: 2222 });
    });

    it("builds images beside Pulumi unless `images.build` names another engine", () => {
        assert.deepStrictEqual(loadStackConfig(raw(VALID)).images, { build: { kind: "local" } });
        assert.deepStrictEqual(loadStackConfig(raw({ ...VALID, images: { build: "ssh://build@ci.example.com" } })).images, {
            build: { kind: "ssh", user: "build", host: "ci.example.com", port: 22 },
        });
    });
});
