// The superuser's password of a PostgreSQL server the stack runs, kept equal to the stack's (`cdc-sync:passwords`).
// The image reads its password file only when it initialises the data directory, so a rotated password is set
// here, inside the container: over the local socket, where the image's pg_hba lets the OS user `postgres` in
// (peer), as a SCRAM verifier (the password itself never reaches the server or a process argument).
import * as pulumi from "@pulumi/pulumi";
import { Engine } from "../../config/schema";
import { changedFields } from "../../dynamic/diff";
import { withEffect } from "../../dynamic/effect";
import { execWithFiles } from "../../docker/exec";
import { scramVerifier } from "./scram";
import { literal } from "./sqlText";

interface Inputs {
    engine: Engine;
    /** The server's container (a recreated container sets the password again: cheap, and idempotent). */
    containerId: string;
    port: number;
    password: string;
}

const POSTGRES_USER = { uid: 999, gid: 999 }; // POSTGRES_IMAGE_USER of ./server.ts, which imports this module

/** Where a stack-run server's container is, for SQL run in it as its OS user `postgres` (peer, over its socket). */
export interface InServer {
    readonly engine: Engine;
    readonly containerId: string;
    readonly port: number;
}

/**
 * Runs `sql` in the server's container with psql as the superuser, through its socket: no password, none on a
 * process argument (the script is a file, removed after). `what` names it in the error. `dir` is the script's own
 * directory under /run (the archive resets its parent directory's owner and mode).
 */
export async function psqlInServer(i: InServer, dir: string, sql: string, what: string): Promise<void> {
    const psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "/tmp", "-p", String(i.port), "-U", "postgres", "-d", "postgres", "-f", `/run/${dir}/run.sql`];
    const r = await execWithFiles(i.engine, i.containerId, `/run/${dir}`, { "run.sql": sql }, POSTGRES_USER, psql, "postgres");
    if (r.exitCode !== 0) throw new Error(`${what} failed (psql exit ${r.exitCode}): ${r.output.slice(-2000)}`);
}

async function setPassword(i: Inputs): Promise<void> {
    await psqlInServer(i, "cdc-sync-postgres-password", `ALTER ROLE postgres PASSWORD ${literal(scramVerifier(i.password))};\n`, "setting the superuser's password");
}

const provider: pulumi.dynamic.ResourceProvider<Inputs, Inputs> = {
    async check(olds, news) {
        return {
            inputs: withEffect(olds, news, (o, n) =>
                o.password !== n.password
                    ? "sets the new superuser password in the running server (psql through its socket): no restart; what connects as the superuser uses it from now on"
                    : o.containerId !== n.containerId
                      ? "sets the superuser password again in the recreated server"
                      : undefined,
            ),
        };
    },
    async create(inputs) {
        await setPassword(inputs);
        return { id: `${inputs.containerId.slice(0, 12)}/postgres`, outs: inputs };
    },
    async diff(_id, olds, news) {
        return { changes: changedFields<Inputs>(olds, news, ["engine", "containerId", "port", "password"]).length > 0 };
    },
    async update(_id, _olds, news) {
        await setPassword(news);
        return { outs: news };
    },
};

export interface SuperuserPasswordArgs {
    readonly engine: pulumi.Input<Engine>;
    readonly containerId: pulumi.Input<string>;
    readonly port: pulumi.Input<number>;
    /** A Pulumi secret. */
    readonly password: pulumi.Input<string>;
}

/** Keeps the `postgres` role's password what the stack says, also after it is rotated. */
export class SuperuserPassword extends pulumi.dynamic.Resource {
    constructor(name: string, args: SuperuserPasswordArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { ...args, password: pulumi.secret(args.password) }, { ...opts, additionalSecretOutputs: ["password"] }, "databases", "PostgresSuperuserPassword");
    }
}
