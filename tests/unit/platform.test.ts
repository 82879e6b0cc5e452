// The resource graph of the local and dev stacks, with Pulumi mocks: exactly which server runs what,
// with which configuration. Mocks record every registered resource and its inputs.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { record, Recorded } from "./mocks";
import { loadStackConfig } from "../../components/stack/load";
import { engineKey, metricsEndpoints, place } from "../../components/platform/placement";
import { parseRenderedProperties } from "../../components/platform/properties";
import { stackFile } from "../stackFiles";

async function deploy(stack: string): Promise<Recorded[]> {
    const { KafkaPlatform } = await import("../../components/platform/platform");
    const connectorSecrets = pulumi.secret({ "pg-password": "s3cret" });
    return record(async () => new KafkaPlatform("kafka", { config: loadStackConfig(stackFile(stack)), stack, connectorSecrets }).connect.plugins);
}

const containers = (rs: Recorded[]) => rs.filter((r) => r.type.endsWith("docker:Container"));
const props = (c: Recorded): Record<string, string> => parseRenderedProperties(c.inputs.env.CDC_PROPERTIES as string);

describe("resource graph", () => {
    const vps1 = "ssh:deploy@vps1.example.com:22";
    const vps2 = "ssh:deploy@vps2.example.com:22";
    // Images as [the tag's repository, the engine]: `built` where they are built, `shipped` where they are loaded.
    const expected: Record<string, { containers: [string, string, string, string][]; built: [string, string][]; shipped: [string, string][]; groups: Record<string, [string, number]> }> = {
        // [container name, role, the server address it binds, the engine it runs on]
        local: {
            // Both local servers share the build engine: one build each, the MariaDB plugin's layer on it, nothing shipped.
            built: [
                ["cdc-sync/kafka", "local"],
                ["cdc-sync/connect-mariadb", "local"],
                ["cdc-sync/supervisor", "local"],
            ],
            shipped: [],
            containers: [
                ["cdc-sync-local-zookeeper", "zookeeper", "127.0.0.11", "local"],
                ["cdc-sync-local-broker-1", "broker", "127.0.0.11", "local"],
                ["cdc-sync-local-broker-2", "broker", "127.0.0.12", "local"],
                ["cdc-sync-local-connect-server1", "connect", "127.0.0.11", "local"],
                ["cdc-sync-local-connect-server2", "connect", "127.0.0.12", "local"],
                ["cdc-sync-local-connect-mysql-server1", "connect", "127.0.0.11", "local"],
                ["cdc-sync-local-connect-mariadb-server2", "connect", "127.0.0.12", "local"],
                // Beside each worker, on its server: the supervisor that restarts what failed there.
                ["cdc-sync-local-connect-server1-supervisor", "supervisor", "127.0.0.11", "local"],
                ["cdc-sync-local-connect-server2-supervisor", "supervisor", "127.0.0.12", "local"],
                ["cdc-sync-local-connect-mysql-server1-supervisor", "supervisor", "127.0.0.11", "local"],
                ["cdc-sync-local-connect-mariadb-server2-supervisor", "supervisor", "127.0.0.12", "local"],
            ],
            // Worker container -> [group.id, REST port]: the default cluster, and one for MySQL-dialect sinks.
            groups: {
                "cdc-sync-local-connect-server1": ["cdc-sync-connect", 8083],
                "cdc-sync-local-connect-server2": ["cdc-sync-connect", 8083],
                "cdc-sync-local-connect-mysql-server1": ["cdc-sync-connect-mysql", 8084],
                "cdc-sync-local-connect-mariadb-server2": ["cdc-sync-connect-mariadb", 8085],
            },
        },
        dev: {
            // Built once beside Pulumi (`images.build` unset), shipped to each VPS engine.
            built: [
                ["cdc-sync/kafka", "local"],
                ["cdc-sync/supervisor", "local"],
            ],
            shipped: [
                ["cdc-sync/kafka", vps1],
                ["cdc-sync/kafka", vps2],
                ["cdc-sync/supervisor", vps1],
                ["cdc-sync/supervisor", vps2],
            ],
            containers: [
                ["cdc-sync-dev-zookeeper", "zookeeper", "10.0.0.11", vps1],
                ["cdc-sync-dev-broker-1", "broker", "10.0.0.11", vps1],
                ["cdc-sync-dev-broker-2", "broker", "10.0.0.12", vps2],
                ["cdc-sync-dev-connect-server1", "connect", "10.0.0.11", vps1],
                ["cdc-sync-dev-connect-server2", "connect", "10.0.0.12", vps2],
                ["cdc-sync-dev-connect-server1-supervisor", "supervisor", "10.0.0.11", vps1],
                ["cdc-sync-dev-connect-server2-supervisor", "supervisor", "10.0.0.12", vps2],
            ],
            groups: { "cdc-sync-dev-connect-server1": ["cdc-sync-connect", 8083], "cdc-sync-dev-connect-server2": ["cdc-sync-connect", 8083] },
        },
    };

    for (const [stack, want] of Object.entries(expected)) {
        describe(`${stack} stack`, () => {
            let rs: Recorded[] = [];
            before(async () => {
                rs = await deploy(stack);
            });

            it("runs exactly these containers on these engines, each bound to its server's address", () => {
                const got = containers(rs).map((c) => [c.inputs.name, c.inputs.args[0] ?? "supervisor", c.inputs.ready.address, engineKey(c.inputs.engine)]);
                assert.deepStrictEqual(got.sort(), [...want.containers].sort());
            });

            it("builds each image once on the build engine, a plugin layer on it where a cluster declares one, and ships it to every other engine", () => {
                const repo = (tag: string) => tag.slice(0, tag.lastIndexOf(":"));
                const built = rs.filter((r) => r.type.endsWith("docker:Image"));
                const shipped = rs.filter((r) => r.type.endsWith("docker:ShippedImage"));
                assert.deepStrictEqual(built.map((r) => [repo(r.inputs.tag), engineKey(r.inputs.engine)]).sort(), [...want.built].sort());
                assert.deepStrictEqual(shipped.map((r) => [repo(r.inputs.tag), engineKey(r.inputs.engine)]).sort(), [...want.shipped].sort());
                for (const s of shipped) {
                    const source = built.find((b) => b.inputs.tag === s.inputs.tag)!;
                    assert.deepStrictEqual([engineKey(s.inputs.source), s.inputs.imageId], [engineKey(source.inputs.engine), `sha256:${source.name}`], s.name);
                }
                // Each container runs the id its own engine holds: the built one, or the same id shipped there.
                const ids = new Set([...built.map((b) => `sha256:${b.name}`)]);
                for (const c of containers(rs)) assert.ok(ids.has(c.inputs.image), `${c.inputs.name} runs ${c.inputs.image}`);
            });

            it("brokers listen and advertise on their own server only, and share ZooKeeper", () => {
                const zk = want.containers[0][2];
                for (const b of containers(rs).filter((c) => c.inputs.args[0] === "broker")) {
                    const p = props(b);
                    const addr = b.inputs.ready.address;
                    assert.strictEqual(p.listeners, `PLAINTEXT://${addr}:9092`);
                    assert.strictEqual(p["advertised.listeners"], `PLAINTEXT://${addr}:9092`);
                    assert.strictEqual(p["zookeeper.connect"], `${zk}:2181`);
                    assert.strictEqual(p["default.replication.factor"], "2");
                    assert.strictEqual(p["min.insync.replicas"], "1");
                    assert.strictEqual(p["unclean.leader.election.enable"], "false");
                    assert.deepStrictEqual(Object.values(b.inputs.volumes), ["/var/lib/kafka"]);
                }
                const ids = containers(rs)
                    .filter((c) => c.inputs.args[0] === "broker")
                    .map((b) => props(b)["broker.id"]);
                assert.deepStrictEqual(ids.sort(), ["1", "2"]);
            });

            it("runs a supervisor beside each worker: on the worker's server, asking only that worker, its state 1000 ports above", () => {
                const workers = containers(rs).filter((c) => c.inputs.args[0] === "connect");
                assert.ok(workers.length > 0);
                for (const w of workers) {
                    const sup = containers(rs).find((c) => c.inputs.name === `${w.inputs.name}-supervisor`);
                    assert.ok(sup, `no supervisor for ${w.inputs.name}`);
                    const { address, port } = w.inputs.ready;
                    assert.deepStrictEqual(
                        [sup.inputs.env.CDC_CONNECT_URL, sup.inputs.env.CDC_WORKER_ID, sup.inputs.env.CDC_LISTEN, sup.inputs.ready.port, engineKey(sup.inputs.engine)],
                        [`http://${address}:${port}`, `${address}:${port}`, `${address}:${port + 1000}`, port + 1000, engineKey(w.inputs.engine)],
                    );
                }
            });

            it("every JVM serves Prometheus metrics on its own server's address, 10000 above its port, and no two share one", () => {
                const jvms = containers(rs).filter((c) => ["zookeeper", "broker", "connect"].includes(c.inputs.args[0]));
                assert.strictEqual(jvms.length, want.containers.filter((c) => c[1] !== "supervisor").length);
                for (const c of jvms) {
                    const { address, port } = c.inputs.ready;
                    assert.strictEqual(c.inputs.env.CDC_METRICS, `${address}:${port + 10000}`, c.inputs.name);
                }
                const binds = jvms.map((c) => c.inputs.env.CDC_METRICS);
                assert.strictEqual(new Set(binds).size, binds.length);
                // The supervisors' state pages have no metrics agent.
                for (const s of containers(rs).filter((c) => c.inputs.name.endsWith("-supervisor"))) assert.strictEqual(s.inputs.env.CDC_METRICS, undefined);
            });

            it("ZooKeeper binds its server's address with the admin server off", () => {
                const p = props(containers(rs).find((c) => c.inputs.args[0] === "zookeeper")!);
                assert.strictEqual(p.clientPortAddress, want.containers[0][2]);
                assert.strictEqual(p["admin.enableServer"], "false");
            });

            it("Connect workers: distributed, each in its cluster's group, REST on the server address, file config provider", () => {
                const workers = containers(rs).filter((c) => c.inputs.args[0] === "connect");
                assert.deepStrictEqual(workers.map((w) => w.inputs.name).sort(), Object.keys(want.groups).sort());
                const brokers = want.containers.filter((c) => c[1] === "broker").map((c) => `${c[2]}:9092`).join(",");
                for (const w of workers) {
                    const p = props(w);
                    const [group, port] = want.groups[w.inputs.name];
                    assert.strictEqual(p["group.id"], group);
                    assert.strictEqual(p["config.storage.topic"], `${group}-configs`);
                    assert.strictEqual(p["bootstrap.servers"], brokers);
                    assert.strictEqual(p.listeners, `http://${w.inputs.ready.address}:${port}`);
                    assert.strictEqual(p["config.providers"], "file");
                    assert.strictEqual(p["config.providers.file.class"], "org.apache.kafka.common.config.provider.FileConfigProvider");
                    assert.strictEqual(p["plugin.path"], "/opt/connect-plugins");
                    for (const t of ["config", "offset", "status"]) assert.strictEqual(p[`${t}.storage.replication.factor`], "2");
                    // Fail-over in seconds: the worker's group, and each sink's consumer group (docs/faults.md).
                    assert.deepStrictEqual(
                        ["session.timeout.ms", "scheduled.rebalance.max.delay.ms", "consumer.session.timeout.ms"].map((k) => p[k]),
                        ["8000", "10000", "10000"],
                    );
                    // Exactly-once sources, and sinks that read only committed records (docs/faults.md).
                    assert.deepStrictEqual([p["exactly.once.source.support"], p["consumer.isolation.level"]], ["enabled", "read_committed"]);
                }
            });

            it("Connect workers get the connector secrets and the REST login as 0600 files owned by the image user, not as env", () => {
                for (const w of containers(rs).filter((c) => c.inputs.args[0] === "connect")) {
                    // Pulumi's wire form of a secret: the file content stays encrypted in state.
                    assert.deepStrictEqual(w.inputs.files, {
                        [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
                        value: {
                            "/etc/cdc-sync/secrets/connectors.properties": "pg-password=s3cret\n",
                            "/etc/cdc-sync/secrets/connect-jaas.conf":
                                "KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n" +
                                '  file="/etc/cdc-sync/secrets/connect-rest-users.properties";\n};\n',
                            "/etc/cdc-sync/secrets/connect-rest-users.properties": "cdc-sync: generated-connect-rest\n",
                        },
                    });
                    assert.deepStrictEqual(w.inputs.fileOwner, { uid: 1000, gid: 1000 });
                    for (const secret of ["s3cret", "generated-connect-rest"]) assert.ok(!JSON.stringify(w.inputs.env).includes(secret), secret);
                    assert.strictEqual(w.inputs.env.CDC_JAAS, "/etc/cdc-sync/secrets/connect-jaas.conf");
                    assert.strictEqual(props(w)["rest.extension.classes"], "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension");
                }
            });

            it("ZooKeeper and every broker get the ZooKeeper login as a file owned by the image user, not as env; the brokers set ACLs on their znodes", () => {
                const jaas = "/etc/cdc-sync/secrets/zookeeper-jaas.conf";
                const zookeeper = containers(rs).filter((c) => c.inputs.args[0] === "zookeeper");
                const brokers = containers(rs).filter((c) => c.inputs.args[0] === "broker");
                assert.deepStrictEqual([zookeeper.length, brokers.length], [1, 2]);
                const login = {
                    zookeeper: 'Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  user_kafka="generated-zookeeper";\n};\n',
                    broker: 'Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="kafka"\n  password="generated-zookeeper";\n};\n',
                };
                for (const c of [...zookeeper, ...brokers]) {
                    const role = c.inputs.args[0] as "zookeeper" | "broker";
                    assert.deepStrictEqual(c.inputs.files, { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: { [jaas]: login[role] } }, c.inputs.name);
                    assert.deepStrictEqual(c.inputs.fileOwner, { uid: 1000, gid: 1000 });
                    assert.strictEqual(c.inputs.env.CDC_JAAS, jaas);
                    assert.match(c.inputs.env.CDC_AUTH_GENERATION, /^[0-9a-f]{16}$/);
                    assert.ok(!JSON.stringify(c.inputs.env).includes("generated-zookeeper"), c.inputs.name);
                }
                assert.deepStrictEqual(
                    ["authProvider.sasl", "enforce.auth.enabled", "enforce.auth.schemes"].map((k) => props(zookeeper[0])[k]),
                    ["org.apache.zookeeper.server.auth.SASLAuthenticationProvider", "true", "sasl"],
                );
                for (const b of brokers) assert.strictEqual(props(b)["zookeeper.set.acl"], "true");
            });

            it("each supervisor gets the REST credentials as a file owned by its image's user, not as env", () => {
                const supervisors = containers(rs).filter((c) => c.inputs.name.endsWith("-supervisor"));
                assert.ok(supervisors.length > 0);
                for (const s of supervisors) {
                    assert.deepStrictEqual(s.inputs.files, {
                        [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
                        value: { "/etc/cdc-sync/secrets/connect-rest.credentials": "cdc-sync:generated-connect-rest\n" },
                    });
                    assert.deepStrictEqual([s.inputs.fileOwner, s.inputs.env.CDC_CONNECT_CREDENTIALS], [{ uid: 65534, gid: 65534 }, "/etc/cdc-sync/secrets/connect-rest.credentials"]);
                    assert.ok(!JSON.stringify(s.inputs.env).includes("generated-connect-rest"));
                }
            });

            it("Connect's internal topics are stack resources, per cluster: compacted, RF 2", () => {
                const topics = rs.filter((r) => r.type.endsWith("kafka:Topic")).map((t) => t.inputs);
                const groups = [...new Set(Object.values(want.groups).map(([g]) => g))];
                assert.deepStrictEqual(
                    topics.map((t) => [t.name, t.replicationFactor, t.configs["cleanup.policy"]]).sort(),
                    groups.flatMap((g) => ["configs", "offsets", "status"].map((k) => [`${g}-${k}`, 2, "compact"])).sort(),
                );
                assert.strictEqual(topics.find((t) => t.name.endsWith("-configs"))!.partitions, 1);
            });

            it("the health gate waits for the Debezium sources and the JDBC sink on every worker of every cluster", () => {
                const gates = rs.filter((r) => r.type.endsWith("connect:ClusterReady"));
                assert.strictEqual(gates.flatMap((g) => g.inputs.urls).length, Object.keys(want.groups).length);
                for (const gate of gates) {
                    for (const c of ["PostgresConnector", "MongoDbConnector", "MySqlConnector", "JdbcSinkConnector"]) {
                        assert.ok(gate.inputs.requiredPlugins.some((p: string) => p.endsWith(c)), c);
                    }
                }
            });
        });
    }
});

describe("metrics endpoints (the stack output `metrics`)", () => {
    it("lists every JVM and every supervisor of the local stack as a scrape target on its server's address", () => {
        const got = metricsEndpoints(place(loadStackConfig(stackFile("local")), "cdc-sync-local")).map((e) => `${e.job} ${e.name} ${e.server} ${e.url}`);
        assert.deepStrictEqual(got, [
            "zookeeper zookeeper server1 http://127.0.0.11:12181/metrics",
            "broker broker-1 server1 http://127.0.0.11:19092/metrics",
            "broker broker-2 server2 http://127.0.0.12:19092/metrics",
            "connect connect-server1 server1 http://127.0.0.11:18083/metrics",
            "connect connect-server2 server2 http://127.0.0.12:18083/metrics",
            "connect connect-mysql-server1 server1 http://127.0.0.11:18084/metrics",
            "connect connect-mariadb-server2 server2 http://127.0.0.12:18085/metrics",
            "supervisor connect-server1-supervisor server1 http://127.0.0.11:9083/metrics",
            "supervisor connect-server2-supervisor server2 http://127.0.0.12:9083/metrics",
            "supervisor connect-mysql-server1-supervisor server1 http://127.0.0.11:9084/metrics",
            "supervisor connect-mariadb-server2-supervisor server2 http://127.0.0.12:9085/metrics",
        ]);
    });
});
