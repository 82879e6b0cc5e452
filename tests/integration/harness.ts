// Shared by the integration tests: a real `pulumi up` of a stack of this repo through the Automation API
// (which drives the real CLI), in a throwaway state backend, with the engine checked before and after.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import Dockerode from "dockerode";
import { execIn as engineExec } from "../../components/docker/exec";
import { readCommitted, topicBounds } from "./topics";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

// Every inline program of this process talks to its own CLI's engine at 127.0.0.1:PORT over gRPC. gRPC's global
// subchannel pool keeps a connection to a given address for up to 10 s after its client closes, and hands it to the
// next client of that address: a CLI that got the port a finished one had gets a dead connection, and the program
// fails at once with "14 UNAVAILABLE: No connection established. Last error: null" (CI, twice: a new stack's first
// up failing in 1 s, nothing touched; the likely cause, not reproduced on demand). One pool per client, so a program
// never inherits another's connection.
// (The CLI as users run it starts one program per process; this is the test harness's situation only.)
(require("@pulumi/pulumi/runtime/settings") as { grpcClientOptions: Record<string, unknown> }).grpcClientOptions["grpc.use_local_subchannel_pool"] = 1;

/** Everything the stack owns on the engine (by default the local one) carries this label (components/docker/engine.ts). */
export async function ownedByStack(stackName: string, docker = new Dockerode()): Promise<{ containers: string[]; volumes: string[]; networks: string[] }> {
    const filters = JSON.stringify({ label: [`io.cdc-sync.stack=${stackName}`] });
    const [containers, volumes, networks] = await Promise.all([
        docker.listContainers({ all: true, filters }),
        docker.listVolumes({ filters }),
        docker.listNetworks({ filters }),
    ]);
    return {
        containers: containers.map((c) => c.Names[0]),
        volumes: (volumes.Volumes ?? []).map((v) => v.Name),
        networks: networks.map((n) => n.Name),
    };
}

/** Runs a command in a container on the local engine and returns its output (fails on a non-zero exit). */
export async function execIn(container: string, cmd: string[]): Promise<string> {
    const r = await engineExec({ kind: "local" }, container, cmd);
    if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} in ${container} exited ${r.exitCode}: ${r.output}`);
    return r.output;
}

/**
 * ZooKeeper's own command-line client (ZooKeeperMain, from the image's jars) run in `container` against `server`: with
 * `login` (a JAAS file in that container with a `Client` section) it logs in, without it it is anyone who reaches the
 * port. Returns the exit code and output; a client that cannot connect gives up after 60 s.
 */
export async function zooKeeperCli(container: string, server: string, login: string | undefined, ...command: string[]): Promise<{ exitCode: number; output: string }> {
    const jvm = ["-Xmx64m", ...(login ? [`-Djava.security.auth.login.config=${login}`] : [])];
    return engineExec({ kind: "local" }, container, ["timeout", "60", "java", ...jvm, "-cp", "/opt/kafka/libs/*", "org.apache.zookeeper.ZooKeeperMain", "-server", server, ...command]);
}

export interface TestStack {
    readonly stack: Stack;
    /** Where the CLI's output of every operation goes (kept on failure for diagnosis). */
    readonly logFile: string;
    log(line: string): void;
}

/**
 * Selects `stackName` (its config is the repo's Pulumi.<stackName>.yaml, for a local stack written from
 * stacks/<stackName>.yaml first, as scripts/setup.sh does) in a fresh file backend, with the machine's
 * passphrase from scripts/setup.sh (the stack file's encryption salt is tied to it), and `env` for the CLI.
 * Refuses to run if the engine already has containers of a stack by that name (the test would
 * otherwise take over, and finally destroy, a stack somebody is using), or only its volumes.
 */
export async function openStack(stackName: string, env: Readonly<Record<string, string>> = {}): Promise<TestStack> {
    const existing = await ownedByStack(stackName);
    if (existing.containers.length > 0) {
        throw new Error(
            `the engine already runs containers of a '${stackName}' stack (${existing.containers.join(", ")}); ` +
                `run scripts/down.sh (or pulumi destroy) first`,
        );
    }
    // Left by a run that was interrupted before its destroy: adopted, they would hold the old run's data and passwords.
    if (existing.volumes.length > 0) {
        throw new Error(`the engine has volumes of a '${stackName}' stack but none of its containers (an interrupted run?): remove them first: docker volume rm ${existing.volumes.join(" ")}`);
    }
    execFileSync(path.join(REPO_ROOT, "scripts", "local-stacks.sh"), { stdio: "inherit" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-sync-itest-"));
    const logFile = path.join(dir, "pulumi.log");
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName, workDir: REPO_ROOT },
        {
            envVars: {
                PULUMI_BACKEND_URL: `file://${dir}`,
                PULUMI_SKIP_UPDATE_CHECK: "true",
                PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
                ...env,
            },
        },
    );
    return { stack, logFile, log: (line) => fs.appendFileSync(logFile, line) };
}

