// Keeps the root account of a server the stack runs local: no `root@'%'` (or any root@<remote host>) on it. The
// stack administers such a server through its socket (./connection.ts), so a root reachable over the network
// only serves whoever else reaches port 3306. Servers deployed before that had `root@'%'` (the image created it
// from MYSQL_ROOT_HOST); the first `up` drops it, and a refresh shows one added by hand as drift.
// An adopted server's accounts are not the stack's to change: there the same question is only asked and reported
// (MySqlRemoteRootReport).
import * as pulumi from "@pulumi/pulumi";
import { changedFields } from "../../dynamic/diff";
import { MySqlNetworkAdmin, MySqlSession, MySqlSocketAdmin, withMySql } from "./connection";

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

interface ReportInputs {
    admin: MySqlNetworkAdmin;
    /** What the server showed when last asked (create, an admin change, a refresh). */
    remoteRootHosts?: string[];
    /** Why it could not be asked: an administrator that may not read `mysql.user` (the adoption goes on). */
    unchecked?: string;
}

/**
 * The report as `admin` sees it: an administrator refused the account list is said, not an error. (No key is ever
 * `undefined`: the engine cannot take an undefined output value, "Unexpected struct type".)
 */
async function observe(admin: MySqlNetworkAdmin): Promise<Pick<ReportInputs, "remoteRootHosts" | "unchecked">> {
    try {
        return { remoteRootHosts: await withMySql(admin, remoteRootHosts) };
    } catch (e) {
        const message = (e as Error).message;
        if (!/denied/i.test(message)) throw e;
        return { remoteRootHosts: [], unchecked: message };
    }
}

const reportProvider: pulumi.dynamic.ResourceProvider<ReportInputs, ReportInputs> = {
    async create(inputs) {
        return { id: `${inputs.admin.host}:${inputs.admin.port}/root`, outs: { admin: inputs.admin, ...(await observe(inputs.admin)) } };
    },
    // Only the account it asks as: what it found is an observation, refreshed by `pulumi refresh`, never a change.
    async diff(_id, olds, news) {
        return { changes: changedFields<ReportInputs>(olds, news, ["admin"]).length > 0 };
    },
    async update(_id, _olds, news) {
        return { outs: { admin: news.admin, ...(await observe(news.admin)) } };
    },
    async read(id, props) {
        return { id, props: { admin: props!.admin, ...(await observe(props!.admin)) } };
    },
};

/** The root accounts of an adopted server that log in over the network, asked at create and at each refresh; nothing changed. */
export class MySqlRemoteRootReport extends pulumi.dynamic.Resource {
    /** Their hosts (`%`, an address, a pattern), sorted; empty when root is local only (or it could not be asked). */
    public readonly remoteRootHosts!: pulumi.Output<string[]>;
    /** Why the server could not be asked, if it could not. */
    public readonly unchecked!: pulumi.Output<string | undefined>;

    constructor(name: string, args: { admin: pulumi.Input<MySqlNetworkAdmin> }, opts?: pulumi.CustomResourceOptions) {
        super(reportProvider, name, { admin: args.admin, remoteRootHosts: undefined, unchecked: undefined }, { ...opts, additionalSecretOutputs: ["admin"] }, "mysql", "RemoteRootReport");
    }
}

/** What the stack says about an adopted server whose root logs in over the network (`hosts` from the report), or that it could not ask. */
export function remoteRootWarning(server: string, hosts: readonly string[], unchecked?: string): string | undefined {
    if (unchecked) return `${server}: could not check whether the adopted server's root logs in over the network (${unchecked}): check it by hand`;
    if (hosts.length === 0) return undefined;
    const accounts = hosts.map((h) => `root@'${h}'`).join(", ");
    return (
        `${server}: the adopted server lets root log in over the network (${accounts}): anyone who reaches its port and ` +
        `guesses or steals that password administers every database on it. The stack does not change an adopted server's ` +
        `accounts: drop them (DROP USER 'root'@'<host>') and adopt it with an administrator of its own (docs/security.md)`
    );
}
