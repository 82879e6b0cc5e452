// Keeps the root account of a server the stack runs local: no `root@'%'` (or any root@<remote host>) on it. The
// stack administers such a server through its socket (./connection.ts), so a root reachable over the network
// only serves whoever else reaches port 3306. Servers deployed before that had `root@'%'` (the image created it
// from MYSQL_ROOT_HOST); the first `up` drops it, and a refresh shows one added by hand as drift.
import * as pulumi from "@pulumi/pulumi";
import { changedFields } from "../../dynamic/diff";
import { MySqlSession, MySqlSocketAdmin, withMySql } from "./connection";

interface Inputs {
    admin: MySqlSocketAdmin;
    /** The root accounts that may log in over the network: none. */
    remoteRootHosts: string[];
}

/** The hosts of root accounts other than the local ones (localhost, the loopback addresses), sorted. */
async function remoteRootHosts(c: MySqlSession): Promise<string[]> {
    const rows = await c.query("SELECT Host AS h FROM mysql.user WHERE User = 'root' AND Host NOT IN ('localhost', '127.0.0.1', '::1')");
    return rows.map((r) => String(r.h)).sort();
}

async function dropRemoteRoots(admin: MySqlSocketAdmin): Promise<void> {
    await withMySql(admin, async (c) => {
        for (const host of await remoteRootHosts(c)) await c.query("DROP USER ?@?", ["root", host]);
    });
}

const provider: pulumi.dynamic.ResourceProvider<Inputs, Inputs> = {
    async create(inputs) {
        await dropRemoteRoots(inputs.admin);
        return { id: `${inputs.admin.container}/root`, outs: { ...inputs, remoteRootHosts: [] } };
    },
    async diff(_id, olds, news) {
        return { changes: changedFields<Inputs>(olds, news, ["admin", "remoteRootHosts"]).length > 0 };
    },
    async update(_id, _olds, news) {
        await dropRemoteRoots(news.admin);
        return { outs: { ...news, remoteRootHosts: [] } };
    },
    async read(id, props) {
        return { id, props: { ...props!, remoteRootHosts: await withMySql(props!.admin, remoteRootHosts) } };
    },
};

/** No root account of the server logs in over the network; one found there (an old server, a hand) is dropped. */
export class MySqlLocalRoot extends pulumi.dynamic.Resource {
    constructor(name: string, args: { admin: pulumi.Input<MySqlSocketAdmin> }, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { admin: args.admin, remoteRootHosts: [] }, { ...opts, additionalSecretOutputs: ["admin"] }, "mysql", "LocalRoot");
    }
}
