// The ZooKeeper login of the brokers (components/platform/zookeeperAuth.ts): the files each side is given, the
// settings that make ZooKeeper demand it, and the step a running ZooKeeper takes towards demanding it.
import * as assert from "assert";
import { stepSettings } from "../../components/docker/steps";
import { brokerProperties, renderProperties, zookeeperProperties } from "../../components/platform/properties";
import {
    brokerZooKeeperJaas,
    ZOOKEEPER_AUTH_STEPS,
    ZOOKEEPER_JAAS_FILE,
    zookeeperAuthGeneration,
    zookeeperServerJaas,
} from "../../components/platform/zookeeperAuth";

describe("ZooKeeper authentication", () => {
    it("ZooKeeper's JAAS file accepts the brokers' user with the password; a broker's logs in as that user", () => {
        assert.deepStrictEqual(zookeeperServerJaas("Abc123"), {
            [ZOOKEEPER_JAAS_FILE]: 'Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  user_kafka="Abc123";\n};\n',
        });
        assert.deepStrictEqual(brokerZooKeeperJaas("Abc123"), {
            [ZOOKEEPER_JAAS_FILE]: 'Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="kafka"\n  password="Abc123";\n};\n',
        });
    });

    for (const [what, password] of [
        ["empty", ""],
        ["a blank", "a b"],
        ["a quote", 'a"b'],
        ["a backslash", "a\\b"],
    ]) {
        it(`refuses a password with ${what}, naming the password, not its value`, () => {
            for (const render of [zookeeperServerJaas, brokerZooKeeperJaas]) {
                assert.throws(() => render(password), (e: Error) => e.message.startsWith("zookeeper: ") && (password === "" || !e.message.includes(password)));
            }
        });
    }

    it("ZooKeeper takes SASL logins and closes any session that has not logged in; the brokers create znodes only they may change", () => {
        const zk = zookeeperProperties({ address: "10.0.0.1", port: 2181 });
        assert.strictEqual(zk["authProvider.sasl"], "org.apache.zookeeper.server.auth.SASLAuthenticationProvider");
        assert.strictEqual(zk["enforce.auth.enabled"], "true");
        assert.strictEqual(zk["enforce.auth.schemes"], "sasl");
        const broker = brokerProperties({ id: 1, address: "10.0.0.1", port: 9092, zookeeperConnect: "10.0.0.1:2181", replicationFactor: 2, minInsyncReplicas: 1 });
        assert.strictEqual(broker["zookeeper.set.acl"], true);
    });

    it("a ZooKeeper deployed before authentication first accepts logins without demanding them, and demands them the up after", () => {
        const env = (props: Record<string, string | number | boolean>) => ({ CDC_PROPERTIES: renderProperties(props) });
        const steps = [{ ...ZOOKEEPER_AUTH_STEPS, env: "CDC_PROPERTIES" }];
        const before = zookeeperProperties({ address: "10.0.0.1", port: 2181 });
        for (const k of ["authProvider.sasl", "enforce.auth.enabled", "enforce.auth.schemes"]) delete before[k];
        const wanted = env(zookeeperProperties({ address: "10.0.0.1", port: 2181 }));

        const first = stepSettings(env(before), wanted, steps);
        assert.match(first.env.CDC_PROPERTIES, /^enforce\.auth\.enabled=false$/m);
        assert.match(first.env.CDC_PROPERTIES, /^authProvider\.sasl=/m);
        assert.strictEqual(first.held.length, 1);
        assert.match(first.held[0], /^enforce\.auth\.enabled=false in this up, not true \(the brokers must log in/);

        const second = stepSettings(first.env, wanted, steps);
        assert.deepStrictEqual(second, { env: wanted, held: [] });
        // A new ZooKeeper demands logins from its first start.
        assert.deepStrictEqual(stepSettings(undefined, wanted, steps), { env: wanted, held: [] });
    });

    it("ZooKeeper's and the brokers' generation changes with the password and shows nothing of it", () => {
        const [a, b] = [zookeeperAuthGeneration("first-password"), zookeeperAuthGeneration("second-password")];
        assert.notStrictEqual(a, b);
        assert.match(a, /^[0-9a-f]{16}$/);
    });
});
