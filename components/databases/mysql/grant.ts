// The privileges one account holds on one database, exactly (dynamic provider over mysql2; see
// ./database.ts for why not @pulumi/mysql). Exactly: a refresh reads what the server says the account
// holds there, so a privilege added by hand shows as drift and the next `up` revokes it.
import * as pulumi from "@pulumi/pulumi";
import { changedFields } from "../../dynamic/diff";
import { MySqlAdmin, MySqlSession, withMySql } from "./connection";

export interface MySqlGrantArgs {
    readonly admin: pulumi.Input<MySqlAdmin>;
    readonly user: pulumi.Input<string>;
    readonly host: pulumi.Input<string>;
    /** The database; `*` for server-wide privileges (what a replication account needs). */
    readonly database: pulumi.Input<string>;
    /** Privileges, e.g. `["SELECT", "INSERT"]`; the account holds these and no others there. */
    readonly privileges: pulumi.Input<pulumi.Input<string>[]>;
}

interface GrantInputs {
    admin: MySqlAdmin;
    user: string;
    host: string;
    database: string;
    privileges: string[];
}

const PRIVILEGE = /^[A-Z]+( [A-Z]+)*$/;

function privilegeList(privileges: readonly string[]): string {
    const bad = privileges.filter((p) => !PRIVILEGE.test(p));
    if (bad.length > 0 || privileges.length === 0) {
        throw new Error(`privileges: expected upper-case privilege names such as SELECT, got ${JSON.stringify(privileges)}`);
    }
    // Spliced into the statement (GRANT takes no placeholders there), hence the check above.
    return privileges.join(", ");
}

/** `ON db.*`, or `ON *.*` for server-wide privileges, with its placeholder values. */
function scope(g: Pick<GrantInputs, "database">): { on: string; params: string[] } {
    return g.database === "*" ? { on: "*.*", params: [] } : { on: "??.*", params: [g.database] };
}

/** What the account holds on the database (or server-wide) according to the server, sorted. */
async function held(c: MySqlSession, g: GrantInputs): Promise<string[]> {
    const grantee = `'${g.user}'@'${g.host}'`;
    const rows = await c.query(
        g.database === "*"
            ? "SELECT PRIVILEGE_TYPE AS p FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ? AND PRIVILEGE_TYPE <> 'USAGE'"
            : "SELECT PRIVILEGE_TYPE AS p FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ? AND TABLE_SCHEMA = ?",
        g.database === "*" ? [grantee] : [grantee, g.database],
    );
    return rows.map((r) => String(r.p)).sort();
}

/** GRANT or REVOKE `privileges` in the grant's scope. */
async function change(c: MySqlSession, verb: "GRANT" | "REVOKE", g: GrantInputs, privileges: readonly string[]): Promise<void> {
    const s = scope(g);
    await c.query(`${verb} ${privilegeList(privileges)} ON ${s.on} ${verb === "GRANT" ? "TO" : "FROM"} ?@?`, [...s.params, g.user, g.host]);
}

const grantProvider: pulumi.dynamic.ResourceProvider<GrantInputs, GrantInputs> = {
    async create(g) {
        await withMySql(g.admin, (c) => change(c, "GRANT", g, g.privileges));
        return { id: `${g.user}@${g.host}/${g.database}`, outs: g };
    },
    async diff(_id, olds, news) {
        const replaces = changedFields<GrantInputs>(olds, news, ["user", "host", "database"]);
        const updates = changedFields<GrantInputs>(olds, news, ["privileges", "admin"]);
        return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: true };
    },
    async update(_id, _olds, news) {
        await withMySql(news.admin, async (c) => {
            // Revoke what the server has beyond the declared set (not just what the old state said).
            const now = await held(c, news);
            const revoke = now.filter((p) => !news.privileges.includes(p));
            const grant = news.privileges.filter((p) => !now.includes(p));
            if (revoke.length > 0) await change(c, "REVOKE", news, revoke);
            if (grant.length > 0) await change(c, "GRANT", news, grant);
        });
        return { outs: news };
    },
    async read(id, props) {
        return withMySql(props!.admin, async (c) => {
            const privileges = await held(c, props!);
            return privileges.length === 0 ? {} : { id, props: { ...props!, privileges } };
        });
    },
    async delete(_id, props) {
        await withMySql(props.admin, async (c) => {
            const now = await held(c, props);
            if (now.length > 0) await change(c, "REVOKE", props, now);
        });
    },
};

/** Exactly `privileges` for `user@host` on `database`; `destroy` revokes them. */
export class MySqlGrant extends pulumi.dynamic.Resource {
    public readonly privileges!: pulumi.Output<string[]>;

    constructor(name: string, args: MySqlGrantArgs, opts?: pulumi.CustomResourceOptions) {
        // Sorted as the server lists them, so a refresh that finds the same set shows no change.
        const privileges = pulumi.output(args.privileges).apply((p) => [...p].sort());
        super(grantProvider, name, { ...args, privileges }, { ...opts, additionalSecretOutputs: ["admin"] }, "mysql", "Grant");
    }
}
