// The words a preview shows for each change (components/dynamic/effect.ts and each provider's `*Effect`): what
// restarts, after what, what is copied. Table-driven over the providers' pure describers.
import * as assert from "assert";
import { listed, withEffect } from "../../components/dynamic/effect";
import { UNKNOWN } from "../../components/dynamic/diff";
import { ContainerInputs, containerEffect, containerProvider, rotatedKeys } from "../../components/docker/container";
import { ConnectorInputs, connectorEffect } from "../../components/connectors/provider";
import { TopicInputs, topicEffect } from "../../components/platform/topic";
import { TwoWayDatabaseInputs, twoWayDatabaseEffect } from "../../components/pipelines/twoWayPostgres/database";
import { TwoWayTablesInputs, twoWayTablesEffect } from "../../components/pipelines/twoWayPostgres/tables";
import { defaultSpec } from "../../components/pipelines/twoWayPostgres/spec";

describe("previews in words: the effect input", () => {
    it("is set only for a recorded resource, and replaces a stale one", () => {
        const say = () => "restarts";
        assert.deepStrictEqual(withEffect({}, { a: 1 }, say), { a: 1 });
        assert.deepStrictEqual(withEffect({ a: 0 }, { a: 1 }, say), { a: 1, effect: "restarts" });
        assert.deepStrictEqual(withEffect({ a: 1 }, { a: 1, effect: "old words" } as { a: number }, () => undefined), { a: 1 });
    });

    it("lists names as a reader would", () => {
        assert.deepStrictEqual([listed([]), listed(["a"]), listed(["a", "b"]), listed(["a", "b", "c"])], ["", "a", "a and b", "a, b and c"]);
    });
});

describe("previews in words: a container", () => {
    const base: ContainerInputs = {
        engine: { kind: "local" } as unknown as ContainerInputs["engine"],
        name: "cdc-sync-local-broker-2",
        image: "sha256:1",
        args: ["broker"],
        env: { CDC_HEAP: "-Xmx512m" },
        volumes: {},
        labels: {},
        memoryMiB: 1024,
        ready: { address: "127.0.0.12", port: 9092, timeoutSeconds: 180 },
        rollsAfter: "one broker at a time: after broker 1 is back in every ISR",
    };
    const cases: { name: string; news: Partial<ContainerInputs>; olds?: Partial<ContainerInputs>; says: RegExp | undefined }[] = [
        { name: "a setting restarts it, after the broker before it", news: { env: { CDC_HEAP: "-Xmx1g" } }, says: /^restarts: stopped, removed and created again as cdc-sync-local-broker-2 \(env changed\), one broker at a time: after broker 1 is back in every ISR; its volumes are kept$/ },
        { name: "a new image and memory", news: { image: "sha256:2", memoryMiB: 2048 }, says: /\(image and memoryMiB changed\)/ },
        { name: "files alone are rewritten with no restart", news: { files: { "/etc/cdc-sync/secrets/connect.properties": "x" } }, says: /^rewrites \/etc\/cdc-sync\/secrets\/connect.properties in the running container: no restart$/ },
        {
            name: "of several files, those whose content changes are named",
            news: { files: { "/s/a.properties": "a=2", "/s/b.conf": "same" } },
            olds: { files: { "/s/a.properties": "a=1", "/s/b.conf": "same" } },
            says: /^rewrites \/s\/a.properties in the running container: no restart$/,
        },
        { name: "a new name is a replacement, which the preview shows itself", news: { name: "other" }, says: undefined },
        { name: "only the words of its order changed: nothing to say", news: { rollsAfter: "the first" }, says: undefined },
    ];
    for (const c of cases) {
        it(c.name, () => {
            const said = containerEffect({ ...base, ...c.olds }, { ...base, ...c.news });
            if (c.says === undefined) assert.strictEqual(said, undefined);
            else assert.match(said ?? "", c.says);
        });
    }
});

