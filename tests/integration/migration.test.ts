// Upgrading: the `local` stack deployed by the previous layout (its code and its stack file with the deprecated keys),
// then previewed by this code with the current stack file (tests/integration/fixture.ts). Nothing may be replaced or
// deleted: every resource moved (aliases) or kept its name. What the current stack file adds, the `mysql` and `mariadb`
// Connect clusters and the latter's plugin image, the rolling changes' gates, the workers' hand-off gates and
// supervisors, the step for tables joining a pair, and the pair's server's metrics exporter, is all that may be
// created.
import * as assert from "assert";
import { exactlyOnceOff, migration, PREVIOUS_LAYOUT } from "./fixture";

describe(`upgrading a stack deployed by the previous layout (${PREVIOUS_LAYOUT.slice(0, 7)})`, () => {
    it("applies the upgrade (and the next up, which enables exactly-once sources) under a write load on both sides of the pair: nothing lost, both sides identical, every task RUNNING", function () {
        const m = migration();
        if ("skipped" in m) return this.skip();
        assert.ok(m.load, "the upgrade's up ran without the write load");
        assert.ok(m.load.writes > 50, `only ${m.load.writes} writes during the upgrade`);
        assert.deepStrictEqual(m.load.lost, [], `${m.load.lost.length} recorded final states missing:\n${m.load.lost.slice(0, 10).join("\n")}`);
        assert.strictEqual(m.load.diverged, false, "db1 and db2 differ after the upgrade");
        assert.deepStrictEqual(m.load.notRunning, []);
    });

    /**
     * The resources of what the current stack file adds (`connect.clusters.mysql` and `.mariadb`, its plugin image),
     * and the rolling changes' gates this code adds after each broker and worker (components/platform/rolling.ts).
     */
    const addedCluster = (urn: string) =>
        /::kafka-(connect-(mysql|mariadb)[^:]*|images-mariadb-\d+)$/.test(urn) ||
        // The supervisor beside each worker, and its image (components/platform/supervisor.ts).
        /::kafka-(connect-server\d+-supervisor|images-supervisor-\d+)$/.test(urn) ||
        /(BrokerInSync|WorkerInSync)::[^:]+-in-sync$/.test(urn) ||
        // The gate of a worker's removal, beside each worker (components/platform/rolling.ts, WorkerHandOff).
        /WorkerHandOff::kafka-connect-[^:]+-hand-off$/.test(urn) ||
        // Sets the server's superuser password again (idempotent): a rotated one takes effect (docs/day2.md).
        /PostgresSuperuserPassword::twoway-postgres-superuser-password$/.test(urn) ||
        // Tables joining or leaving the pair (docs/day2.md); created with the signal tables it needs, copying nothing.
        /TwoWayTables::twoway-tables$/.test(urn) ||
        // The Connect REST API's password and the brokers' ZooKeeper password, each in a set of its own (docs/security.md).
        /::(connect-rest|zookeeper)-password(-generated)?$/.test(urn) ||
        // The pair's server's metrics exporter: its image, password, login role and container (docs/faults.md).
        /::twoway-postgres-exporter(-image|-password|-password-generated|-role)?$/.test(urn);

    it("previews no replace and no delete, and creates only the Connect clusters the stack file adds", function () {
        const m = migration();
        // Reported as skipped, never as passed, when the fixture could not deploy the previous layout.
        if ("skipped" in m) return this.skip();
        const created = m.steps.filter((s) => s.op === "create");
        assert.ok(created.length > 0 && created.every((s) => addedCluster(s.urn)), created.map((s) => s.urn).join("\n") || "nothing created");
        const structural = m.steps.filter((s) => s.op !== "update" && !(s.op === "create" && addedCluster(s.urn)));
        assert.deepStrictEqual(structural, [], `steps that would touch state:\n${structural.map((s) => `${s.op} ${s.urn} [${s.diffs.join(", ")}]`).join("\n")}`);
    });

    /**
     * The default cluster's workers take a new worker setting (scheduled.rebalance.max.delay.ms): a rolling restart,
     * after which its health gate runs again for the new containers; and what records the secrets' digests.
     */
    // (A dynamic provider's diff names no properties in the preview's events: the URNs are what is checked.)
    const rolledWorker = (s: { op: string; urn: string; diffs: readonly string[] }) =>
        s.op === "update" &&
        (/docker:Container::kafka-connect-server\d+$/.test(s.urn) ||
            /ClusterReady::kafka-connect-ready$/.test(s.urn) ||
            // Each connector records a digest of the secrets it uses (no restart), the canary one of the pair's; the
            // sources also take their signal table (one restart each).
            /connect:Connector::twoway-[^:]+$/.test(s.urn) ||
            /TwoWayHealth::twoway-health$/.test(s.urn) ||
            // Each database of the pair takes the setup's version 2 (the grant the sources' heartbeat needs).
            /TwoWayDatabase::twoway-db[12]-sync$/.test(s.urn) ||
            // The pair's server restarts once, for a new setting (wal_sender_timeout, docs/faults.md) and its image's
            // stop signal (a fast shutdown).
            /docker:(Container::twoway-postgres|Image::twoway-postgres-image)$/.test(s.urn) ||
            // Every JVM takes the metrics agent (a new platform image, CDC_METRICS): ZooKeeper and the brokers restart
            // too, the brokers one at a time behind their in-sync gates (docs/faults.md, "Metrics").
            /docker:(Container::kafka-(zookeeper|broker-\d+)|Image::kafka-images-kafka-\d+)$/.test(s.urn));

    it("previews no other update: every resource it had stays as it is but the JVMs and the pair's server, which restart for new settings, the digests, and the pair's setup version", function () {
        const m = migration();
        if ("skipped" in m) return this.skip();
        // The engine re-registers the default dynamic-provider plugin (an `update` event with no diff) when the
        // program's directory changes; the CLI counts it as nothing. Every other resource of the stack must be `same`.
        const resources = m.steps.filter((s) => !s.urn.includes("::pulumi:providers:") && !(s.op === "create" && addedCluster(s.urn)) && !rolledWorker(s));
        assert.deepStrictEqual(resources, [], resources.map((s) => `${s.op} ${s.urn} [${s.diffs.join(", ")}]`).join("\n"));
        assert.strictEqual(m.steps.filter((s) => rolledWorker(s) && /docker:Container::kafka-connect-server\d+$/.test(s.urn)).length, 2, "the default cluster's two workers do not roll");
        assert.deepStrictEqual(Object.keys(m.summary).sort(), ["create", "same", "update"], JSON.stringify(m.summary));
        // A guard that the previous layout was deployed at all: 28 of its resources stay as they are since every JVM
        // takes the metrics agent (counted at 6485fbc): ZooKeeper, the brokers and the platform image roll now.
        assert.ok(m.summary.same > 20, `only ${m.summary.same} resources previewed unchanged: was the previous layout deployed?`);
    });

    // Kafka requires a running Connect cluster to run exactly.once.source.support=preparing on every worker before
    // any runs enabled (components/docker/steps.ts): the upgrade's up holds the default cluster's workers at
    // preparing, the next enables. The clusters the upgrade creates (mysql, mariadb) start enabled.
    const worker = /docker:Container::kafka-connect-server\d+$/;

    it("holds every Connect worker at exactly-once `preparing` in the upgrade's up, and says so in the preview", function () {
        const m = migration();
        if ("skipped" in m || exactlyOnceOff()) return this.skip();
        const workers = m.steps.filter((s) => worker.test(s.urn));
        assert.strictEqual(workers.length, 2, `Connect workers in the upgrade's preview:\n${workers.map((s) => s.urn).join("\n")}`);
        for (const w of workers) assert.match(w.effect ?? "", /exactly\.once\.source\.support=preparing in this up, not enabled .*the next up sets enabled/, w.urn);
    });

    // ZooKeeper demands SASL logins only once every broker has one (components/platform/zookeeperAuth.ts): the upgrade's
    // up holds it at accepting them, the next demands them.
    const zookeeper = /docker:Container::kafka-zookeeper$/;

    it("holds ZooKeeper at accepting logins without demanding them in the upgrade's up, while the brokers roll with theirs, and says so in the preview", function () {
        const m = migration();
        if ("skipped" in m) return this.skip();
        const zk = m.steps.filter((s) => zookeeper.test(s.urn));
        assert.strictEqual(zk.length, 1, m.steps.map((s) => s.urn).join("\n"));
        assert.match(zk[0].effect ?? "", /enforce\.auth\.enabled=false in this up, not true .*the next up sets true/, zk[0].urn);
    });

    it("enables exactly-once support and ZooKeeper's demand for logins in the next up, which rolls the Connect workers one at a time and restarts ZooKeeper, under the load", function () {
        const m = migration();
        if ("skipped" in m || exactlyOnceOff()) return this.skip();
        assert.ok(m.next, "no up after the upgrade's");
        const workers = m.next.steps.filter((s) => worker.test(s.urn));
        assert.strictEqual(workers.length, 2, JSON.stringify(m.next.steps.map((s) => s.urn)));
        for (const w of workers) {
            assert.strictEqual(w.op, "update", w.urn);
            assert.match(w.effect ?? "", /^restarts: .*one worker at a time/, w.urn);
            assert.doesNotMatch(w.effect ?? "", /preparing/, w.urn);
        }
        const zk = m.next.steps.filter((s) => zookeeper.test(s.urn));
        assert.strictEqual(zk.length, 1, JSON.stringify(m.next.steps.map((s) => s.urn)));
        assert.match(zk[0].effect ?? "", /^restarts: /, zk[0].urn);
        assert.doesNotMatch(zk[0].effect ?? "", /in this up, not/, zk[0].urn);
        // Nothing but the Connect clusters (their workers, and the gates that wait for each new one) and ZooKeeper.
        const others = m.next.steps.filter((s) => !s.urn.includes("::pulumi:providers:") && !/::kafka-connect[^:]*$/.test(s.urn) && !zookeeper.test(s.urn));
        assert.deepStrictEqual(others.map((s) => `${s.op} ${s.urn}`), []);
        assert.deepStrictEqual(Object.keys(m.next.summary).sort(), ["same", "update"], JSON.stringify(m.next.summary));
    });
});