/**
 * A stack of an inline `program` in the same state backend as `base` (e.g. resources deployed on top of the
 * platform). The CLI still drives it; its log goes next to the base stack's. Dynamic providers of an inline
 * program run outside the repo, so NODE_PATH lets them require the repo's node_modules.
 */
export async function openInlineStack(base: TestStack, stackName: string, program: PulumiFn): Promise<TestStack> {
    const existing = await ownedByStack(stackName);
    if (existing.containers.length + existing.volumes.length > 0) {
        throw new Error(`the engine already has ${[...existing.containers, ...existing.volumes].join(", ")} of a '${stackName}' stack; destroy it first`);
    }
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName, projectName: "cdc-sync-itest", program },
        { envVars: { ...base.stack.workspace.envVars, NODE_PATH: path.join(REPO_ROOT, "node_modules") } },
    );
    const logFile = path.join(path.dirname(base.logFile), `${stackName}.log`);
    return { stack, logFile, log: (line) => fs.appendFileSync(logFile, line) };
}

/** Polls `check` until it stops throwing; rethrows its last error after `seconds`. */
export async function eventually<T>(seconds: number, check: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        try {
            return await check();
        } catch (e) {
            if (Date.now() > deadline) throw e;
            await new Promise((r) => setTimeout(r, 1000));
        }
    }
}

/**
 * Records in `topics` now, committed ones only: what was produced and not deleted. (High minus low watermark would
 * count transaction markers too: ./topics.ts.)
 */
export async function topicMessages(brokers: string[], topics: readonly string[]): Promise<number> {
    const { low, high } = await topicBounds(brokers, topics);
    let n = 0;
    await readCommitted(brokers, low, high, () => n++);
    return n;
}

/** A decrypted Pulumi secret in an exported state (`stack.exportStack()` exports with `--show-secrets`). */
function isSecretEnvelope(v: unknown): v is { plaintext: string } {
    const pulumi: typeof import("@pulumi/pulumi") = require("@pulumi/pulumi");
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
}

/** The values a GeneratedPasswords resource (components/secrets/passwords.ts) keeps, from an export that shows secrets. */
export function generatedPasswords(exported: unknown, resourceName: string): Record<string, string> {
    const resources = (exported as { deployment: { resources: { urn: string; outputs?: { values?: unknown } }[] } }).deployment.resources;
    const found = resources.find((r) => r.urn.endsWith(`::${resourceName}`));
    const values = found?.outputs?.values;
    if (!isSecretEnvelope(values)) throw new Error(`no generated passwords named ${resourceName} in the export (or not as a secret)`);
    return JSON.parse(values.plaintext) as Record<string, string>;
}

/** The forms a secret takes in JSON text: as it is, and JSON-escaped (a quote or a backslash in it is escaped). */
export function jsonForms(secret: string): string[] {
    return [secret, JSON.stringify(secret).slice(1, -1)];
}

/**
 * What a stack's state shows of `secrets` outside its Pulumi secrets, by name: the export, decrypted, with each secret
 * replaced, searched for each value as is and JSON-escaped (a password with a quote or a backslash is escaped in the
 * export's text: searched for only as is, it could never be found). Also fails when a value is in no secret of the
 * export either, where the search could prove nothing.
 */
export function stateLeaks(exported: unknown, secrets: Readonly<Record<string, string>>): string[] {
    const plaintexts: string[] = [];
    const outside = JSON.stringify(exported, (_k, v) => {
        if (!isSecretEnvelope(v)) return v;
        plaintexts.push(v.plaintext);
        return "[secret]";
    });
    const inSecrets = plaintexts.join("\n");
    return Object.entries(secrets).flatMap(([name, value]) => {
        const forms = jsonForms(value);
        if (forms.some((f) => outside.includes(f))) return [`${name}: in clear in the state`];
        // A secret's plaintext is the value JSON-encoded: its own text escapes what the value's does.
        if (!forms.some((f) => inSecrets.includes(f))) return [`${name}: in no secret of the state (the search proves nothing)`];
        return [];
    });
}