describe("previews in words: a connector", () => {
    const base: ConnectorInputs = {
        name: "twoway-db1-source",
        connectUrls: ["http://127.0.0.11:8083"],
        state: "running",
        restartTrigger: "c1",
        timeoutSeconds: 120,
        secretsDigest: "d1",
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "table.include.list": "public\\.customers",
    };
    const cases: { name: string; news: Partial<ConnectorInputs>; olds?: Partial<ConnectorInputs>; says: string | undefined }[] = [
        {
            name: "a config change",
            news: { "table.include.list": "public\\.customers,public\\.orders" },
            says: "takes the new config (table.include.list): Connect restarts the connector and its tasks with it; up waits until it and its tasks are RUNNING",
        },
        { name: "a rotated secret", news: { secretsDigest: "d2" }, says: "restarts: a secret it uses was rotated; up waits until it and its tasks are RUNNING" },
        { name: "a restarted server", news: { restartTrigger: "c2" }, says: "restarts: its database server was restarted; up waits until it and its tasks are RUNNING" },
        {
            name: "a server being updated in this preview (its generation unknown until up)",
            news: { restartTrigger: UNKNOWN },
            says: "restarts if its database server restarts in this up (known only then); up waits until it and its tasks are RUNNING",
        },
        { name: "a failed one", olds: { state: "failed" }, news: {}, says: "restarts: it was FAILED; up waits until it and its tasks are RUNNING" },
        { name: "paused", news: { state: "paused" }, says: "goes paused; up waits until it and its tasks are PAUSED" },
        { name: "a first digest (an upgraded stack) restarts nothing", olds: { secretsDigest: undefined }, news: {}, says: undefined },
        { name: "a new class is a replacement", news: { "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector" }, says: undefined },
    ];
    for (const c of cases) {
        it(c.name, () => assert.strictEqual(connectorEffect({ ...base, ...c.olds } as ConnectorInputs, { ...base, ...c.news } as ConnectorInputs), c.says));
    }
});

describe("previews in words: a topic", () => {
    const base: TopicInputs = { bootstrapServers: "b:9092", name: "t", partitions: 1, replicationFactor: 2, configs: { "retention.ms": "1" } };
    const cases: { name: string; news: Partial<TopicInputs>; says: RegExp | undefined }[] = [
        { name: "a replication factor", news: { replicationFactor: 3 }, says: /^reassigns its partitions to 3 replicas in place and waits until every replica is in sync/ },
        { name: "configs", news: { configs: { "retention.ms": "2" } }, says: /^sets its changed configs in place$/ },
        { name: "more partitions", news: { partitions: 3 }, says: /^adds partitions 1 -> 3$/ },
        { name: "fewer partitions is a replacement (refused)", news: { partitions: 0 }, says: undefined },
    ];
    for (const c of cases) {
        it(c.name, () => {
            const said = topicEffect(base, { ...base, ...c.news });
            if (c.says === undefined) assert.strictEqual(said, undefined);
            else assert.match(said ?? "", c.says);
        });
    }
});

