// The MySQL/MariaDB component: its pure rules (names, passwords, JDBC URL) table-driven, and its resource
// graph with Pulumi mocks: which container runs where with which inputs, and exactly which privileges the
// JDBC sink's account gets.
import * as assert from "assert";
import { inputsOf, record, Recorded, secret } from "./mocks";
import { ServerSpec } from "../../components/config/schema";
import { MySqlServerArgs } from "../../components/databases/mysql/server";
import { adminTarget, clientConfig, parseBatch, withoutStatement } from "../../components/databases/mysql/connection";
import { checkNames, checkPassword, flavorOfVersion, jdbcUrl } from "../../components/databases/mysql/sql";

const SERVER2: ServerSpec = { name: "server2", engine: { kind: "ssh", user: "deploy", host: "vps2.example.com", port: 22 }, address: "10.0.0.12" };
const SINK = { name: "cdc_sink", password: "sink-pw" };

async function deploy(args: MySqlServerArgs): Promise<Recorded[]> {
    const { MySqlServer } = await import("../../components/databases/mysql/server");
    return record(async () => new MySqlServer("mysql", args).serverVersion);
}

const one = (rs: Recorded[], type: string) => {
    const found = rs.filter((r) => r.type.endsWith(type));
    assert.strictEqual(found.length, 1, `${type}: ${found.length} registered`);
    return inputsOf(found[0]);
};

