// An account on a MySQL/MariaDB server, owned by the stack (dynamic provider over mysql2; see ./database.ts
// for why not @pulumi/mysql). Its password is a Pulumi secret: it reaches the server escaped into the statement
// (over the connection, or in a 0600 file for a server the stack runs: ./connection.ts), never as a process
// argument, and stays encrypted in state.
import * as pulumi from "@pulumi/pulumi";
import { changedFields } from "../../dynamic/diff";
import { adminTarget, MySqlAdmin, MySqlSession, withMySql } from "./connection";

export interface MySqlUserArgs {
    readonly admin: pulumi.Input<MySqlAdmin>;
    readonly name: pulumi.Input<string>;
    /** Host pattern the account may connect from, e.g. `%` or `10.0.0.%`. */
    readonly host: pulumi.Input<string>;
    readonly password: pulumi.Input<string>;
}

interface UserInputs {
    admin: MySqlAdmin;
    name: string;
    host: string;
    password: string;
}

async function exists(c: MySqlSession, name: string, host: string): Promise<boolean> {
    const rows = await c.query("SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?", [name, host]);
    return rows.length > 0;
}

const userProvider: pulumi.dynamic.ResourceProvider<UserInputs, UserInputs> = {
    async create(u) {
        await withMySql(u.admin, async (c) => {
            // Taking over an existing account would hand its password to this stack's connectors.
            if (await exists(c, u.name, u.host)) {
                throw new Error(`user '${u.name}'@'${u.host}' already exists on ${adminTarget(u.admin)}; drop it or choose another name`);
            }
            await c.query("CREATE USER ?@? IDENTIFIED BY ?", [u.name, u.host, u.password]);
        });
        return { id: `${u.name}@${u.host}`, outs: u };
    },
    async diff(_id, olds, news) {
        // The account is its name and host: another name or host is another account.
        const replaces = changedFields<UserInputs>(olds, news, ["name", "host"]);
        const updates = changedFields<UserInputs>(olds, news, ["password", "admin"]);
        return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: true };
    },
    async update(_id, olds, news) {
        if (olds.password !== news.password) {
            await withMySql(news.admin, (c) => c.query("ALTER USER ?@? IDENTIFIED BY ?", [news.name, news.host, news.password]));
        }
        return { outs: news };
    },
    async read(id, props) {
        return withMySql(props!.admin, async (c) => ((await exists(c, props!.name, props!.host)) ? { id, props: props! } : {}));
    },
    async delete(_id, props) {
        await withMySql(props.admin, (c) => c.query("DROP USER IF EXISTS ?@?", [props.name, props.host]));
    },
};

/** A MySQL/MariaDB account the stack created; `destroy` drops it. */
export class MySqlUser extends pulumi.dynamic.Resource {
    public readonly name!: pulumi.Output<string>;
    public readonly host!: pulumi.Output<string>;

    constructor(name: string, args: MySqlUserArgs, opts?: pulumi.CustomResourceOptions) {
        super(userProvider, name, args, { ...opts, additionalSecretOutputs: ["admin", "password"] }, "mysql", "User");
    }
}