describe("previews in words: a pair's tables and databases", () => {
    const customers = { schema: "public", name: "customers", primaryKey: ["id"] };
    const orders = { schema: "public", name: "orders", primaryKey: ["id"] };
    const db = (tables: (typeof customers)[], passwords = { replicationPassword: "r", sinkPassword: "s" }): TwoWayDatabaseInputs => ({
        connection: { host: "h", port: 5432, database: "db1", user: "postgres" },
        adminPassword: "a",
        spec: defaultSpec("db1", tables),
        ...passwords,
    });
    const pair = (tables: (typeof customers)[]): TwoWayTablesInputs => ({
        ends: (["db1", "db2"] as const).map((d) => ({ connection: { host: "h", port: 5432, database: d, user: "postgres" }, spec: defaultSpec(d, tables) })) as TwoWayTablesInputs["ends"],
        adminPassword: "a",
        replicaIdentities: [{}, {}],
        timeoutSeconds: 1800,
    });

    it("a table that joins: set up by the database, its rows copied after the connectors", () => {
        assert.match(twoWayDatabaseEffect(db([customers]), db([customers, orders])) ?? "", /^sets up public\.orders for the pair: stamp columns, triggers, publication, grants/);
        assert.strictEqual(
            twoWayTablesEffect(pair([customers]), pair([customers, orders])),
            "after the connectors: copies the rows of public.orders that either side lacks to the other: an incremental snapshot by each side's source (no lock, the stream goes on); up waits until they are across",
        );
    });

    it("a table that leaves: kept until the connectors let go, then taken out, its rows kept", () => {
        assert.match(twoWayDatabaseEffect(db([customers, orders]), db([customers])) ?? "", /^keeps public\.orders set up until the connectors no longer use it/);
        assert.match(twoWayTablesEffect(pair([customers, orders]), pair([customers])) ?? "", /takes public\.orders out of the pair on db1 and db2 .*its rows stay on both sides$/);
    });

    it("a setup from an older version: what the newer one brings, grants only", () => {
        assert.strictEqual(
            twoWayDatabaseEffect(db([customers]), { ...db([customers]), setupVersion: 2 }),
            "setup version 1 -> 2: the replication role may write its side's canary row, which the source's heartbeat bumps so that an idle side's slot stays confirmed; a tombstone for a table not yet joined on this side is kept until it joins, not refused (grants and functions only, no table lock)",
        );
        assert.match(
            twoWayDatabaseEffect({ ...db([customers]), setupVersion: 2 }, { ...db([customers]), setupVersion: 3 }) ?? "",
            /^setup version 2 -> 3: a sink session idle inside a transaction for 10 s \(its worker hung\) is ended, .* \(grants and functions only, no table lock\)$/,
        );
        assert.match(
            twoWayDatabaseEffect({ ...db([customers]), setupVersion: 3 }, { ...db([customers]), setupVersion: 4 }) ?? "",
            /^setup version 3 -> 4: a received tombstone locks its row before it is recorded, .* \(grants and functions only, no table lock\)$/,
        );
        assert.strictEqual(twoWayDatabaseEffect({ ...db([customers]), setupVersion: 4 }, { ...db([customers]), setupVersion: 4 }), undefined);
    });

    it("a rotated password: the role alone", () => {
        assert.strictEqual(twoWayDatabaseEffect(db([customers]), db([customers], { replicationPassword: "r2", sinkPassword: "s" })), "sets a new password on cdc_repl_db1: nothing else, no table lock");
        assert.strictEqual(twoWayDatabaseEffect(db([customers]), { ...db([customers]), adminPassword: "a2" }), "records the rotated superuser password: nothing changes in the database");
        assert.strictEqual(twoWayTablesEffect(pair([customers]), pair([customers])), undefined);
    });
});

describe("a Connect worker's restart in the up that rotates a secret it holds", () => {
    const file = "/etc/cdc-sync/secrets/connectors.properties";
    const base = {
        engine: { kind: "local" },
        name: "cdc-sync-local-connect-server1",
        image: "sha256:1",
        args: ["connect"],
        env: { CDC_PROPERTIES: "group.id=g" },
        volumes: {},
        labels: {},
        memoryMiB: 1536,
        ready: { address: "10.0.0.1", port: 8083, timeoutSeconds: 240 },
        files: { [file]: "db1-replication=a\ndb2-sink=b\n" },
        rotationRefusal: "the reason",
    } as unknown as ContainerInputs;
    const check = (news: Partial<ContainerInputs>) => containerProvider.check!(base, { ...base, ...news }).then(() => "passed", (e: Error) => e.message);

    it("is refused, naming the secret and never its value", async () => {
        const said = await check({ image: "sha256:2", files: { [file]: "db1-replication=a\ndb2-sink=NEW\n" } });
        assert.strictEqual(
            said,
            `refusing to restart cdc-sync-local-connect-server1 in the up that also changes db2-sink in ${file}: the reason. Nothing was changed. Make the change that restarts it and the secrets' change in two ups.`,
        );
    });
    it("a rotation alone (the file rewritten in place) and a restart alone pass", async () => {
        assert.strictEqual(await check({ files: { [file]: "db1-replication=a\ndb2-sink=NEW\n" } }), "passed");
        assert.strictEqual(await check({ image: "sha256:2" }), "passed");
    });
    it("a restart that only adds a secret (a new pipeline's) passes", async () => {
        assert.strictEqual(await check({ image: "sha256:2", files: { [file]: "db1-replication=a\ndb2-sink=b\ndb3-sink=c\n" } }), "passed");
    });
    it("lists the keys whose values differ, per file", () => {
        assert.deepStrictEqual(rotatedKeys({ f: "a=1\nb=2\nc=3\n" }, { f: "a=1\nb=3\nc=4\nd=5\n", g: "x=1\n" }), ["b and c in f"]);
        assert.deepStrictEqual(rotatedKeys(undefined, { f: "a=1\n" }), []);
    });
});