describe("MySQL/MariaDB sink database", () => {
    describe("rules", () => {
        const names: [string, { database: string; user: string; userHost: string }, RegExp | undefined][] = [
            ["plain names", { database: "shop", user: "cdc_sink", userHost: "%" }, undefined],
            ["a subnet host pattern", { database: "shop", user: "cdc_sink", userHost: "10.0.0.%" }, undefined],
            ["a database with a dash", { database: "my-shop", user: "cdc_sink", userHost: "%" }, /^database: expected 1-64 letters/],
            ["a database starting with a digit", { database: "1shop", user: "cdc_sink", userHost: "%" }, /^database: /],
            ["a user longer than MySQL allows", { database: "shop", user: "u".repeat(33), userHost: "%" }, /^sinkUser\.name: expected 1-32/],
            ["a host with a quote", { database: "shop", user: "cdc_sink", userHost: "x'y" }, /^sinkUser\.host: /],
        ];
        for (const [name, n, error] of names) {
            it(`names: ${name}`, () => {
                const got = checkNames(n);
                if (error) assert.ok(got.length === 1 && error.test(got[0]), JSON.stringify(got));
                else assert.deepStrictEqual(got, []);
            });
        }

        const passwords: [string, string, string | undefined][] = [
            ["quotes and backslashes are fine", `p'a\\ss"w`, undefined],
            ["empty", "", "rootPassword: expected a non-empty password"],
            ["a newline", "a\nb", "rootPassword: expected a password without control characters (newline, NUL, ...)"],
        ];
        for (const [name, pw, want] of passwords) {
            it(`passwords: ${name}, never echoed`, () => assert.strictEqual(checkPassword("rootPassword", pw), want));
        }

        it("the JDBC URL scheme follows the flavor (it selects the sink's dialect)", () => {
            assert.strictEqual(jdbcUrl("mariadb", "10.0.0.12", 3306, "shop"), "jdbc:mariadb://10.0.0.12:3306/shop");
            assert.strictEqual(jdbcUrl("mysql", "10.0.0.12", 3307, "shop"), "jdbc:mysql://10.0.0.12:3307/shop");
        });

        it("the flavor is read from VERSION()", () => {
            assert.strictEqual(flavorOfVersion("11.8.6-MariaDB-0+deb13u1"), "mariadb");
            assert.strictEqual(flavorOfVersion("10.11.6-MariaDB-log"), "mariadb");
            assert.strictEqual(flavorOfVersion("8.4.3"), "mysql");
        });
    });

    describe("the administrator's session in the server's container (root through the socket)", () => {
        const batches: [string, string, Record<string, string | null>[]][] = [
            ["a statement without rows", "", []],
            ["an empty result (no header either)", "\n", []],
            ["one row", "v\n11.8.6-MariaDB-0+deb13u1\n", [{ v: "11.8.6-MariaDB-0+deb13u1" }]],
            ["two columns, two rows", "h\tn\n%\t1\nlocalhost\t2\n", [{ h: "%", n: "1" }, { h: "localhost", n: "2" }]],
            ["NULL, and escaped tab, newline, backslash", "a\tb\nNULL\tx\\ty\\nz\\\\\n", [{ a: null, b: "x\ty\nz\\" }]],
            ["an empty string", "a\tb\n\t1\n", [{ a: "", b: "1" }]],
        ];
        for (const [what, output, rows] of batches) it(`parses --batch output: ${what}`, () => assert.deepStrictEqual(parseBatch(output), rows));

        const configs: [string, string, string][] = [
            ["a plain password", "s3cret", 'password="s3cret"'],
            ["quotes and a backslash, escaped as option files read them", `r'\\"x#y`, 'password="r\'\\\\\\"x#y"'],
        ];
        for (const [what, pw, line] of configs) {
            it(`a client option file for root: ${what}`, () => assert.deepStrictEqual(clientConfig(pw).split("\n"), ["[client]", "user=root", line, ""]));
        }

        it("an error shown without the statement the client echoed (MariaDB's print-query-on-error): it may hold a password", () => {
            const echoed = "--------------\nCREATE USER 'u1'@'%' IDENTIFIED BY 'p\\'w'\n--------------\n\nERROR 1396 (HY000) at line 1: Operation CREATE USER failed for 'u1'@'%'\n";
            assert.strictEqual(withoutStatement(echoed), "[statement not shown]\n\nERROR 1396 (HY000) at line 1: Operation CREATE USER failed for 'u1'@'%'\n");
            assert.strictEqual(withoutStatement("ERROR 2002 (HY000): Can't connect\n"), "ERROR 2002 (HY000): Can't connect\n");
        });

        it("names where it went in messages, never the password", () => {
            assert.strictEqual(adminTarget({ host: "db.internal", port: 3306, user: "admin", password: "pw" }), "db.internal:3306");
            assert.strictEqual(adminTarget({ engine: { kind: "local" }, container: "cdc-sync-dev-mysql", password: "pw" }), "container cdc-sync-dev-mysql (root through its socket)");
        });
    });

    describe("resource graph", () => {
        it("runs the image built from images/mariadb on the named server, bound to its address, root password as a file", async () => {
            const rs = await deploy({ run: { server: SERVER2, stack: "dev", rootPassword: "root-pw" }, database: "shop", sinkUser: SINK });
            const image = one(rs, "docker:Image");
            assert.strictEqual(image.tag, "cdc-sync/mariadb:trixie");
            assert.deepStrictEqual(image.buildArgs, { DEBIAN_SUITE: "trixie" });
            assert.ok(image.context.endsWith("/images/mariadb"), image.context);
            assert.deepStrictEqual(one(rs, "docker:Volume"), {
                engine: SERVER2.engine,
                name: "cdc-sync-dev-mysql-data",
                labels: { "io.cdc-sync.stack": "dev", "io.cdc-sync.component": "mysql" },
                holds: "the MySQL server's databases",
                guard: { resource: "mysql-data" },
            });
            const c = one(rs, "docker:Container");
            assert.strictEqual(c.name, "cdc-sync-dev-mysql");
            assert.deepStrictEqual(c.engine, SERVER2.engine);
            assert.strictEqual(c.image, "sha256:mysql-image");
            assert.deepStrictEqual(c.args, ["--bind-address=10.0.0.12", "--port=3306", "--skip-name-resolve"]);
            // No MYSQL_ROOT_HOST: the image makes no root@'%'.
            assert.deepStrictEqual(c.env, { MYSQL_ROOT_PASSWORD_FILE: "/etc/cdc-sync/mysql/root-password" });
            assert.ok(!JSON.stringify(c.env).includes("root-pw"), "the password is in the environment");
            assert.deepStrictEqual(c.files, secret({ "/etc/cdc-sync/mysql/root-password": "root-pw" }));
            assert.deepStrictEqual(c.fileOwner, { uid: 999, gid: 999 });
            assert.deepStrictEqual(c.volumes, { "cdc-sync-dev-mysql-data": "/var/lib/mysql" });
            assert.deepStrictEqual(c.ready, { address: "10.0.0.12", port: 3306, timeoutSeconds: 180 });
        });

        it("creates the database, the sink's account and exactly the sink's privileges on that database, as root through the container's socket", async () => {
            const rs = await deploy({ run: { server: SERVER2, stack: "dev", rootPassword: "root-pw" }, database: "shop", sinkUser: SINK });
            const admin = secret({ engine: SERVER2.engine, container: "cdc-sync-dev-mysql", password: "root-pw" });
            // And root keeps no network login (a server deployed before had root@'%': dropped).
            assert.deepStrictEqual(one(rs, "mysql:LocalRoot"), { admin, remoteRootHosts: [] });
            assert.deepStrictEqual(one(rs, "mysql:Database"), { admin, name: "shop", characterSet: "utf8mb4", flavor: "mariadb" });
            assert.deepStrictEqual(one(rs, "mysql:User"), { admin, name: "cdc_sink", host: "%", password: secret("sink-pw") });
            assert.deepStrictEqual(one(rs, "mysql:Grant"), {
                admin,
                user: "cdc_sink",
                host: "%",
                database: "shop",
                privileges: ["ALTER", "CREATE", "DELETE", "INSERT", "SELECT", "UPDATE"],
            });
        });

        it("a registry image (MySQL 8) is used as it is, with the same contract", async () => {
            const rs = await deploy({
                run: { server: SERVER2, stack: "dev", image: "mysql:8.4", port: 3307, rootPassword: "root-pw" },
                flavor: "mysql",
                database: "shop",
                sinkUser: { ...SINK, host: "10.0.0.%" },
            });
            assert.deepStrictEqual(one(rs, "docker:RegistryImage"), { engine: SERVER2.engine, name: "mysql:8.4" });
            assert.strictEqual(rs.filter((r) => r.type.endsWith("docker:Image")).length, 0);
            assert.deepStrictEqual(one(rs, "docker:Container").args, ["--bind-address=10.0.0.12", "--port=3307", "--skip-name-resolve"]);
            assert.strictEqual(one(rs, "mysql:Database").flavor, "mysql");
            assert.strictEqual(one(rs, "mysql:User").host, "10.0.0.%");
        });

        it("an existing server: no container, objects created with the given admin account", async () => {
            const rs = await deploy({
                existing: { address: "db.internal", adminUser: "admin", adminPassword: "admin-pw" },
                database: "shop",
                sinkUser: SINK,
            });
            assert.deepStrictEqual(
                rs.filter((r) => r.type.includes("docker:")).map((r) => r.type),
                [],
            );
            assert.deepStrictEqual(one(rs, "mysql:Grant").admin, secret({ host: "db.internal", port: 3306, user: "admin", password: "admin-pw" }));
            // Its root accounts are asked about, as that admin, and changed by nothing (no LocalRoot).
            assert.deepStrictEqual(one(rs, "mysql:RemoteRootReport").admin, secret({ host: "db.internal", port: 3306, user: "admin", password: "admin-pw" }));
            assert.strictEqual(rs.filter((r) => r.type.endsWith("mysql:LocalRoot")).length, 0);
        });

        it("says what an adopted server's network root is, and nothing when root is local only", async () => {
            const { remoteRootWarning } = await import("../../components/databases/mysql/localRoot");
            assert.strictEqual(remoteRootWarning("shop-db", []), undefined);
            assert.match(remoteRootWarning("shop-db", [], "SELECT command denied to user 'admin'")!, /^shop-db: could not check .*\(SELECT command denied to user 'admin'\): check it by hand$/);
            assert.match(remoteRootWarning("shop-db", ["%", "10.0.0.%"])!, /^shop-db: the adopted server lets root log in over the network \(root@'%', root@'10\.0\.0\.%'\).*DROP USER/);
        });

        it("bad arguments fail before any resource, naming each field", async () => {
            const { MySqlServer } = await import("../../components/databases/mysql/server");
            assert.throws(
                () => new MySqlServer("bad", { database: "my-shop", sinkUser: { name: "cdc_sink", password: "x" } }),
                /MySqlServer bad:\n {2}- database: expected 1-64 letters.*\n {2}- run\/existing: expected exactly one of them/,
            );
        });
    });
});
