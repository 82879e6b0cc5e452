// The MongoDB component: connection-string validation and the connector's roles table-driven, the
// initialisation script run against an in-memory stand-in for mongosh's `rs` and `db` (no mongod can run
// here), and the resource graph with Pulumi mocks.
import * as assert from "assert";
import * as vm from "vm";
import { inputsOf, record, Recorded, secret } from "./mocks";
import { ServerSpec } from "../../components/config/schema";
import { MongoReplicaSetArgs } from "../../components/databases/mongodb/server";
import { checkReplicaSetConnectionString } from "../../components/databases/mongodb/connectionString";
import { connectorRoles, initScript, InitSettings } from "../../components/databases/mongodb/users";

const SERVER1: ServerSpec = { name: "server1", engine: { kind: "local" }, address: "127.0.0.11" };

describe("MongoDB replica set", () => {
    describe("connection string of an adopted replica set", () => {
        const cases: [string, string | undefined][] = [
            ["mongodb://db1:27017/?replicaSet=rs0", undefined],
            ["mongodb://db1:27017,db2:27018/admin?replicaSet=rs0&tls=true", undefined],
            ["mongodb://10.0.0.5/?readPreference=secondaryPreferred&replicaSet=prod", undefined],
            ["mongodb+srv://cluster0.example.com/", undefined],
            ["mongodb+srv://cluster0.example.com/?retryWrites=true", undefined],
            ["mongodb://db1:27017/", 'uri: expected a replica set (a replicaSet=<name> parameter, or a mongodb+srv:// address): change streams need one, got "mongodb://db1:27017/"'],
            ["mongodb://db1:27017/?replicaSet=", 'uri: expected a replica set (a replicaSet=<name> parameter, or a mongodb+srv:// address): change streams need one, got "mongodb://db1:27017/?replicaSet="'],
            ["mongodb://db1:27017/?directConnection=true", 'uri: expected a replica set (a replicaSet=<name> parameter, or a mongodb+srv:// address): change streams need one, got "mongodb://db1:27017/?directConnection=true"'],
            [
                "mongodb://debezium:hunter2@db1:27017/?replicaSet=rs0",
                'uri: expected no credentials in the connection string (give the user and the password, a secret, separately), got "mongodb://<credentials>@db1:27017/?replicaSet=rs0"',
            ],
            ["postgres://db1/?replicaSet=rs0", 'uri: expected mongodb://host[:port][,host...]/?replicaSet=<name> or mongodb+srv://host/, got "postgres://db1/?replicaSet=rs0"'],
            ["mongodb://db 1:27017/?replicaSet=rs0", 'uri: expected host[:port] entries separated by commas, got "mongodb://db 1:27017/?replicaSet=rs0"'],
            ["mongodb:///?replicaSet=rs0", 'uri: expected host[:port] entries separated by commas, got "mongodb:///?replicaSet=rs0"'],
        ];
        for (const [uri, want] of cases) {
            it(`${uri} -> ${want ? "rejected" : "accepted"}`, () => assert.strictEqual(checkReplicaSetConnectionString("uri", uri), want));
        }
    });

    describe("the connector's roles", () => {
        const cases: [string[], { role: string; db: string }[]][] = [
            [["shop"], [{ role: "read", db: "shop" }]],
            [
                ["shop", "crm", "shop"],
                [
                    { role: "read", db: "crm" },
                    { role: "read", db: "shop" },
                ],
            ],
        ];
        for (const [dbs, want] of cases) {
            it(`${dbs.join(",")}: read on each captured database, nothing cluster-wide`, () => assert.deepStrictEqual(connectorRoles(dbs), want));
        }
        it("no database is an error", () => assert.throws(() => connectorRoles([]), /^Error: connector\.databases: expected at least one database$/));
    });

    describe("initialisation script (against an in-memory mongosh)", () => {
        const settings: InitSettings = {
            replicaSet: "rs0",
            member: "127.0.0.11:27017",
            admin: { user: "cdc-sync-admin", password: "admin-pw" },
            connector: { user: "debezium", password: "dbz-pw", roles: [{ role: "read", db: "shop" }] },
            timeoutSeconds: 5,
        };

        /** A replica-set member as mongosh sees it: authentication enforced once an account exists. */
        function member(state: { initiated: boolean; users: Record<string, { pwd: string; roles: unknown }>; primaryAfter: number }) {
            const calls: string[] = [];
            let authed = false;
            let hellos = 0;
            const denied = (what: string) => Object.assign(new Error(`${what} requires authentication`), { codeName: "Unauthorized" });
            const mayAdminister = () => authed || Object.keys(state.users).length === 0; // the localhost exception
            const admin = {
                auth(user: string, pwd: string) {
                    if (state.users[user]?.pwd !== pwd) throw Object.assign(new Error("Authentication failed."), { codeName: "AuthenticationFailed" });
                    authed = true;
                    return { ok: 1 };
                },
                createUser(u: { user: string; pwd: string; roles: unknown }) {
                    if (!mayAdminister()) throw denied("createUser");
                    calls.push(`createUser ${u.user} ${JSON.stringify(u.roles)}`);
                    state.users[u.user] = { pwd: u.pwd, roles: u.roles };
                },
                getUser(user: string) {
                    if (!authed) throw denied("usersInfo");
                    return state.users[user] ?? null;
                },
                updateUser(user: string, u: { pwd: string; roles: unknown }) {
                    if (!authed) throw denied("updateUser");
                    calls.push(`updateUser ${user} ${JSON.stringify(u.roles)}`);
                    state.users[user] = u;
                },
            };
            const context = {
                rs: {
                    status() {
                        if (!state.initiated) throw Object.assign(new Error("no replset config has been received"), { codeName: "NotYetInitialized" });
                        if (!mayAdminister()) throw denied("replSetGetStatus");
                        return { ok: 1 };
                    },
                    initiate(cfg: unknown) {
                        calls.push(`initiate ${JSON.stringify(cfg)}`);
                        state.initiated = true;
                    },
                },
                db: { hello: () => ({ isWritablePrimary: state.initiated && ++hellos > state.primaryAfter }), getSiblingDB: () => admin },
                sleep: () => undefined,
                print: () => undefined,
            };
            return { calls, state, run: () => vm.runInNewContext(initScript(settings), context) };
        }

        it("a fresh member: initiates, waits for primary, creates the administrator, then the connector's account", () => {
            const m = member({ initiated: false, users: {}, primaryAfter: 2 });
            m.run();
            assert.deepStrictEqual(m.calls, [
                'initiate {"_id":"rs0","members":[{"_id":0,"host":"127.0.0.11:27017"}]}',
                'createUser cdc-sync-admin [{"role":"root","db":"admin"}]',
                'createUser debezium [{"role":"read","db":"shop"}]',
            ]);
        });

        it("an initiated member with accounts: authenticates, only updates the connector's account", () => {
            const users = { "cdc-sync-admin": { pwd: "admin-pw", roles: [] }, debezium: { pwd: "old", roles: [] } };
            const m = member({ initiated: true, users, primaryAfter: 0 });
            m.run();
            assert.deepStrictEqual(m.calls, ['updateUser debezium [{"role":"read","db":"shop"}]']);
            assert.strictEqual(m.state.users.debezium.pwd, "dbz-pw");
        });

        it("a wrong administrator password fails instead of creating anything", () => {
            const m = member({ initiated: true, users: { "cdc-sync-admin": { pwd: "other", roles: [] } }, primaryAfter: 0 });
            assert.throws(() => m.run(), /createUser requires authentication/);
            assert.deepStrictEqual(m.calls, []);
        });

        it("no primary within the timeout fails", () => {
            const m = member({ initiated: true, users: {}, primaryAfter: Infinity });
            const slow = { ...settings, timeoutSeconds: 0 };
            assert.throws(() => vm.runInNewContext(initScript(slow), { rs: { status: () => ({}) }, db: { hello: () => ({ isWritablePrimary: false }) }, sleep: () => undefined }), /no primary within 0s/);
            assert.deepStrictEqual(m.calls, []);
        });
    });

    describe("resource graph", () => {
        async function deploy(args: MongoReplicaSetArgs): Promise<Recorded[]> {
            const { MongoReplicaSet } = await import("../../components/databases/mongodb/server");
            return record(async () => {
                const rs = new MongoReplicaSet("mongodb", args);
                return rs.container ? rs.container.containerId : (await import("@pulumi/pulumi")).output(rs.connectionString);
            });
        }
        const connector = { user: "debezium", password: "dbz-pw", databases: ["shop"] };

        it("no image configured: fails at once, saying why none can be had here", async () => {
            const { MongoReplicaSet } = await import("../../components/databases/mongodb/server");
            assert.throws(
                () => new MongoReplicaSet("m", { run: { server: SERVER1, stack: "dev", image: undefined, adminPassword: "a" }, connector }),
                /^Error: MongoReplicaSet m: run\.image: no MongoDB image configured\. cdc-sync cannot build one \(no reachable registry/,
            );
        });

        it("runs the configured image bound to the server's address, with a keyfile, two named volumes and the init gate", async () => {
            const rs = await deploy({ run: { server: SERVER1, stack: "dev", image: "mongo:8.0", adminPassword: "admin-pw" }, connector });
            const by = (t: string) => rs.filter((r) => r.type.endsWith(t)).map(inputsOf);
            assert.deepStrictEqual(by("docker:RegistryImage"), [{ engine: SERVER1.engine, name: "mongo:8.0" }]);
            assert.deepStrictEqual(by("docker:Volume").map((v) => v.name).sort(), ["cdc-sync-dev-mongodb-config", "cdc-sync-dev-mongodb-data"]);
            const [c] = by("docker:Container");
            assert.strictEqual(c.name, "cdc-sync-dev-mongodb");
            assert.deepStrictEqual(c.args, ["--replSet=rs0", "--bind_ip=127.0.0.11", "--port=27017", "--keyFile=/etc/cdc-sync/mongodb/keyfile", "--wiredTigerCacheSizeGB=0.25"]);
            assert.deepStrictEqual(c.env, {});
            assert.deepStrictEqual(c.volumes, { "cdc-sync-dev-mongodb-data": "/data/db", "cdc-sync-dev-mongodb-config": "/data/configdb" });
            assert.deepStrictEqual(Object.keys(c.files.value), ["/etc/cdc-sync/mongodb/keyfile"]);
            assert.match(c.files.value["/etc/cdc-sync/mongodb/keyfile"], /^[A-Za-z0-9+/]{43}=$/, "a keyfile, kept secret");
            assert.deepStrictEqual(c.fileOwner, { uid: 999, gid: 999 });
            const [init] = by("mongodb:ReplicaSetInit");
            assert.deepStrictEqual(init, {
                engine: SERVER1.engine,
                containerId: "id-mongodb",
                port: 27017,
                replicaSet: "rs0",
                member: "127.0.0.11:27017",
                adminUser: "cdc-sync-admin",
                adminPassword: secret("admin-pw"),
                connectorUser: "debezium",
                connectorPassword: secret("dbz-pw"),
                connectorRoles: [{ role: "read", db: "shop" }],
                timeoutSeconds: 120,
            });
        });

        it("an existing replica set: nothing to run, its connection string checked", async () => {
            const rs = await deploy({ existing: { connectionString: "mongodb://db1:27017/?replicaSet=rs0" }, connector });
            assert.deepStrictEqual(rs.map((r) => r.type), ["cdc-sync:databases:MongoReplicaSet"]);
            const { MongoReplicaSet } = await import("../../components/databases/mongodb/server");
            assert.throws(
                () => new MongoReplicaSet("m", { existing: { connectionString: "mongodb://db1:27017/" }, connector }),
                /^Error: MongoReplicaSet m: existing\.connectionString: expected a replica set/,
            );
        });
    });
});
