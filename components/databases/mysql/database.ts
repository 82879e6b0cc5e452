// A database on a MySQL/MariaDB server, owned by the stack (dynamic provider over mysql2; the bridged
// @pulumi/mysql provider cannot be built on our machines: its Go modules are not served by the module
// proxy). Creating it also checks that the server is the declared flavor, because the JDBC URL, and so
// the sink's SQL dialect, follow from that declaration.
import * as pulumi from "@pulumi/pulumi";
import { changedFields } from "../../dynamic/diff";
import { adminTarget, MySqlAdmin, MySqlSession, withMySql } from "./connection";
import { flavorOfVersion, MySqlFlavor } from "./sql";

export interface MySqlDatabaseArgs {
    /** Admin connection (a secret). */
    readonly admin: pulumi.Input<MySqlAdmin>;
    readonly name: pulumi.Input<string>;
    /** Default character set of the database, e.g. `utf8mb4`. */
    readonly characterSet: pulumi.Input<string>;
    /** The server family the stack declared; `up` fails if the server says otherwise. */
    readonly flavor: pulumi.Input<MySqlFlavor>;
}

interface DatabaseInputs {
    admin: MySqlAdmin;
    name: string;
    characterSet: string;
    flavor: MySqlFlavor;
}

interface DatabaseOutputs extends DatabaseInputs {
    /** `VERSION()` of the server at the last create, update or refresh. */
    serverVersion: string;
}

const CHARSET = /^[a-z0-9_]{1,32}$/;

/** Checks the flavor and returns the server's version. */
async function checkServer(c: MySqlSession, d: DatabaseInputs): Promise<string> {
    const rows = await c.query("SELECT VERSION() AS v");
    const version = String(rows[0].v);
    if (flavorOfVersion(version) !== d.flavor) {
        throw new Error(`${adminTarget(d.admin)} runs ${version}, which is ${flavorOfVersion(version)}, but flavor is ${d.flavor}`);
    }
    return version;
}

async function charsetOf(c: MySqlSession, name: string): Promise<string | undefined> {
    const rows = await c.query(
        "SELECT DEFAULT_CHARACTER_SET_NAME AS cs FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
        [name],
    );
    return rows.length > 0 ? String(rows[0].cs) : undefined;
}

function checkCharset(cs: string): void {
    if (!CHARSET.test(cs)) throw new Error(`characterSet: expected a character set name such as utf8mb4, got ${JSON.stringify(cs)}`);
}

const databaseProvider: pulumi.dynamic.ResourceProvider<DatabaseInputs, DatabaseOutputs> = {
    async create(d) {
        checkCharset(d.characterSet);
        const serverVersion = await withMySql(d.admin, async (c) => {
            const version = await checkServer(c, d);
            // Never adopt silently: `destroy` drops what the stack created, and this one it did not.
            if ((await charsetOf(c, d.name)) !== undefined) {
                throw new Error(`database ${d.name} already exists on ${adminTarget(d.admin)}; drop it or choose another name`);
            }
            await c.query(`CREATE DATABASE ?? CHARACTER SET ${d.characterSet}`, [d.name]);
            return version;
        });
        return { id: d.name, outs: { ...d, serverVersion } };
    },
    async diff(_id, olds, news) {
        const replaces = changedFields<DatabaseInputs>(olds, news, ["name"]);
        const updates = changedFields<DatabaseInputs>(olds, news, ["characterSet", "flavor", "admin"]);
        // A database name is fixed: the old one must go before a new one of the same name can exist.
        return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: true };
    },
    async update(_id, _olds, news) {
        checkCharset(news.characterSet);
        const serverVersion = await withMySql(news.admin, async (c) => {
            const version = await checkServer(c, news);
            await c.query(`ALTER DATABASE ?? CHARACTER SET ${news.characterSet}`, [news.name]);
            return version;
        });
        return { outs: { ...news, serverVersion } };
    },
    async read(id, props) {
        return withMySql(props!.admin, async (c) => {
            const characterSet = await charsetOf(c, id);
            return characterSet === undefined ? {} : { id, props: { ...props!, characterSet } };
        });
    },
    async delete(id, props) {
        await withMySql(props.admin, (c) => c.query("DROP DATABASE IF EXISTS ??", [id]));
    },
};

/** A database the stack created; `destroy` drops it with its data. */
export class MySqlDatabase extends pulumi.dynamic.Resource {
    public readonly name!: pulumi.Output<string>;
    public readonly serverVersion!: pulumi.Output<string>;

    constructor(name: string, args: MySqlDatabaseArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            databaseProvider,
            name,
            { ...args, serverVersion: undefined },
            { ...opts, additionalSecretOutputs: ["admin"] },
            "mysql",
            "Database",
        );
    }
}
